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


def _migrated(tmp_path: Path) -> Path:
    from fake_async_lint.cli import main

    path = tmp_path / "supabase_migrated.py"
    path.write_bytes((EXAMPLES / "supabase_fake.py").read_bytes())
    assert main(["fix", "--isolated", "--unsafe-fixes", str(path)]) == 0
    return path


def test_fix_unsafe_fixes_migrates_the_fake_example_and_it_behaves_the_same(tmp_path: Path, server: Any) -> None:
    from fake_async_lint import check_file

    path = _migrated(tmp_path)
    text = path.read_text()
    assert not [f for f in check_file(path) if f.code in ("FAS100", "FAS200", "FAS201", "FAS202")]
    assert "import requests" not in text and "requests." not in text.split('"""', 2)[2]
    assert "ThreadPoolExecutor(" not in text and "time.sleep" not in text
    assert "max_concurrency=3" in text  # the pool's cap is kept

    spec = importlib.util.spec_from_file_location("example_supabase_migrated", path)
    assert spec is not None and spec.loader is not None
    migrated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migrated)

    fake = _load("supabase_fake").SupabaseAsync(server.url, "key")
    from_fake = asyncio.run(_exercise(fake))
    fake._executor.shutdown()
    from_migrated = asyncio.run(_exercise(migrated.SupabaseAsync(server.url, "key")))
    assert from_migrated == from_fake

    async def health(db: Any) -> bool:
        return bool(await db.health())

    assert asyncio.run(health(migrated.SupabaseAsync(server.url, "key"))) is True
    # a 4xx still raises where the fake raised (requests' raise_for_status), and is not retried
    server.reset()
    broken = migrated.SupabaseAsync(server.url + "/status/404#", "key")
    try:
        asyncio.run(broken.select("users"))
    except Exception as exc:  # HTTPStatusError from the reference client
        assert "404" in str(exc)
    else:
        raise AssertionError("a 404 must raise")


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    from fake_async_lint.cli import main

    path = _migrated(tmp_path)
    first = path.read_bytes()
    assert main(["fix", "--isolated", "--unsafe-fixes", str(path)]) == 0
    assert path.read_bytes() == first
