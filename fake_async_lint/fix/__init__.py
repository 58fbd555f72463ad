"""`fake-async-lint fix`: apply the safe fixes findings carry (ast-grep edits from findings).

Pipeline per file: read (keeping encoding and newlines) -> check -> apply fixes
(edits.py) -> re-parse -> re-check (what remains) -> atomic write, or a diff.
A file whose fixed text would not parse is reported and left alone. Running it
twice changes nothing the second time: fixed code no longer carries fixes.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .. import config as _config
from ..config import Settings
from ..engine import check_source
from ..findings import Finding
from ..source import SourceError
from .edits import INSTALL_HINT, Applied, FixUnavailable, Outcome, apply_fixes, breaks, load_sgroot
from .files import encode, read_source, write_atomic
from .unsafe import Rewrite, non_overlapping, plan_unsafe, remove_unused_imports, remove_unused_loops
from .unsafe import apply_edits as apply_unsafe

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
    applied: list[Applied] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    available: list[Applied] = field(default_factory=list)  # unsafe fixes not applied (no --unsafe-fixes)
    kinds: list[str] = field(default_factory=list)  # the unsafe rewrites and clean-ups made, one entry each


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

    @property
    def available(self) -> int:
        return sum(len(f.available) for f in self.files)

    def summary(self, dry_run: bool) -> str:
        verb = "Would fix" if dry_run else "Fixed"
        n, m = self.fixed, self.files_fixed
        line = f"{verb} {n} finding{'s' if n != 1 else ''} in {m} file{'s' if m != 1 else ''} ({self.remaining} remaining)."
        if self.available:
            k = self.available
            line += f" {k} more fix{'es' if k != 1 else ''} available with --unsafe-fixes."
        return line


def findings_for(text: str, path: str, settings: Settings) -> list[Finding]:
    """What `check` reports for this text: selection, `# noqa` and per-file-ignores applied."""
    found = check_source(text, path, settings)
    drop = getattr(_config, "drop_ignored", None)  # per-file-ignores, where the config layer has them
    return list(drop(found, settings)) if drop is not None else found


MAX_PASSES = 4  # a fix can enable another (a hop migrated, then its pool): repeat to a fixed point


def fix_text(text: str, path: str, settings: Settings, *, unsafe: bool = False) -> tuple[Outcome, list[Finding]]:
    """Fix one module's text to a fixed point: the outcome and the findings that remain in the result.

    Safe fixes always; unsafe ones (unsafe.py) only with `unsafe`, else they are counted in
    `outcome.available`. A pass whose result would not parse is refused as a whole."""
    original = text
    out = Outcome(text)
    found = findings_for(text, path, settings)
    for _ in range(MAX_PASSES):
        step = apply_fixes(text, found)
        if step.refused is not None:
            if not out.fixed:
                return step, found
            break
        out.applied += [(f, "safe", "safe") for f in step.fixed]
        out.fixed += step.fixed
        out.skipped = list(step.skipped)
        if step.changed:
            text = step.text
            found = findings_for(text, path, settings)
        plan = plan_unsafe(text, found)
        if not unsafe:
            out.available = [(r.finding, "unsafe", r.kind) for r in plan.rewrites if r.finding is not None]
            out.skipped += plan.skipped
            if not step.changed:
                break
            continue
        chosen: list[Rewrite] = []
        rejected: list[Rewrite] = []
        for rewrite, ok in non_overlapping(plan.rewrites):
            (chosen if ok else rejected).append(rewrite)
        out.skipped += plan.skipped + [(r.finding, "overlaps another fix") for r in rejected if r.finding]
        new = apply_unsafe(text, [e for r in chosen for e in r.edits])
        if new == text:
            if not step.changed:
                break
            continue
        reason = breaks(text, new)
        if reason is not None:
            out.skipped += [(r.finding, f"the result would not parse ({reason})") for r in chosen if r.finding]
            break
        out.applied += [(r.finding, "unsafe", r.kind) for r in chosen if r.finding is not None]
        out.fixed += [r.finding for r in chosen if r.finding is not None]
        out.kinds += [r.kind for r in chosen if r.kind != "module"]
        text = new
        found = findings_for(text, path, settings)
    if text != original:
        text, n = remove_unused_imports(original, text)
        out.kinds += ["unused-import"] * n
        if unsafe:
            text, n = remove_unused_loops(original, text)
            out.kinds += ["unused-loop-variable"] * n
        if breaks(original, text) is None:
            found = findings_for(text, path, settings)
        else:  # never: the clean-up only deletes what nothing uses; but never write a broken file
            return Outcome(original, refused="the clean-up of unused imports would not parse"), found
    out.text = text
    fixed_keys = {id(f) for f in out.fixed}
    out.skipped = [(f, why) for f, why in out.skipped if id(f) not in fixed_keys]
    return out, found


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def diff_name(path: str) -> str:
    """The path as `git apply` wants it in `a/...` and `b/...`: relative, no `./` or `..` hops."""
    name = path.replace("\\", "/")
    if os.path.isabs(name):
        try:
            rel = os.path.relpath(name)
        except ValueError:  # another drive on Windows
            rel = name
        if not rel.startswith(".."):
            name = rel.replace("\\", "/")
    name = posixpath.normpath(name) if name else name
    return name.lstrip("/")


def unified_diff(before: str, after: str, path: str) -> str:
    """A unified diff (`a/path` -> `b/path`); line ends are kept as they are in the file."""
    name = diff_name(path)
    lines = difflib.unified_diff(_LINE.findall(before), _LINE.findall(after), f"a/{name}", f"b/{name}")
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def fix_file(path: str, settings: Settings, *, write: bool, unsafe: bool = False) -> FileFix:
    result = FileFix(path)
    try:
        src = read_source(path)
    except SourceError as e:
        result.remaining = 1 if settings.selection.enabled("FAS001") else 0
        result.problem = e.reason
        return result
    outcome, remaining = fix_text(src.text, path, settings, unsafe=unsafe)
    result.remaining = len(remaining)
    result.skipped = outcome.skipped
    result.available = outcome.available
    if outcome.refused is not None:
        result.problem = f"the fixed code would not parse ({outcome.refused}); file left unchanged"
        return result
    if outcome.text == src.text:
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
    result.applied = outcome.applied
    result.kinds = outcome.kinds
    result.diff = unified_diff(src.text, outcome.text, path)
    return result


def fix_paths(
    paths: Iterable[str | Path], settings: Settings, *, write: bool = True, unsafe: bool = False
) -> FixReport:
    """Fix every Python file under `paths` (discovered as `check` does).

    The remaining count is what `check` would report afterwards, FAS300 chains across modules
    included: after writing, the paths are checked again; with `write=False`, the cross-module
    FAS300 findings of the unfixed code are added to each file's own remaining findings."""
    from ..discovery import discover
    from ..scan import check_paths

    load_sgroot()  # fail early and clearly without the optional dependency
    paths = list(paths)
    report = FixReport()
    for item in discover(paths, settings):
        if item.error is not None:
            enabled = settings.selection.enabled("FAS001")
            report.files.append(FileFix(item.path, remaining=1 if enabled else 0, problem=item.error.reason))
            continue
        report.files.append(fix_file(item.path, settings, write=write, unsafe=unsafe))
    if not settings.selection.enabled("FAS300"):
        return report
    if write:
        after = check_paths(paths, settings)
        counts: dict[str, int] = {}
        for f in after.findings:
            counts[f.path] = counts.get(f.path, 0) + 1
        for ff in report.files:
            if not ff.problem:
                ff.remaining = counts.get(ff.path, 0)
    else:
        before = check_paths(paths, settings)
        by_file: dict[str, set[tuple[str, int, int, str]]] = {}
        for f in before.findings:
            if f.code == "FAS300":
                by_file.setdefault(f.path, set()).add(f.sort_key)
        for ff in report.files:
            linked = by_file.get(ff.path)
            if linked and not ff.problem:
                try:
                    local = {f.sort_key for f in findings_for(read_source(ff.path).text, ff.path, settings)}
                except SourceError:
                    continue
                ff.remaining += len(linked - local)
    return report


def problem_lines(report: FixReport) -> Iterable[str]:
    for f in report.files:
        if f.problem:
            yield f"fake-async-lint: not fixing {f.path}: {f.problem}"
