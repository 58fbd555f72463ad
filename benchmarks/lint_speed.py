#!/usr/bin/env python3
"""Time fake-async-lint against its peers on the pinned corpus.

One run times every row N times (default 3), round-robin, and prints the
medians as a markdown table (see benchmarks/README.md for what each row is):

* the parse floor: read + ``ast.parse`` of every file, on one core and on all;
* ``fake-async-lint check`` cold (``--no-cache``), warm (its cache primed), and
  cold with ``--ignore FAS300`` (the price of the transitive analysis);
* flake8 with only our plugin selected, in a venv holding flake8 + our package;
* plain flake8 in a venv holding nothing but flake8 (``--select`` only filters
  what is printed: every installed plugin still runs, so the floor needs a
  venv of its own);
* flake8 + flake8-async (``--select ASYNC``) in a third venv, by default on a
  deterministic sample of the files, scaled up by lines;
* ``ruff check --select ASYNC --no-cache``.

A row whose tool is missing, or lacks a flag, is marked, never dropped.

    python benchmarks/lint_speed.py
    python benchmarks/lint_speed.py --output benchmarks/RESULTS-lint-speed.md
    python benchmarks/lint_speed.py --path src/ --repeats 5 --skip flake8-async
"""

from __future__ import annotations

import argparse
import ast
import datetime
import fcntl
import hashlib
import multiprocessing
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import corpus
from machine import cpu_model  # benchmarks/ is on sys.path when run as a script

REPO_ROOT = corpus.REPO_ROOT
DEFAULT_VENV_DIR = corpus.BENCH_DIR / ".venvs"
OUR_COMMAND = "fake-async-lint"
# Flags of `fake-async-lint check` the rows use when the command offers them.
OUR_FLAGS = ("--no-cache", "--jobs", "--exit-zero", "--ignore", "--isolated")
ROW_KEYS = (
    "parse-1",
    "parse-all",
    "fal-cold",
    "fal-warm",
    "fal-no-fas300",
    "flake8-plain",
    "flake8-fas",
    "flake8-async",
    "ruff",
)
SKIPPED_WITH = {"flake8-plain-sample": "flake8-async"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _run(argv: Sequence[str], timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), check=False, capture_output=True, text=True, timeout=timeout)


def _tail(proc: subprocess.CompletedProcess[str], n: int = 3) -> str:
    lines = (proc.stderr or proc.stdout or "").strip().splitlines()
    return " | ".join(lines[-n:])[:400]


# --------------------------------------------------------------------------
# rows and their timing


@dataclass
class Row:
    key: str
    label: str
    argv: list[str] | None = None  # a command to time, or
    func: Callable[[], None] | None = None  # in-process work to time
    note: str = ""
    unavailable: str = ""  # why the row cannot run at all
    failed: str = ""  # why it stopped running
    ok_codes: tuple[int, ...] = (0,)
    scale: float = 1.0  # > 1 for a sampled row scaled up to the whole target
    reference: bool = False  # a helper row, not compared with the others
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    output_lines: int | None = None

    @property
    def runnable(self) -> bool:
        return not self.unavailable and not self.failed

    def raw_median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def median(self) -> float | None:
        raw = self.raw_median()
        return None if raw is None else raw * self.scale

    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) * self.scale if self.cpu else None


def _cpu_so_far() -> float:
    """User + sys seconds of this process and its reaped children."""
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def _run_timed(row: Row, argv: list[str], cwd: Path, timeout: float) -> float | None:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # A session of its own, so a timeout also ends flake8's workers.
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            row.failed = f"timed out after {timeout:.0f} s"
            return None
        except BaseException:  # Ctrl-C or SIGTERM: leave no tool running
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        elapsed = time.perf_counter() - start
        if code not in row.ok_codes:
            err.seek(0)
            last = err.read().decode(errors="replace").strip().splitlines()[-1:]
            row.failed = f"exit {code}: {' '.join(last)[:200]}"
            return None
        out.seek(0)
        lines = sum(1 for _ in out)
    if row.output_lines is not None and row.output_lines != lines:
        row.note = _join(row.note, "output differs between runs")
    row.output_lines = lines
    return elapsed


