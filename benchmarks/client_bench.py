"""Fake async vs native async HTTP, measured on loopback.

A server in its own process (``client_server.py``) answers every request after
a fixed delay D with a non-blocking sleep, so it is never the bottleneck. Each
client variant runs N requests launched at once, in a fresh process of its own
(this script re-run with ``--child``), and reports wall time, per-request
latency from launch, CPU time, peak RSS and peak thread count. The server
counts the TCP connections each run opened.

    python benchmarks/client_bench.py                   # both scenarios, default repeats
    python benchmarks/client_bench.py --scenario small  # N=100, D=150 ms
    python benchmarks/client_bench.py --quick           # 1 repeat, for a smoke run
    python benchmarks/client_bench.py --out benchmarks/RESULTS-client.md

The physical limit of a variant is ceil(N / concurrency) * D: no client can
finish faster with that many requests in flight at once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import importlib
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from machine import cpu_model  # benchmarks/ is on sys.path when run as a script

HERE = Path(__file__).resolve().parent
CLIENT_PY = HERE.parent / "fake_async_lint" / "client.py"
SERVER_PY = HERE / "client_server.py"


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    cap: Callable[[int], int]  # requests in flight at most, given N
    note: str = ""


VARIANTS = [
    Variant("fake3", "fake async: ThreadPoolExecutor(3) + requests.get", lambda n: 3),
    Variant("fake3-session", "ThreadPoolExecutor(3) + shared requests.Session", lambda n: 3),
    Variant("threadsN-session", "ThreadPoolExecutor(N) + Session", lambda n: n),
    Variant("threads10-session", "ThreadPoolExecutor(10) + Session", lambda n: 10),
    Variant("ours10", "AsyncHTTPClient(max_connections=10)", lambda n: 10),
    Variant("ours100", "AsyncHTTPClient(max_connections=100)", lambda n: 100),
    Variant("ours100-ka100", "AsyncHTTPClient(max_connections=100, max_keepalive_connections=100)", lambda n: 100),
    Variant("aiohttp100", "aiohttp.ClientSession, TCPConnector(limit=100)", lambda n: 100),
    Variant("ours-warm100", "AsyncHTTPClient, warm burst of 100 on open connections", lambda n: 100),
    Variant("ours100-httpx", "AsyncHTTPClient(max_connections=100, backend='httpx')", lambda n: 100),
    Variant("ours100-notrio", "AsyncHTTPClient(max_connections=100), trio not importable", lambda n: 100),
    Variant(
        "bare-httpx",
        "bare httpx.AsyncClient(limits=Limits(100, 5)), no semaphore",
        lambda n: 100,
        "not run by default: ~25 s per run at N=1000",
    ),
]
DEFAULT_VARIANTS = [v.key for v in VARIANTS if v.key != "bare-httpx"]
BY_KEY = {v.key: v for v in VARIANTS}
WARM_BURST = 100

SCENARIOS = {"small": (100, 0.150), "large": (1000, 0.050)}


# --------------------------------------------------------------------------
# Child: one variant, one run, one fresh process
# --------------------------------------------------------------------------


def _load_client() -> ModuleType:
    """Load fake_async_lint/client.py by path.

    Importing it as ``fake_async_lint.client`` would run the linter package's
    ``__init__`` (the whole rule engine, ~8 MB RSS), which is not what this
    benchmark measures.
    """
    spec = importlib.util.spec_from_file_location("fake_async_lint_client", CLIENT_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class _Peaks:
    """Samples the thread count while the event loop runs."""

    def __init__(self) -> None:
        self.threads = threading.active_count()

    def sample(self) -> None:
        self.threads = max(self.threads, threading.active_count())

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.005)


async def _timed_burst(n: int, one: Callable[[], Any], peaks: _Peaks) -> tuple[float, list[float]]:
    sampler = asyncio.ensure_future(peaks.run())
    started = time.perf_counter()
    latencies: list[float] = []

    async def timed() -> None:
        await one()
        latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(timed() for _ in range(n)))
    wall = time.perf_counter() - started
    peaks.sample()
    sampler.cancel()
    return wall, latencies


async def _run_threads(url: str, n: int, workers: int, session: bool, peaks: _Peaks) -> tuple[float, list[float]]:
    from concurrent.futures import ThreadPoolExecutor

    import requests

    executor = ThreadPoolExecutor(max_workers=workers)
    shared = requests.Session() if session else None
    if shared is not None:
        # As many pooled connections as threads: the best case for the pattern.
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=workers)
        shared.mount("http://", adapter)
    getter = shared.get if shared is not None else requests.get

    def fetch() -> None:
        response = getter(url, timeout=60)
        response.raise_for_status()

    async def one() -> None:
        # The pattern under test: a thread hop per request.
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(executor, fetch)

    try:
        return await _timed_burst(n, one, peaks)
    finally:
        peaks.sample()
        # Every request is done and the threads are idle: no need to wait.
        executor.shutdown(wait=False)
        if shared is not None:
            shared.close()


async def _run_ours(
    url: str,
    n: int,
    max_connections: int,
    peaks: _Peaks,
    backend: str = "auto",
    warm: bool = False,
    keepalive: int | None = None,
) -> tuple[float, list[float]]:
    client_module = _load_client()
    options: dict[str, Any] = {"max_connections": max_connections, "backend": backend}
    if warm:
        # Every connection of the first burst stays open for the second.
        keepalive = max_connections
    if keepalive is not None:
        options["max_keepalive_connections"] = keepalive
    async with client_module.AsyncHTTPClient(**options) as http:

        async def one() -> None:
            await http.get(url)

        if warm:
            await asyncio.gather(*(one() for _ in range(n)))
            await http.get(_stats_url(url))  # reset: count only what the timed burst opens
        return await _timed_burst(n, one, peaks)


async def _run_aiohttp(url: str, n: int, limit: int, peaks: _Peaks) -> tuple[float, list[float]]:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit)) as session:

        async def one() -> None:
            async with session.get(url) as response:
                response.raise_for_status()
                await response.read()

        return await _timed_burst(n, one, peaks)


async def _run_bare_httpx(url: str, n: int, peaks: _Peaks) -> tuple[float, list[float]]:
    import httpx

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=5)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:

        async def one() -> None:
            (await http.get(url)).raise_for_status()

        return await _timed_burst(n, one, peaks)


def _child(variant: str, url: str, n: int) -> None:
    if variant == "ours100-notrio":
        # httpcore imports trio whenever it is installed (~5 MB RSS here),
        # even under asyncio: this row shows the client without it.
        sys.modules["trio"] = None  # type: ignore[assignment]
    peaks = _Peaks()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    runners: dict[str, Callable[[], Any]] = {
        "fake3": lambda: _run_threads(url, n, 3, False, peaks),
        "fake3-session": lambda: _run_threads(url, n, 3, True, peaks),
        "threadsN-session": lambda: _run_threads(url, n, n, True, peaks),
        "threads10-session": lambda: _run_threads(url, n, 10, True, peaks),
        "ours10": lambda: _run_ours(url, n, 10, peaks),
        "ours100": lambda: _run_ours(url, n, 100, peaks),
        "ours100-ka100": lambda: _run_ours(url, n, 100, peaks, keepalive=100),
        "ours100-httpx": lambda: _run_ours(url, n, 100, peaks, backend="httpx"),
        "ours100-notrio": lambda: _run_ours(url, n, 100, peaks),
        "ours-warm100": lambda: _run_ours(url, WARM_BURST, 100, peaks, warm=True),
        "aiohttp100": lambda: _run_aiohttp(url, n, 100, peaks),
        "bare-httpx": lambda: _run_bare_httpx(url, n, peaks),
    }
    wall, latencies = asyncio.run(runners[variant]())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # ru_maxrss is KiB on Linux and bytes on macOS.
    rss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    result = {
        "wall": wall,
        "latencies": latencies,
        "cpu": usage.ru_utime + usage.ru_stime - cpu_before,
        "rss_mb": rss_mb,
        "threads": peaks.threads,
    }
    sys.stdout.write(json.dumps(result) + "\n")


# --------------------------------------------------------------------------
# Parent: server, runs, table, targets
# --------------------------------------------------------------------------


def _stats_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/__stats"


def _server_stats(url: str) -> dict[str, int]:
    """Read and reset the server's counters."""
    with urllib.request.urlopen(_stats_url(url), timeout=10) as response:
        stats: dict[str, int] = json.load(response)
    return stats


