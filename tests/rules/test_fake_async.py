"""Family 2 (FAS200-FAS204): exact findings for every hop form x every wrapped-callable form,
the legitimate offloads that must stay quiet, executors, loop misuse and async-in-name-only."""

from __future__ import annotations

import ast
import textwrap

import pytest

from fake_async_lint import Finding, Settings, check_source
from fake_async_lint.catalog.loader import CatalogError, default_catalog
from fake_async_lint.engine import analyse_tree
from fake_async_lint.model.module import ModuleModel

Hit = tuple[str, int, int]


def findings(source: str, *codes: str) -> list[Finding]:
    # the default-on codes of the family: FAS204 is opt-in and judges every module-level coroutine
    return check_source(
        textwrap.dedent(source), "mod.py", Settings(select=codes or ("FAS200", "FAS201", "FAS202", "FAS203"))
    )


def hits(source: str, *codes: str) -> list[Hit]:
    return [(f.code, f.line, f.col) for f in findings(source, *codes)]


# ---------------------------------------------------------------- the matrix
PRELUDE = """\
import asyncio
import functools
import anyio.to_thread
import requests
from concurrent.futures import ThreadPoolExecutor
from starlette.concurrency import run_in_threadpool
from fastapi.concurrency import run_in_threadpool as fa_run
from asgiref.sync import sync_to_async
from homeassistant.core import HomeAssistant
{extra}
POOL = ThreadPoolExecutor()
session = requests.Session()


def fetch(u):
    return requests.get(u)


def load(u):
    return _get_json(u)


def _get_json(u):
    return requests.get(u).json()


class Api:
    def __init__(self, hass: HomeAssistant):
        self.hass = hass

    def _fetch(self, u):
        return session.get(u)

    async def call(self, url):
        loop = asyncio.get_running_loop()
        return {hop}
"""

# (id, template, where the finding starts, the name the message gives)
HOPS = [
    (
        "run_in_executor",
        "await loop.run_in_executor(None, {fn}{args})",
        "loop.run_in_executor(",
        "loop.run_in_executor",
    ),
    ("to_thread", "await asyncio.to_thread({fn}{args})", "asyncio.to_thread(", "asyncio.to_thread"),
    ("anyio", "await anyio.to_thread.run_sync({fn}{args})", "anyio.to_thread", "anyio.to_thread.run_sync"),
    (
        "starlette",
        "await run_in_threadpool({fn}{args})",
        "run_in_threadpool(",
        "starlette.concurrency.run_in_threadpool",
    ),
    ("fastapi", "await fa_run({fn}{args})", "fa_run(", "fastapi.concurrency.run_in_threadpool"),
    ("submit+wrap_future", "await asyncio.wrap_future(POOL.submit({fn}{args}))", "POOL.submit(", "executor.submit"),
    (
        "untyped-receiver",
        "await self.loop.run_in_executor(None, {fn}{args})",
        "self.loop.run_in_executor(",
        "loop.run_in_executor",
    ),
    (
        "inline-running-loop",
        "await asyncio.get_running_loop().run_in_executor(None, {fn}{args})",
        "asyncio.get_running_loop().run_in_executor(",
        "loop.run_in_executor",
    ),
    ("sync_to_async", "await sync_to_async({fn})({call_args})", "sync_to_async(", "sync_to_async"),
    (
        "hass-annotated",
        "await self.hass.async_add_executor_job({fn}{args})",
        "self.hass.async_add_executor_job(",
        "hass.async_add_executor_job",
    ),
]

# (id, callable expression, its extra arguments, what the message says it wraps)
WRAPPED = [
    ("reference", "requests.get", ", url", "blocking HTTP call requests.get()"),
    ("session-method", "session.get", ", url", "blocking HTTP call requests.Session.get()"),
    ("lambda", "lambda: requests.get(url)", "", "blocking HTTP call requests.get()"),
    ("lambda-helper", "lambda: load(url)", "", "load() -> _get_json() -> requests.get() (blocking HTTP call)"),
    ("partial", "functools.partial(requests.get, url, timeout=5)", "", "blocking HTTP call requests.get()"),
    ("partial-of-local", "functools.partial(fetch, url)", "", "fetch() -> requests.get() (blocking HTTP call)"),
    ("module-function", "fetch", ", url", "fetch() -> requests.get() (blocking HTTP call)"),
    ("helper-chain", "load", ", url", "load() -> _get_json() -> requests.get() (blocking HTTP call)"),
    ("method", "self._fetch", ", url", "Api._fetch() -> requests.Session.get() (blocking HTTP call)"),
]


