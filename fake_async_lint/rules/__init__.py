"""The rule registry: every family's rules and checker, in code order."""

from __future__ import annotations

from . import blocking, fake_async, hygiene, transitive
from .base import Context, Example, Family, Rule

FAS001 = Rule(
    code="FAS001",
    name="unanalysable-file",
    summary="The file could not be analysed (syntax error, undecodable bytes, null bytes, too deeply nested).",
    what=(
        "Reported once for a file that cannot be read or parsed, with the reason, at the position "
        "the parser gave. The scan goes on with the other files and the exit code is 1."
    ),
    why="A file that is not analysed is a file whose blocking calls go unseen; silence would read as 'clean'.",
    example="async def f(:\n    pass\n",
    instead="async def f():\n    pass\n",
)

FAMILIES: tuple[Family, ...] = (blocking.FAMILY, *fake_async.FAMILIES, transitive.FAMILY, hygiene.FAMILY)

ALL_RULES: dict[str, Rule] = {FAS001.code: FAS001}
for _family in FAMILIES:
    for _rule in _family.rules:
        ALL_RULES[_rule.code] = _rule
ALL_RULES = dict(sorted(ALL_RULES.items()))

DEFAULT_OFF = frozenset(code for code, rule in ALL_RULES.items() if not rule.default)

__all__ = ["ALL_RULES", "DEFAULT_OFF", "FAMILIES", "Context", "Example", "Family", "Rule"]
