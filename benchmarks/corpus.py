#!/usr/bin/env python3
"""Fetch the pinned benchmark corpus: real async-heavy code from PyPI.

The pins (one package per row: dir, requirement, form, archive, sha256) ship
with the benchmarks, in ``benchmarks/corpus-pins.tsv``; ``--pins`` or the
environment variable ``FAL_CORPUS_PINS`` point elsewhere. Each pinned archive is fetched with
``pip download --no-deps``, its sha256 is checked against the pin (a mismatch
is an error), and only its ``.py`` files are unpacked into
``benchmarks/.corpus/<dir>/``. Archives are cached in
``benchmarks/.corpus/_archives/``. Nothing here is committed (see
``benchmarks/.gitignore``).

Re-running is cheap: a package whose directory holds a marker recording the
pinned sha256 is left alone.

    python benchmarks/corpus.py            # fetch everything, print counts
    python benchmarks/corpus.py --only aiohttp trio
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TextIO

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_CORPUS_DIR = BENCH_DIR / ".corpus"
ARCHIVES_DIRNAME = "_archives"
MARKER_NAME = ".corpus-unpacked.json"
PINS_ENV = "FAL_CORPUS_PINS"
PIN_COLUMNS = ("dir", "requirement", "form", "archive", "sha256")

# How each pinned form is fetched. ``platwheel`` is the CPython 3.11 manylinux
# wheel whatever machine runs this, so the corpus is the same everywhere.
PIP_FORM_ARGS: dict[str, tuple[str, ...]] = {
    "wheel": ("--only-binary=:all:",),
    "platwheel": (
        "--only-binary=:all:",
        "--platform",
        "manylinux2014_x86_64",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
    ),
    "sdist": ("--no-binary=:all:",),
}

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class CorpusError(Exception):
    """A pin, download or archive that cannot be used as it is."""


@dataclass(frozen=True)
class Pin:
    dir: str
    requirement: str
    form: str
    archive: str
    sha256: str


@dataclass(frozen=True)
class Counts:
    files: int
    lines: int


def default_pins_path() -> Path:
    env = os.environ.get(PINS_ENV)
    if env:
        return Path(env)
    return BENCH_DIR / "corpus-pins.tsv"


def read_pins(path: Path) -> list[Pin]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CorpusError(
            f"cannot read the corpus pins {path}: {exc.strerror} (use --pins FILE or set {PINS_ENV})"
        ) from exc
    rows = list(csv.reader(text.splitlines(), delimiter="\t"))
    if not rows or tuple(rows[0]) != PIN_COLUMNS:
        header = "\t".join(PIN_COLUMNS)
        raise CorpusError(f"{path}: the header must be {header!r}")
    pins: list[Pin] = []
    seen: set[str] = set()
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(PIN_COLUMNS):
            raise CorpusError(f"{path}:{lineno}: expected {len(PIN_COLUMNS)} columns")
        pin = Pin(*(cell.strip() for cell in row))
        where = f"{path}:{lineno}"
        if pin.form not in PIP_FORM_ARGS:
            raise CorpusError(f"{where}: unknown form {pin.form!r}")
        if not _SHA256_RE.fullmatch(pin.sha256):
            raise CorpusError(f"{where}: sha256 must be 64 lowercase hex digits")
        if not _is_plain_name(pin.dir) or pin.dir == ARCHIVES_DIRNAME:
            raise CorpusError(f"{where}: bad dir {pin.dir!r}")
        if not _is_plain_name(pin.archive):
            raise CorpusError(f"{where}: bad archive name {pin.archive!r}")
        if "==" not in pin.requirement:
            raise CorpusError(f"{where}: requirement must pin a version with ==")
        if pin.dir in seen:
            raise CorpusError(f"{where}: dir {pin.dir!r} appears twice")
        seen.add(pin.dir)
        pins.append(pin)
    return pins


def _is_plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_lines(data: bytes) -> int:
    """Physical lines, counting a last line without a newline."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def python_files(root: Path) -> list[Path]:
    """Every ``.py`` file under ``root`` (or ``root`` itself), sorted."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ARCHIVES_DIRNAME)
        found.extend(Path(dirpath, f) for f in filenames if f.endswith(".py"))
    found.sort()
    return found


def count_python(root: Path) -> Counts:
    files = python_files(root)
    return Counts(len(files), sum(count_lines(p.read_bytes()) for p in files))


def _pip_download(pin: Pin, into: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        # Only a download: the interpreter running this need not be one the
        # package supports (django 6 wants Python >= 3.12).
        "--ignore-requires-python",
        "--dest",
        str(into),
        *PIP_FORM_ARGS[pin.form],
        pin.requirement,
    ]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(line[:300] for line in proc.stderr.strip().splitlines()[-5:])
        raise CorpusError(f"{pin.dir}: `{' '.join(cmd[2:])}` failed:\n{tail}")


def fetch_archive(pin: Pin, archive_dir: Path) -> tuple[Path, bool]:
    """The verified archive for ``pin`` and whether it had to be downloaded."""
    target = archive_dir / pin.archive
    if target.is_file() and sha256_of(target) == pin.sha256:
        return target, False
    archive_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=archive_dir, prefix=".download-") as tmp:
        into = Path(tmp)
        # For an sdist, pip prepares its metadata before saving it: it fetches
        # the build backend into an isolated environment (nothing is compiled).
        _pip_download(pin, into)
        got = into / pin.archive
        if not got.is_file():
            saved = sorted(p.name for p in into.iterdir())
            raise CorpusError(f"{pin.dir}: pip saved {saved} for {pin.requirement}, not the pinned {pin.archive}")
        actual = sha256_of(got)
        if actual != pin.sha256:
            raise CorpusError(
                f"{pin.dir}: sha256 MISMATCH for {pin.archive}:"
                f" pinned {pin.sha256}, downloaded {actual}."
                " The archive is not the pinned one; refusing to use it."
            )
        os.replace(got, target)
    return target, True


def _member_path(name: str, strip_top: bool) -> PurePosixPath | None:
    """A safe relative path for an archive member, or None to skip it."""
    path = PurePosixPath(name)
    parts = path.parts
    if path.is_absolute() or any(part in ("", ".", "..") for part in parts):
        return None
    if strip_top:
        parts = parts[1:]
    if not parts or not parts[-1].endswith(".py"):
        return None
    return PurePosixPath(*parts)


def _archive_py_members(archive: Path) -> Iterator[tuple[PurePosixPath, bytes]]:
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                rel = _member_path(info.filename, strip_top=False)
                if rel is not None and not info.is_dir():
                    yield rel, zf.read(info)
    elif archive.name.endswith((".tar.gz", ".tgz")):
        # An sdist unpacks into "<name>-<version>/"; drop that level.
        with tarfile.open(archive, "r:gz") as tf:
            for member in tf:
                rel = _member_path(member.name, strip_top=True)
                if rel is None or not member.isfile():
                    continue
                fh = tf.extractfile(member)
                if fh is not None:
                    yield rel, fh.read()
    else:
        raise CorpusError(f"{archive.name}: unsupported archive type")


def unpack(pin: Pin, archive: Path, dest: Path) -> Counts:
    """Replace ``dest`` with the ``.py`` files of ``archive`` and a marker."""
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    files = lines = 0
    for rel, data in _archive_py_members(archive):
        out = partial.joinpath(*rel.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        files += 1
        lines += count_lines(data)
    partial.mkdir(parents=True, exist_ok=True)
    marker = {
        "requirement": pin.requirement,
        "archive": pin.archive,
        "sha256": pin.sha256,
        "files": files,
        "lines": lines,
    }
    (partial / MARKER_NAME).write_text(json.dumps(marker, indent=1) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(partial, dest)
    return Counts(files, lines)


def unpacked_counts(pin: Pin, dest: Path) -> Counts | None:
    """The counts recorded for ``pin`` if ``dest`` already holds it."""
    try:
        marker = json.loads((dest / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("sha256") != pin.sha256:
        return None
    files, lines = marker.get("files"), marker.get("lines")
    if not isinstance(files, int) or not isinstance(lines, int):
        return None
    return Counts(files, lines)


def ensure_corpus(pins: Sequence[Pin], corpus_dir: Path, *, out: TextIO = sys.stdout) -> dict[str, Counts]:
    """Fetch and unpack whatever is missing; the counts per package dir."""
    counts: dict[str, Counts] = {}
    archive_dir = corpus_dir / ARCHIVES_DIRNAME
    for pin in pins:
        dest = corpus_dir / pin.dir
        done = unpacked_counts(pin, dest)
        if done is not None:
            status = "present"
        else:
            archive, downloaded = fetch_archive(pin, archive_dir)
            done = unpack(pin, archive, dest)
            status = "downloaded+unpacked" if downloaded else "unpacked (cached)"
        counts[pin.dir] = done
        print(
            f"{pin.dir:<22} {done.files:>6} files {done.lines:>9} lines  {status}",
            file=out,
            flush=True,
        )
    return counts


def stray_dirs(pins: Sequence[Pin], corpus_dir: Path) -> list[str]:
    """Directories in the corpus that no pin accounts for."""
    if not corpus_dir.is_dir():
        return []
    known = {pin.dir for pin in pins} | {ARCHIVES_DIRNAME}
    return sorted(p.name for p in corpus_dir.iterdir() if p.is_dir() and p.name not in known)


def locked_venv(python: str, venv: Path, lock: Path, unlocked: Sequence[str], unlocked_key: str, label: str) -> Path:
    """A benchmark's venv of real packages, built once and rebuilt when its inputs change: from `lock`
    (pinned, `--no-deps`) when there is one, else from the pip arguments `unlocked`, whose result is
    then frozen into `lock`. `unlocked_key` stands for those arguments in the up-to-date check."""
    exe = venv / "bin" / "python"
    marker = venv / ".built"
    wanted = lock.read_text() if lock.is_file() else unlocked_key
    if exe.is_file() and marker.is_file() and marker.read_text() == wanted:
        return exe
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip = [python, "-m", "pip", "--python", str(exe), "install", "--quiet", "--disable-pip-version-check"]
    cmd = [*pip, "--no-deps", "-r", str(lock)] if lock.is_file() else [*pip, *unlocked]
    print(f"{label}: building {venv} ...", file=sys.stderr)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{label}: pip failed:\n{proc.stderr[-3000:]}")
    if not lock.is_file():
        freeze = [python, "-m", "pip", "--python", str(exe), "freeze", "--all", "--disable-pip-version-check"]
        lock.write_text(subprocess.run(freeze, capture_output=True, text=True, check=True).stdout)
    marker.write_text(lock.read_text())
    return exe


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch the pinned benchmark corpus (.py files only).")
    parser.add_argument(
        "--pins",
        type=Path,
        default=None,
        help=f"the pins TSV (default: ${PINS_ENV} or {default_pins_path()})",
    )
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        default=DEFAULT_CORPUS_DIR,
        help="where to unpack (default: %(default)s)",
    )
    parser.add_argument("--only", nargs="+", metavar="DIR", help="fetch only these pinned dirs")
    args = parser.parse_args(argv)
    try:
        pins = read_pins(args.pins or default_pins_path())
        if args.only:
            unknown = sorted(set(args.only) - {pin.dir for pin in pins})
            if unknown:
                raise CorpusError(f"not in the pins: {', '.join(unknown)}")
            pins = [pin for pin in pins if pin.dir in args.only]
        counts = ensure_corpus(pins, args.corpus_dir)
    except CorpusError as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 1
    files = sum(c.files for c in counts.values())
    lines = sum(c.lines for c in counts.values())
    print(f"{'total':<22} {files:>6} files {lines:>9} lines  ({len(counts)} packages)")
    print(f"corpus: {args.corpus_dir}")
    for name in stray_dirs(pins, args.corpus_dir) if not args.only else []:
        print(f"corpus: note: {name}/ is not pinned; tools run on the corpus see it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