class _Server:
    def __init__(self, delay: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER_PY), "--delay", str(delay)], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}/items"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class Run:
    wall: float
    mean: float
    p50: float
    p95: float
    cpu: float
    rss_mb: float
    threads: int
    connections: int


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[index]


def _run_child(variant: str, url: str, n: int, timeout: float) -> Run:
    _server_stats(url)  # reset the connection counter
    done = subprocess.run(
        [sys.executable, __file__, "--child", variant, "--url", url, "--n", str(n)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"variant {variant} failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    stats = _server_stats(url)
    latencies = data["latencies"]
    return Run(
        wall=data["wall"],
        mean=statistics.fmean(latencies),
        p50=_percentile(latencies, 0.50),
        p95=_percentile(latencies, 0.95),
        cpu=data["cpu"],
        rss_mb=data["rss_mb"],
        threads=data["threads"],
        connections=stats["connections"],
    )


@dataclass
class Row:
    variant: Variant
    n: int
    delay: float
    runs: list[Run]

    def median(self, field: str) -> float:
        return float(statistics.median(getattr(run, field) for run in self.runs))

    @property
    def limit(self) -> float:
        return math.ceil(self.n / self.variant.cap(self.n)) * self.delay


def _measure(
    keys: list[str],
    n: int,
    delay: float,
    repeats: int,
    slow_repeats: int,
    slow_after: float,
    log: Callable[[str], None],
) -> list[Row]:
    server = _Server(delay)
    try:
        rows = {key: Row(BY_KEY[key], WARM_BURST if key == "ours-warm100" else n, delay, []) for key in keys}
        # Round-robin over variants, so a burst of load from elsewhere on the
        # machine spreads over all of them instead of hitting one.
        for round_ in range(repeats):
            for key, row in rows.items():
                slow = bool(row.runs) and row.runs[0].wall > slow_after
                if slow and round_ >= slow_repeats:
                    continue
                run = _run_child(key, server.url, row.n, timeout=600)
                row.runs.append(run)
                log(f"  N={n} D={delay * 1000:.0f}ms {key:18s} run {round_ + 1}: {run.wall:.3f}s")
        return list(rows.values())
    finally:
        server.stop()


def _versions() -> str:
    names = ["httpx2", "httpcore2", "httpx", "httpcore", "aiohttp", "requests", "urllib3"]
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return ", ".join(parts)


def _table(rows: list[Row]) -> list[str]:
    out = [
        "| variant | cap | runs | wall s | limit s | mean ms | p50 ms | p95 ms | req/s | CPU s | peak RSS MB | peak threads | TCP conns |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        wall = row.median("wall")
        out.append(
            f"| {row.variant.label} | {row.variant.cap(row.n)} | {len(row.runs)} | {wall:.3f} | {row.limit:.2f} "
            f"| {row.median('mean') * 1000:.0f} | {row.median('p50') * 1000:.0f} | {row.median('p95') * 1000:.0f} "
            f"| {row.n / wall:.0f} | {row.median('cpu'):.2f} | {row.median('rss_mb'):.1f} "
            f"| {max(r.threads for r in row.runs)} | {row.median('connections'):.0f} |"
        )
    return out


def _targets(scenario: str, rows: list[Row]) -> list[tuple[str, bool | None, str]]:
    """(target, passed or None when a variant is missing, measured)."""
    by = {row.variant.key: row for row in rows}

    def wall(key: str) -> float | None:
        return by[key].median("wall") if key in by else None

    def rss(key: str) -> float | None:
        return by[key].median("rss_mb") if key in by else None

    fake, ours10, ours100, threads10, warm = (
        wall("fake3"),
        wall("ours10"),
        wall("ours100"),
        wall("threads10-session"),
        wall("ours-warm100"),
    )
    results: list[tuple[str, bool | None, str]] = []

    def add(name: str, values: tuple[float | None, ...], check: Callable[..., bool], shown: Callable[..., str]) -> None:
        if any(v is None for v in values):
            results.append((name, None, "not measured"))
        else:
            results.append((name, check(*values), shown(*values)))

    if scenario == "small":
        add("our client (100) <= 0.30 s", (ours100,), lambda o: o <= 0.30, lambda o: f"{o:.3f} s")
        add(
            "our client (100) >= 15x faster than the fake pattern",
            (fake, ours100),
            lambda f, o: f / o >= 15,
            lambda f, o: f"{f / o:.1f}x ({f:.2f} s vs {o:.3f} s)",
        )
    if scenario == "large":
        add("our client (100) <= 1.0 s", (ours100,), lambda o: o <= 1.0, lambda o: f"{o:.3f} s")
        add(
            "our client (100) never slower than the fake pattern",
            (fake, ours100),
            lambda f, o: o <= f,
            lambda f, o: f"{o:.3f} s vs {f:.2f} s",
        )
    add(
        "equal cap of 10: our client within 10% of ThreadPoolExecutor(10)",
        (threads10, ours10),
        lambda t, o: o <= 1.10 * t,
        lambda t, o: f"{o:.3f} s vs {t:.3f} s ({(o / t - 1) * 100:+.1f}%)",
    )
    add("warm burst of 100 on open connections <= 0.35 s", (warm,), lambda w: w <= 0.35, lambda w: f"{w:.3f} s")
    add(
        "peak RSS: our client (100) <= fake pattern + 5 MB",
        (rss("fake3"), rss("ours100")),
        lambda f, o: o <= f + 5,
        lambda f, o: f"{o:.1f} MB vs {f:.1f} MB ({o - f:+.1f} MB)",
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["small", "large", "both"], default="both")
    parser.add_argument("--n", type=int, help="requests per run (custom scenario, with --delay)")
    parser.add_argument("--delay", type=float, help="server delay in seconds (custom scenario, with --n)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per variant; the table shows medians")
    parser.add_argument("--slow-repeats", type=int, default=1, help="runs for a variant whose first run is slow")
    parser.add_argument("--slow-after", type=float, default=5.0, help="seconds that make a first run slow")
    parser.add_argument("--quick", action="store_true", help="one run per variant")
    parser.add_argument("--variants", help=f"comma-separated subset of: {', '.join(BY_KEY)}")
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        _child(args.child, args.url, args.n)
        return 0

    keys = args.variants.split(",") if args.variants else DEFAULT_VARIANTS
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(BY_KEY)}")
    if importlib.util.find_spec("httpx") is None and "ours100-httpx" in keys:
        keys.remove("ours100-httpx")
    repeats = 1 if args.quick else args.repeats
    if args.n or args.delay:
        if not (args.n and args.delay):
            parser.error("--n and --delay go together")
        scenarios = [("custom", args.n, args.delay)]
    else:
        names = ["small", "large"] if args.scenario == "both" else [args.scenario]
        scenarios = [(name, *SCENARIOS[name]) for name in names]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    load_before = os.getloadavg()
    started = time.monotonic()
    measured = []
    for name, n, delay in scenarios:
        log(f"scenario {name}: N={n}, D={delay * 1000:.0f} ms")
        measured.append((name, n, delay, _measure(keys, n, delay, repeats, args.slow_repeats, args.slow_after, log)))
    load_after = os.getloadavg()

    client_module = _load_client()
    default_backend = client_module.AsyncHTTPClient().backend
    lines = [
        "# AsyncHTTPClient vs the fake-async pattern (loopback)",
        "",
        f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"- machine: {os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.release()}",
        f"- python: {platform.python_version()} ({platform.python_implementation()})",
        f"- libraries: {_versions()}",
        f"- our client's default backend: {default_backend}",
        f"- load average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f}",
        f"- repeats: {repeats} (variants slower than {args.slow_after:g} s on their first run: "
        f"{min(repeats, args.slow_repeats)}); cells are medians; total {time.monotonic() - started:.0f} s",
        "- latency is measured from the launch of the whole burst, so it includes queueing;"
        " limit = ceil(N / cap) * D; TCP conns = connections the server accepted in the timed part",
        "",
    ]
    failed = False
    for name, n, delay, rows in measured:
        lines += [f"## N={n}, D={delay * 1000:.0f} ms", ""]
        lines += _table(rows)
        lines += [""]
        if name in ("small", "large"):
            for target, passed, shown in _targets(name, rows):
                verdict = "SKIP" if passed is None else ("PASS" if passed else "FAIL")
                failed |= passed is False
                lines.append(f"- **{verdict}** {target}: {shown}")
            lines.append("")
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.write_text(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
