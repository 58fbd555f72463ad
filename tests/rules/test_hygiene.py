"""Family 4 (FAS400-FAS401): exact findings, each positive next to the negative it could be mistaken for."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fake_async_lint import Finding, Settings, check_source
from fake_async_lint.catalog.hygiene import build, hygiene_tables
from fake_async_lint.catalog.loader import CatalogError
from fake_async_lint.docs import rule_page
from fake_async_lint.rules import ALL_RULES

Hit = tuple[str, int, int]


def findings(source: str, *codes: str, path: str = "mod.py") -> list[Finding]:
    return check_source(textwrap.dedent(source), path, Settings(select=codes or ("FAS400", "FAS401")))


def hits(source: str, *codes: str) -> list[Hit]:
    return [(f.code, f.line, f.col) for f in findings(source, *codes)]


def test_both_rules_are_off_by_default() -> None:
    source = "import asyncio, httpx\n\nasync def f(urls):\n    for u in urls:\n        await httpx.AsyncClient().get(u)\n    asyncio.create_task(f(urls))\n"
    assert check_source(source, "mod.py") == []
    found = check_source(source, "mod.py", Settings(extend_select=("FAS400", "FAS401")))
    assert [(f.code, f.line, f.col) for f in found] == [("FAS400", 5, 15), ("FAS401", 6, 5)]


# ---------------------------------------------------------------- FAS400: loops in the same function
@pytest.mark.parametrize(
    ("body", "expect"),
    [
        # per item of a for loop / the same client made once before the loop
        (
            "for u in urls:\n        async with httpx.AsyncClient() as c:\n            await c.get(u)\n",
            [(5, 20)],
        ),
        ("async with httpx.AsyncClient() as c:\n        for u in urls:\n            await c.get(u)\n", []),
        # async for over a stream of items
        ("async for u in urls:\n        await httpx.AsyncClient().get(u)\n", [(5, 15)]),
        # a queue consumer / a reconnect loop / a poller
        ("while True:\n        u = await urls.get()\n        await httpx.AsyncClient().post(u)\n", [(6, 15)]),
        (
            "while True:\n        try:\n            await httpx.AsyncClient().post(urls)\n"
            "        except httpx.HTTPError:\n            continue\n",
            [],
        ),
        ("while True:\n        await httpx.AsyncClient().post(urls)\n        await asyncio.sleep(60)\n", []),
        # a retry loop that leaves after the first success / a guard that leaves before the client
        (
            "for attempt in range(3):\n        async with httpx.AsyncClient() as c:\n"
            "            r = await c.get(urls)\n        if r.status_code == 200:\n            break\n",
            [],
        ),
        (
            "for u in urls:\n        if not u:\n            break\n"
            "        async with httpx.AsyncClient() as c:\n            await c.get(u)\n",
            [(7, 20)],
        ),
        (
            "for u in urls:\n        async with httpx.AsyncClient() as c:\n            for part in u:\n"
            "                if part:\n                    break\n            await c.get(u)\n",
            [(5, 20)],  # the break leaves the inner loop only
        ),
        # comprehensions: a client per element used at once / a list of clients kept
        ("return [await httpx.AsyncClient().get(u) for u in urls]\n", [(4, 19)]),
        ("return [httpx.AsyncClient(base_url=u) for u in urls]\n", []),
        ("return {u: await fetch(httpx.AsyncClient(), u) for u in urls}\n", [(4, 28)]),
        # a client per host kept in a container or on an object / used and dropped
        ("return await asyncio.gather(*map(lambda u: httpx.AsyncClient().get(u), urls))\n", [(4, 48)]),
        ("return await asyncio.gather(*(asyncio.to_thread(lambda: httpx.AsyncClient()) for u in urls))\n", []),
        ("for u in urls:\n        clients[u] = httpx.AsyncClient(base_url=u)\n", []),
        ("for u in urls:\n        clients.append(httpx.AsyncClient(base_url=u))\n", []),
        ("for u in urls:\n        c = httpx.AsyncClient(base_url=u)\n        clients.add(c)\n", []),
        ("for u in urls:\n        c = httpx.AsyncClient(base_url=u)\n        yield c\n", []),
        (
            "for u in urls:\n        c = httpx.AsyncClient()\n        await c.get(u)\n        await c.aclose()\n",
            [(5, 13)],
        ),
        # a long-lived stream per reconnect
        (
            "for u in urls:\n        async with aiohttp.ClientSession() as s:\n"
            "            async with s.ws_connect(u) as ws:\n                async for m in ws:\n"
            "                    print(m)\n",
            [],
        ),
        ("for u in urls:\n        async with aiohttp.ClientSession() as s:\n            await s.get(u)\n", [(5, 20)]),
    ],
)
def test_clients_in_loops(body: str, expect: list[tuple[int, int]]) -> None:
    source = f"import asyncio, aiohttp, httpx\n\nasync def f(urls, clients, fetch):\n    {body}"
    assert hits(source, "FAS400") == [("FAS400", line, col) for line, col in expect]


def test_message_names_the_loop_and_the_fix() -> None:
    source = "import httpx\n\nasync def f(urls):\n    for u in urls:\n        await httpx.AsyncClient().get(u)\n"
    [f] = findings(source, "FAS400")
    assert f.message == (
        "httpx.AsyncClient() is created per item of the loop at line 4, so every item opens its own connection "
        "pool and no connection is reused; create one client before the loop (or share one "
        "fake_async_lint.client.AsyncHTTPClient) and reuse it"
    )
    assert f.api == "httpx.AsyncClient" and f.coroutine == "f"


@pytest.mark.parametrize(
    "imports",
    [
        "from httpx import AsyncClient as Client",
        "import httpx\nClient = httpx.AsyncClient",
        "from aiohttp import ClientSession as Client",
        "from fake_async_lint.client import AsyncHTTPClient as Client",
        "from openai import AsyncOpenAI as Client",
    ],
)
def test_client_classes_come_from_the_catalog_through_imports(imports: str) -> None:
    source = f"{imports}\n\nasync def f(urls):\n    for u in urls:\n        await Client().get(u)\n"
    line = source.count("\n", 0, source.index("await Client")) + 1
    assert hits(source, "FAS400") == [("FAS400", line, 15)]


def test_a_class_that_only_shares_the_name_is_not_a_client() -> None:
    source = """\
        import mylib

        class AsyncClient:
            async def get(self, u):
                return u

        async def f(urls):
            for u in urls:
                await AsyncClient().get(u)
                await mylib.AsyncClient().get(u)
        """
    assert hits(source, "FAS400") == []


# ---------------------------------------------------------------- FAS400: per call of a coroutine run per item
FANOUT = """\
import asyncio
import httpx


