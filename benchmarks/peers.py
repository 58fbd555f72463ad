"""Compare our findings with flake8-async and ruff's ASYNC rules on labelled fixtures.

The fixtures (tests/fixtures/peers/*.py) mark each line that should be reported with a
trailing `# expect: FAS1xx` (several codes: `# expect: FAS102 FAS102`). This script runs,
on a temporary copy of them:

- `python -m fake_async_lint check --format json`   (us)
- `flake8 --isolated --select ASYNC`                (flake8-async)
- `ruff check --isolated --select ASYNC`            (ruff, stable rules)
- `ruff check --isolated --select ASYNC --preview`  (ruff, with preview rules)

and prints a markdown report: one table per fixture (every line that is labelled or
reported by anyone), our precision and recall on the blocking-call codes (FAS1xx), and
the lines where a peer reports a blocking call (ASYNC2xx) that we do not report at all.

    python benchmarks/peers.py                       # print the report
    python benchmarks/peers.py -o benchmarks/RESULTS-peers.md
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "peers"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>FAS\d{3}(?:[\s,]+FAS\d{3})*)")
# flake8-async / ruff codes about blocking calls in async functions (the comparable ones);
# ASYNC1xx (cancel scopes, checkpoints), ASYNC9xx (checkpoints) and ASYNC124/127 are other topics
PEER_BLOCKING = re.compile(r"ASYNC2\d\d")

Findings = dict[str, dict[int, list[str]]]  # file -> line -> codes

# Judgement calls on specific fixture lines, printed next to them in the totals.
NOTES = {
    ("fastapi_app.py", 52): "the client lives on `app.state` (set in the lifespan) and is read through "
    "`request.app`: an attribute bag of a framework object, not tracked (known limitation)",
    ("lowlevel.py", 51): "`os.path.abspath` does no disk I/O (at most a getcwd() for a relative path): "
    "not labelled; ruff's ASYNC240 lists it, flake8-async does not",
    ("parity.py", 73): "`os.path.normpath` is string arithmetic: no system call at all",
    ("parity.py", 74): "`os.path.relpath` is string arithmetic (plus getcwd() for a relative path): no disk wait",
    ("parity.py", 75): "`os.path.abspath`: string arithmetic plus getcwd() for a relative path: no disk wait",
}

# What we compared in the peers' own test suites (read with the search tool, not run, not copied).
# Kept here so that regenerating the report keeps it; update it when the catalog changes.
SUITES = """\
## The peers' own test suites

Read, not run and not copied: flake8-async's `tests/eval_files/async2*.py` (python-trio/flake8-async
at c695f61) and ruff's `crates/ruff_linter/resources/test/fixtures/flake8_async/ASYNC2*.py`
(ASYNC210, 212, 220, 222, 22x, 230, 240, 250, 251). For each import-backed case they expect reported,
the fixture `tests/fixtures/peers/parity.py` has a line of our own code, labelled and reported above.