def _module(hop: str, fn: str, args: str, extra: str = "") -> tuple[str, int, str]:
    """The module source, the line of the hop, and the line's text."""
    call_args = args.lstrip(", ")
    source = PRELUDE.format(extra=extra, hop=hop.format(fn=fn, args=args, call_args=call_args))
    line = len(source.splitlines())
    return source, line, source.splitlines()[-1]


@pytest.mark.parametrize(("hop_id", "hop", "marker", "shown"), [pytest.param(*h, id=h[0]) for h in HOPS])
@pytest.mark.parametrize(("w_id", "fn", "args", "says"), [pytest.param(*w, id=w[0]) for w in WRAPPED])
def test_every_hop_form_wraps_every_callable_form(
    hop_id: str, hop: str, marker: str, shown: str, w_id: str, fn: str, args: str, says: str
) -> None:
    source, line, text = _module(hop, fn, args)
    col = text.index(marker) + 1
    found = findings(source, "FAS200")
    assert [(f.code, f.line, f.col) for f in found] == [("FAS200", line, col)]
    assert f"thread hop {shown}() wraps {says} in coroutine 'call'" in found[0].message
    assert found[0].message.endswith("instead of a thread")
    assert found[0].coroutine == "call"


# the legitimate offloads: work with no native async API, or for which a thread is asyncio's answer
NEGATIVE_EXTRA = """\
import hashlib, json, os, socket, threading
from pathlib import Path
from PIL import Image
import pyserial_lib
import time

lock = threading.Lock()


def render(rows):
    return sorted(str(r) for r in rows)


def poll(dev):
    while not dev.ready():
        time.sleep(0.1)
    return dev.read()


def save(path, data):
    with open(path, "w") as f:
        f.write(data)
"""

OFFLOADS = [
    ("hashlib", "hashlib.sha256", ", url"),
    ("json", "json.loads", ", url"),
    ("pil-style", "Image.open", ", url"),
    ("pil-lambda", "lambda: Image.open(url).resize((10, 10))", ""),
    ("local-cpu-function", "render", ", url"),
    ("file-io-lambda", "lambda: open(url).read()", ""),
    ("file-io-helper", "save", ", url, 'x'"),
    ("pathlib-read", "Path(url).read_text", ""),
    ("os-path", "os.path.exists", ", url"),
    ("getaddrinfo", "socket.getaddrinfo", ", url, 80"),
    ("gethostbyname-partial", "functools.partial(socket.gethostbyname, url)", ""),
    ("sync-only-library", "pyserial_lib.read", ", url"),
    ("input", "input", ", url"),
    ("thread-wait", "lock.acquire", ""),
    ("sleep-inside-sync-work", "poll", ", url"),
    ("print", "print", ", url"),
    ("unknown-parameter", "url", ""),
    ("requests-session-constructor", "requests.Session", ""),
]


@pytest.mark.parametrize(("hop_id", "hop", "marker", "shown"), [pytest.param(*h, id=h[0]) for h in HOPS])
@pytest.mark.parametrize(("o_id", "fn", "args"), [pytest.param(*o, id=o[0]) for o in OFFLOADS])
def test_legitimate_offloads_are_not_reported(
    hop_id: str, hop: str, marker: str, shown: str, o_id: str, fn: str, args: str
) -> None:
    source, _, _ = _module(hop, fn, args, NEGATIVE_EXTRA)
    assert hits(source, "FAS200") == []