def run_once(row: Row, cwd: Path, timeout: float) -> None:
    """Time one run of ``row``; a failure is recorded on the row."""
    cpu0 = _cpu_so_far()
    if row.func is not None:
        start = time.perf_counter()
        row.func()
        elapsed: float | None = time.perf_counter() - start
    else:
        assert row.argv is not None
        elapsed = _run_timed(row, row.argv, cwd, timeout)
    if elapsed is not None:
        row.times.append(elapsed)
        row.cpu.append(_cpu_so_far() - cpu0)


# --------------------------------------------------------------------------
# the parse floor


def _parses(path: str) -> bool:
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        ast.parse(data, filename=path)
    except (SyntaxError, ValueError):
        return False
    return True


def parse_serial(paths: Sequence[str]) -> int:
    """Parse every file in this process; how many failed to parse."""
    return sum(not ok for ok in map(_parses, paths))


def parse_parallel(paths: Sequence[str], jobs: int) -> int:
    pool = multiprocessing.Pool(jobs)
    try:
        return sum(not ok for ok in pool.imap_unordered(_parses, paths, 16))
    finally:
        pool.close()
        pool.join()  # reaped, so the workers' CPU time is counted


# --------------------------------------------------------------------------
# virtualenvs


class Venv:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / "bin" / "python"

    def exe(self, name: str) -> Path:
        return self.root / "bin" / name

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.python), "-m", "pip", "--disable-pip-version-check"]
        return _run([*cmd, *args])

    def query(self, code: str, *args: str) -> str:
        return _run([str(self.python), "-c", code, *args]).stdout.strip()

    def version_of(self, dist: str) -> str:
        return self.query(
            "import sys, importlib.metadata as m\n"
            "try: print(m.version(sys.argv[1]))\n"
            "except m.PackageNotFoundError: pass\n",
            dist,
        )

    def flake8_plugin_codes(self) -> list[str]:
        return self.query(
            "import importlib.metadata as m\nfor e in m.entry_points(group='flake8.extension'): print(e.name)\n"
        ).split()

    def ensure(self, requirements: Sequence[str]) -> str:
        """Create the venv if needed, install ``requirements``; why not, or ''."""
        if not self.python.exists():
            shutil.rmtree(self.root, ignore_errors=True)
            proc = _run([sys.executable, "-m", "venv", str(self.root)])
            if proc.returncode != 0:
                return f"venv creation failed: {_tail(proc)}"
        proc = self.pip("install", "--quiet", *requirements)
        if proc.returncode != 0:
            return f"pip install {' '.join(requirements)} failed: {_tail(proc)}"
        return ""