async def fetch(url):
    async with httpx.AsyncClient() as client:
        return await client.get(url)


async def main(urls):
    {use}
"""


@pytest.mark.parametrize(
    ("use", "reported"),
    [
        ("return await asyncio.gather(*(fetch(u) for u in urls))", True),
        ("return await asyncio.gather(*[fetch(u) for u in urls])", True),
        ("return await asyncio.gather(*map(fetch, urls))", True),
        ("return await asyncio.gather(*map(lambda u: fetch(u), urls))", True),
        ("return await asyncio.gather(*map(lambda u: fetch(u), urls[:1]), fetch(urls[1]))", True),
        ("return list(map(len, urls)), await fetch(urls[0])", False),
        ("return [await f for f in asyncio.as_completed([fetch(u) for u in urls])]", True),
        ("async with asyncio.TaskGroup() as tg:\n        for u in urls:\n            tg.create_task(fetch(u))", True),
        ("return await asyncio.gather(*(asyncio.wait_for(fetch(u), 5) for u in urls))", True),
        ("return await fetch(urls[0])", False),  # once
        ("return await asyncio.gather(fetch(urls[0]), fetch(urls[1]))", False),  # a fixed pair, not per item
        ("for attempt in range(3):\n        return await fetch(urls)", False),  # a retry
    ],
)
def test_fan_out_of_a_coroutine_that_creates_a_client(use: str, reported: bool) -> None:
    assert hits(FANOUT.format(use=use), "FAS400") == ([("FAS400", 6, 16)] if reported else [])


def test_through_two_calls_with_the_chain() -> None:
    source = """\
        import asyncio
        import aiohttp

        async def fetch(url):
            async with aiohttp.ClientSession() as s:
                async with s.get(url) as r:
                    return await r.json()

        async def process(item):
            return await fetch(item.url)

        async def main(items):
            await asyncio.gather(*(process(i) for i in items))
        """
    [f] = findings(source, "FAS400")
    assert (f.line, f.col) == (5, 16)
    assert f.message.startswith(
        "aiohttp.ClientSession() is created on every call of process() -> fetch(), which runs per item of the "
        "comprehension at line 13 in 'main'"
    )
    assert f.message.endswith(
        "create one shared client (or one fake_async_lint.client.AsyncHTTPClient) outside the comprehension and pass it in"
    )
    assert [(s.name, s.line, s.col) for s in f.chain] == [
        ("process()", 13, 28),
        ("fetch()", 10, 18),
        ("aiohttp.ClientSession()", 5, 16),
    ]


def test_methods_called_per_item() -> None:
    source = """\
        import httpx

        class Api:
            async def _get(self, url):
                async with httpx.AsyncClient() as c:
                    return await c.get(url)

            async def get_all(self, urls):
                return [await self._get(u) for u in urls]

            async def get_one(self, url):
                return await self._get(url)
        """
    assert hits(source, "FAS400") == [("FAS400", 5, 20)]


def test_a_factory_called_per_item_is_not_reported() -> None:
    # the client escapes the function that makes it: the caller decides its lifetime
    source = """\
        import httpx

        def make_client(base):
            client = httpx.AsyncClient(base_url=base)
            return client

        async def main(bases):
            return {b: make_client(b) for b in bases}
        """
    assert hits(source, "FAS400") == []


def test_a_module_global_client_is_shared() -> None:
    source = "import httpx\n\nclient = httpx.AsyncClient()\n\nasync def f(urls):\n    for u in urls:\n        await client.get(u)\n"
    assert hits(source, "FAS400") == []


# ---------------------------------------------------------------- FAS401
@pytest.mark.parametrize(
    ("statement", "reported"),
    [
        ("asyncio.create_task(job())", True),
        ("task = asyncio.create_task(job())", False),
        ("await asyncio.create_task(job())", False),
        ("return asyncio.create_task(job())", False),
        ("tasks.add(asyncio.create_task(job()))", False),
        ("tasks.append(asyncio.create_task(job()))", False),
        ("yield asyncio.create_task(job())", False),
        ("asyncio.create_task(job()).add_done_callback(tasks.discard)", False),
        ("asyncio.ensure_future(job())", True),
        ("asyncio.ensure_future(fut)", False),  # an existing future comes back as it is
        ("asyncio.ensure_future(other())", False),  # not known to be a coroutine
        ("coro = job()\n    asyncio.ensure_future(coro)", True),
        ("asyncio.get_running_loop().create_task(job())", True),
        ("loop.create_task(job())", True),  # annotated AbstractEventLoop
        ("untyped.create_task(job())", False),  # a receiver the model cannot resolve
        ("tg.create_task(job())", False),
        ("create_task(job())", False),  # the module's own create_task
        ("mylib.create_task(job())", False),
    ],
)
def test_dropped_tasks(statement: str, reported: bool) -> None:
    source = f"""\