# ---------------------------------------------------------------- FAS200 details
def test_the_wrapper_class_from_the_issue() -> None:
    source = """\
        import asyncio
        import requests
        from concurrent.futures import ThreadPoolExecutor

        class SupabaseAsync:
            def __init__(self):
                self._executor = ThreadPoolExecutor(max_workers=3)

            async def select(self, table):
                loop = asyncio.get_event_loop()
                r = await loop.run_in_executor(self._executor, lambda: requests.get(table))
                return r.json()

            async def insert(self, table, row):
                loop = asyncio.get_event_loop()
                r = await loop.run_in_executor(self._executor, lambda: requests.post(table, json=row))
                return r.json()
        """
    found = findings(source)
    assert [(f.code, f.line, f.col) for f in found] == [
        ("FAS201", 7, 26),
        ("FAS202", 10, 16),
        ("FAS200", 11, 19),
        ("FAS202", 15, 16),
        ("FAS200", 16, 19),
    ]
    assert found[0].message.startswith(
        "ThreadPoolExecutor(max_workers=3) caps coroutines select, insert at 3 operations at once; "
        "use a native async client (fake_async_lint.client.AsyncHTTPClient)"
    )
    assert found[0].replacement == (
        "use a native async client (fake_async_lint.client.AsyncHTTPClient), "
        "with an `asyncio.Semaphore` where a cap is wanted"
    )
    assert (found[0].coroutine, found[0].coroutines) == ("select", ("select", "insert"))
    assert "httpx.Limits" not in found[0].message
    assert found[2].message == (
        "thread hop loop.run_in_executor() wraps blocking HTTP call requests.get() in coroutine 'select'; "
        "use `await client.get(...)` on a shared httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient) "
        "instead of a thread"
    )
    assert found[1].fix is not None and found[1].fix.replacement == "asyncio.get_running_loop()"


def test_chain_is_named_with_positions() -> None:
    source = """\
        import asyncio
        import psycopg2

        def fetch_rows(sql):
            return _run(sql)

        def _run(sql):
            with psycopg2.connect("dsn") as conn:
                return conn.cursor().execute(sql)

        async def rows(sql):
            return await asyncio.to_thread(fetch_rows, sql)
        """
    (f,) = findings(source)
    assert (f.code, f.line, f.col) == ("FAS200", 12, 18)
    assert "wraps fetch_rows() -> _run() -> psycopg2.connect() (blocking database call)" in f.message
    # named as FAS300's steps are (an editor adds the parentheses where it shows them)
    assert [(s.name, s.line, s.col) for s in f.chain] == [
        ("fetch_rows", 12, 36),
        ("_run", 5, 12),
        ("psycopg2.connect", 8, 10),
    ]
    assert f.api == "psycopg2.connect"


def test_sleep_is_reported_only_when_wrapped_directly() -> None:
    source = """\
        import asyncio, time, functools

        def backoff():
            time.sleep(1)

        async def f():
            await asyncio.to_thread(time.sleep, 1)
            await asyncio.to_thread(functools.partial(time.sleep, 1))
            await asyncio.to_thread(lambda: time.sleep(1))
            await asyncio.to_thread(backoff)
        """
    found = findings(source)
    assert [(f.code, f.line, f.col) for f in found] == [("FAS200", 7, 11), ("FAS200", 8, 11), ("FAS200", 9, 11)]
    assert "use `await asyncio.sleep(...)` instead of a thread" in found[0].message


def test_a_helper_with_file_io_and_http_is_reported_for_the_http() -> None:
    source = """\
        import asyncio, requests

        def download(url, path):
            with open(path, "wb") as f:
                f.write(requests.get(url).content)

        async def f(url, path):
            await asyncio.to_thread(download, url, path)
        """
    (f,) = findings(source)
    assert (f.line, f.col) == (8, 11)
    assert "wraps download() -> requests.get()" in f.message


def test_argument_conditions_of_the_wrapped_api() -> None:
    # smtplib.SMTP() connects only with a host; the hop passes the arguments on
    source = """\
        import asyncio, smtplib, functools

        async def f(host):
            a = await asyncio.to_thread(smtplib.SMTP)
            b = await asyncio.to_thread(smtplib.SMTP, host)
            c = await asyncio.to_thread(functools.partial(smtplib.SMTP, host))
        """
    assert hits(source) == [("FAS200", 5, 15), ("FAS200", 6, 15)]


