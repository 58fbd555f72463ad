"""The persistent store of module summaries: one small JSON file per key, shared by every front end.

A key names what a summary was computed from: the module's content digest (or, for an installed
library, its distribution and version and the file's place in it), the tool's own fingerprint
and the analysis settings. So a summary never goes stale: a changed module, setting or tool is a
new key. Writes go to a temporary file then `os.replace`, so concurrent writers (pre-commit's
processes, flake8's workers, the language server) never see half a file; a missing, corrupt or
foreign entry is a miss. Entries are spread over 256 folders to keep directories small.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Optional

from .. import __version__

FORMAT = 1
STORE_ENV = "FAKE_ASYNC_LINT_STORE_DIR"


def default_store_dir() -> Path:
    """$FAKE_ASYNC_LINT_STORE_DIR, else the user cache dir (XDG), `fake-async-lint/summaries`."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fake-async-lint" / "summaries"


@functools.lru_cache(maxsize=4)
def tool_fingerprint(version: str = __version__) -> str:
    """The version, the shipped catalog and our own sources (editable installs change without a version bump)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(version.encode())
    package = Path(__file__).parent.parent
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".toml")):
                full = os.path.join(dirpath, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                h.update(f"{os.path.relpath(full, package)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    try:
        h.update((package / "catalog" / "blocking.toml").read_bytes())
    except OSError:
        pass
    return h.hexdigest()


def replace_file(target: Path, text: str) -> None:
    """Write `text` to a temporary file beside `target`, then rename it over `target`: a reader (another
    run, another process) sees the old content or the new, never half of it."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def key_of(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


class Store:
    """get/put of JSON summaries by key; `directory=None` keeps them in memory only."""

    def __init__(self, directory: Optional[Path]) -> None:
        self.directory = directory
        self._memory: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0
        self.warning: Optional[str] = None

    def _file(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[Any]:
        if key in self._memory:
            self.hits += 1
            return self._memory[key]
        value = None
        if self.directory is not None:
            try:
                with open(self._file(key), "rb") as f:
                    data = json.loads(f.read())
                if isinstance(data, dict) and data.get("format") == FORMAT and data.get("key") == key:
                    value = data.get("value")
            except Exception:  # noqa: BLE001 - missing, truncated, corrupt, foreign: a miss
                value = None
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._memory[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self._memory[key] = value
        if self.directory is None:
            return
        target = self._file(key)
        payload = json.dumps({"format": FORMAT, "key": key, "value": value}, separators=(",", ":"))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            replace_file(target, payload)
        except OSError as e:  # a read-only or full disk: this run still has the summary in memory
            self.warning = f"summaries not saved to {self.directory}: {e.strerror or e}"
