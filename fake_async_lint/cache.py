"""The result cache: a file's per-file result, reused while the file, the settings and the tool are unchanged.

One JSON index per (tool, analysis settings) in the cache directory maps a
file's absolute path to its stat signature, its content digest and its
`FileResult` (findings + facts). A warm run only stats files: a matching
signature (size, mtime_ns, ctime_ns, inode) is a hit without reading. A
changed signature makes the file be read and hashed; the content digest is the
authority, so a `touch` or a fresh checkout costs a hash, not an analysis.
Entries whose mtime is too close to the run's start to be trusted (a write in
the same timestamp tick could follow) are always re-hashed next time.

Writes go to a temporary file then `os.replace`, and merge with entries a
concurrent run saved meanwhile, so parallel runs (pre-commit's) never corrupt
the index. An unreadable, truncated or foreign index is an empty one.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional, Sequence

from . import __version__
from .config import Settings
from .findings import Finding
from .index.store import replace_file, tool_fingerprint
from .results import FileResult

CACHE_DIR_NAME = ".fake_async_lint_cache"
CACHE_ENV = "FAKE_ASYNC_LINT_CACHE_DIR"
FORMAT = 1
# mtimes newer than this before the run started may be followed by a same-tick write
RACY_NS = 2_000_000_000
# index files of other settings/tool versions not used for this long are deleted
STALE_SECONDS = 30 * 24 * 3600

Signature = tuple[int, int, int, int]


def cache_dir_override(flag: Optional[str]) -> Optional[str]:
    """The cache directory the command line asks for: `--cache-dir`, else $FAKE_ASYNC_LINT_CACHE_DIR;
    either beats the config file's `cache-dir` (as ruff's do)."""
    return flag or os.environ.get(CACHE_ENV) or None


def default_dir(settings: Settings) -> Path:
    """Where the cache goes when nothing names a directory (see `cache_dir_override`): next to the
    config file, else in the current directory."""
    return Path(settings.root or ".") / CACHE_DIR_NAME


def signature(st: os.stat_result) -> Signature:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def result_to_json(result: FileResult) -> Any:
    if not result.findings and result.facts is None:
        return 0  # the common case, kept small
    # not Finding.to_dict: its fingerprint costs a hash and cannot encode undecodable file names
    return {"findings": [_finding_json(f) for f in result.findings], "facts": result.facts}


def _finding_json(f: Finding) -> dict[str, Any]:
    d = asdict(f)
    d["chain"] = [asdict(s) for s in f.chain]
    d["fix"] = asdict(f.fix) if f.fix else None
    return d


def result_from_json(path: str, data: Any) -> FileResult:
    """Raises (KeyError, TypeError, ...) on anything unexpected: the caller treats that as a miss."""
    if data == 0:
        return FileResult(path)
    findings = [Finding.from_dict(d) for d in data["findings"]]
    facts = data["facts"]
    if facts is not None and not isinstance(facts, dict):
        raise TypeError("facts")
    return FileResult(path, findings, facts)


class Cache:
    """Lookups and stores for one run; `save()` once at the end."""

    def __init__(self, directory: str | Path, settings: Settings) -> None:
        self.directory = Path(directory)
        key = json.dumps({"tool": tool_fingerprint(__version__), "settings": settings.analysis_key()}, sort_keys=True)
        self.file = self.directory / f"index-{hashlib.blake2b(key.encode(), digest_size=10).hexdigest()}.json"
        self.started_ns = time.time_ns()
        self.warning: Optional[str] = None
        self._entries: dict[str, list[Any]] = {}
        self._new: dict[str, list[Any]] = {}
        self._loaded_sig: Optional[tuple[int, int]] = None
        self._load()

    # entry: [display, size, mtime_ns, ctime_ns, inode, digest, trusted, result]

    def _load(self) -> None:
        self._entries, self._loaded_sig = self._read()

    def _read(self) -> tuple[dict[str, list[Any]], Optional[tuple[int, int]]]:
        try:
            with open(self.file, "rb") as f:
                st = os.fstat(f.fileno())
                data = json.loads(f.read())
            entries = data["entries"]
            if data.get("format") != FORMAT or not isinstance(entries, dict):
                return {}, None
            return entries, (st.st_size, st.st_mtime_ns)
        except Exception:  # noqa: BLE001 - missing, truncated, corrupt, foreign: an empty cache
            return {}, None

    def lookup(self, path: str) -> tuple[Optional[FileResult], Optional[str]]:
        """(the cached result if the stat signature matches, else None; the stored digest to verify against)."""
        entry = self._entries.get(os.path.abspath(path))
        if entry is None:
            return None, None
        try:
            if entry[0] != path:  # findings carry the display path
                return None, None
            st = os.stat(path)
            if entry[6] and tuple(entry[1:5]) == signature(st):
                return result_from_json(path, entry[7]), None
            return None, str(entry[5])
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            return None, None

    def restore(self, path: str) -> Optional[FileResult]:
        """The stored result of a file whose content digest matched."""
        entry = self._entries.get(os.path.abspath(path))
        try:
            return None if entry is None else result_from_json(path, entry[7])
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            return None

    def store(self, path: str, sig: Signature, content_digest: str, result: FileResult) -> None:
        trusted = sig[1] < self.started_ns - RACY_NS
        entry = [path, *sig, content_digest, trusted, result_to_json(result)]
        key = os.path.abspath(path)
        self._entries[key] = entry
        self._new[key] = entry

    def finish(self, results: list[FileResult]) -> None:
        """Record results the project phase replaced (helper files' facts) under the same content, then save."""
        for r in results:
            key = os.path.abspath(r.path)
            entry = self._entries.get(key)
            if entry is None or entry[0] != r.path:
                continue
            new = result_to_json(r)
            if entry[7] != new:
                entry = [*entry[:7], new]
                self._entries[key] = entry
                self._new[key] = entry
        self.save()

    # -- the project phase ---------------------------------------------------------
    def project_key(self, results: list[FileResult]) -> Optional[str]:
        """A key for the linked findings: every scanned file's display path and content digest."""
        parts = []
        for r in results:
            entry = self._entries.get(os.path.abspath(r.path))
            if entry is None or entry[0] != r.path:
                return None
            parts.append((r.path, entry[5]))
        text = json.dumps(sorted(parts), separators=(",", ":"))
        return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()

    @property
    def _linked_file(self) -> Path:
        return self.file.with_name("linked-" + self.file.name.removeprefix("index-"))

    def linked(self, key: str) -> Optional[list[Finding]]:
        """The project phase's findings of a run over exactly these file contents, if stored and if every
        module it read on demand still has the content it had then."""
        try:
            with open(self._linked_file, "rb") as f:
                data = json.loads(f.read())
            if data.get("format") != FORMAT or data.get("key") != key:
                return None
            for path, content in data["consulted"]:
                if _content_digest(path) != content:
                    return None
            return [Finding.from_dict(d) for d in data["findings"]]
        except Exception:  # noqa: BLE001 - missing, truncated, corrupt: link again
            return None

    def store_linked(self, key: str, findings: list[Finding], consulted: Sequence[str] = ()) -> None:
        payload = json.dumps(
            {
                "format": FORMAT,
                "key": key,
                "findings": [_finding_json(f) for f in findings],
                "consulted": [[p, _content_digest(p)] for p in consulted],
            },
            separators=(",", ":"),
        )
        try:
            self._prepare_dir()
            replace_file(self._linked_file, payload)
        except OSError as e:
            self.warning = f"cache not saved to {self.directory}: {e.strerror or e}"

    def save(self) -> None:
        """Write the index if anything changed, merged with what concurrent runs wrote meanwhile."""
        if not self._new:
            return
        try:
            self._prepare_dir()
            entries = self._entries
            disk, sig = self._read()
            if sig is not None and sig != self._loaded_sig:
                disk.update(self._new)
                entries = disk
            entries = {k: v for k, v in entries.items() if k in self._new or os.path.exists(k)}
            payload = json.dumps({"format": FORMAT, "entries": entries}, separators=(",", ":"))
            replace_file(self.file, payload)
            self._new = {}
            self._drop_stale()
        except OSError as e:
            self.warning = f"cache not saved to {self.directory}: {e.strerror or e}"

    def _prepare_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by fake-async-lint\n*\n", encoding="utf-8")
        tag = self.directory / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# created by fake-async-lint: a cache, safe to delete\n",
                encoding="utf-8",
            )

    def _drop_stale(self) -> None:
        now = time.time()
        for entry in os.scandir(self.directory):
            # a temporary file older than an hour belongs to a run that was killed mid-write
            if entry.name.startswith(".tmp-"):
                cutoff = now - 3600
            elif entry.name.startswith(("index-", "linked-")) and entry.name not in (
                self.file.name,
                self._linked_file.name,
            ):
                cutoff = now - STALE_SECONDS
            else:
                continue
            try:
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                pass


def _content_digest(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as f:
            return digest(f.read())
    except OSError:
        return None