def test_decorator_hops() -> None:
    source = """\
        import requests
        from asgiref.sync import sync_to_async
        from tornado.concurrent import run_on_executor

        @sync_to_async(thread_sensitive=False)
        def fetch(url):
            return requests.get(url)

        @sync_to_async
        def digest(data):
            return sorted(data)

        class Handler:
            @run_on_executor
            def load(self, url):
                return fetch_json(url)

        def fetch_json(url):
            return requests.get(url).json()
        """
    found = findings(source)
    assert [(f.code, f.line, f.col) for f in found] == [("FAS200", 5, 2), ("FAS200", 14, 6)]
    assert "thread hop @sync_to_async makes sync def 'fetch' a coroutine" in found[0].message
    assert "runs Handler.load() -> fetch_json() -> requests.get()" in found[1].message


def test_hops_outside_coroutines_and_in_nested_code_are_not_reported() -> None:
    source = """\
        import asyncio, requests

        def schedule(loop, url):
            return loop.run_in_executor(None, requests.get, url)

        async def f(url):
            def later():
                return asyncio.to_thread(requests.get, url)
            return later
        """
    assert hits(source) == []


def test_own_method_named_like_a_hop_is_not_a_hop() -> None:
    source = """\
        import requests

        class Pool:
            def run_in_executor(self, executor, fn, *args):
                return fn(*args)

            async def f(self, url):
                return self.run_in_executor(None, requests.get, url)
        """
    assert hits(source, "FAS200") == []


def test_submit_without_wrap_future_is_not_a_hop() -> None:
    source = """\
        import requests
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=2)

        async def fire_and_forget(url):
            pool.submit(requests.get, url)
        """
    assert hits(source) == []


def test_noqa_silences_a_hop() -> None:
    source = """\
        import asyncio, requests

        async def f(url):
            return await asyncio.to_thread(requests.get, url)  # noqa: FAS200
        """
    assert hits(source) == []


def test_extra_hops_from_configuration() -> None:
    source = textwrap.dedent(
        """\
        import requests
        from mycorp.threads import run_blocking

        async def f(jobs, url):
            a = await run_blocking(requests.get, url)
            b = await jobs.submit_blocking(url, requests.get)
        """
    )
    catalog = default_catalog().extended(
        hops={"mycorp.threads.run_blocking": 0, ".submit_blocking": {"fn": 1, "args": 2}}
    )
    model = ModuleModel(ast.parse(source), catalog, "mod.py")
    found = analyse_tree(ast.parse(source), source, "mod.py", Settings(select=("FAS200",)), model=model)
    assert [(f.code, f.line, f.col) for f in found] == [("FAS200", 5, 15), ("FAS200", 6, 15)]
    assert "thread hop mycorp.threads.run_blocking() wraps blocking HTTP call requests.get()" in found[0].message


@pytest.mark.parametrize(
    "spec",
    [{"fn": -1}, {"fn": "x"}, {"fn": 0, "wat": 1}, {"decorator": "maybe"}, "zero", {"inside": "asyncio.x"}],
)
def test_bad_extra_hops_are_catalog_errors(spec: object) -> None:
    with pytest.raises(CatalogError):
        default_catalog().extended(hops={"pkg.hop": spec})


@pytest.mark.parametrize(
    "body",
    [
        "await asyncio.to_thread()",
        "await asyncio.to_thread(*jobs)",
        "await loop.run_in_executor()",
        "await loop.run_in_executor(None)",
        "await loop.run_in_executor(*jobs)",
        "await asyncio.to_thread(functools.partial())",
        "await asyncio.to_thread(functools.partial(*jobs))",
        "await asyncio.to_thread(functools.partial(functools.partial(functools.partial(requests.get))))",
        "await asyncio.wrap_future()",
        "await asyncio.wrap_future(*jobs)",
        "await asyncio.wrap_future(jobs)",
        "await sync_to_async()",
        "loop.set_default_executor()",
        "loop.set_default_executor(ThreadPoolExecutor(*jobs))",
        "await loop.run_in_executor(ThreadPoolExecutor(max_workers=None), requests.get)",
        "await loop.run_in_executor(ThreadPoolExecutor(**jobs), requests.get)",
        "p = p; await loop.run_in_executor(p, requests.get)",
        "await (lambda: 1)()",
    ],
)
def test_odd_hop_calls_never_raise(body: str) -> None:
    source = (
        "import asyncio, functools, requests\nfrom asgiref.sync import sync_to_async\n"
        "from concurrent.futures import ThreadPoolExecutor\n\n"
        f"async def f(loop, jobs):\n    {body}\n"
    )
    assert all(f.code != "FAS001" for f in findings(source, "FAS"))