def installed_version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def install_ours(venv: Venv, flake8_req: str) -> tuple[str, list[str]]:
    """Install the repository, fresh, next to flake8: (why not or '', notes)."""
    if not any((REPO_ROOT / f).exists() for f in ("pyproject.toml", "setup.py")):
        return "our package is not installable: no pyproject.toml/setup.py yet", []
    with tempfile.TemporaryDirectory() as tmp:
        proc = _run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
            + ["--disable-pip-version-check", "--wheel-dir", tmp, str(REPO_ROOT)]
        )
        wheels = sorted(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            return f"building our package failed: {_tail(proc)}", []
        why = venv.ensure([flake8_req, str(wheels[0])])
        if not why:
            # Same version as last time is "already satisfied": force it.
            proc = venv.pip("install", "--quiet", "--force-reinstall", "--no-deps", str(wheels[0]))
            why = "" if proc.returncode == 0 else f"reinstall failed: {_tail(proc)}"
    notes = []
    if not why and venv.version_of("flake8-async"):
        notes.append("flake8-async is installed here too (a dependency of ours?)")
    return why, notes


# --------------------------------------------------------------------------
# our command


@dataclass
class OurTool:
    argv0: list[str]
    where: str
    version: str
    flags: set[str]
    problem: str = ""


def probe_our_tool(candidates: Sequence[tuple[str, str]]) -> OurTool:
    """The first candidate whose ``check --help`` works, and its flags."""
    problems = []
    for exe, where in candidates:
        path = shutil.which(exe)
        if path is None:
            problems.append(f"no `{OUR_COMMAND}` command {where}")
            continue
        proc = _run([path, "check", "--help"], timeout=120)
        if proc.returncode != 0:
            problems.append(f"`{OUR_COMMAND} check --help` failed: {_tail(proc, 1)}")
            continue
        flags = {flag for flag in OUR_FLAGS if re.search(re.escape(flag) + r"(?![\w-])", proc.stdout)}
        ver = _run([path, "--version"], timeout=120)
        shown = ver.stdout.strip().splitlines() if ver.returncode == 0 else []
        return OurTool([path, "check"], where, shown[0] if shown else "?", flags)
    return OurTool([], "", "", set(), "; ".join(problems))


# --------------------------------------------------------------------------
# the sample for slow peers


def sample_files(files: Sequence[Path], root: Path, fraction: float) -> list[Path]:
    """A deterministic subset: a file is in when the hash of its path says so."""
    if fraction >= 1:
        return list(files)
    limit = int(fraction * 2**32)
    picked = []
    for path in files:
        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
        digest = hashlib.sha256(rel.encode()).digest()
        if int.from_bytes(digest[:4], "big") < limit:
            picked.append(path)
    return picked


# --------------------------------------------------------------------------
# the report


def fmt_s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def fmt_ratio(value: float | None, base: float | None) -> str:
    return "—" if value is None or not base else f"{value / base:.2f}x"


def fmt_overhead(value: float | None, base: float | None) -> str:
    return "—" if value is None or not base else f"{(value / base - 1) * 100:+.1f}%"


def _median_of(rows: dict[str, Row], key: str, cpu: bool = False) -> float | None:
    row = rows.get(key)
    if row is None:
        return None
    return row.cpu_median() if cpu else row.median()


def table_lines(rows: Sequence[Row], by_key: dict[str, Row]) -> list[str]:
    floor = _median_of(by_key, "parse-1")
    plain = _median_of(by_key, "flake8-plain")
    ruff = _median_of(by_key, "ruff")
    out = [
        "| row | median s | CPU s | vs parse floor (1 core) | vs plain flake8 | vs ruff | output lines | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if not row.times:
            why = row.unavailable or f"FAILED: {row.failed}"
            out.append(f"| {row.label} | not available | | | | | | {why} |")
            continue
        med = row.median()
        cpu = row.cpu_median()
        if row.reference:
            vs_floor = vs_plain = vs_ruff = "—"
        else:
            vs_floor, vs_ruff = fmt_ratio(med, floor), fmt_ratio(med, ruff)
            if row.key == "flake8-async" and "flake8-plain-sample" in by_key:
                # sample against the same sample, both unscaled
                base = by_key["flake8-plain-sample"].raw_median()
                vs_plain = fmt_overhead(row.raw_median(), base)
            elif row.key.startswith("flake8-") and row.key != "flake8-plain":
                vs_plain = fmt_overhead(med, plain)
            else:
                vs_plain = fmt_ratio(med, plain)
        note = row.note
        if row.failed:
            note = _join(note, f"FAILED after {len(row.times)} runs: {row.failed}")
        approx = "≈" if row.scale != 1 else ""
        lines = "" if row.output_lines is None else str(row.output_lines)
        out.append(
            f"| {row.label} | {approx}{fmt_s(med)} | {approx}{fmt_s(cpu)}"
            f" | {vs_floor} | {vs_plain} | {vs_ruff} | {lines} | {note} |"
        )
    return out


_TARGET_ROWS = ("fal-cold", "fal-warm", "fal-no-fas300", "flake8-plain", "flake8-fas")


def target_lines(by_key: dict[str, Row]) -> list[str]:
    def verdict(value: float | None, limit: float | None) -> str:
        if value is None or limit is None:
            return "n/a"
        return "PASS" if value <= limit else "FAIL"

    floor = _median_of(by_key, "parse-1")
    cold, warm, no300, plain, fas = (_median_of(by_key, k) for k in _TARGET_ROWS)
    # The same comparisons in CPU seconds: steadier than wall time when other
    # work shares the machine, so shown next to them (the verdict is wall time).
    c_cold, c_warm, c_no300, c_plain, c_fas = (_median_of(by_key, k, cpu=True) for k in _TARGET_ROWS)

    def speedup(slow: float | None, fast: float | None) -> str:
        return f"{slow / fast:.1f}x faster" if slow and fast else "—"

    targets = [
        (
            "(a) cold scan vs the parse floor",
            "`check` cold, all cores ≤ parse floor on 1 core",
            f"{fmt_s(cold)} s vs {fmt_s(floor)} s",
            verdict(cold, floor),
        ),
        (
            "(b) flake8 plugin overhead",
            "flake8 + our plugin ≤ plain flake8 + 10%",
            f"{fmt_overhead(fas, plain)} (CPU s: {fmt_overhead(c_fas, c_plain)})",
            verdict(fas, plain * 1.10 if plain else None),
        ),
        (
            "(c) warm rescan",
            "warm ≤ cold / 10",
            f"{speedup(cold, warm)} (CPU s: {speedup(c_cold, c_warm)})",
            verdict(warm, cold / 10 if cold else None),
        ),
        (
            "(d) FAS300 cost",
            "cold ≤ cold `--ignore FAS300` + 25%",
            f"{fmt_overhead(cold, no300)} (CPU s: {fmt_overhead(c_cold, c_no300)})",
            verdict(cold, no300 * 1.25 if no300 else None),
        ),
    ]
    out = ["| target | goal | measured | result |", "|---|---|---|---|"]
    out += [f"| {n} | {g} | {m} | **{v}** |" for n, g, m, v in targets]
    return out


def git_state() -> str:
    git = ["git", "-C", str(REPO_ROOT)]
    head = _run([*git, "rev-parse", "--short", "HEAD"])
    if head.returncode != 0:
        return "no commit yet"
    dirty = _run([*git, "status", "--porcelain", "--", "fake_async_lint"]).stdout
    return head.stdout.strip() + (" + uncommitted package changes" if dirty else "")


# --------------------------------------------------------------------------
# main


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time fake-async-lint against the parse floor, flake8,"
        " flake8-async and ruff; print a markdown table."
    )
    p.add_argument("--path", type=Path, help="lint this instead of the corpus")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per row (default: 3)")
    p.add_argument(
        "--jobs",
        type=int,
        default=available_cores(),
        help="processes for the multi-core rows (default: the cores, %(default)s)",
    )
    p.add_argument(
        "--peer-sample",
        type=float,
        default=0.02,
        metavar="FRACTION",
        help="run flake8-async on this deterministic fraction of the files and"
        " scale its time by lines (default: %(default)s; 1 = everything, slow)",
    )
    p.add_argument(
        "--skip",
        nargs="+",
        default=[],
        choices=ROW_KEYS,
        metavar="ROW",
        help=f"rows to leave out: {', '.join(ROW_KEYS)}",
    )
    p.add_argument("--output", type=Path, help="also write the table to this file")
    p.add_argument(
        "--venv-dir",
        type=Path,
        default=DEFAULT_VENV_DIR,
        help="where the flake8 venvs live (default: benchmarks/.venvs)",
    )
    p.add_argument("--pins", type=Path, help="the corpus pins (see corpus.py)")
    p.add_argument(
        "--timeout",
        type=float,
        default=3600,
        help="seconds before one run is abandoned (default: %(default)s)",
    )
    args = p.parse_args(argv)
    if args.repeats < 1 or args.jobs < 1 or not 0 < args.peer_sample <= 1:
        p.error("--repeats and --jobs must be >= 1, --peer-sample in (0, 1]")
    return args


@dataclass
class Target:
    path: Path
    what: str
    files: list[Path]
    lines: dict[Path, int]
    notes: list[str]


def load_target(args: argparse.Namespace) -> Target:
    notes = []
    if args.path is not None:
        path = args.path.resolve()
        if not path.exists():
            raise corpus.CorpusError(f"{args.path} does not exist")
        what = str(args.path)
    else:
        pins = corpus.read_pins(args.pins or corpus.default_pins_path())
        log("checking the corpus (benchmarks/corpus.py) ...")
        corpus.ensure_corpus(pins, corpus.DEFAULT_CORPUS_DIR, out=sys.stderr)
        path = corpus.DEFAULT_CORPUS_DIR
        what = f"the pinned corpus, {len(pins)} packages"
        stray = corpus.stray_dirs(pins, path)
        if stray:
            notes.append(f"NOT pinned but in the corpus dir: {', '.join(stray)}")
    files = corpus.python_files(path)
    if not files:
        raise corpus.CorpusError(f"no .py files in {path}")
    # Reading everything once also warms the page cache for every row.
    lines = {p: corpus.count_lines(p.read_bytes()) for p in files}
    return Target(path, what, files, lines, notes)


def time_rows(
    rows: Sequence[Row], by_key: dict[str, Row], args: argparse.Namespace, steps: dict[str, float]
) -> tuple[float, float, float]:
    """Prime the warm row's cache, then time every row round-robin; the load
    average before, at most, and after."""
    # A scratch working directory: a tool that looks for its config or puts
    # its cache in the current directory finds nothing of the repository's.
    with tempfile.TemporaryDirectory(prefix="lint-speed-") as tmp:
        run_dir = Path(tmp)
        warm = by_key.get("fal-warm")
        if warm is not None and warm.runnable:
            log("priming the cache of our command (untimed) ...")
            run_once(warm, run_dir, args.timeout)
            warm.times.clear()
            warm.cpu.clear()
        load_before = load_max = os.getloadavg()[0]
        for rep in range(1, args.repeats + 1):
            for row in rows:
                if row.runnable:
                    load_max = max(load_max, os.getloadavg()[0])
                    t0 = time.perf_counter()
                    run_once(row, run_dir, args.timeout)
                    steps[row.key] = steps.get(row.key, 0.0) + time.perf_counter() - t0
                    got = row.failed or f"{row.times[-1]:.2f} s"
                    log(f"[{rep}/{args.repeats}] {row.key}: {got}")
    return load_before, load_max, os.getloadavg()[0]


def lock_venvs(venv_dir: Path) -> IO[bytes]:
    """Hold a lock on the venv dir: a second run would reinstall our package
    under the first one's feet."""
    venv_dir.mkdir(parents=True, exist_ok=True)
    lock = (venv_dir / ".lock").open("wb")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another lint_speed run is using {venv_dir}; waiting for it to finish ...")
        fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    lock = lock_venvs(args.venv_dir)
    try:
        return run(args, argv)
    finally:
        lock.close()


def run(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    started = time.perf_counter()
    steps: dict[str, float] = {}
    try:
        tgt = load_target(args)
    except corpus.CorpusError as exc:
        log(f"lint_speed: error: {exc}")
        return 2
    steps["corpus"] = time.perf_counter() - started
    total_lines = sum(tgt.lines.values())
    paths = [str(p) for p in tgt.files]
    jobs, skip = args.jobs, set(args.skip)
    log(f"target {tgt.path}: {len(tgt.files)} files, {total_lines} lines")

    # ---- venvs: same flake8 everywhere, pinned to the one installed here
    t0 = time.perf_counter()
    flake8_req = f"flake8=={installed_version('flake8') or '7.5.0'}"
    async_ver = installed_version("flake8-async")
    async_req = f"flake8-async=={async_ver}" if async_ver else "flake8-async"
    venvs = {name: Venv(args.venv_dir / name) for name in ("flake8-plain", "flake8-fas", "flake8-async")}
    problem = {name: "" for name in venvs}
    if not skip.issuperset({"flake8-plain", "flake8-async"}):
        log("venv flake8-plain ...")
        problem["flake8-plain"] = venvs["flake8-plain"].ensure([flake8_req])
    if "flake8-async" not in skip:
        log("venv flake8-async ...")
        problem["flake8-async"] = venvs["flake8-async"].ensure([flake8_req, async_req])
    fas_notes: list[str] = []
    if not skip.issuperset({"fal-cold", "fal-warm", "fal-no-fas300", "flake8-fas"}):
        log("building and installing our package in venv flake8-fas ...")
        problem["flake8-fas"], fas_notes = install_ours(venvs["flake8-fas"], flake8_req)
    steps["venvs"] = time.perf_counter() - t0

    # ---- our command: the fresh build first, else whatever is on PATH
    candidates = [(OUR_COMMAND, "on PATH")]
    if not problem["flake8-fas"]:
        fresh = str(venvs["flake8-fas"].exe(OUR_COMMAND))
        candidates.insert(0, (fresh, "in the fresh venv"))
    ours = probe_our_tool(candidates)
    if ours.problem and problem["flake8-fas"]:
        ours.problem = _join(problem["flake8-fas"], ours.problem)

    rows = build_rows(args, tgt, paths, ours, venvs, problem, fas_notes)
    # the sample's reference row goes with the row it serves
    rows = [r for r in rows if SKIPPED_WITH.get(r.key, r.key) not in skip]
    by_key = {r.key: r for r in rows}

    t0 = time.perf_counter()
    load_before, load_max, load_after = time_rows(rows, by_key, args, steps)
    steps["timed runs"] = time.perf_counter() - t0

    # ---- the report
    versions = [f"Python {platform.python_version()}"]
    if ours.problem:
        versions.append(f"{OUR_COMMAND}: not available")
    else:
        seen = " ".join(sorted(ours.flags)) or "none"
        name = "" if ours.version.startswith(OUR_COMMAND) else f"{OUR_COMMAND} "
        versions.append(f"{name}{ours.version} ({ours.where}; `check` flags found: {seen})")
    for name, venv in venvs.items():
        if venv.python.exists() and not problem[name]:
            shown = " ".join(_run([str(venv.exe("flake8")), "--version"]).stdout.split())
            versions.append(f"venv {name}: flake8 {shown}")
    if "ruff" in by_key and by_key["ruff"].argv:
        versions.append(_run([by_key["ruff"].argv[0], "--version"]).stdout.strip())
    unparsable = by_key["parse-1"].note if "parse-1" in by_key else ""
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(sys.argv[1:] if argv is None else argv)
    machine = (
        f"- machine: {jobs} of {os.cpu_count()} cores used ({cpu_model()}), {platform.system()}"
        f" {platform.release()}; 1-minute load average {load_before:.2f} before the timed runs,"
        f" {load_after:.2f} after, {load_max:.2f} at most"
    )
    if load_max > 2 * jobs:
        machine += (
            f"\n- **WARNING: the machine was busy** (load up to {load_max:.1f} on {os.cpu_count()} cores, this"
            f" benchmark accounts for at most ~{jobs}): other work competed with these runs, wall times are inflated"
            " unevenly; compare CPU s, and rerun on a quiet machine before trusting a verdict"
        )
    extra = "".join(f"; {n}" for n in [unparsable, *tgt.notes] if n)
    header = [
        "# fake-async-lint speed benchmark",
        "",
        f"- date: {date}; repository: {git_state()}",
        machine,
        f"- target: {tgt.what}: {len(tgt.files):,} files, {total_lines:,} lines{extra}",
        f"- {args.repeats} timed runs per row, round-robin; median shown; CPU s = user + sys of every process of the run",
        "- tools:",
        *(f"  - {v}" for v in versions),
        "",
    ]
    total = time.perf_counter() - started
    per_step = ", ".join(f"{k} {v:.0f} s" for k, v in steps.items())
    footer = [
        "",
        (
            "Rows and targets are explained in benchmarks/README.md;"
            " `≈` marks a sampled row scaled to the whole target by lines."
        ),
        "",
        f"Wall time of this run: {per_step}; total {total:.0f} s. Command: `python benchmarks/lint_speed.py {command}`",
    ]
    report = "\n".join([*header, *table_lines(rows, by_key), "", *target_lines(by_key), *footer])
    print(report)
    if args.output is not None:
        args.output.write_text(report + "\n")
        log(f"written to {args.output}")
    return 0


def build_rows(
    args: argparse.Namespace,
    tgt: Target,
    paths: list[str],
    ours: OurTool,
    venvs: dict[str, Venv],
    problem: dict[str, str],
    fas_notes: list[str],
) -> list[Row]:
    jobs = args.jobs
    target = str(tgt.path)

    # the parse floor; the note records how many files Python cannot parse
    floor_1 = Row("parse-1", "parse floor: read + ast.parse, 1 process")
    floor_n = Row("parse-all", f"parse floor: read + ast.parse, {jobs} processes")

    def parse_1() -> None:
        bad = parse_serial(paths)
        if bad:
            floor_1.note = f"{bad} files do not parse under Python {platform.python_version()}"

    def parse_n() -> None:
        parse_parallel(paths, jobs)

    floor_1.func, floor_n.func = parse_1, parse_n
    floor_n.note = "multiprocessing.Pool, pool start-up included"

    # our command
    def our_row(key: str, kind: str, wanted: list[tuple[str, ...]], needs: list[str]) -> Row:
        """``check`` with those ``wanted`` flags it has; without ``needs``, not at all."""
        wanted = [*wanted, ("--jobs", str(jobs)), ("--exit-zero",)]
        used = [arg for flag in wanted if flag[0] in ours.flags for arg in flag]
        dropped = [flag[0] for flag in wanted if flag[0] not in ours.flags]
        shown = used if not ours.problem else [arg for flag in wanted for arg in flag]
        row = Row(key, f"`{' '.join([OUR_COMMAND, 'check', *shown])}` {kind}")
        missing = [flag for flag in needs if flag not in ours.flags]
        if ours.problem:
            row.unavailable = ours.problem
        elif missing:
            row.unavailable = f"`check` has no {' '.join(missing)}"
        else:
            row.argv = [*ours.argv0, target, *used]
            if "--isolated" in ours.flags:
                row.argv.append("--isolated")
            if "--exit-zero" not in ours.flags:
                row.ok_codes = (0, 1)  # 1 = findings
            row.note = _join(
                f"`check` has no {', '.join(dropped)}: dropped" if dropped else "",
                "" if ours.where == "in the fresh venv" else f"command {ours.where}",
            )
        return row

    cold = our_row("fal-cold", "cold", [("--no-cache",)], [])
    if cold.argv and "--no-cache" not in ours.flags:
        cold.note = _join(cold.note, "so it may be served from a cache")
    warm = our_row("fal-warm", "warm (cache primed)", [], ["--no-cache"])
    if warm.argv:
        warm.note = _join(warm.note, "cache filled by one untimed run first")
    no300 = our_row("fal-no-fas300", "cold, no FAS300", [("--no-cache",), ("--ignore", "FAS300")], ["--ignore"])

    # flake8: --isolated, so no config file in or above the target counts
    def flake8_row(key: str, label: str, venv: str, select: str, on: list[str]) -> Row:
        row = Row(key, label, unavailable=problem[venv])
        if not row.unavailable:
            row.argv = [str(venvs[venv].exe("flake8")), "--isolated", f"--jobs={jobs}"]
            row.argv += [f"--select={select}", "--exit-zero", *on]
        return row

    plain = flake8_row("flake8-plain", f"plain flake8, --jobs {jobs}", "flake8-plain", "FAS", [target])
    plain.note = "own venv, no plugin: pycodestyle, pyflakes, mccabe run; none shown"
    fas = flake8_row(
        "flake8-fas",
        f"flake8 + our plugin `--select FAS`, --jobs {jobs}",
        "flake8-fas",
        "FAS",
        [target],
    )
    codes = venvs["flake8-fas"].flake8_plugin_codes() if fas.argv else []
    if fas.argv and not any(code.startswith("FAS") for code in codes):
        fas.unavailable = "our package registers no flake8 plugin for FAS"
    fas.note = _join(*fas_notes)

    sample = sample_files(tgt.files, tgt.path, args.peer_sample)
    sample_lines = sum(tgt.lines[p] for p in sample)
    rows = [floor_1, floor_n, cold, warm, no300, plain, fas]
    if len(sample) == len(tgt.files) or not sample_lines:
        rows.append(
            flake8_row(
                "flake8-async",
                f"flake8 + flake8-async `--select ASYNC`, --jobs {jobs}",
                "flake8-async",
                "ASYNC",
                [target],
            )
        )
    else:
        on = [str(p) for p in sample]
        asy = flake8_row(
            "flake8-async",
            f"flake8 + flake8-async `--select ASYNC`, --jobs {jobs}, SAMPLED",
            "flake8-async",
            "ASYNC",
            on,
        )
        asy.scale = sum(tgt.lines.values()) / sample_lines
        asy.note = (
            f"run on a {args.peer_sample:.0%} sample ({len(sample)} files,"
            f" {sample_lines:,} lines), time x{asy.scale:.1f} by lines;"
            " vs plain flake8 = against the row below"
        )
        ref = flake8_row(
            "flake8-plain-sample",
            f"plain flake8 on that sample, --jobs {jobs}",
            "flake8-plain",
            "FAS",
            on,
        )
        ref.reference = True
        ref.note = "reference for the row above, unscaled"
        rows += [asy, ref]

    ruff = Row("ruff", "`ruff check --select ASYNC --no-cache`")
    ruff_exe = shutil.which("ruff")
    if ruff_exe is None:
        ruff.unavailable = "no ruff on PATH"
    else:
        ruff.argv = [ruff_exe, "check", "--isolated", "--no-respect-gitignore"]
        ruff.argv += ["--select", "ASYNC", "--no-cache", "--exit-zero", "--output-format=concise", target]
        ruff.note = "all cores (threads); --isolated --no-respect-gitignore --output-format=concise"
    rows.append(ruff)
    return rows


if __name__ == "__main__":
    sys.exit(main())
