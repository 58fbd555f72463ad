"""`fake-async-lint fix`: apply the safe fixes findings carry (ast-grep edits from findings).

Pipeline per file: read (keeping encoding and newlines) -> check -> apply fixes
(edits.py) -> re-parse -> re-check (what remains) -> atomic write, or a diff.
A file whose fixed text would not parse is reported and left alone. Running it
twice changes nothing the second time: fixed code no longer carries fixes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .. import config as _config
from ..config import Settings
from ..engine import check_source
from ..findings import Finding
from ..source import SourceError
from .edits import INSTALL_HINT, FixUnavailable, Outcome, apply_fixes, load_sgroot
from .files import encode, read_source, write_atomic

__all__ = [
    "INSTALL_HINT",
    "FileFix",
    "FixReport",
    "FixUnavailable",
    "Outcome",
    "apply_fixes",
    "fix_paths",
    "fix_text",
    "load_sgroot",
    "problem_lines",
    "unified_diff",
]


@dataclass
class FileFix:
    """One file's result: how many findings were fixed, how many remain, the diff, any problem."""

    path: str
    fixed: int = 0
    remaining: int = 0
    diff: str = ""
    problem: str = ""  # why the file was left alone (it would not parse, cannot be written ...)


@dataclass
class FixReport:
    files: list[FileFix] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(f.fixed for f in self.files)

    @property
    def files_fixed(self) -> int:
        return sum(1 for f in self.files if f.fixed)

    @property
    def remaining(self) -> int:
        return sum(f.remaining for f in self.files)

    def summary(self, dry_run: bool) -> str:
        verb = "Would fix" if dry_run else "Fixed"
        n, m = self.fixed, self.files_fixed
        return f"{verb} {n} finding{'s' if n != 1 else ''} in {m} file{'s' if m != 1 else ''} ({self.remaining} remaining)."


def findings_for(text: str, path: str, settings: Settings) -> list[Finding]:
    """What `check` reports for this text: selection, `# noqa` and per-file-ignores applied."""
    found = check_source(text, path, settings)
    drop = getattr(_config, "drop_ignored", None)  # per-file-ignores, where the config layer has them
    return list(drop(found, settings)) if drop is not None else found


def fix_text(text: str, path: str, settings: Settings) -> tuple[Outcome, list[Finding]]:
    """Fix one module's text: the outcome and the findings that remain in the result."""
    found = findings_for(text, path, settings)
    outcome = apply_fixes(text, found)
    remaining = findings_for(outcome.text, path, settings) if outcome.changed else found
    return outcome, remaining


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def unified_diff(before: str, after: str, path: str) -> str:
    """A unified diff (`a/path` -> `b/path`); line ends are kept as they are in the file."""
    name = path.replace("\\", "/").lstrip("/")
    lines = difflib.unified_diff(_LINE.findall(before), _LINE.findall(after), f"a/{name}", f"b/{name}")
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def fix_file(path: str, settings: Settings, *, write: bool) -> FileFix:
    result = FileFix(path)
    try:
        src = read_source(path)
    except SourceError as e:
        result.remaining = 1 if settings.selection.enabled("FAS001") else 0
        result.problem = e.reason
        return result
    outcome, remaining = fix_text(src.text, path, settings)
    result.remaining = len(remaining)
    if outcome.refused is not None:
        result.problem = f"the fixed code would not parse ({outcome.refused}); file left unchanged"
        return result
    if not outcome.changed:
        return result
    try:
        data = encode(src, outcome.text)
    except UnicodeEncodeError:
        result.remaining = len(outcome.fixed) + len(remaining)
        result.problem = f"the fixed code cannot be encoded as {src.encoding}; file left unchanged"
        return result
    if write:
        try:
            write_atomic(path, data)
        except OSError as e:
            result.remaining = len(outcome.fixed) + len(remaining)
            result.problem = f"cannot write: {e.strerror or e}"
            return result
    result.fixed = len(outcome.fixed)
    result.diff = unified_diff(src.text, outcome.text, path)
    return result


def fix_paths(paths: Iterable[str | Path], settings: Settings, *, write: bool = True) -> FixReport:
    """Fix every Python file under `paths` (discovered as `check` does)."""
    from ..discovery import discover

    load_sgroot()  # fail early and clearly without the optional dependency
    report = FixReport()
    for item in discover(paths, settings):
        if item.error is not None:
            enabled = settings.selection.enabled("FAS001")
            report.files.append(FileFix(item.path, remaining=1 if enabled else 0, problem=item.error.reason))
            continue
        report.files.append(fix_file(item.path, settings, write=write))
    return report


def problem_lines(report: FixReport) -> Iterable[str]:
    for f in report.files:
        if f.problem:
            yield f"fake-async-lint: not fixing {f.path}: {f.problem}"