# ---------------------------------------------------------------- FAS201
def test_executor_sized_by_module_constant_and_class_attribute() -> None:
    source = """\
        import asyncio, requests
        from concurrent.futures import ThreadPoolExecutor

        WORKERS = 4

        class Client:
            _pool = ThreadPoolExecutor(max_workers=WORKERS)

            async def get(self, url):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._pool, requests.get, url)
        """
    found = findings(source, "FAS201")
    assert [(f.code, f.line, f.col) for f in found] == [("FAS201", 7, 13)]
    assert found[0].message.startswith("ThreadPoolExecutor(max_workers=4) caps coroutines ")


def test_executor_in_a_with_block_and_a_non_literal_size() -> None:
    source = """\
        import asyncio, requests
        from concurrent.futures import ThreadPoolExecutor

        async def crawl(urls, settings):
            loop = asyncio.get_running_loop()
            with ThreadPoolExecutor(max_workers=settings.workers) as pool:
                return await asyncio.gather(*[loop.run_in_executor(pool, requests.get, u) for u in urls])
        """
    found = findings(source, "FAS201")
    assert [(f.line, f.col) for f in found] == [(6, 10)]
    assert found[0].message.startswith(
        "ThreadPoolExecutor(max_workers=settings.workers) caps coroutines crawl at settings.workers operations at once"
    )


def test_default_executor_backs_none_and_to_thread() -> None:
    source = """\
        import asyncio, requests
        from concurrent.futures import ThreadPoolExecutor

        def main():
            loop = asyncio.new_event_loop()
            loop.set_default_executor(ThreadPoolExecutor(2))
            loop.run_until_complete(serve())

        async def a(url):
            return await asyncio.get_running_loop().run_in_executor(None, requests.get, url)

        async def b(url):
            return await asyncio.to_thread(requests.post, url)
        """
    found = findings(source, "FAS201")
    assert [(f.line, f.col) for f in found] == [(6, 31)]
    assert "caps coroutines a, b at 2 operations at once;" in found[0].message


@pytest.mark.parametrize(
    "pool",
    [
        "ThreadPoolExecutor()",  # no explicit cap
        "ProcessPoolExecutor(max_workers=2)",  # processes: CPU work by design
    ],
)
def test_executors_that_are_not_reported(pool: str) -> None:
    source = f"""\
        import asyncio, requests
        from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor

        POOL = {pool}

        async def f(url):
            return await asyncio.get_running_loop().run_in_executor(POOL, requests.get, url)
        """
    assert hits(source, "FAS201") == []


def test_executor_backing_only_cpu_work_is_a_design_choice() -> None:
    source = """\
        import asyncio, hashlib, requests
        from concurrent.futures import ThreadPoolExecutor

        CPU = ThreadPoolExecutor(max_workers=2)
        IO = ThreadPoolExecutor(max_workers=8)

        async def f(data, url):
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(CPU, hashlib.sha256, data)
            await loop.run_in_executor(IO, hashlib.sha256, data)
            await loop.run_in_executor(IO, requests.get, url)
        """
    assert hits(source, "FAS201") == [("FAS201", 5, 6)]


def test_executor_rebound_to_different_pools_is_not_guessed() -> None:
    source = """\
        import asyncio, requests
        from concurrent.futures import ThreadPoolExecutor

        class C:
            def __init__(self, fast):
                if fast:
                    self.pool = ThreadPoolExecutor(max_workers=8)
                else:
                    self.pool = ThreadPoolExecutor(max_workers=1)

            async def f(self, url):
                return await asyncio.get_running_loop().run_in_executor(self.pool, requests.get, url)
        """
    assert hits(source, "FAS201") == []


