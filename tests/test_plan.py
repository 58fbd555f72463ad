"""`fake-async-lint plan` on a multi-module project: a valid bottom-up order, callers, pools, libraries."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from fake_async_lint import Settings
from fake_async_lint.cli import main
from fake_async_lint.plan import plan_paths

PROJECT = {
    "shop/__init__.py": "",
    "shop/http.py": """
        import requests


        def get_json(url):
            return requests.get(url, timeout=5).json()


        def post_json(url, body):
            return requests.post(url, json=body).json()
    """,
    "shop/db.py": """
        import psycopg2


        def query(sql):
            with psycopg2.connect("dbname=shop") as conn:
                cur = conn.cursor()
                cur.execute(sql)
                return cur.fetchall()
    """,
    "shop/catalog.py": """
        from shop.db import query
        from shop.http import get_json


        def price(item):
            return get_json(f"http://prices/{item}")["price"]


        def items():
            return [(row[0], price(row[0])) for row in query("select id from items")]


        class Catalog:
            def refresh(self):
                return self.load() + items()

            def load(self):
                return query("select * from catalog")
    """,
    "shop/orders.py": """
        from shop.http import post_json


        def place(order):
            return post_json("http://orders", order)
    """,
    "shop/app.py": """
        import asyncio
        import hashlib
        from concurrent.futures import ThreadPoolExecutor

        import requests

        from shop.catalog import Catalog, items
        from shop.orders import place

        IO_POOL = ThreadPoolExecutor(max_workers=8)
        CPU_POOL = ThreadPoolExecutor(max_workers=2)
        BOTH = ThreadPoolExecutor(max_workers=4)


        async def list_items():
            return items()


        async def checkout(order):
            return place(order)


        async def refresh():
            return Catalog().refresh()


        async def digest(data):
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(CPU_POOL, hashlib.sha256, data)


        async def ping(url):
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(IO_POOL, requests.get, url)


        async def both(url, data):
            loop = asyncio.get_running_loop()
            a = await loop.run_in_executor(BOTH, requests.get, url)
            b = await loop.run_in_executor(BOTH, hashlib.sha256, data)
            return a, b
    """,
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, body in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).lstrip())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["plan", "--isolated", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_order_is_a_valid_bottom_up_order(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _plan(capsys, "--format", "json", "shop")
    assert code == 0 and err == "Planned 8 functions and 3 thread pools.\n"
    data = json.loads(out)
    assert data["version"] == 1
    functions = data["functions"]
    order = {f["id"]: f["order"] for f in functions}
    assert sorted(order.values()) == list(range(1, len(functions) + 1))
    # every callee comes before each of its callers, and every caller that is planned too is listed
    for f in functions:
        for callee in f["calls"]:
            assert order[callee] < order[f["id"]], (callee, f["id"])
        for caller in f["callers"]:
            if not caller["is_coroutine"]:
                caller_id = next(g["id"] for g in functions if g["qualname"] == caller["qualname"])
                assert order[caller_id] > order[f["id"]]
    names = [f["qualname"] for f in functions]
    assert set(names) == {
        "get_json",
        "post_json",
        "query",
        "price",
        "items",
        "Catalog.refresh",
        "Catalog.load",
        "place",
    }


def test_each_function_names_what_forces_it_and_who_calls_it(project: Path) -> None:
    plan = plan_paths(["shop"], Settings())
    by_name = {f.qualname: f for f in plan.functions}
    get_json = by_name["get_json"]
    assert (get_json.path, get_json.line) == ("shop/http.py", 4)
    assert [b.api for b in get_json.forced_by] == ["requests.get"]
    assert [(c.qualname, c.path, c.line) for c in get_json.callers] == [("price", "shop/catalog.py", 6)]
    items = by_name["items"]
    assert items.line == 9
    assert sorted(c.qualname for c in items.callers) == ["Catalog.refresh", "list_items"]
    assert any(c.is_coroutine and c.path == "shop/app.py" and c.line == 16 for c in items.callers)
    assert {b.api for b in by_name["query"].forced_by} >= {"psycopg2.connect"}
    assert by_name["Catalog.load"].calls == ["shop/db.py:query"]


def test_pools_are_classified(project: Path) -> None:
    plan = plan_paths(["shop"], Settings())
    pools = {p.name: p for p in plan.thread_pools}
    assert {n: (p.kind, p.max_workers, p.line) for n, p in pools.items()} == {
        "IO_POOL": ("io", "8", 10),
        "CPU_POOL": ("cpu", "2", 11),
        "BOTH": ("mixed", "4", 12),
    }
    assert "max_concurrency=8" in pools["IO_POOL"].advice and "asyncio.Semaphore(8)" in pools["IO_POOL"].advice
    assert "keep the pool" in pools["CPU_POOL"].advice
    assert [u.target for u in pools["BOTH"].uses if u.io] == ["requests.get"]


def test_libraries_come_from_the_catalog(project: Path) -> None:
    plan = plan_paths(["shop"], Settings())
    libs = {lib.install: lib.apis for lib in plan.libraries}
    assert "httpx" in libs and "asyncpg" in libs and "fake-async-lint[client]" in libs
    assert "requests.get" in libs["httpx"]


def test_markdown_has_the_table_and_a_mermaid_graph(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _plan(capsys, "shop")
    assert code == 0
    assert out.startswith("# Async migration plan\n")
    assert "| 1 | `" in out and "```mermaid\nflowchart TD\n" in out
    graph = out.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert '(["async list_items"])' in graph and '[/"requests.get()"/]' in graph
    assert graph.count(" --> ") >= 8
    assert "## Thread pools" in out and "| `BOTH` | shop/app.py:12 | 4 | mixed |" in out


def test_output_file_and_empty_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.py").write_text("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n")
    target = tmp_path / "out" / "plan.json"
    code, out, err = _plan(capsys, "--format", "json", "-o", str(target), str(tmp_path))
    assert (code, out, err) == (0, "", "Planned 0 functions and 0 thread pools.\n")
    data: dict[str, Any] = json.loads(target.read_text())
    assert data == {"version": 1, "functions": [], "coroutines": [], "thread_pools": [], "libraries": []}


def test_a_file_that_does_not_parse_does_not_break_the_plan(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "shop" / "broken.py").write_text("def (:\n")
    code, out, _ = _plan(capsys, "--format", "json", "shop")
    assert code == 0 and len(json.loads(out)["functions"]) == 8


def test_a_constructor_gets_a_note_instead_of_async(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "svc.py").write_text(
        textwrap.dedent(
            """
            import requests


            class Service:
                def __init__(self, url):
                    self.config = requests.get(url).json()


            async def start(url):
                return Service(url)
            """
        ).lstrip()
    )
    monkeypatch.chdir(tmp_path)
    plan = plan_paths(["svc.py"], Settings())
    (init,) = plan.functions
    assert init.qualname == "Service.__init__" and "a constructor cannot be async" in init.note
