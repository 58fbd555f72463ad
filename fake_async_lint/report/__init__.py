"""Reporters: findings -> text for people, CI systems and tools."""

from __future__ import annotations

from typing import Callable, Sequence

from ..findings import Finding
from . import github, json_report, junit, sarif, text

Reporter = Callable[[Sequence[Finding]], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
}
