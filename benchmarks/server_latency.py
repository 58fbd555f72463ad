#!/usr/bin/env python3
"""Diagnostics latency of `fake-async-lint server` after an edit, on one real file (not a test).

Starts the server as an editor does (stdio), opens the file, waits for its first diagnostics
(that warms the server: imports, catalog, config), makes a few warm-up edits, then times N edits:
each is an unsaved `textDocument/didChange` (a statement appended, then removed, alternately) and
the time is from sending it to receiving `publishDiagnostics` for that version. It prints the
median, min, p90 and max of three rows: the debounce off (`initializationOptions.debounceMs = 0`:
the analysis plus the protocol); the default settings with a pause before each edit (the server
analyses such an edit at once); the default settings with each timed edit the last of a quick burst
(typing: the server waits for a pause of the debounce time first); and, for reference, the engine
alone on the same edits in this process.

    python benchmarks/server_latency.py
    python benchmarks/server_latency.py --file path/to/module.py --edits 50

By default the file is Home Assistant's `homeassistant/core.py` from the pinned corpus
(`python benchmarks/corpus.py` fetches it into benchmarks/.corpus/).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(BENCH_DIR))

from machine import cpu_model  # noqa: E402
from test_server import LspSession  # noqa: E402  (the test suite's LSP client)

PAUSE = 0.4  # seconds between edits in "pause" mode: more than any debounce used here
DEFAULT_FILE = BENCH_DIR / ".corpus" / "homeassistant" / "homeassistant" / "core.py"


def measure(path: Path, edits: int, warmup: int, debounce_ms: object, mode: str) -> tuple[list[float], int]:
    """Seconds from an edit to its diagnostics; and how many findings the file has.

    mode "pause": each edit comes after a pause (longer than the debounce);
    mode "burst": each timed edit is the last of three sent back to back (typing)."""
    options = {} if debounce_ms is None else {"debounceMs": debounce_ms}
    session = LspSession(path.parent, init_options=options)
    try:
        text = path.read_text(encoding="utf-8")
        uri = session.open(path, text)
        findings = len(session.diagnostics(uri))
        times = []
        for i in range(warmup + edits):
            if mode == "burst":
                for k in range(2):
                    session.change(uri, text + f"\n_typing_{i}_{k} = {k}\n")
            else:
                time.sleep(PAUSE)
            edited = text + f"\n_edited_{i} = {i}\n" if i % 2 == 0 else text
            start = time.perf_counter()
            session.change(uri, edited)
            session.diagnostics(uri)
            if i >= warmup:
                times.append(time.perf_counter() - start)
        session.close()
        return times, findings
    finally:
        session.kill()


def engine_only(path: Path, edits: int, warmup: int) -> list[float]:
    """The same edits analysed in this process by the engine's entry point, without the server:
    what the analysis itself costs (settings resolved once, as the server caches them)."""
    from fake_async_lint import config
    from fake_async_lint.engine import check_source

    text = path.read_text(encoding="utf-8")
    settings = config.resolve([str(path)])
    times = []
    for i in range(warmup + edits):
        edited = text + f"\n_edited_{i} = {i}\n" if i % 2 == 0 else text
        start = time.perf_counter()
        check_source(edited, str(path), settings)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def row(label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return f"| {label} | {statistics.median(ms):.1f} | {ms[0]:.1f} | {p90:.1f} | {ms[-1]:.1f} |"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--file", type=Path, default=DEFAULT_FILE, help="the Python file to edit (default: %(default)s)")
    p.add_argument("--edits", type=int, default=30, help="timed edits per row (default: 30; at least 20)")
    p.add_argument("--warmup", type=int, default=5, help="untimed edits first (default: 5)")
    args = p.parse_args()
    args.file = args.file.resolve()  # the server is handed file URIs, which must be absolute
    if not args.file.is_file():
        print(f"server_latency: no such file: {args.file} (run python benchmarks/corpus.py first)", file=sys.stderr)
        return 2
    if args.edits < 20:
        print("server_latency: --edits must be at least 20", file=sys.stderr)
        return 2
    # the summary store (modules the chains reach) in a folder of its own, warmed by the open and warm-up edits
    os.environ.setdefault("FAKE_ASYNC_LINT_STORE_DIR", tempfile.mkdtemp(prefix="fal-latency-store-"))
    lines = args.file.read_text(encoding="utf-8").count("\n")
    results = []
    for label, debounce, mode in (
        ("debounce off (analysis + protocol)", 0, "pause"),
        ("default: an edit after a pause", None, "pause"),
        ("default: the last edit of a burst (typing)", None, "burst"),
    ):
        times, findings = measure(args.file, args.edits, args.warmup, debounce, mode)
        results.append(row(label, times))
    results.append(row("engine only: check_source in this process", engine_only(args.file, args.edits, args.warmup)))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    try:
        shown = args.file.resolve().relative_to(REPO_ROOT)
    except ValueError:
        shown = args.file
    print(f"File: `{shown}` ({lines} lines, {findings} findings); {args.edits} timed edits after {args.warmup} warm-up")
    cpus = os.cpu_count()
    print(
        f"Machine: {cpu_model()}, {cpus} CPUs, Python {platform.python_version()}, load average {load:.1f} at the end\n"
    )
    print("| row | median ms | min ms | p90 ms | max ms |")
    print("|---|---|---|---|---|")
    for r in results:
        print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
