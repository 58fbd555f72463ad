"""What the phases hand each other: a file's result (cacheable, picklable) and a run's report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .findings import Finding


@dataclass
class FileResult:
    """What the per-file phase yields: cacheable and picklable (for --jobs)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    # cross-module facts for the project phase (FAS300); JSON-serialisable
    facts: Optional[dict[str, object]] = None


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