# ---------------------------------------------------------------- FAS202 / FAS203
@pytest.mark.parametrize(
    ("source", "fixed"),
    [
        ("import asyncio\n\nasync def f():\n    return asyncio.get_event_loop()\n", True),
        ("import asyncio\nfrom asyncio import get_event_loop\n\nasync def f():\n    return get_event_loop()\n", True),
        ("from asyncio import get_event_loop\n\nasync def f():\n    return get_event_loop()\n", False),
        ("import asyncio as aio\n\nasync def f():\n    return aio.get_event_loop()\n", False),
        ("import asyncio\n\nasync def f(asyncio):\n    return asyncio.get_event_loop()\n", False),
    ],
)
def test_get_event_loop_fix_only_when_asyncio_is_bound(source: str, fixed: bool) -> None:
    found = findings(source, "FAS202")
    if "f(asyncio)" in source:
        assert found == []  # a parameter named asyncio is not the module
        return
    (f,) = found
    assert (f.code, f.line, f.col) == ("FAS202", source.count("\n"), 12)
    assert (f.fix is not None) is fixed


def test_nested_loops() -> None:
    source = """\
        import asyncio, trio

        async def f(coro, runner: asyncio.Runner, loop: asyncio.AbstractEventLoop):
            asyncio.run(coro)
            trio.run(coro)
            runner.run(coro)
            loop.run_until_complete(coro)
            loop.run_forever()
            asyncio.get_running_loop().run_until_complete(coro)
        """
    found = findings(source, "FAS203")
    assert [(f.line, f.col) for f in found] == [(4, 5), (5, 5), (6, 5), (7, 5), (8, 5), (9, 5)]
    assert found[2].message.startswith("nested event loop: runner.run() in coroutine 'f'")
    assert found[3].message.startswith("nested event loop: loop.run_until_complete() in coroutine 'f'")


# ---------------------------------------------------------------- FAS204
@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ("return [await x for x in xs]", False),
        ("return {k: await v for k, v in xs}", False),
        ("return (await x for x in xs)", False),
        ("return f'{await xs}'", False),
        ("async with xs:\n        pass", False),
        ("async for x in xs:\n        pass", False),
        ("return [x async for x in xs]", False),
        ("yield xs", False),
        ("def inner():\n        return 1\n    return inner", True),
        ("async def inner():\n        await xs\n    return inner", True),
        ("return lambda: xs", True),
        ("'''Docstring.'''", False),
        ("'''Docstring.'''\n    raise NotImplementedError('later')", False),
        ("...", False),
        ("pass", False),
        ("return", False),
        ("'''Docstring.'''\n    return xs", True),
        ("raise ValueError(xs)", True),
        ("asyncio.create_task(g(xs))", False),
        ("return asyncio.get_running_loop().time()", False),
    ],
)
def test_async_in_name_only(body: str, reported: bool) -> None:
    source = f"import asyncio\n\nasync def _f(xs):\n    {body}\n"
    assert hits(source, "FAS204") == ([("FAS204", 3, 1)] if reported else [])


@pytest.mark.parametrize(
    "decorator",
    [
        "import abc\n\nclass C(abc.ABC):\n    @abc.abstractmethod\n",
        "from abc import abstractmethod\n\nclass C:\n    @abstractmethod\n",
        "from typing import overload\n\nclass C:\n    @overload\n",
        "from typing_extensions import overload\n\nclass C:\n    @overload\n",
        "from abc import *\n\nclass C:\n    @abstractmethod\n",
        "class C:\n    @router.post('/items')\n",
        "class C:\n    @property\n",
    ],
)
def test_decorated_methods_are_not_reported(decorator: str) -> None:
    source = decorator + "    async def m(self, x):\n        return x\n"
    assert hits(source, "FAS204") == []


def test_plain_decorators_do_not_exempt() -> None:
    source = "class C:\n    @staticmethod\n    async def _m(x):\n        return x * 2\n"
    assert hits(source, "FAS204") == [("FAS204", 3, 5)]


def test_fas204_is_off_by_default() -> None:
    assert check_source("async def _f():\n    return 1\n", "mod.py") == []
    found = check_source("async def _f():\n    return 1\n", "mod.py", Settings(extend_select=("FAS204",)))
    assert [(f.code, f.line, f.col) for f in found] == [("FAS204", 1, 1)]


