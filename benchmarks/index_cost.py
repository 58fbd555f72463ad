#!/usr/bin/env python3
"""What the index layer costs: cold, warm, and one file of a large project as an editor checks it.

Rows (medians of --repeats runs, one run, same machine):

* parse-1: the 1-core parse floor (read + ast.parse of every file, one process);
* cold: `fake-async-lint check --no-cache --jobs 1` with an empty summary store;
* cold-jobs: the same with every core (`--jobs 0`);
* warm: the same command again, result cache and summary store primed;
* one-file (in-process): `check_paths([file])` after imports, warm store, the analysis alone;
* one-file (command): `fake-async-lint check FILE`, warm, against the start-up floor
  `fake-async-lint rules`;
* one-file (flake8): `flake8 --select FAS FILE` against plain `flake8 --select E9 FILE` (same venv).

    python benchmarks/index_cost.py                       # the pinned corpus, HA's file
    python benchmarks/index_cost.py --repeats 5 --output benchmarks/RESULTS-index.md
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CORPUS = BENCH / ".corpus"
# a Home Assistant component whose coroutines call helpers in other modules of the project
DEFAULT_FILE = "homeassistant/homeassistant/components/sql/sensor.py"


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "_archives" not in p.parts and p.is_file())


def parse_floor(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            pass
    return time.perf_counter() - start


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--path", type=Path, default=CORPUS, help="the tree to scan (default: the pinned corpus)")
    ap.add_argument("--file", default=DEFAULT_FILE, help="the one file, relative to --path")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--edits", type=int, default=20, help="in-process one-file repetitions")
    ap.add_argument("--output", type=Path, help="also write the table here")
    args = ap.parse_args()
    tree: Path = args.path.resolve()
    if not tree.is_dir():
        print(f"no tree at {tree}: run benchmarks/corpus.py first", file=sys.stderr)
        return 2
    files = python_files(tree)
    one = tree / args.file
    work = Path(tempfile.mkdtemp(prefix="fal-index-bench-"))
    store, cache = work / "store", work / "cache"
    env = {**os.environ, "FAKE_ASYNC_LINT_STORE_DIR": str(store), "NO_COLOR": "1"}
    tool = [sys.executable, "-m", "fake_async_lint"]
    check = [*tool, "check", str(tree), "--exit-zero", "--jobs", "1"]
    rows: dict[str, list[float]] = {k: [] for k in ("parse-1", "cold", "cold-jobs", "warm")}
    for _ in range(args.repeats):
        rows["parse-1"].append(parse_floor(files))
        shutil.rmtree(store, ignore_errors=True)
        rows["cold"].append(timed([*check, "--no-cache"], env, tree))
        shutil.rmtree(store, ignore_errors=True)
        rows["cold-jobs"].append(timed([*tool, "check", str(tree), "--exit-zero", "--no-cache"], env, tree))
        shutil.rmtree(cache, ignore_errors=True)
        timed([*check, "--cache-dir", str(cache)], env, tree)  # prime the result cache
        rows["warm"].append(timed([*check, "--cache-dir", str(cache)], env, tree))

    # one file, warm: in-process analysis (after imports), the command, flake8
    os.environ["FAKE_ASYNC_LINT_STORE_DIR"] = str(store)
    from fake_async_lint.scan import check_paths

    check_paths([str(one)])  # warm the store for this file's chains
    inproc = []
    for _ in range(args.edits):
        start = time.perf_counter()
        found = check_paths([str(one)])
        inproc.append(time.perf_counter() - start)
    startup, command, flake8_fas, flake8_plain = [], [], [], []
    for _ in range(max(5, args.repeats)):
        startup.append(timed([*tool, "rules"], env, tree))
        command.append(timed([*tool, "check", str(one), "--no-cache", "--exit-zero"], env, tree))
        flake8_fas.append(timed([sys.executable, "-m", "flake8", "--select", "FAS", str(one)], env, tree))
        flake8_plain.append(timed([sys.executable, "-m", "flake8", "--select", "E9", str(one)], env, tree))
    shutil.rmtree(work, ignore_errors=True)

    floor, cold = median(rows["parse-1"]), median(rows["cold"])
    lines = [
        f"# Index cost ({len(files)} files under {tree.name}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]})",
        "",
        f"Medians of {args.repeats} runs (one-file rows: {args.edits} in-process, {max(5, args.repeats)} commands).",
        "",
        "| row | seconds | ratio |",
        "|---|--:|--:|",
        f"| parse floor, 1 core | {floor:.2f} | 1.00 |",
        f"| cold check, --jobs 1 (empty store) | {cold:.2f} | {cold / floor:.2f}x floor |",
        f"| cold check, every core | {median(rows['cold-jobs']):.2f} | {median(rows['cold-jobs']) / floor:.2f}x floor |",
        f"| warm check | {median(rows['warm']):.2f} | {median(rows['warm']) / cold:.3f}x cold |",
        f"| one file, in-process analysis ({len(found.findings)} findings) | {median(inproc) * 1000:.1f} ms | |",
        f"| start-up floor (`fake-async-lint rules`) | {median(startup):.3f} | 1.00 |",
        f"| one file, `fake-async-lint check FILE` | {median(command):.3f} | {median(command) / median(startup):.2f}x floor |",
        f"| plain flake8 on the file | {median(flake8_plain):.3f} | 1.00 |",
        f"| flake8 --select FAS on the file | {median(flake8_fas):.3f} | {median(flake8_fas) / median(flake8_plain):.2f}x |",
        "",
        f"One file: `{args.file}`.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
