"""A scan: discover files -> the per-file phase (runner, cache) -> the project phase (index) -> report.

The orchestration of `check_paths`, kept apart from the per-file engine so the layers import one
way: engine <- runner <- scan, and results <- cache <- scan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional

from .cache import Cache
from .config import Settings, drop_ignored
from .discovery import discover
from .engine import DEFAULT_SETTINGS, link, unanalysable
from .results import FileResult, Report
from .runner import run_files


def _analyse_helpers(settings: Settings, jobs: int) -> Callable[[list[str]], list[FileResult]]:
    return lambda paths: run_files(paths, settings, jobs=jobs, helper=True)


def check_paths(
    paths: Iterable[str | Path],
    settings: Settings = DEFAULT_SETTINGS,
    *,
    jobs: int = 1,
    cache: Optional[Cache] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Report:
    """Discover, run the per-file phase (in `jobs` processes, through `cache`), then link."""
    report = Report()
    files: list[str] = []
    named = list(paths)
    for item in discover(named, settings):
        report.files += 1
        if item.error is not None:
            report.findings.extend(unanalysable(item.path, item.error, settings))
            continue
        files.append(item.path)
    results = run_files(files, settings, jobs=jobs, cache=cache, progress=progress)
    # the project phase depends only on the contents of the named files and of the modules it
    # read on demand: when none changed, reuse its result
    key = cache.project_key(results) if cache is not None else None
    linked = cache.linked(key) if cache is not None and key is not None else None
    if linked is None:
        batch = _analyse_helpers(settings, jobs) if jobs > 1 else None
        done = link(results, settings, anchor=str(named[0]) if named else ".", batch=batch)
        results, linked = done.results, done.findings
        if cache is not None and key is not None:
            cache.store_linked(key, linked, done.consulted)
    if cache is not None:  # after the helper passes, whose results are valid for the same content
        cache.finish(results)
    for r in results:
        report.findings.extend(r.findings)
    report.findings.extend(linked)
    report.findings = drop_ignored(report.findings, settings)
    report.findings.sort(key=lambda f: f.sort_key)
    return report
