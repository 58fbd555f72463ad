"""The pipeline every front end calls: read -> parse -> model -> rules -> noqa/selection."""

from __future__ import annotations

import ast
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Optional

from .catalog.loader import Catalog, default_catalog
from .config import Settings, drop_ignored
from .findings import Finding
from .model.module import ModuleModel
from .rules import FAMILIES, Context
from .source import SourceError, decode, parse, read_bytes
from .suppress import apply_noqa

if TYPE_CHECKING:
    from .cache import Cache

DEFAULT_SETTINGS = Settings()
# A file without this word has no coroutine: nothing in it can be reported.
ASYNC_MARK = b"async"


def catalog_for(settings: Settings) -> Catalog:
    if not settings.extra_blocking and not settings.safe:
        return default_catalog()
    return _extended(json.dumps(dict(settings.extra_blocking), sort_keys=True), settings.safe)


@functools.lru_cache(maxsize=8)
def _extended(extra_json: str, safe: tuple[str, ...]) -> Catalog:
    return default_catalog().extended(json.loads(extra_json), safe)


def error_finding(path: str, err: SourceError) -> Finding:
    return Finding(
        path=path,
        line=err.line,
        col=err.col,
        code="FAS001",
        message=f"cannot analyse this file: {err.reason}",
        end_line=err.line,
        end_col=err.col,
    )


def analyse_tree(
    tree: ast.Module,
    source: str,
    path: str,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    model: Optional[ModuleModel] = None,
) -> list[Finding]:
    """Run the enabled rules on a parsed module (no noqa applied: flake8 does its own)."""
    selection = settings.selection
    findings: list[Finding] = []
    try:
        # the model's visitor recurses too: a tree that parses can still be too deep for it
        if model is None:
            model = ModuleModel(tree, catalog_for(settings), path)
        ctx = Context(
            path=path,
            source=source,
            library=settings.async_library or model.async_library(),
            max_depth=settings.max_depth,
        )
        for family in FAMILIES:
            if not any(selection.enabled(c) for c in family.codes):
                continue
            findings.extend(f for f in family.check(model, ctx) if selection.enabled(f.code))
    except RecursionError:
        return [error_finding(path, SourceError("too deeply nested to analyse"))]
    return sorted(set(findings), key=lambda f: f.sort_key)


def check_source(source: str | bytes, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    """Analyse one module's source; `# noqa` and selection applied."""
    try:
        if isinstance(source, bytes):
            if ASYNC_MARK not in source:
                return []
            source = decode(source)
        elif "async" not in source:
            return []
        tree = parse(source, path)
    except SourceError as err:
        return [error_finding(path, err)] if settings.selection.enabled("FAS001") else []
    try:
        findings = analyse_tree(tree, source, path, settings)
    except Exception as exc:  # a bug of ours must not hide the other files' findings
        return [error_finding(path, SourceError(f"internal error: {type(exc).__name__}: {exc}"))]
    return apply_noqa(findings, source)


def check_file(path: str | Path, settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    display = str(path)
    try:
        data = read_bytes(path)
    except SourceError as err:
        return [error_finding(display, err)] if settings.selection.enabled("FAS001") else []
    return check_source(data, display, settings)


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


def analyse_source(source: str | bytes, path: str, settings: Settings = DEFAULT_SETTINGS) -> FileResult:
    """The per-file phase on source already read (the runner reads once to hash for its cache)."""
    return FileResult(path, check_source(source, path, settings))


def analyse_file(path: str, settings: Settings = DEFAULT_SETTINGS) -> FileResult:
    """The per-file phase: read, parse, model, rules, noqa. Never raises."""
    try:
        data = read_bytes(path)
    except SourceError as err:
        return FileResult(path, [error_finding(path, err)] if settings.selection.enabled("FAS001") else [])
    return analyse_source(data, path, settings)


def link(results: list[FileResult], settings: Settings) -> list[Finding]:
    """The project phase: findings that need more than one file (none yet)."""
    return []


def check_paths(
    paths: Iterable[str | Path],
    settings: Settings = DEFAULT_SETTINGS,
    *,
    jobs: int = 1,
    cache: Optional[Cache] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Report:
    """Discover, run the per-file phase (in `jobs` processes, through `cache`), then link."""
    from .discovery import discover
    from .runner import run_files

    report = Report()
    files: list[str] = []
    for item in discover(paths, settings):
        report.files += 1
        if item.error is not None:
            if settings.selection.enabled("FAS001"):
                report.findings.append(error_finding(item.path, item.error))
            continue
        files.append(item.path)
    results = run_files(files, settings, jobs=jobs, cache=cache, progress=progress)
    if cache is not None:
        cache.finish(results)
    for r in results:
        report.findings.extend(r.findings)
    report.findings.extend(link(results, settings))
    report.findings = drop_ignored(report.findings, settings)
    report.findings.sort(key=lambda f: f.sort_key)
    return report
