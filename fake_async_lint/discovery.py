"""Which files a scan covers: walk directories, skip excluded and vendored trees."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .config import DEFAULT_EXCLUDE, Settings
from .source import SourceError


@dataclass(frozen=True)
class Item:
    path: str
    error: Optional[SourceError] = None


class Excluder:
    """Exclude globs, matched against a path's basename, the path as given, and the
    path relative to the settings' anchor (the config file's directory)."""

    def __init__(self, patterns: tuple[str, ...], root: str) -> None:
        self.root = root
        self._regex = re.compile("|".join(fnmatch.translate(p) for p in patterns)) if patterns else None

    def relative(self, path: str) -> Optional[str]:
        try:
            rel = os.path.relpath(os.path.abspath(path), self.root).replace("\\", "/")
        except ValueError:  # another drive on Windows
            return None
        return None if rel == ".." or rel.startswith("../") else rel

    def _hit(self, *forms: Optional[str]) -> bool:
        assert self._regex is not None
        return any(f is not None and self._regex.match(f) is not None for f in forms)

    def excluded(self, path: str) -> bool:
        """The path or any directory above it (up to the anchor) is excluded: for named paths."""
        if self._regex is None:
            return False
        given = _norm(path)
        rel = self.relative(path)
        for form in (given, rel):
            if form is None or form in (".", ""):
                continue
            parts = form.split("/")
            for i in range(len(parts)):
                if parts[i] not in ("", ".", "..") and self._hit(parts[i], "/".join(parts[: i + 1])):
                    return True
        return False

    def child(self, name: str, given: str, rel: Optional[str]) -> bool:
        return self._regex is not None and self._hit(name, given, rel)


def _norm(path: str) -> str:
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p.rstrip("/") or p


def named_excluder(settings: Settings) -> Excluder:
    """For files named on the command line (as pre-commit does) or given as --stdin-filename:
    checked even inside a default-skipped directory like build/; the user's own patterns still apply."""
    user = (() if settings.exclude == DEFAULT_EXCLUDE else settings.exclude) + settings.extend_exclude
    return Excluder(user, settings.anchor())


def discover(paths: Iterable[str | Path], settings: Settings) -> Iterator[Item]:
    ex = Excluder(settings.exclude + settings.extend_exclude, settings.anchor())
    named = named_excluder(settings)
    seen: set[str] = set()
    for raw in paths:
        p = str(raw)
        if os.path.isdir(p):
            if not ex.excluded(p):
                yield from _walk(p, ex, seen)
        elif named.excluded(p) or p in seen:
            continue
        elif os.path.exists(p) or os.path.islink(p):
            seen.add(p)
            yield _file_item(p)
        else:
            yield Item(p, SourceError("cannot read path: no such file or directory"))


def _file_item(path: str) -> Item:
    """A FIFO or device named *.py would block the scan on open: refuse it up front."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:  # a broken symlink: the same words as reading it would give
        return Item(path, SourceError("cannot read file: no such file"))
    except PermissionError:
        return Item(path, SourceError("cannot read file: permission denied"))
    except OSError as e:
        return Item(path, SourceError(f"cannot read file: {e.strerror or e}"))
    if not stat.S_ISREG(mode):
        return Item(path, SourceError("cannot read file: not a regular file"))
    return Item(path)


def _join(base: Optional[str], tail: str) -> Optional[str]:
    if base is None:
        return None
    return tail if base in ("", ".") else f"{base}/{tail}" if tail else base


def _walk(root: str, ex: Excluder, seen: set[str]) -> Iterator[Item]:
    errors: list[OSError] = []
    root_given, root_rel = _norm(root), ex.relative(root)
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        # os.walk's dirpath is root + separator + the sub-path: the globs' forms come from strings
        tail = _norm(dirpath[len(root) :].lstrip("/" + os.sep))
        given, rel = _join(root_given, tail), _join(root_rel, tail)
        assert given is not None
        kept = []
        for d in dirnames:
            if not ex.child(d, _join(given, d) or d, _join(rel, d)):
                kept.append(d)
        dirnames[:] = sorted(kept)
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            full = os.path.join(dirpath, name)
            if full in seen or ex.child(name, _join(given, name) or name, _join(rel, name)):
                continue
            seen.add(full)
            yield _file_item(full)
        yield from _errors(errors, root)
    yield from _errors(errors, root)


def _errors(errors: list[OSError], root: str) -> Iterator[Item]:
    while errors:
        e = errors.pop(0)
        yield Item(str(e.filename or root), SourceError(f"cannot read directory: {e.strerror or e}"))