import asyncio
import mylib

tasks = set()


def create_task(coro):
    return coro


async def job():
    await asyncio.sleep(1)


async def main(fut, other, untyped, tg, loop: asyncio.AbstractEventLoop):
    {statement}
"""
    line = 16 + statement.count("\n")
    assert hits(source, "FAS401") == ([("FAS401", line, 5)] if reported else [])


@pytest.mark.parametrize(
    "imports",
    [
        "from asyncio import create_task as spawn",
        "import asyncio as aio\nspawn = aio.create_task",
        "from asyncio.tasks import create_task as spawn",
    ],
)
def test_spawns_are_resolved_through_imports_and_aliases(imports: str) -> None:
    source = f"{imports}\n\nasync def job():\n    return 1\n\nasync def main():\n    spawn(job())\n"
    line = source.count("\n", 0, source.index("    spawn(job())")) + 1
    assert hits(source, "FAS401") == [("FAS401", line, 5)]


def test_a_loop_reached_through_an_attribute_of_a_catalog_type() -> None:
    source = """\
        from homeassistant.core import HomeAssistant

        async def job():
            return 1

        async def async_setup(hass: HomeAssistant, config):
            hass.loop.create_task(job())
            hass.async_create_task(job())
            return True
        """
    [f] = findings(source, "FAS401")
    assert (f.line, f.col) == (7, 5) and "hass.loop.create_task()" in f.message


def test_task_groups_keep_their_tasks() -> None:
    source = """\
        import anyio
        import asyncio

        async def job():
            await asyncio.sleep(1)

        async def main():
            async with asyncio.TaskGroup() as tg:
                tg.create_task(job())
            async with anyio.create_task_group() as group:
                group.start_soon(job)
            g = asyncio.TaskGroup()
            g.create_task(job())
        """
    assert hits(source, "FAS401") == []


def test_dropped_task_message_and_module_level() -> None:
    source = (
        "import asyncio\n\nasync def job():\n    return 1\n\nloop = asyncio.new_event_loop()\nloop.create_task(job())\n"
    )
    [f] = findings(source, "FAS401")
    assert (f.line, f.col) == (7, 1)
    assert f.message == (
        "the task from loop.create_task() is dropped, so the loop's weak reference lets it be garbage-collected "
        "mid-flight and its exception is never seen; keep it (`task = ...`, add it to a set with "
        "`task.add_done_callback(tasks.discard)`) or create it in an `asyncio.TaskGroup`"
    )


def test_in_a_sync_callback() -> None:
    source = """\
        import asyncio

        async def handle(msg):
            await asyncio.sleep(0)

        def on_message(msg):
            asyncio.create_task(handle(msg))
        """
    [f] = findings(source, "FAS401")
    assert (f.line, f.col) == (7, 5)
    assert "from asyncio.create_task() in 'on_message' is dropped" in f.message


# ---------------------------------------------------------------- the catalog table
def test_shipped_table() -> None:
    t = hygiene_tables()
    assert t.clients["httpx.AsyncClient"].shown == "httpx.AsyncClient"
    assert t.clients["aiohttp.client.ClientSession"].shown == "aiohttp.ClientSession"
    assert t.spawns["asyncio.ensure_future"].new_only and not t.spawns["asyncio.create_task"].new_only
    assert "asyncio.sleep" in t.pauses


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"async_client": {"x.C": {"colour": 1}}}, "x.C: unknown key(s) colour"),
        ({"async_client": {"x.C": []}}, "x.C: expected a table"),
        ({"spawn": {"x.s": {"new_only": "yes"}}}, "x.s: `new_only` must be true or false"),
        ({"spawn": {"x.s": {"display": 3}}}, "x.s: `display` must be a string"),
        ({"loop_pause": {"names": "asyncio.sleep"}}, "[loop_pause] `names` must be a list of qualified names"),
        ({"clients": {}}, "hygiene.toml: unknown table(s) clients"),
    ],
)
def test_malformed_table_is_a_clear_error(data: dict[str, object], error: str) -> None:
    with pytest.raises(CatalogError) as exc:
        build(data)
    assert str(exc.value) == error


# ---------------------------------------------------------------- the front ends
HYGIENE_SOURCE = """\
import asyncio
import httpx


