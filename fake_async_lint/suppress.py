"""`# noqa` and --select/--ignore, with flake8's semantics so both front ends agree."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Iterable, Optional

from .findings import Finding

# flake8's own pattern (bare, with codes, any case, comma or space separated)
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_SPLIT = re.compile(r"[,\s]")


def noqa_lines(source: str) -> dict[int, str]:
    """Line number -> the text searched for `# noqa` (a whole logical line, as flake8 does)."""
    # split lines as Python's tokenizer does (\n, \r\n, lone \r; not form feeds), so numbers match the ast
    lines = io.StringIO(source, newline=None).readlines()
    mapping: dict[int, str] = {}
    lo, hi = len(lines) + 2, -1
    try:
        for tok in tokenize.generate_tokens(iter(lines).__next__):
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            lo, hi = min(lo, tok.start[0]), max(hi, tok.end[0])
            if tok.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "".join(lines[lo - 1 : hi])
                for n in range(lo, hi + 1):
                    mapping[n] = joined
                lo, hi = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError):
        return {}
    return mapping


def noqa_codes(text: str) -> Optional[frozenset[str]]:
    """None: no noqa; empty set: bare `# noqa`; else the listed codes."""
    m = NOQA.search(text)
    if m is None:
        return None
    codes = m.group("codes")
    if codes is None:
        return frozenset()
    return frozenset(c.strip() for c in _SPLIT.split(codes) if c.strip())


def silenced(code: str, text: Optional[str]) -> bool:
    if not text:
        return False
    codes = noqa_codes(text)
    if codes is None:
        return False
    return not codes or code in codes or code.startswith(tuple(codes))


def apply_noqa(findings: Iterable[Finding], source: str) -> list[Finding]:
    mapping = noqa_lines(source)
    return [f for f in findings if not silenced(f.code, mapping.get(f.line))]


@dataclass(frozen=True)
class Selection:
    """Which codes are reported, decided as flake8 decides: the longest matching prefix
    wins between select and ignore, and opt-in codes are off only under the default
    selection (an explicit --select/--extend-select that matches them turns them on)."""

    select: Optional[tuple[str, ...]] = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    default_off: frozenset[str] = frozenset()

    def enabled(self, code: str) -> bool:
        explicit = _longest(code, (self.select or ()) + self.extend_select)
        implicit = _longest(code, ("FAS",)) if self.select is None and code not in self.default_off else None
        chosen = explicit or implicit
        if chosen is None:
            return False
        ignored = _longest(code, self.ignore)
        return ignored is None or len(ignored) < len(chosen)

    def codes(self, all_codes: Iterable[str]) -> frozenset[str]:
        return frozenset(c for c in all_codes if self.enabled(c))


def _longest(code: str, prefixes: Iterable[str]) -> Optional[str]:
    best: Optional[str] = None
    for p in prefixes:
        if code.startswith(p) and (best is None or len(p) > len(best)):
            best = p
    return best