| their case | their code | ours | parity.py |
|---|---|---|---|
| `requests.*`, `httpx.*`/`httpx2.*` module functions, `urllib3.request`, `urllib.request.urlopen` | ASYNC210 | FAS100 | 27-32 |
| `httpx.Client` methods, bound by assignment or annotation (`X`, `X \\| None`, `Optional[X]`, `x: X = ...`) | ASYNC212 | FAS100 | 39-44 |
| `subprocess.run/call/check_call/check_output/getoutput/getstatusoutput`, `Popen`, `os.system`, `os.popen`, `os.spawn*`, `os.posix_spawn[p]` | ASYNC220/221 | FAS103 (`posix_spawn[p]` added) | 48-55 |
| `os.wait/wait3/wait4/waitid/waitpid` | ASYNC222 | FAS103 (not with `os.WNOHANG`) | 56-57 |
| `open`, `io.open`, `io.open_code`, `os.fdopen`, also as `with` items | ASYNC230/231 | FAS104 (`io.open_code` added) | 89-93 |
| `Path.open/read_text/read_bytes/write_text/write_bytes/touch` | ruff ASYNC230 | FAS104 (`touch`: FAS109) | 81, 84 |
| methods of a file (`open()` result, or annotated `io.TextIOWrapper`/`BufferedReader`/...) | ASYNC232 | FAS104: read, read1, readinto(1), peek, readline(s), write(lines), seek, flush, truncate, close (read1, readinto(1), peek, close added) | 90, 94-97 |
| `os.path.exists/isfile/isdir/islink/lexists/ismount/realpath/getatime/getctime/getmtime/getsize/samefile/sameopenfile/_joinrealpath` | ASYNC240 | FAS109 (`sameopenfile`, `_joinrealpath` added) | 65-71 |
| non-pure `pathlib.Path` methods (`exists`, `is_*`, `stat`, `glob`, `iterdir`, `owner`, `group`, `symlink_to`, `hardlink_to`, `lchmod`, `walk` ...) | ruff ASYNC240 | FAS109 (`owner`, `group`, `is_mount/socket/fifo/block_device/char_device/junction`, `symlink_to`, `hardlink_to`, `link_to`, `lchmod`, `walk` added) | 81-83 |
| `input()`; `time.sleep` / `from time import sleep` | ASYNC250/251 | FAS108 / FAS101 | 101-102 |

Reported by a peer and deliberately not by us (each is no real I/O wait, or not import-backed):

- `os.path.normpath`, `relpath`, `abspath`, `_path_normpath` (ASYNC240): string computations; `abspath`
  and `relpath` call `getcwd()` for a relative path, a system call that does not wait on a disk.
  Parity lines 73-75; the FAS109 page says so.
- `Path.absolute()`, `expanduser()`, `home()`, `cwd()` (ruff ASYNC240): `getcwd()` / the environment, no disk wait.
- `httpx.Client.close()` (ASYNC212): releases pooled sockets without waiting on the peer.
- any other method of a file object (flake8-async ASYNC232 flags every attribute call: `fileno()`,
  `readable()`, `isatty()` ...): no I/O.
- `x.request("GET", ...)` on any object once urllib3 is imported (flake8-async ASYNC211): a guess from a
  method name, not an import-backed object.
- `async with open(...)` (ASYNC230): reported by us too (the `open()` call runs, then the `async with`
  fails); a star import of a module whose `open` is async (`from aiofiles import *`) is not the builtin.
