"""`path:line:col: CODE message`, one line per finding (flake8's format)."""

from __future__ import annotations

from typing import Sequence

from ..findings import Finding


def render(findings: Sequence[Finding]) -> str:
    return "".join(f.text() + "\n" for f in findings)
