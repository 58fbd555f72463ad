"""The per-file phase at scale: cache look-ups in this process, misses across worker processes.

Results come back in the order of the input, whatever the number of jobs, so
`--jobs N` and `--jobs 1` print the same report. Work is sent in chunks so the
per-file cost of inter-process traffic stays small next to parsing.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Callable, Optional

from .cache import Cache, Signature, digest, signature
from .config import Settings
from .engine import analyse_file, analyse_source, catalog_for
from .results import FileResult

# Below this many files to analyse, starting processes costs more than it saves.
MIN_PARALLEL = 48
MAX_CHUNK = 64

Task = tuple[int, str, Optional[str]]  # (index, path, digest the cache knows)
Meta = Optional[tuple[Signature, str]]  # what the cache stores besides the result
Outcome = tuple[int, Optional[FileResult], Meta]
Progress = Callable[[int, int], None]


def default_jobs() -> int:
    """The cores this process may use (affinity / cgroup-aware where Python knows how)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        n = count()
    elif hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS / Windows on Python < 3.13
        n = os.cpu_count()
    return max(1, n or 1)


def analyse_one(
    path: str, known: Optional[str], settings: Settings, caching: bool, helper: bool = False
) -> tuple[Optional[FileResult], Meta]:
    """Read once; with a cache, hash; skip the analysis when the content is what the cache holds."""
    if helper:  # the project phase's second pass (FAS300 helpers): no cache, Cache.finish records it
        return analyse_file(path, settings, helper=True), None
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            data = f.read()
    except OSError:
        return analyse_file(path, settings), None  # FAS001 with the precise reason
    if not caching:
        return analyse_source(data, path, settings), None
    content = digest(data)
    if content == known:  # None: reuse what the cache holds
        return None, (signature(st), content)
    return analyse_source(data, path, settings), (signature(st), content)


_worker_settings: Optional[Settings] = None
_worker_caching = False
_worker_helper = False


def _init_worker(settings: Settings, caching: bool, helper: bool) -> None:
    global _worker_settings, _worker_caching, _worker_helper
    # Ctrl-C is the parent's to handle: workers stay quiet and are shut down by it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_settings, _worker_caching, _worker_helper = settings, caching, helper


def _run_chunk(chunk: list[Task]) -> list[Outcome]:
    assert _worker_settings is not None
    out = []
    for index, path, known in chunk:
        result, meta = analyse_one(path, known, _worker_settings, _worker_caching, _worker_helper)
        out.append((index, result, meta))
    return out


def _serial(
    tasks: Sequence[Task], settings: Settings, caching: bool, helper: bool, tick: Callable[[int], None]
) -> list[Outcome]:
    out = []
    for index, path, known in tasks:
        result, meta = analyse_one(path, known, settings, caching, helper)
        out.append((index, result, meta))
        tick(1)
    return out


def _context() -> BaseContext:
    import multiprocessing

    # fork shares the already-imported package and catalog: no per-worker start-up import
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _parallel(
    tasks: Sequence[Task], settings: Settings, caching: bool, helper: bool, jobs: int, tick: Callable[[int], None]
) -> list[Outcome]:
    size = max(1, min(MAX_CHUNK, len(tasks) // (jobs * 8)))
    chunks = [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]
    catalog_for(settings)  # loaded once here, inherited by forked workers
    try:
        pool = ProcessPoolExecutor(
            max_workers=min(jobs, len(chunks)),
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(settings, caching, helper),
        )
    except (OSError, NotImplementedError, ImportError, ValueError):  # no process support here
        return _serial(tasks, settings, caching, helper, tick)
    out: list[Outcome] = []
    futures: list[tuple[list[Task], Future[list[Outcome]]]] = []
    try:
        futures = [(c, pool.submit(_run_chunk, c)) for c in chunks]
        for chunk, fut in futures:
            try:
                out.extend(fut.result())
            except BrokenProcessPool:  # a worker died (killed, out of memory): finish here
                out.extend(_serial(chunk, settings, caching, helper, lambda n: None))
            tick(len(chunk))
    except (OSError, RuntimeError):  # the pool could not start its processes
        done = {o[0] for o in out}
        out.extend(_serial([t for t in tasks if t[0] not in done], settings, caching, helper, tick))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return out


def run_files(
    files: Sequence[str],
    settings: Settings,
    *,
    jobs: int = 1,
    cache: Optional[Cache] = None,
    progress: Optional[Progress] = None,
    helper: bool = False,
) -> list[FileResult]:
    """The per-file phase over `files`, in their order (`helper`: the project phase's helper pass)."""
    total = len(files)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    results: list[Optional[FileResult]] = [None] * total
    tasks: list[Task] = []
    for i, path in enumerate(files):
        hit, known = cache.lookup(path) if cache is not None and not helper else (None, None)
        if hit is not None:
            results[i] = hit
        else:
            tasks.append((i, path, known))
    tick(total - len(tasks))

    caching = cache is not None and not helper
    if jobs <= 1 or len(tasks) < MIN_PARALLEL:
        outcomes = _serial(tasks, settings, caching, helper, tick)
    else:
        outcomes = _parallel(tasks, settings, caching, helper, jobs, tick)

    for index, result, meta in outcomes:
        path = files[index]
        if result is None and cache is not None:  # the content is what the cache holds
            result = cache.restore(path)
            if result is None:  # the entry vanished or is unreadable: analyse after all
                result = analyse_file(path, settings)
        assert result is not None
        results[index] = result
        if cache is not None and meta is not None and not helper:
            cache.store(path, meta[0], meta[1], result)
    # the caller saves the cache (`Cache.finish`), once the project phase has filled in helper files
    return [r if r is not None else FileResult(files[i]) for i, r in enumerate(results)]