def test_interface_overrides_are_not_reported() -> None:
    source = """\
        class Base:
            async def close(self):
                self.closed = True

        class Child(Base):
            async def close(self):
                await self.flush()

        class Leaf(Child):
            async def _extra(self):
                return self.n

        class External(somewhere.Handler):
            async def handle(self):
                return 1
        """
    assert hits(source, "FAS204") == [("FAS204", 10, 5)]


def test_hop_name_matching_does_not_mistake_catalog_types() -> None:
    # an Instance of a catalog type whose method happens to share a hop's name is not a hop
    assert default_catalog().hops.hop_methods["run_in_executor"].fn == 1
    source = """\
        import requests

        async def f(s: requests.Session, url):
            return s.run_in_executor(None, requests.get, url)
        """
    assert hits(source, "FAS200") == []


def test_catalog_files_do_not_redefine_each_other() -> None:
    c = default_catalog()
    assert c.row("asyncio.get_running_loop") is not None
    assert c.is_type("asyncio.AbstractEventLoop")
    assert c.uses["file"].thread == "ok" and c.uses["sleep"].thread == "direct" and c.uses["http"].thread == "report"


def test_message_for_a_typed_loop_parameter() -> None:
    source = """\
        import asyncio, requests
        from typing import Optional

        async def f(url, loop: Optional[asyncio.AbstractEventLoop] = None):
            return await loop.run_in_executor(None, requests.get, url)
        """
    assert hits(source, "FAS200") == [("FAS200", 5, 18)]


def test_methods_are_judged_when_called_or_private_and_every_module_level_coroutine() -> None:
    source = """\
        async def helper(x):
            return x * 2

        async def entry_point(x):
            return x

        async def _private(x):
            return x

        async def _callback(request):
            return "pong"

        async def main(app):
            app.router.add_get("/", _callback)
            app.on_startup.append(_private)
            return await helper(1)

        class Service:
            async def public(self):
                return 1

            async def used(self):
                return self.x * 2

            async def run(self, loop):
                loop.call_later(1, self._tick)
                return await self.used()

            async def _tick(self):
                return 3
        """
    assert hits(source, "FAS204") == [("FAS204", 1, 1), ("FAS204", 4, 1), ("FAS204", 22, 5)]


# RUF029 parity: module-level coroutines are judged whoever calls them; each case with its tricky negative
@pytest.mark.parametrize(
    ("source", "expect"),
    [
        ("async def entry_point(x):\n    return x\n", [(1, 1)]),
        ("async def async_setup_entry(hass, entry):\n    return True\n", []),  # the name promises a coroutine
        ("async def open_async(path):\n    return path\n", []),
        ("async def async_helper(x):\n    return x\n\nasync def main():\n    return await async_helper(1)\n", [(1, 1)]),
        ("def outer():\n    async def handler(x):\n        return x\n    return 1\n", []),  # nested, uncalled
        ("def outer():\n    async def _handler(x):\n        return x\n    return 1\n", [(2, 5)]),  # private
        ("class C:\n    async def public(self):\n        return 1\n", []),  # a method
        # a default hook (returns a constant or a parameter) / the same method doing work
        (
            'class C:\n    async def _prepare(self, opts):\n        """Hook."""\n        return opts\n\n'
            "    async def go(self):\n        return await self._prepare(1)\n",
            [],
        ),
        (
            "class C:\n    async def _prepare(self, opts):\n        return dict(opts)\n\n"
            "    async def go(self):\n        return await self._prepare(1)\n",
            [(2, 5)],
        ),
        ("async def on_done(x):\n    return x\n\nhooks = {'done': on_done}\n", []),  # a value
        ("async def on_done(x):\n    return x\n\nHOOK = on_done\n", []),
        ("async def receive():\n    return {}\n\ndef serve(app, receive=receive):\n    return app\n", []),
        ("import fastapi\n\napp = fastapi.FastAPI()\n\n@app.get('/')\nasync def root():\n    return {}\n", []),
        (
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n@router.post('/x')\nasync def x():\n    return 1\n",
            [],
        ),
        ("import pytest\n\n@pytest.fixture\nasync def client():\n    return 1\n", []),
        (
            "from contextlib import asynccontextmanager\n\n@asynccontextmanager\nasync def lifespan(app):\n"
            "    yield {}\n",
            [],
        ),
        ("import contextlib\n\n@contextlib.asynccontextmanager\nasync def session():\n    yield 1\n", []),
        ("import asyncio\n\nasync def start(coro):\n    return asyncio.ensure_future(coro)\n", []),  # needs the loop
        ("async def stub():\n    ...\n", []),
        (
            "try:\n    import socks\nexcept ImportError:\n    async def connect(proxy):\n"
            "        raise ImportError('needs socks')\nelse:\n    async def connect(proxy):\n"
            "        return await socks.connect(proxy)\n",
            [],
        ),  # a fallback keeps the real definition's signature
        ("async def fail(proxy):\n    raise ImportError('needs socks')\n", [(1, 1)]),
        # its coroutine object goes to code that needs an awaitable / it is only awaited here
        ("import asyncio\n\nasync def main():\n    print('hi')\n\nasyncio.run(main())\n", []),
        ("async def make():\n    return 1\n\ndef setup(loop):\n    return loop.run_until_complete(make())\n", []),
        ("async def make():\n    return 1\n\nasync def setup():\n    return await make()\n", [(1, 1)]),
        (
            "class C:\n    async def _m(self):\n        return 1\n\n    def go(self, run):\n        return run(self._m())\n",
            [],
        ),
    ],
)
def test_module_level_coroutines_are_judged_like_ruf029(source: str, expect: list[tuple[int, int]]) -> None:
    assert hits(source, "FAS204") == [("FAS204", line, col) for line, col in expect]


