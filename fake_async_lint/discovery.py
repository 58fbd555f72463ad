"""Which files a scan covers: walk directories, skip excluded and vendored trees."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .config import Settings
from .source import SourceError


@dataclass(frozen=True)
class Item:
    path: str
    error: Optional[SourceError] = None


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    name = os.path.basename(path.rstrip("/\\")) or path
    norm = path.replace("\\", "/").removeprefix("./")
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(norm, p) for p in patterns)


def discover(paths: Iterable[str | Path], settings: Settings) -> Iterator[Item]:
    patterns = settings.exclude + settings.extend_exclude
    seen: set[str] = set()
    for raw in paths:
        p = str(raw)
        if os.path.isdir(p):
            yield from _walk(p, patterns, seen)
        elif os.path.exists(p) or os.path.islink(p):
            if p not in seen:
                seen.add(p)
                yield Item(p)
        else:
            yield Item(p, SourceError("cannot read path: no such file or directory"))


def _walk(root: str, patterns: tuple[str, ...], seen: set[str]) -> Iterator[Item]:
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        dirnames[:] = sorted(d for d in dirnames if not _excluded(os.path.join(dirpath, d), patterns))
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            full = os.path.join(dirpath, name)
            if full in seen or _excluded(full, patterns):
                continue
            seen.add(full)
            yield Item(full)
        yield from _errors(errors, root)
    yield from _errors(errors, root)


def _errors(errors: list[OSError], root: str) -> Iterator[Item]:
    while errors:
        e = errors.pop(0)
        yield Item(str(e.filename or root), SourceError(f"cannot read directory: {e.strerror or e}"))
