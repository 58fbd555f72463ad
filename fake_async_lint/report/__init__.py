"""Reporters: findings -> text for people, CI systems and tools."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from ..findings import Finding
from . import github, json_report, junit, sarif, text

Reporter = Callable[[Sequence[Finding]], str]

# the formats people read: colour on a terminal, --statistics on standard output
TEXT_FORMATS = ("text", "full", "grouped")

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "full": text.render_full,
    "grouped": text.render_grouped,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
}


def write_output(path: str, text: str) -> None:
    """Write a report to `path` (parent folders made); an OSError says why it could not be written."""
    out = Path(path)
    if out.parent != Path(""):
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", errors="surrogateescape")
