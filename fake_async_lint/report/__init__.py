"""Reporters: findings -> text for people, CI systems and tools."""

from __future__ import annotations

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