"""


@dataclass
class Tool:
    name: str
    version: str
    findings: Optional[Findings]  # None: the tool is not installed or failed
    note: str = ""


@dataclass
class Totals:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)  # "file:line: expected X, got Y"
    extras: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def labels(directory: Path) -> Findings:
    out: Findings = {}
    for path in sorted(directory.glob("*.py")):
        per: dict[int, list[str]] = {}
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = EXPECT.search(text)
            if m:
                per[n] = sorted(re.findall(r"FAS\d{3}", m.group("codes")))
        out[path.name] = per
    return out


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def _version(cmd: list[str]) -> str:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return "not installed"
    text = (r.stdout or r.stderr).strip().splitlines()
    return text[0] if r.returncode == 0 and text else "not installed"


def _collect(rows: list[tuple[str, int, str]]) -> Findings:
    out: Findings = {}
    for path, line, code in rows:
        out.setdefault(Path(path).name, {}).setdefault(line, []).append(code)
    for per in out.values():
        for codes in per.values():
            codes.sort()
    return out


def run_us(work: Path) -> Tool:
    from fake_async_lint import __version__

    r = _run([sys.executable, "-m", "fake_async_lint", "check", "--format", "json", "."], work)
    if r.returncode not in (0, 1):
        return Tool("fake-async-lint", __version__, None, r.stderr.strip()[-300:])
    rows = [(d["path"], d["line"], d["code"]) for d in json.loads(r.stdout)]
    return Tool("fake-async-lint", __version__, _collect(rows))


def run_flake8_async(work: Path) -> Tool:
    version = _version([sys.executable, "-m", "flake8", "--version"])
    if "flake8-async" not in version:
        return Tool("flake8-async", "not installed", None)
    version = re.search(r"flake8-async: ([\w.]+)", version)
    fmt = "%(path)s\t%(row)d\t%(code)s"
    r = _run([sys.executable, "-m", "flake8", "--isolated", "--select", "ASYNC", f"--format={fmt}", "."], work)
    if r.returncode not in (0, 1):
        return Tool("flake8-async", version.group(1) if version else "?", None, r.stderr.strip()[-300:])
    rows = [(p, int(n), c) for p, n, c in (line.split("\t") for line in r.stdout.splitlines() if line.count("\t") == 2)]
    return Tool("flake8-async", version.group(1) if version else "?", _collect(rows))


def run_ruff(work: Path, preview: bool) -> Tool:
    name = "ruff --preview" if preview else "ruff"
    exe = shutil.which("ruff")
    if exe is None:
        return Tool(name, "not installed", None)
    cmd = [exe, "check", "--isolated", "--no-cache", "--select", "ASYNC", "--output-format", "json", "--exit-zero"]
    r = _run([*cmd, *(["--preview"] if preview else []), "."], work)
    if r.returncode != 0:
        return Tool(name, _version([exe, "--version"]), None, r.stderr.strip()[-300:])
    rows = [(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(r.stdout)]
    return Tool(name, _version([exe, "--version"]), _collect(rows))


def _note(name: str, line: int) -> str:
    note = NOTES.get((name, line))
    return f" -- {note}" if note else ""


def _blocking(codes: list[str]) -> list[str]:
    return [c for c in codes if PEER_BLOCKING.fullmatch(c)]


def _fmt(codes: list[str]) -> str:
    return " ".join(codes) if codes else ""


def score(expected: Findings, ours: Findings) -> Totals:
    t = Totals()
    for name in sorted(set(expected) | set(ours)):
        exp, got = expected.get(name, {}), ours.get(name, {})
        for line in sorted(set(exp) | set(got)):
            e = Counter(c for c in exp.get(line, []) if c.startswith("FAS1"))
            g = Counter(c for c in got.get(line, []) if c.startswith("FAS1"))
            hit = sum((e & g).values())
            t.tp += hit
            t.fn += sum(e.values()) - hit
            t.fp += sum(g.values()) - hit
            if e - g:
                got_text = _fmt(sorted(g.elements())) or "nothing"
                t.misses.append(
                    f"{name}:{line}: expected {_fmt(sorted(e.elements()))}, got {got_text}{_note(name, line)}"
                )
            if g - e:
                t.extras.append(
                    f"{name}:{line}: reported {_fmt(sorted(g.elements()))}, expected {_fmt(sorted(e.elements()))}"
                )
    return t


def report(directory: Path) -> str:
    expected = labels(directory)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for f in directory.glob("*.py"):
            shutil.copy(f, work / f.name)
        tools = [run_us(work), run_flake8_async(work), run_ruff(work, preview=False), run_ruff(work, preview=True)]
    us = tools[0]
    out: list[str] = ["# Peers on labelled fixtures", ""]
    out.append("Generated by `python benchmarks/peers.py` on `tests/fixtures/peers/*.py`.")
    out.append("`expected` comes from the `# expect:` labels. Peer columns show their blocking-call codes")
    out.append("(ASYNC2xx); their other codes (checkpoints, style) are counted below each table, not shown.")
    out.append("")
    out += ["| tool | version |", "|---|---|"]
    out += [
        f"| {t.name} | {t.version}{' (failed: ' + t.note + ')' if t.findings is None and t.note else ''} |"
        for t in tools
    ]
    out.append("")
    total_lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in directory.glob("*.py"))
    n_labels = sum(len(v) for per in expected.values() for v in per.values())
    out.append(f"{len(expected)} fixtures, {total_lines} lines, {n_labels} expected findings.")
    out.append("")
    for name in sorted(expected):
        out += [f"## {name}", "", "| line | expected | us | " + " | ".join(t.name for t in tools[1:]) + " |"]
        out.append("|---:|---|---|" + "---|" * (len(tools) - 1))
        lines: set[int] = set(expected[name])
        for t in tools:
            lines |= set((t.findings or {}).get(name, {}))
        for line in sorted(lines):
            cells = [_fmt(expected[name].get(line, [])), _fmt((us.findings or {}).get(name, {}).get(line, []))]
            for t in tools[1:]:
                cells.append("n/a" if t.findings is None else _fmt(_blocking(t.findings.get(name, {}).get(line, []))))
            if any(cells):
                out.append(f"| {line} | " + " | ".join(cells) + " |")
        other = {
            t.name: sum(len(cs) - len(_blocking(cs)) for cs in (t.findings or {}).get(name, {}).values())
            for t in tools[1:]
        }
        out.append("")
        out.append("Other ASYNC codes, not shown: " + ", ".join(f"{k} {v}" for k, v in other.items()) + ".")
        out.append("")
    out += ["## Totals", ""]
    if us.findings is None:
        out.append(f"Our command failed: {us.note}")
        return "\n".join(out) + "\n"
    t = score(expected, us.findings)
    out.append("Blocking calls (FAS1xx), counted per (line, code):")
    out.append("")
    out.append(f"- true positives {t.tp}, false positives {t.fp}, false negatives {t.fn}")
    out.append(f"- **precision {t.precision:.3f}** (target >= 0.95), **recall {t.recall:.3f}** (target >= 0.90)")
    other_exp = Counter(c for per in expected.values() for v in per.values() for c in v if not c.startswith("FAS1"))
    other_got = Counter(c for per in us.findings.values() for v in per.values() for c in v if not c.startswith("FAS1"))
    out.append(f"- other codes expected {dict(sorted(other_exp.items()))}, reported {dict(sorted(other_got.items()))}")
    out.append("")
    out += ["Missed (expected, not reported):", ""] + [f"- {m}" for m in t.misses or ["none"]] + [""]
    out += ["Reported, not expected:", ""] + [f"- {m}" for m in t.extras or ["none"]] + [""]
    labelled = {(name, line) for name, per in expected.items() for line in per}
    out += ["Per line (a line counts when the tool reports any blocking-call code on it):", ""]
    out += ["| tool | labelled lines found | of | unlabelled lines reported |", "|---|---:|---:|---:|"]
    for tool in tools:
        if tool.findings is None:
            out.append(f"| {tool.name} | n/a | {len(labelled)} | n/a |")
            continue
        pick = (lambda cs: [c for c in cs if c.startswith("FAS")]) if tool is us else _blocking
        hit = {(n, ln) for n, per in tool.findings.items() for ln, cs in per.items() if pick(cs)}
        out.append(f"| {tool.name} | {len(hit & labelled)} | {len(labelled)} | {len(hit - labelled)} |")
    out.append("")
    out += ["## Lines a peer reports as a blocking call (ASYNC2xx) and we do not report at all", ""]
    peer_only: list[str] = []
    for tool in tools[1:]:
        for name, per in sorted((tool.findings or {}).items()):
            for line, codes in sorted(per.items()):
                blocking = [c for c in codes if PEER_BLOCKING.fullmatch(c)]
                if blocking and not us.findings.get(name, {}).get(line):
                    label = "labelled" if line in expected.get(name, {}) else "not labelled"
                    peer_only.append(f"- {name}:{line}: {tool.name} {_fmt(blocking)} ({label}){_note(name, line)}")
    out += peer_only or ["none"]
    out.append("")
    out.append(SUITES)
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fixtures", type=Path, default=FIXTURES)
    p.add_argument("-o", "--output", type=Path, help="also write the report here")
    args = p.parse_args(argv)
    text = report(args.fixtures)
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