async def job():
    await asyncio.sleep(0)


async def crawl(urls):
    for u in urls:
        async with httpx.AsyncClient() as c:
            await c.get(u)
    asyncio.create_task(job())
"""


def _run(cwd: Path, *args: str) -> list[str]:
    r = subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in r.stderr
    # our codes only: another installed flake8 plugin (flake8-async) may add its own lines
    found = [line.split(" ", 2)[1] + " " + line.split(" ", 1)[0] for line in r.stdout.splitlines()]
    return [f for f in found if f.startswith("FAS")]


def test_flake8_and_the_command_turn_the_family_on_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HYGIENE_SOURCE)
    on = ["FAS400 app.py:11:20:", "FAS401 app.py:13:5:"]
    assert _run(tmp_path, "flake8", "--isolated", "--select", "FAS1", "app.py") == []
    assert _run(tmp_path, "flake8", "--isolated", "--extend-select", "FAS400,FAS401", "app.py") == on
    assert _run(tmp_path, "fake_async_lint", "check", "app.py") == []
    assert _run(tmp_path, "fake_async_lint", "check", "--extend-select", "FAS4", "app.py") == on


def test_explain_prints_the_generated_pages() -> None:
    for code in ("FAS400", "FAS401"):
        out = subprocess.run(
            [sys.executable, "-m", "fake_async_lint", "explain", code.lower()], capture_output=True, text=True
        )
        assert out.returncode == 0 and out.stdout == rule_page(ALL_RULES[code])
        assert out.stdout == (Path(__file__).parents[2] / "docs" / "rules" / f"{code}.md").read_text()
