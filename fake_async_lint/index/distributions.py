"""Which installed distribution owns a file: read from the `*.dist-info` (and legacy `*.egg-info`)
directories of each library root, never from importing anything.

A distribution's files are its RECORD (`installed-files.txt` for an egg-info);
a file no RECORD lists (a namespace package shared by several distributions, a
file added by hand) belongs to the one distribution that owns files in its
directory, or in the nearest parent directory that has exactly one owner.
Editable installs (`direct_url.json` with `"editable": true`) own the files
under their source directory. Each root's table is cached in memory and
rebuilt when the root directory changes (an install or uninstall changes it).

The store keys library summaries by `Distribution.key` (normalised name and version).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional
from urllib.parse import unquote, urlparse

_NORMALISE = re.compile(r"[-_.]+")


def normalise(name: str) -> str:
    """PEP 503: `Google_Genai` and `google-genai` are one distribution."""
    return _NORMALISE.sub("-", name).lower()


@dataclass(frozen=True)
class Distribution:
    name: str  # as its metadata spells it
    version: str
    root: str = field(default="", compare=False)  # the library root it is installed in
    metadata_dir: str = field(default="", compare=False)
    top_level: tuple[str, ...] = field(default=(), compare=False)  # importable top-level names
    editable: Optional[str] = field(default=None, compare=False)  # the source directory of an editable install

    @property
    def key(self) -> str:
        """What library summaries are stored under (with the tool's version and catalog hash)."""
        return f"{normalise(self.name)}=={self.version}"


class _RootTable:
    def __init__(self, root: str) -> None:
        self.root = root
        self.dists: list[Distribution] = []
        self.files: dict[str, Distribution] = {}  # normcased absolute file path -> owner
        self.dirs: dict[str, set[Distribution]] = {}  # normcased absolute directory -> owners of files in it
        self.editable: list[tuple[str, Distribution]] = []
        self._build()

    def _build(self) -> None:
        try:
            names = sorted(os.listdir(self.root))
        except OSError:
            return
        for name in names:
            full = os.path.join(self.root, name)
            if name.endswith(".dist-info") and os.path.isdir(full):
                dist, files = _read_dist_info(self.root, full)
            elif name.endswith(".egg-info") and os.path.isdir(full):
                dist, files = _read_egg_info(self.root, full)
            else:
                continue
            if dist is None:
                continue
            self.dists.append(dist)
            for f in files:
                key = os.path.normcase(f)
                self.files.setdefault(key, dist)
                self.dirs.setdefault(os.path.dirname(key), set()).add(dist)
            if dist.editable:
                self.editable.append((os.path.normcase(dist.editable), dist))

    def owner(self, path: str) -> Optional[Distribution]:
        key = os.path.normcase(os.path.abspath(path))
        dist = self.files.get(key)
        if dist is not None:
            return dist
        root = os.path.normcase(os.path.abspath(self.root))
        d = os.path.dirname(key)
        while d.startswith(root + os.sep):
            owners = self.dirs.get(d)
            if owners:
                # several owners of one directory: a namespace package, no single owner
                return next(iter(owners)) if len(owners) == 1 else None
            d = os.path.dirname(d)
        for source, dist in self.editable:
            if key.startswith(source + os.sep):
                return dist
        return None


_TABLES: dict[str, tuple[int, _RootTable]] = {}


def _table(root: str) -> _RootTable:
    root = os.path.abspath(root)
    try:
        stamp = os.stat(root).st_mtime_ns
    except OSError:
        stamp = -1
    cached = _TABLES.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table = _RootTable(root)
    _TABLES[root] = (stamp, table)
    return table


def distributions(roots: Iterable[str]) -> list[Distribution]:
    """The distributions installed in `roots`, in root order then by name; a name met twice keeps the first
    (the one an import would find)."""
    seen: set[str] = set()
    out: list[Distribution] = []
    for root in roots:
        for dist in sorted(_table(root).dists, key=lambda d: normalise(d.name)):
            if normalise(dist.name) not in seen:
                seen.add(normalise(dist.name))
                out.append(dist)
    return out


def owner(path: str, roots: Optional[Iterable[str]] = None) -> Optional[Distribution]:
    """The distribution that installed `path`, looking in `roots` (default: the library root above `path`
    that holds dist-info directories)."""
    if roots is None:
        roots = _roots_above(path)
    for root in roots:
        r = os.path.normcase(os.path.abspath(root))
        key = os.path.normcase(os.path.abspath(path))
        table = _table(root)
        if key.startswith(r + os.sep) or table.editable:
            dist = table.owner(path)
            if dist is not None:
                return dist
    return None


def _roots_above(path: str) -> list[str]:
    d = os.path.dirname(os.path.abspath(path))
    out = []
    while True:
        try:
            if any(n.endswith((".dist-info", ".egg-info")) for n in os.listdir(d)):
                out.append(d)
                break
        except OSError:
            pass
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return out


def clear_cache() -> None:
    _TABLES.clear()


# ---------------------------------------------------------------- metadata readers


def _headers(path: str) -> tuple[str, str]:
    """Name and Version from a METADATA/PKG-INFO header block (read up to its first blank line only:
    the long description that follows can be large)."""
    name = version = ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                key, sep, value = line.partition(":")
                if not sep:
                    continue
                key = key.strip().lower()
                if key == "name" and not name:
                    name = value.strip()
                elif key == "version" and not version:
                    version = value.strip()
                if name and version:
                    break
    except OSError:
        pass
    return name, version


def _from_dir_name(dirname: str) -> tuple[str, str]:
    stem = dirname.rsplit(".", 1)[0]
    name, _, version = stem.partition("-")
    version = version.split("-py", 1)[0]
    return name, version


def _top_level(meta_dir: str, rows: list[str]) -> tuple[str, ...]:
    try:
        with open(os.path.join(meta_dir, "top_level.txt"), encoding="utf-8", errors="replace") as f:
            names = [line.strip() for line in f if line.strip()]
        if names:
            return tuple(names)
    except OSError:
        pass
    tops: list[str] = []
    for rel in rows:  # RECORD's own paths: relative to the root, "/"-separated
        if rel.startswith(".."):
            continue
        first, sep, _ = rel.partition("/")
        if first.endswith((".dist-info", ".egg-info", ".pth")) or first == "__pycache__" or first.endswith(".data"):
            continue
        name = first[:-3] if first.endswith(".py") else first
        if (first.endswith(".py") or sep) and name.isidentifier() and name not in tops:
            tops.append(name)
    return tuple(tops)


def _editable_source(meta_dir: str) -> Optional[str]:
    try:
        with open(os.path.join(meta_dir, "direct_url.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    info = data.get("dir_info")
    url = data.get("url")
    if isinstance(info, dict) and info.get("editable") and isinstance(url, str) and url.startswith("file:"):
        return os.path.abspath(unquote(urlparse(url).path))
    return None


def _identity(meta_dir: str, header_file: str) -> tuple[str, str]:
    """(name, version) from the metadata headers, else from the folder's name (`name-1.0.dist-info`)."""
    name, version = _headers(os.path.join(meta_dir, header_file))
    if not name or not version:
        dn, dv = _from_dir_name(os.path.basename(meta_dir))
        name, version = name or dn, version or dv
    return name, version


def _read_dist_info(root: str, meta_dir: str) -> tuple[Optional[Distribution], list[str]]:
    name, version = _identity(meta_dir, "METADATA")
    if not name:
        return None, []
    rows: list[str] = []
    try:
        with open(os.path.join(meta_dir, "RECORD"), encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
        rows = [row[0] for row in csv.reader(io.StringIO(text)) if row and row[0]]
    except (OSError, csv.Error):
        pass
    prefix = root + os.sep
    files = [os.path.normpath(prefix + r) if ".." in r or os.sep != "/" else prefix + r for r in rows]
    dist = Distribution(name, version, root, meta_dir, _top_level(meta_dir, rows), _editable_source(meta_dir))
    return dist, files


def _read_egg_info(root: str, meta_dir: str) -> tuple[Optional[Distribution], list[str]]:
    name, version = _identity(meta_dir, "PKG-INFO")
    if not name:
        return None, []
    files: list[str] = []
    try:
        with open(os.path.join(meta_dir, "installed-files.txt"), encoding="utf-8", errors="replace") as f:
            files = [os.path.normpath(os.path.join(meta_dir, line.strip())) for line in f if line.strip()]
    except OSError:
        pass
    rows = [os.path.relpath(f, root).replace(os.sep, "/") for f in files]
    return Distribution(name, version, root, meta_dir, _top_level(meta_dir, rows)), files
