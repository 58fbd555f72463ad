"""What every format says the same way: a chain's hops, a fix and its applicability."""

from __future__ import annotations

from typing import Optional

from ..findings import ChainStep, Finding, Fix


def applicability(fix: Fix) -> str:
    """ "safe" (applied by `fake-async-lint fix`) or "unsafe" (may change meaning: review it)."""
    return str(getattr(fix, "applicability", "safe") or "safe")


def call_name(step: ChainStep) -> str:
    """`name()` for a hop (some rules record the parentheses already)."""
    return step.name if step.name.endswith(")") else f"{step.name}()"


def hop_lines(f: Finding) -> list[str]:
    """Each hop of a chain as `path:line: name()`, the form terminals and editors jump to."""
    return [f"{s.path}:{s.line}: {call_name(s)}" for s in f.chain]


def fix_line(f: Finding) -> Optional[str]:
    """`fix (safe): `new text``, or None when the finding has no fix."""
    if f.fix is None:
        return None
    return f"fix ({applicability(f.fix)}): `{f.fix.replacement}`"


def coroutines(f: Finding) -> list[str]:
    """Every coroutine the finding concerns: never empty when it names one. A finding that names
    several in `coroutine` ("fetch, other", a pool of another module) is split: a coroutine's
    name is dotted identifiers, never a comma."""
    if f.coroutines:
        return list(f.coroutines)
    return [c for c in f.coroutine.split(", ") if c]


def details(f: Finding) -> list[str]:
    """The lines that follow a finding's own line in the plain-text formats: chain, then fix."""
    out = []
    if f.chain:
        out.append("chain:")
        out += [f"    {hop}" for hop in hop_lines(f)]
    fix = fix_line(f)
    if fix:
        out.append(fix)
    return out
