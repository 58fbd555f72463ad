"""Editor mode: one buffer from stdin, reported and filtered as if it were the file at `display`."""

from __future__ import annotations

from .config import Settings, drop_ignored
from .discovery import named_excluder
from .engine import analyse_source, link
from .results import Report


def check_stdin(data: bytes, display: str, settings: Settings) -> Report:
    """The same phases as a scan of one named file: excludes (as for a named file), the per-file
    phase, link, per-file-ignores."""
    if display != "-" and named_excluder(settings).excluded(display):
        return Report(files=0)
    result = analyse_source(data, display, settings)
    anchor = display if display != "-" else "."
    findings = drop_ignored(result.findings + link([result], settings, anchor=anchor).findings, settings)
    findings.sort(key=lambda f: f.sort_key)
    return Report(findings=findings, files=1)