def test_pytest_tests_are_not_judged_but_the_same_code_elsewhere_is() -> None:
    source = "async def test_ping(client):\n    assert client.ping()\n\nasync def helper(client):\n    return 1\n"
    for path in ("tests/test_api.py", "api_test.py", "conftest.py"):
        found = check_source(source, path, Settings(select=("FAS204",)))
        assert [(f.line, f.col) for f in found] == [(4, 1)], path
    found = check_source(source, "app/api.py", Settings(select=("FAS204",)))
    assert [(f.line, f.col) for f in found] == [(1, 1), (4, 1)]


@pytest.mark.parametrize(
    ("use", "reported"),
    [
        ("    async for x in gen(items):\n        print(x)\n", True),
        ("    return [x async for x in gen(items)]\n", True),
        ("    return Payload(gen(items))\n", False),  # handed to an API that takes an async iterable
        ("    it = gen(items)\n    async for x in it:\n        print(x)\n", False),
        ("    async for x in gen(items):\n        print(x)\n    return Payload(gen(items))\n", False),
        ("    return 1\n", False),  # nobody here iterates it
    ],
)
def test_async_generators_only_when_this_module_iterates_them(use: str, reported: bool) -> None:
    source = f"async def gen(items):\n    for i in items:\n        yield i\n\nasync def consume(items):\n    await items.ready()\n{use}"
    expect = [("FAS204", 1, 1)] if reported else []
    assert hits(source, "FAS204") == expect
    if reported:
        assert "async generator 'gen'" in findings(source, "FAS204")[0].message
        assert "make it a plain generator" in findings(source, "FAS204")[0].message


def test_an_async_runtime_building_on_its_own_hops_is_not_reported() -> None:
    source = "import subprocess, trio\n\nasync def open_process(cmd):\n    return await trio.to_thread.run_sync(subprocess.Popen, cmd)\n"
    inside = check_source(source, "site-packages/trio/_subprocess.py", Settings(select=("FAS200",)))
    outside = check_source(source, "app/trio_jobs.py", Settings(select=("FAS200",)))
    assert inside == [] and [(f.line, f.col) for f in outside] == [(4, 18)]


def test_wrapped_callable_bound_to_a_name_first() -> None:
    source = """\
        import asyncio, functools, hashlib, requests

        async def f(url, data):
            job = functools.partial(requests.get, url)
            fetch = lambda: requests.post(url)
            digest = functools.partial(hashlib.sha256, data)
            await asyncio.to_thread(job)
            await asyncio.to_thread(fetch)
            await asyncio.to_thread(digest)
        """
    assert hits(source, "FAS200") == [("FAS200", 7, 11), ("FAS200", 8, 11)]
