"""Read the async-resource table (catalog/hygiene.toml) for family 4 (FAS400-FAS401)."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .loader import CatalogError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

HYGIENE_FILE = Path(__file__).with_name("hygiene.toml")


@dataclass(frozen=True)
class ClientRow:
    """An async HTTP client class: one instance owns one connection pool."""

    name: str
    display: str = ""

    @property
    def shown(self) -> str:
        return self.display or self.name


@dataclass(frozen=True)
class SpawnRow:
    """A call that schedules a task and returns the only strong reference to it."""

    name: str
    display: str = ""
    new_only: bool = False

    @property
    def shown(self) -> str:
        return self.display or self.name


@dataclass(frozen=True)
class HygieneTables:
    clients: Mapping[str, ClientRow]
    spawns: Mapping[str, SpawnRow]
    pauses: frozenset[str] = frozenset()


_CLIENT_KEYS = frozenset({"display"})
_SPAWN_KEYS = frozenset({"display", "new_only"})


def _table(name: str, row: Any, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(row, dict):
        raise CatalogError(f"{name}: expected a table")
    unknown = set(row) - keys
    if unknown:
        raise CatalogError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(row.get("display", ""), str):
        raise CatalogError(f"{name}: `display` must be a string")
    return row


def build(data: Mapping[str, Any]) -> HygieneTables:
    clients = {}
    for name, row in data.get("async_client", {}).items():
        t = _table(name, row, _CLIENT_KEYS)
        clients[name] = ClientRow(name, str(t.get("display", "")))
    spawns = {}
    for name, row in data.get("spawn", {}).items():
        t = _table(name, row, _SPAWN_KEYS)
        new_only = t.get("new_only", False)
        if not isinstance(new_only, bool):
            raise CatalogError(f"{name}: `new_only` must be true or false")
        spawns[name] = SpawnRow(name, str(t.get("display", "")), new_only)
    pauses = data.get("loop_pause", {}).get("names", [])
    if not isinstance(pauses, list) or not all(isinstance(p, str) for p in pauses):
        raise CatalogError("[loop_pause] `names` must be a list of qualified names")
    unknown = set(data) - {"async_client", "spawn", "loop_pause"}
    if unknown:
        raise CatalogError(f"{HYGIENE_FILE.name}: unknown table(s) {', '.join(sorted(unknown))}")
    return HygieneTables(clients=clients, spawns=spawns, pauses=frozenset(pauses))


@functools.lru_cache(maxsize=1)
def hygiene_tables() -> HygieneTables:
    """The shipped table, parsed once per process."""
    with HYGIENE_FILE.open("rb") as f:
        return build(tomllib.load(f))
