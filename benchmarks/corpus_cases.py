#!/usr/bin/env python3
"""Which hand-judged fake-async sites of the pinned corpus `fake-async-lint check` finds.

Reads the table of `corpus-fake-async-cases.md` (a copy ships beside this
script; `--cases` reads another), runs `check --format json` over each package
of the corpus that a row names (one run per package: each is its own project),
and prints, for every row:

* FAKE / FAKE? rows: **found** when a finding of an accepted code is at one of
  the row's lines. Accepted: FAS200, plus every code the row's text names
  (FAS201, FAS202, FAS300, FAS105, ...). The row's lines are the `file:line`
  cell with its `(+N, M)` extra lines, and the `line N` mentions in its text
  (a pool's line for FAS201), all in the row's file.
* LEGIT rows: **wrongly reported** when a finding that judges the hop or its
  work (FAS1xx, FAS200, FAS201, FAS300) is at one of the row's `file:line`
  lines, except a code the row's text names as expected. FAS202-FAS204 are
  about other things (`get_event_loop()` on the hop's line is a true FAS202
  whatever the hop wraps) and never make a LEGIT row wrong.

FAKE rows found only through a code other than FAS200/FAS201/FAS300 (row 5's
FAS202) are counted as the table asks, and also shown apart.

The numbers are before/after-able: `--save run.json` keeps a run, `--before
old.json` prints which rows changed.

    python benchmarks/corpus_cases.py
    python benchmarks/corpus_cases.py --python benchmarks/.venvs/corpus-libs/bin/python --save after.json
    python benchmarks/corpus_cases.py --follow-imports none --save before.json
    python benchmarks/corpus_cases.py --before before.json -- --max-depth 8
    python benchmarks/corpus_cases.py --libs --save after.json   # with the rows' libraries installed

`--libs` builds, once, `benchmarks/.venvs/corpus-libs/` from `corpus-libs.txt`
(the libraries the rows reach, frozen into `corpus-libs.lock` the first time and
installed from it afterwards) and passes it as `--python`.

Extra arguments after `--` go to `check`. The check runs under `--linter-python`
(default: this interpreter), so it measures whichever fake-async-lint that
interpreter imports.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import corpus  # benchmarks/ is on sys.path when run as a script

DEFAULT_CASES = corpus.BENCH_DIR / "corpus-fake-async-cases.md"
LIBS_FILE = corpus.BENCH_DIR / "corpus-libs.txt"
LIBS_LOCK = corpus.BENCH_DIR / "corpus-libs.lock"
LIBS_VENV = corpus.BENCH_DIR / ".venvs" / "corpus-libs"
FAKE = ("FAKE", "FAKE?")
VERDICTS = ("FAS1", "FAS200", "FAS201", "FAS300")  # codes that judge a hop or the work it wraps
_CODE = re.compile(r"\bFAS\d{3}\b")
_LOCATION = re.compile(r"`([^`]+?\.py):(\d+)`(?:\s*\(\+([\d,\s]+)\))?")
_LINE_MENTION = re.compile(r"\blines?\s+(\d+)")
_JUDGEMENT = re.compile(r"\*\*(FAKE\??|LEGIT)")


@dataclass
class Case:
    number: int
    package: str
    path: str  # relative to the package's directory in the corpus
    lines: list[int]  # the hop (or blocking) call and its listed siblings
    mentioned: list[int]  # `line N` in the row's text: the pool of a FAS201, ...
    codes: list[str]  # codes the row names
    judgement: str  # FAKE, FAKE? or LEGIT
    text: str = field(repr=False, default="")

    @property
    def fake(self) -> bool:
        return self.judgement in FAKE


def parse_cases(text: str) -> list[Case]:
    cases = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[0].isdigit():
            continue
        number, package, location = int(cells[0]), cells[1], cells[2]
        m = _LOCATION.search(location)
        j = _JUDGEMENT.search(cells[-1])
        if m is None or j is None:
            raise ValueError(f"row {number}: cannot read the location {location!r} or the judgement")
        lines = [int(m.group(2))] + [int(n) for n in re.findall(r"\d+", m.group(3) or "")]
        rest = " ".join(cells[3:])
        # `line N` mentions that are not part of another file's `path.py:N`
        mentioned = [int(n) for n in _LINE_MENTION.findall(rest) if int(n) not in lines]
        codes = sorted(set(_CODE.findall(" ".join(cells[2:]))))
        cases.append(Case(number, package, m.group(1), lines, mentioned, codes, j.group(1), " ".join(cells)))
    return cases


@dataclass
class Result:
    number: int
    judgement: str
    package: str
    location: str
    hit: bool  # FAKE rows: found; LEGIT rows: wrongly reported
    findings: list[str]  # "line:col CODE" of the findings at the row's lines


def judge(case: Case, findings: Sequence[dict[str, object]]) -> Result:
    here = [f for f in findings if f["path"] == case.path]
    if case.fake:
        accepted = {"FAS200", *case.codes}
        where = set(case.lines) | set(case.mentioned)
        at = [f for f in here if f["line"] in where and f["code"] in accepted]
    else:
        at = [
            f
            for f in here
            if f["line"] in set(case.lines) and str(f["code"]).startswith(VERDICTS) and f["code"] not in case.codes
        ]
    shown = sorted(f"{f['line']}:{f['col']} {f['code']}" for f in at)
    location = f"{case.path}:{case.lines[0]}"
    return Result(case.number, case.judgement, case.package, location, bool(at), shown)


def run_check(
    linter_python: str, package_dir: Path, extra: Sequence[str], timeout: float
) -> tuple[list[dict[str, object]], float]:
    cmd = [linter_python, "-m", "fake_async_lint", "check", "--isolated", "--no-cache", "--exit-zero"]
    cmd += ["--format", "json", *extra, "."]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=package_dir, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"corpus_cases: check failed in {package_dir} ({proc.returncode}):\n{proc.stderr[-2000:]}")
    found = json.loads(proc.stdout or "[]")
    for f in found:
        f["path"] = os.path.normpath(str(f["path"])).replace(os.sep, "/")
    return found, elapsed


def build_libs_venv(python: str) -> Path:
    """The venv of the rows' libraries, built once (from the lock file when there is one)."""
    return corpus.locked_venv(
        python, LIBS_VENV, LIBS_LOCK, ["-r", str(LIBS_FILE)], LIBS_FILE.read_text(), "corpus_cases"
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--cases", type=Path, default=DEFAULT_CASES, help="the table to read (default: the copy beside this script)"
    )
    p.add_argument("--corpus", type=Path, default=corpus.DEFAULT_CORPUS_DIR, help="the unpacked corpus")
    p.add_argument("--linter-python", default=sys.executable, help="the interpreter that runs fake-async-lint")
    p.add_argument("--python", help="passed to check: the environment whose installed libraries are followed")
    p.add_argument("--follow-imports", choices=("all", "project", "none"), help="passed to check")
    p.add_argument("--libs", action="store_true", help="build (once) and use the venv of corpus-libs.txt as --python")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per package run")
    p.add_argument("--save", type=Path, help="write this run's results as JSON")
    p.add_argument("--before", type=Path, help="a saved run: print the rows that changed")
    args = p.parse_args(argv)

    cases = parse_cases(args.cases.read_text(encoding="utf-8"))
    if args.libs and not args.python:
        args.python = str(build_libs_venv(sys.executable))
    if args.python:
        extra = ["--python", args.python, *extra]
    if args.follow_imports:
        extra = ["--follow-imports", args.follow_imports, *extra]
    missing = sorted({c.package for c in cases if not (args.corpus / c.package).is_dir()})
    if missing:
        print(f"corpus_cases: not in {args.corpus}: {', '.join(missing)} (python benchmarks/corpus.py fetches it)")
        return 2

    results: list[Result] = []
    timings: dict[str, float] = {}
    for package in sorted({c.package for c in cases}):
        findings, timings[package] = run_check(args.linter_python, args.corpus / package, extra, args.timeout)
        results.extend(judge(c, findings) for c in cases if c.package == package)
    results.sort(key=lambda r: r.number)

    fake = [r for r in results if r.judgement in FAKE]
    legit = [r for r in results if r.judgement == "LEGIT"]
    found, wrong = sum(r.hit for r in fake), sum(r.hit for r in legit)
    by_verdict = sum(
        1 for r in fake if any(x.split()[1].startswith(("FAS200", "FAS201", "FAS300")) for x in r.findings)
    )
    print(f"check {' '.join(extra) or '(defaults)'}: {args.cases.name}, corpus {args.corpus}")
    print(f"{'#':>3}  {'judgement':<9}  {'result':<17}  location [findings at the row]")
    for r in results:
        if r.judgement in FAKE:
            status = "found" if r.hit else "missed"
        else:
            status = "WRONGLY REPORTED" if r.hit else "ok (not reported)"
        shown = f" [{', '.join(r.findings)}]" if r.findings else ""
        print(f"{r.number:>3}  {r.judgement:<9}  {status:<17}  {r.package}/{r.location}{shown}")
    print(f"FAKE/FAKE? rows found: {found} of {len(fake)} ({by_verdict} by FAS200/FAS201/FAS300)")
    print(f"LEGIT rows wrongly reported: {wrong} of {len(legit)}")
    print("check time per package: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(timings.items())))

    if args.before is not None:
        old = {r["number"]: r for r in json.loads(args.before.read_text(encoding="utf-8"))["results"]}
        changed = [(r, old.get(r.number)) for r in results if old.get(r.number, {}).get("hit") != r.hit]
        before_found = sum(1 for r in old.values() if r["judgement"] in FAKE and r["hit"])
        before_wrong = sum(1 for r in old.values() if r["judgement"] == "LEGIT" and r["hit"])
        print(f"before -> now: found {before_found} -> {found}, wrongly reported {before_wrong} -> {wrong}")
        for r, _ in changed:
            what = (
                ("now found" if r.hit else "no longer found")
                if r.judgement in FAKE
                else ("now WRONGLY reported" if r.hit else "no longer reported")
            )
            print(f"  #{r.number} {r.package}/{r.location}: {what}")
    if args.save is not None:
        data = {
            "check_args": extra,
            "found": found,
            "fake_rows": len(fake),
            "wrongly_reported": wrong,
            "legit_rows": len(legit),
            "results": [asdict(r) for r in results],
        }
        args.save.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
