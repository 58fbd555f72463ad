"""The two Supabase examples behave the same against a local PostgREST stand-in."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def _exercise(db: Any) -> list[Any]:
    results = [
        await db.select("users", id=7),
        await db.insert("users", {"name": "ada"}),
        await db.update("users", {"name": "grace"}, id=7),
        await db.delete("users", id=7),
    ]
    # requests and httpx space JSON differently; compare the values.
    for rows in results:
        for row in rows or []:
            row["body"] = json.loads(row["body"]) if row["body"] else None
    return results


def test_fake_and_native_examples_send_the_same_requests(server: Any) -> None:
    fake = _load("supabase_fake").SupabaseAsync(server.url, "key")
    native_class = _load("supabase_native").SupabaseAsync

    async def run_native() -> list[Any]:
        async with native_class(server.url, "key") as db:
            return await _exercise(db)

    from_fake = asyncio.run(_exercise(fake))
    fake._executor.shutdown()
    from_native = asyncio.run(run_native())
    assert from_fake == from_native
    select, insert, update, delete = from_native
    assert select == [{"table": "users", "method": "GET", "query": {"select": "*", "id": "eq.7"}, "body": None}]
    assert insert[0]["method"] == "POST" and insert[0]["body"] == {"name": "ada"}
    assert update[0]["method"] == "PATCH" and update[0]["query"] == {"id": "eq.7"}
    assert delete is None
