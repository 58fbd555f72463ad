"""Reporters: findings -> text for people, CI systems and tools."""

from __future__ import annotations

from typing import Callable, Sequence

from ..findings import Finding
from . import json_report, text

Reporter = Callable[[Sequence[Finding]], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
}
