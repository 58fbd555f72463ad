"""Family 2 (FAS200-FAS204): fake async, sync I/O dressed as async.

Everything library-specific (which calls are thread hops, which APIs are fine
in a thread, which loop APIs are mistakes) is catalog data (catalog/hops.toml
and the `thread` policy of blocking.toml's replacements); names are resolved by
the model. This module only decides what to report and how to say it.
"""

from __future__ import annotations

import ast
import functools
import os
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, TypeVar

from ..catalog.loader import ApiRow, ExecutorRow, HopRow, HopTables, LoopRow
from ..findings import ChainStep, Finding, Fix
from ..model.callgraph import CallGraph, Chain, display_name
from ..model.module import BlockingCall, ModuleModel
from ..model.project import encode
from ..model.scopes import Assigned, Bound, ClassInfo, FunctionInfo
from ..model.values import ImportedObject, Instance, LocalClass, LocalFunction, LocalObject, Ref, RelativeRef, Value
from . import blocking
from .base import Context, Example, Family, Rule

_HTTP_CLIENT = "fake_async_lint.client.AsyncHTTPClient"
_KIND = {r.code: r.kind for r in blocking.RULES}
_R = TypeVar("_R")

FAS200 = Rule(
    code="FAS200",
    name="thread-hop-has-native-api",
    summary="A thread hop (`run_in_executor`, `asyncio.to_thread`, ...) in a coroutine wraps I/O that has a native async API.",
    what=(
        "Flags a thread hop inside an `async def` (`loop.run_in_executor(ex, fn, ...)`, `asyncio.to_thread`, "
        "`anyio.to_thread.run_sync`, `starlette`/`fastapi` `run_in_threadpool`, `executor.submit` awaited "
        "through `asyncio.wrap_future`, asgiref's `sync_to_async`, Home Assistant's `async_add_executor_job`) "
        "when the callable it runs does I/O that has a native async API: HTTP, databases, caches, processes, "
        "sockets, SDK clients. The callable may be a reference (`requests.get`, `session.get`), a `lambda`, "
        "a `functools.partial`, or a sync function or method of this or any other module of the project "
        "that does the I/O directly or through further helpers (the message names the chain: "
        "`fetch_rows() -> psycopg2.connect()`). A project function that passes its callable argument to a "
        "hop (`async def call_sync_safely(fn, *args)`) is a hop too, and so is a name bound to a hop API "
        "(`make_async = asyncer.asyncify`): the finding lands on the call that hands them the I/O. "
        "`@sync_to_async` and tornado's `@run_on_executor` on such a function are reported at the decorator."
    ),
    why=(
        "The coroutine looks async, but every call still occupies a thread for its whole duration: "
        "concurrency is capped by the thread pool (a few dozen threads at most), each request pays a thread "
        "switch, cancellation does not reach the blocked thread, and timeouts leave the thread running. "
        "A native async client does the same I/O on the event loop with thousands of concurrent operations "
        "and real cancellation."
    ),
    example=(
        "import asyncio\nimport requests\n\n"
        "async def get_user(user_id):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    r = await loop.run_in_executor(None, lambda: requests.get(f'https://api.example.com/users/{user_id}'))\n"
        "    return r.json()\n"
    ),
    instead=(
        "from fake_async_lint.client import AsyncHTTPClient\n\n"
        "client = AsyncHTTPClient(base_url='https://api.example.com')\n\n"
        "async def get_user(user_id):\n"
        "    r = await client.get(f'/users/{user_id}')\n"
        "    return r.json()\n"
    ),
    notes=(
        "Not reported: wrapping work that has no native async API (CPU work such as hashing, JSON, image "
        "processing; a sync-only library; anything the catalog does not know). A thread is the right tool "
        "there. File I/O (FAS104), filesystem queries (FAS109), DNS look-ups, `input()` and waits on thread "
        "primitives are not reported either: asyncio has no native file I/O, and `loop.getaddrinfo` itself "
        "runs in the executor. `time.sleep` is reported only when the hop wraps it directly. "
        "A `run_in_executor(...)` or `async_add_executor_job(...)` call is recognised by its method name "
        "when the receiver cannot be resolved (`self.loop`, an untyped `loop` parameter): the names are "
        "distinctive enough. Hop APIs are catalog data (`catalog/hops.toml`); more can be added with "
        "the `extra-hops` setting. Across modules, a hop is judged from the other module's summary (the "
        "first call in each function whose API has a native async form), through the same index as FAS300, "
        "so the finding does not depend on which files were named."
    ),
    invalid=(
        Example(
            "import asyncio, requests\n\nasync def f(url):\n"
            "    loop = asyncio.get_running_loop()\n"
            "    return await loop.run_in_executor(None, requests.get, url)\n",
            ((5, 18),),
            "a reference to the blocking API",
        ),
        Example(
            "import asyncio, requests\n\nasync def f(url):\n"
            "    return await asyncio.to_thread(lambda: requests.get(url, timeout=5))\n",
            ((4, 18),),
            "a lambda",
        ),
        Example(
            "import functools\nimport anyio.to_thread\nimport requests\n\nsession = requests.Session()\n\n"
            "async def f(url):\n"
            "    return await anyio.to_thread.run_sync(functools.partial(session.get, url, timeout=5))\n",
            ((8, 18),),
            "functools.partial of a session method",
        ),
        Example(
            "import asyncio\nimport psycopg2\n\n"
            "def fetch_rows(sql):\n    with psycopg2.connect('dsn') as conn:\n"
            "        return conn.cursor().execute(sql)\n\n"
            "async def rows(sql):\n    return await asyncio.to_thread(fetch_rows, sql)\n",
            ((9, 18),),
            "a module function (message: wraps fetch_rows() -> psycopg2.connect())",
        ),
        Example(
            "import requests\nfrom concurrent.futures import ThreadPoolExecutor\n\n"
            "class Api:\n    def __init__(self):\n        self._executor = ThreadPoolExecutor(max_workers=3)\n\n"
            "    def _get(self, url):\n        return requests.get(url)\n\n"
            "    async def get(self, url):\n"
            "        return await self.loop.run_in_executor(self._executor, self._get, url)\n",
            ((12, 22),),
            "a method, on an untyped `self.loop`",
        ),
        Example(
            "from asgiref.sync import sync_to_async\nimport requests\n\n"
            "@sync_to_async\ndef fetch(url):\n    return requests.get(url).json()\n",
            ((4, 2),),
            "a decorator hop",
        ),
    ),
    valid=(
        Example(
            "import asyncio, hashlib, json\n\nasync def f(data):\n"
            "    digest = await asyncio.to_thread(hashlib.sha256, data)\n"
            "    return await asyncio.to_thread(json.loads, data)\n",
            title="CPU work has no native async API",
        ),
        Example(
            "import asyncio\n\ndef render(rows):\n    return ''.join(str(r) for r in rows)\n\n"
            "async def f(rows):\n    return await asyncio.to_thread(render, rows)\n",
            title="a local CPU function",
        ),
        Example(
            "import asyncio, os, socket\n\nasync def f(path, host):\n"
            "    data = await asyncio.to_thread(lambda: open(path).read())\n"
            "    ok = await asyncio.to_thread(os.path.exists, path)\n"
            "    return await asyncio.to_thread(socket.getaddrinfo, host, 80)\n",
            title="files, filesystem queries and DNS are fine in a thread",
        ),
        Example(
            "import asyncio\nimport pyserial_lib\n\nasync def f(port):\n"
            "    return await asyncio.to_thread(pyserial_lib.read, port)\n",
            title="a sync-only library the catalog does not know",
        ),
        Example(
            "import asyncio, time\n\ndef poll(dev):\n    while not dev.ready():\n        time.sleep(0.1)\n"
            "    return dev.read()\n\nasync def f(dev):\n    return await asyncio.to_thread(poll, dev)\n",
            title="a helper that sleeps between sync-only work",
        ),
        Example(
            "import asyncio, requests\n\nasync def f(url):\n    def work():\n        return requests.get(url)\n"
            "    return work\n",
            title="no hop: nothing runs in a thread here (FAS100/FAS300 judge calls)",
        ),
    ),
)

FAS201 = Rule(
    code="FAS201",
    name="thread-pool-caps-coroutines",
    summary="A `ThreadPoolExecutor(max_workers=N)` backs thread hops of coroutines: a hard ceiling of N concurrent operations.",
    what=(
        "Flags the construction of a `ThreadPoolExecutor` with an explicit `max_workers` (a module global, a "
        "class attribute, `self._x` set in `__init__`, a local `with` block, or the loop's default executor "
        "installed with `loop.set_default_executor(...)`) when a thread hop inside a coroutine runs on it and "
        "at least one of those hops wraps I/O that has a native async API (FAS200). The finding names the "
        "cap and the coroutines it throttles."
    ),
    why=(
        "The pool is the real concurrency limit of every coroutine that hops through it: with "
        "`max_workers=3`, the fourth concurrent request waits for a thread, however many tasks the event "
        "loop runs. The cap is invisible at the call site, applies across unrelated coroutines, and queued "
        "work cannot be cancelled."
    ),
    example=(
        "import asyncio, requests\nfrom concurrent.futures import ThreadPoolExecutor\n\n"
        "class SupabaseAsync:\n    def __init__(self):\n        self._executor = ThreadPoolExecutor(max_workers=3)\n\n"
        "    async def select(self, url):\n        loop = asyncio.get_running_loop()\n"
        "        return await loop.run_in_executor(self._executor, lambda: requests.get(url))\n"
    ),
    instead=(
        "import asyncio\nfrom fake_async_lint.client import AsyncHTTPClient\n\n"
        "class SupabaseAsync:\n    def __init__(self):\n"
        "        self._client = AsyncHTTPClient()\n        self._limit = asyncio.Semaphore(3)  # only if a cap is wanted\n\n"
        "    async def select(self, url):\n        async with self._limit:\n"
        "            return await self._client.get(url)\n"
    ),
    notes=(
        "Where a cap is wanted, put an `asyncio.Semaphore(C)` in front of a native client that keeps a small "
        "keep-alive connection pool (the reference client `fake_async_lint.client.AsyncHTTPClient` does "
        "both). Do not reach for a bare `httpx.Limits(max_connections=...)` as the cap: with httpx 0.28 / "
        "httpcore 1.0 requests queued inside the pool cost O(queue x connections), measured slower than the "
        "thread pool it replaces at 1000 concurrent requests. An executor whose hops only wrap work without "
        "a native async API (CPU work, sync-only libraries) is a legitimate design and is not reported; "
        "neither is a pool without an explicit `max_workers`, nor a one-worker pool behind a single hop "
        "(it serialises one task). A pool made in another module of the project (a module global, or an "
        "attribute its class sets in `__init__`) is reported at the first hop of each file that uses it, "
        "naming the coroutines it caps there and pointing at the pool (so the finding belongs to the file "
        "that is checked, whatever other files were named); one-worker pools are not reported across modules."
    ),
    invalid=(
        Example(
            "import asyncio, requests\nfrom concurrent.futures import ThreadPoolExecutor\n\n"
            "class Api:\n    def __init__(self):\n        self._executor = ThreadPoolExecutor(max_workers=3)\n\n"
            "    async def select(self, url):\n        loop = asyncio.get_running_loop()\n"
            "        return await loop.run_in_executor(self._executor, requests.get, url)\n\n"
            "    async def insert(self, url, row):\n        loop = asyncio.get_running_loop()\n"
            "        return await loop.run_in_executor(self._executor, lambda: requests.post(url, json=row))\n",
            ((6, 26),),
            "self attribute set in __init__",
        ),
        Example(
            "import asyncio, requests\nfrom concurrent.futures import ThreadPoolExecutor\n\nWORKERS = 8\n"
            "POOL = ThreadPoolExecutor(WORKERS)\n\nasync def f(url):\n"
            "    return await asyncio.wrap_future(POOL.submit(requests.get, url))\n",
            ((5, 8),),
            "a module global sized by a constant, used through submit + wrap_future",
        ),
        Example(
            "import asyncio, requests\nfrom concurrent.futures import ThreadPoolExecutor\n\nasync def main():\n"
            "    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=4))\n\n"
            "async def f(url):\n    return await asyncio.to_thread(requests.get, url)\n",
            ((5, 53),),
            "the default executor, resized",
        ),
    ),
    valid=(
        Example(
            "import asyncio, hashlib\nfrom concurrent.futures import ThreadPoolExecutor\n\n"
            "POOL = ThreadPoolExecutor(max_workers=4)\n\nasync def digest(data):\n"
            "    loop = asyncio.get_running_loop()\n"
            "    return await loop.run_in_executor(POOL, hashlib.sha256, data)\n",
            title="a pool for CPU work",
        ),
        Example(
            "from concurrent.futures import ThreadPoolExecutor\nimport requests\n\n"
            "POOL = ThreadPoolExecutor(max_workers=4)\n\ndef crawl(urls):\n"
            "    return list(POOL.map(requests.get, urls))\n",
            title="a pool used by sync code",
        ),
        Example(
            "import asyncio, requests\nfrom concurrent.futures import ThreadPoolExecutor\n\n"
            "_LOGIN = ThreadPoolExecutor(max_workers=1)\n\nasync def login(url):\n"
            "    loop = asyncio.get_running_loop()\n"
            "    return await loop.run_in_executor(_LOGIN, requests.post, url)\n",
            title="one worker behind one hop: it serialises a task, it does not cap throughput (FAS200 still applies)",
        ),
    ),
)

FAS202 = Rule(
    code="FAS202",
    name="get-event-loop-in-coroutine",
    summary="`asyncio.get_event_loop()` inside a coroutine; use `asyncio.get_running_loop()`.",
    what=(
        "Flags `asyncio.get_event_loop()` inside an `async def`. `fake-async-lint fix` rewrites it to "
        "`asyncio.get_running_loop()` when the call has no arguments and `asyncio` names the asyncio module there."
    ),
    why=(
        "Inside a coroutine there is always a running loop, and `get_running_loop()` returns it without the "
        "policy machinery. `get_event_loop()` is deprecated outside that case and may create a new loop "
        "(that nothing runs) when called from the wrong thread, which turns a clear error into a hang."
    ),
    example="import asyncio\n\nasync def f(job):\n    loop = asyncio.get_event_loop()\n    return await loop.run_in_executor(None, job)\n",
    instead="import asyncio\n\nasync def f(job):\n    loop = asyncio.get_running_loop()\n    return await loop.run_in_executor(None, job)\n",
    notes="The fix is safe: inside a coroutine both calls return the same running loop.",
    invalid=(
        Example("import asyncio\n\nasync def f():\n    return asyncio.get_event_loop()\n", ((4, 12),)),
        Example(
            "from asyncio import get_event_loop\n\nasync def f():\n    loop = get_event_loop()\n    return loop.time()\n",
            ((4, 12),),
            "imported by name (no autofix: it would need an import)",
        ),
    ),
    valid=(
        Example("import asyncio\n\nasync def f():\n    return asyncio.get_running_loop()\n"),
        Example("import asyncio\n\ndef main():\n    loop = asyncio.get_event_loop()\n", title="sync code"),
        Example(
            "import asyncio\n\nasync def f():\n    def cb():\n        return asyncio.get_event_loop()\n    return cb\n",
            title="a nested sync def",
        ),
    ),
)

FAS203 = Rule(
    code="FAS203",
    name="nested-event-loop",
    summary="A nested event loop (`asyncio.run()`, `loop.run_until_complete()`, `asyncio.new_event_loop()`) inside a coroutine.",
    what=(
        "Flags `asyncio.run()`, `loop.run_until_complete()`, `loop.run_forever()`, `asyncio.new_event_loop()` "
        "(and trio/anyio/uvloop's `run`) inside an `async def`. `.run_until_complete(...)` is recognised on "
        "any receiver the model cannot resolve: the name is distinctive. Also reported at a coroutine's call "
        "into a sync helper that runs a loop (`asyncio.run()`, `run_until_complete()`), directly or through "
        "further sync calls, in this module or in others of the project and its libraries, with the chain, "
        "as FAS300 does for blocking calls. A helper that first asks whether a loop is running "
        "(`asyncio.get_running_loop()` in a `try`) chooses its path by the answer: it is not followed. "
        "When the helper is an installed library's sync API over its own coroutines, the advice is the "
        "library's async twin (`afetch` beside `fetch`), else a thread."
    ),
    why=(
        "A coroutine already runs on a loop. `asyncio.run()` and `run_until_complete()` raise "
        "`RuntimeError: This event loop is already running` there, or, with patches like nest_asyncio, "
        "block the outer loop until the inner work is done: every other task stalls."
    ),
    example="import asyncio\n\nasync def handler():\n    return asyncio.run(fetch())\n",
    instead="async def handler():\n    return await fetch()\n",
    invalid=(
        Example("import asyncio\n\nasync def f(coro):\n    return asyncio.run(coro)\n", ((4, 12),)),
        Example(
            "import asyncio\n\nasync def f(coro):\n    loop = asyncio.new_event_loop()\n"
            "    return loop.run_until_complete(coro)\n",
            ((4, 12), (5, 12)),
        ),
        Example(
            "async def f(self, coro):\n    return self.loop.run_until_complete(coro)\n", ((2, 12),), "untyped receiver"
        ),
        Example(
            "import asyncio\n\ndef run_report(coro):\n    return asyncio.run(coro)\n\n"
            "def nightly(coro):\n    return run_report(coro)\n\n"
            "async def handler(coro):\n    nightly(coro)\n",
            ((10, 5),),
            "through sync helpers",
        ),
    ),
    valid=(
        Example("async def f(coro):\n    return await coro\n"),
        Example(
            "import asyncio\n\ndef run_sync(coro):\n    try:\n        asyncio.get_running_loop()\n"
            "    except RuntimeError:\n        return asyncio.run(coro)\n    raise TypeError('await it')\n\n"
            "async def handler(coro):\n    run_sync(coro)\n",
            title="a helper that checks for a running loop first",
        ),
        Example("import asyncio\n\ndef main(coro):\n    return asyncio.run(coro)\n", title="sync entry point"),
        Example(
            "import asyncio\n\nasync def f(coro_fn):\n"
            "    return await asyncio.to_thread(lambda: asyncio.run(coro_fn()))\n",
            title="a fresh loop in a worker thread",
        ),
    ),
)

FAS204 = Rule(
    code="FAS204",
    name="async-in-name-only",
    default=False,
    summary="An `async def` that never awaits, iterates asynchronously or enters an async context.",
    what=(
        "Flags an `async def` whose own body (not nested defs or lambdas) has no `await`, `async for` or "
        "`async with`, comprehensions and f-strings included. Like ruff's RUF029, every module-level "
        "coroutine is judged, called here or not. Methods and nested coroutines are judged when the module "
        "calls them or they are private (a leading underscore): a public one nobody here calls may "
        "implement an interface that a framework or another module awaits. An async generator (`yield`) "
        "is judged when the module itself consumes it with `async for` and uses it no other way. "
        "Not reported: stubs (a docstring, `pass`, `...`, `raise NotImplementedError`, a bare `return`), "
        "decorated functions (`@abstractmethod`, `@overload`, `@asynccontextmanager`, and any decorator "
        "that may register the function with a framework: `@app.get(...)`, `@pytest.fixture`), "
        "coroutines handed to other code as a value (a callback argument, a default argument, an "
        "assignment) or whose coroutine object is (a call not awaited on the spot: `asyncio.run(main())`, "
        "`loop.run_until_complete(setup())`, `asyncio.gather(f(), g())`), async dunder methods, methods that override or are overridden by a method of a base "
        "or subclass in the module, methods of classes with a base the model cannot see, coroutines that "
        "call into the async runtime (`asyncio.create_task`, `loop.call_soon`, ...), methods that only "
        "return a constant or a parameter (a default hook that subclasses elsewhere override), functions defined "
        "more than once in their scope (a fallback under `except ImportError` keeps the real one's async "
        "signature), and module-level "
        "coroutines the module does not call that are pytest tests (`test_*` in a test file) or whose name "
        "says async (`async_*`, `*_async`)."
    ),
    why=(
        "Callers pay for a coroutine (a task switch, an `await` at every call site) and readers assume it "
        "yields to the loop. An `async def` that never awaits runs from start to end without yielding: if "
        "it does I/O, that I/O blocks the loop (see FAS1xx); if it does none, it can be a plain function."
    ),
    example=(
        "async def build_headers(token):\n    return {'Authorization': f'Bearer {token}'}\n\n"
        "async def fetch(client, token):\n    return await client.get('/me', headers=await build_headers(token))\n"
    ),
    instead=(
        "def build_headers(token):\n    return {'Authorization': f'Bearer {token}'}\n\n"
        "async def fetch(client, token):\n    return await client.get('/me', headers=build_headers(token))\n"
    ),
    notes=(
        "Off by default: enable it with `--select FAS204` or flake8's `--extend-select FAS204`. Compared "
        "with ruff's RUF029 (which also judges every module-level `async def` and skips methods and stubs), "
        "this rule judges private and locally called methods too, and leaves out what is async on purpose: "
        "callbacks and routes registered by decorator or handed over as values, `asynccontextmanager`, "
        "coroutines that need the running loop, pytest tests (pytest-asyncio runs them on a loop that "
        "sync code under test may need), names that promise a coroutine to whoever looks them up by name "
        "(Home Assistant's `async_setup_entry` and its integration-platform siblings), and async "
        "generators handed to other code (an API that takes an async iterable needs one, whatever the "
        "generator does inside; RUF029 reports those), coroutine objects handed to a runner "
        "(`asyncio.run(main())`: the advice to drop the `await` would not apply), default hooks that "
        "subclasses override, and `except ImportError` fallbacks. Expect findings on public library coroutines "
        "that are async so callers can `await` them and the API can later do I/O: such a function must "
        "stay `async def`; silence it with `# noqa: FAS204`."
    ),
    invalid=(
        Example(
            "async def headers(token):\n    return {'auth': token}\n\n"
            "async def fetch(client, token):\n    return await client.get('/', headers=await headers(token))\n",
            ((1, 1),),
            "awaited by the module itself",
        ),
        Example(
            "class Repo:\n    async def _get(self, key):\n        return self.cache[key]\n\n"
            "    async def keys(self):\n        return [k async for k in self.scan()]\n",
            ((2, 5),),
            "a private method (an async comprehension counts as async)",
        ),
        Example(
            "import requests\n\nasync def _fetch(url):\n    def inner():\n        return 1\n"
            "    return requests.get(url)\n",
            ((3, 1),),
            "blocking and never yields",
        ),
        Example(
            "import json\n\nasync def load_settings(text):\n    return json.loads(text)\n",
            ((3, 1),),
            "a module-level coroutine, whoever calls it (as RUF029)",
        ),
        Example(
            "async def rows(data):\n    for row in data:\n        yield row\n\n"
            "async def total(data):\n    return sum([r async for r in rows(data)])\n",
            ((1, 1),),
            "an async generator only this module iterates",
        ),
    ),
    valid=(
        Example("async def f(x):\n    return await x\n"),
        Example("async def f(x):\n    return f'{await x}'\n", title="await in an f-string"),
        Example(
            "import abc\nfrom typing import overload\n\nclass Base(abc.ABC):\n    @abc.abstractmethod\n"
            "    async def a(self):\n        return 1\n\n    @overload\n    async def b(self, x: int) -> int: ...\n\n"
            "    async def c(self):\n        '''Hook.'''\n\n    async def d(self):\n        raise NotImplementedError\n",
            title="abstract methods, overloads and stubs",
        ),
        Example(
            "from aiohttp import payload\n\nasync def chunks(data):\n    yield data\n\n"
            "def body(data):\n    return payload.AsyncIterablePayload(chunks(data))\n",
            title="an async generator handed to an API that takes an async iterable",
        ),
        Example(
            "from contextlib import asynccontextmanager\n\n@asynccontextmanager\nasync def lifespan(app):\n    yield\n",
            title="asynccontextmanager",
        ),
        Example(
            "async def empty_receive():\n    raise RuntimeError('no body')\n\n"
            "def serve(app, receive=empty_receive):\n    return app(receive)\n",
            title="handed over as a value (a default argument)",
        ),
        Example(
            "import asyncio\n\nclass Worker:\n    async def start(self):\n"
            "        self._task = asyncio.create_task(self.run())\n\n    async def run(self):\n        await asyncio.sleep(1)\n",
            title="schedules work on the running loop",
        ),
        Example(
            "class Base:\n    async def handle(self, msg):\n        await self.send(msg)\n\n"
            "class Echo(Base):\n    async def handle(self, msg):\n        return msg\n\n"
            "class Handler(framework.Handler):\n    async def on_message(self, msg):\n        return msg\n",
            title="methods that implement an async interface",
        ),
        Example("@app.get('/')\nasync def root():\n    return {'ok': True}\n", title="registered with a framework"),
        Example(
            "async def _ping(request):\n    return 'pong'\n\napp.router.add_get('/ping', _ping)\n",
            title="handed to other code as a callback",
        ),
        Example(
            "async def async_setup_entry(hass, entry):\n    return True\n",
            title="a public coroutine nothing here calls: an entry point others await",
        ),
        Example("class C:\n    async def __aenter__(self):\n        return self\n", title="async protocol methods"),
    ),
)

RULES = (FAS200, FAS201, FAS202, FAS203, FAS204)


# ---------------------------------------------------------------- thread hops
@dataclass(frozen=True)
class HopCall:
    """A thread hop found in the code: the call (or decorator) and what it runs."""

    node: ast.expr  # where it is reported: the hop call, or the decorator
    row: HopRow
    coroutine: FunctionInfo
    target: Optional[ast.expr] = None  # the wrapped callable expression (None: a decorated def)
    anchor: Optional[ast.Call] = None  # the call whose scope resolves names in `target`
    args: tuple[ast.expr, ...] = ()  # positional arguments passed on to the callable
    keywords: tuple[ast.keyword, ...] = ()
    decorated: Optional[FunctionInfo] = None


@dataclass(frozen=True)
class Wrapped:
    """What a hop runs in its thread, down to the catalog API."""

    row: ApiRow
    names: tuple[str, ...]  # ('fetch_rows()', 'psycopg2.connect()') or ('requests.get()',)
    steps: tuple[ChainStep, ...] = ()


@dataclass
class _Checker:
    model: ModuleModel
    ctx: Context
    _graph: Optional[CallGraph] = field(default=None, init=False)
    _wrapped_memo: dict[HopCall, Optional[Wrapped]] = field(default_factory=dict, init=False)
    # the FAS202/FAS203 rules, the loop graph and the project facts ask about the same calls
    _loop_rows: dict[ast.Call, Optional[LoopRow]] = field(default_factory=dict, init=False)

    @property
    def tables(self) -> HopTables:
        return self.model.catalog.hops

    @property
    def graph(self) -> CallGraph:
        """Chains to APIs that have a native async API (built on first need)."""
        if self._graph is None:
            self._graph = CallGraph(self.model, self.ctx.max_depth, accept=lambda bc: self.policy(bc.row) == "report")
        return self._graph

    def policy(self, row: ApiRow) -> str:
        """How the catalog judges `row` in a worker thread: report / ok / direct."""
        use = self.model.catalog.uses.get(row.use or "")
        return use.thread if use is not None else "report"

    # -- lookups by value (the catalog is the only place that knows names) ---------
    def hop_row(self, call: ast.Call, v: Optional[Value] = None) -> Optional[HopRow]:
        v = self.model.callee(call) if v is None else v
        found = self._by_value(v, self.tables.hops)
        if found is None and _may_be_method(v) and isinstance(call.func, ast.Attribute):
            found = self.tables.hop_methods.get(call.func.attr)
        return found

    def loop_row(self, call: ast.Call) -> Optional[LoopRow]:
        if call in self._loop_rows:
            return self._loop_rows[call]
        v = self.model.callee(call)
        found = self._by_value(v, self.tables.loops)
        if found is None and _may_be_method(v) and isinstance(call.func, ast.Attribute):
            found = self.tables.loop_methods.get(call.func.attr)
        self._loop_rows[call] = found
        return found

    def _by_value(self, v: Optional[Value], table: Mapping[str, _R]) -> Optional[_R]:
        """The row for calling `v`: a qualified name, or a method of a catalog type."""
        if isinstance(v, Ref):
            return table.get(self.model.catalog.canonical(v.qualname))
        if isinstance(v, Instance) and len(v.path) == 1:
            return table.get(f"{self.model.catalog.canonical(v.type)}.{v.path[0]}")
        return None

    @functools.cached_property
    def _inside_names(self) -> frozenset[str]:
        """Calls that make an inner call a hop (asyncio.wrap_future around pool.submit)."""
        rows = [*self.tables.hops.values(), *self.tables.hop_methods.values()]
        return frozenset(name for row in rows for name in row.inside)

    # -- hops ------------------------------------------------------------------------
    @functools.cached_property
    def hop_list(self) -> list[HopCall]:
        """Every hop of the module, found once (the rules and the project facts both walk them)."""
        return list(self.hops())

    def hops(self) -> Iterator[HopCall]:
        for fn in self.model.coroutines:
            outer = {c.func: c for c in fn.calls if isinstance(c.func, ast.Call)}
            for call in fn.calls:
                v = self.model.callee(call)
                row = self.hop_row(call, v)
                if row is not None and row.decorator != "only" and not row.inside:
                    hop = self._hop_call(call, row, fn, outer.get(call))
                    if hop is not None:
                        yield hop
                if isinstance(v, Ref) and self.model.catalog.canonical(v.qualname) in self._inside_names:
                    yield from self._inner_hops(call, self.model.catalog.canonical(v.qualname), fn)
        yield from self._decorator_hops()

    def _hop_call(self, call: ast.Call, row: HopRow, fn: FunctionInfo, outer: Optional[ast.Call]) -> Optional[HopCall]:
        args = call.args
        if len(args) <= row.fn or any(isinstance(a, ast.Starred) for a in args[: row.fn + 1]):
            return None
        if row.returns_wrapper:
            # sync_to_async(f)(x): the arguments come with the later call
            passed = tuple(outer.args) if outer is not None else ()
            keywords = tuple(outer.keywords) if outer is not None else ()
        else:
            passed = tuple(args[row.args :])
            keywords = tuple(call.keywords) if row.kwargs else ()
        return HopCall(call, row, fn, args[row.fn], call, passed, keywords)

    def _inner_hops(self, call: ast.Call, outer_name: str, fn: FunctionInfo) -> Iterator[HopCall]:
        """`asyncio.wrap_future(pool.submit(f, x))`, or of a name bound to such a call."""
        if not call.args or isinstance(call.args[0], ast.Starred):
            return
        inner = self.model.origin_in(call.args[0], call)
        if not isinstance(inner, ast.Call):
            return
        row = self.hop_row(inner)
        if row is None or outer_name not in row.inside:
            return
        hop = self._hop_call(inner, row, fn, None)
        if hop is not None:
            yield hop

    def _decorator_hops(self) -> Iterator[HopCall]:
        for fn in self.model.functions:
            if not isinstance(fn.node, ast.FunctionDef) or fn.is_generator:
                continue
            for d, v in self.model.decorator_values(fn):
                row = self._by_value(v, self.tables.hops)
                if row is not None and row.decorator:
                    yield HopCall(d, row, fn, decorated=fn)

    # -- what a hop runs ---------------------------------------------------------------
    def wrapped(self, hop: HopCall) -> Optional[Wrapped]:
        if hop not in self._wrapped_memo:
            self._wrapped_memo[hop] = self._wrapped_hop(hop)
        return self._wrapped_memo[hop]

    def _wrapped_hop(self, hop: HopCall) -> Optional[Wrapped]:
        if hop.decorated is not None:
            return self._chain(self.graph.body_chain(hop.decorated), hop.decorated.node, skip_first=False)
        if hop.target is None or hop.anchor is None:
            return None
        return self._wrapped(hop.target, hop.anchor, hop.args, hop.keywords, 0)

    def _wrapped(
        self,
        node: ast.expr,
        anchor: ast.Call,
        args: tuple[ast.expr, ...],
        keywords: tuple[ast.keyword, ...],
        depth: int,
    ) -> Optional[Wrapped]:
        if depth > 4:
            return None
        if isinstance(node, ast.Call):
            wr = self._by_value(self.model.callee(node), self.tables.wrappers)
            bound = node.args
            if wr is None or len(bound) <= wr.fn or any(isinstance(a, ast.Starred) for a in bound[: wr.fn + 1]):
                return None
            more_kw = tuple(node.keywords) if wr.kwargs else ()
            return self._wrapped(bound[wr.fn], node, tuple(bound[wr.args :]) + args, more_kw + keywords, depth + 1)
        if isinstance(node, ast.Lambda):
            fi = self.model.scopes.function_of_node.get(node)
            return self._lambda(fi) if fi is not None else None
        value = self.model.value_in(node, anchor)
        row = self.model.catalog_row(value)
        if row is not None:
            return self._reference(value, row, node, args, keywords)
        fi = self.graph.function_for(value)
        if fi is None:
            # `job = functools.partial(...)` or `job = lambda: ...`, then `to_thread(job)`
            origin = self.model.origin_in(node, anchor)
            if isinstance(origin, (ast.Call, ast.Lambda)):
                return self._wrapped(
                    origin, origin if isinstance(origin, ast.Call) else anchor, args, keywords, depth + 1
                )
            return None
        if not isinstance(fi.node, ast.FunctionDef) or fi.is_generator:
            return None  # calling an async def or a generator in the thread does not run its body
        # body_chain: the thread runs the body even when a decorator (a retry) wraps it
        return self._chain(self.graph.body_chain(fi), node, skip_first=False)

    def _reference(
        self,
        value: Optional[Value],
        row: ApiRow,
        node: ast.expr,
        args: tuple[ast.expr, ...],
        keywords: tuple[ast.keyword, ...],
    ) -> Optional[Wrapped]:
        if not row.blocking or self.policy(row) == "ok":
            return None
        if (
            isinstance(value, Instance)
            and value.declared
            and not self.model.catalog.type_info(value.type).trust_annotations
        ):
            return None  # the model does not judge such objects known only from an annotation
        # the call the thread will make, for the row's argument conditions (smtplib.SMTP(host))
        synthetic = ast.Call(func=node, args=list(args), keywords=list(keywords))
        if not row.applies_to(synthetic):
            return None
        return Wrapped(row, (f"{row.display}()",))

    def _lambda(self, fi: FunctionInfo) -> Optional[Wrapped]:
        for bc in self.model.blocking_calls_in(fi):
            if self.policy(bc.row) != "ok":  # the lambda's own calls are wrapped directly
                return Wrapped(bc.row, (f"{bc.row.display}()",))
        return self._chain(self.graph.body_chain(fi), fi.node, skip_first=True)

    def _chain(self, chain: Optional[Chain], start: ast.AST, *, skip_first: bool) -> Optional[Wrapped]:
        if chain is None:
            return None
        names = chain.names()[1:] if skip_first else chain.names()
        # a step is named as in FAS300's chains (no call parentheses): every chain reads alike
        steps = [] if skip_first else [self._step(names[0].removesuffix("()"), start)]
        for h in chain.hops:
            name = display_name(h.callee) if h.callee is not None else chain.row.display
            steps.append(self._step(name, h.call))
        return Wrapped(chain.row, tuple(names), tuple(steps))

    def _step(self, name: str, node: ast.AST) -> ChainStep:
        line = getattr(node, "lineno", 1)
        return ChainStep(name, self.ctx.path, line, self.ctx.column(line, getattr(node, "col_offset", 0)))

    # -- across modules ------------------------------------------------------------------
    def span(self, node: ast.expr) -> list[int]:
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_off = getattr(node, "end_col_offset", None)
        end_col = self.ctx.column(end_line, end_off) if end_off is not None else 0
        return [node.lineno, self.ctx.column(node.lineno, node.col_offset), end_line, end_col]

    def parameter_index(self, node: ast.expr, fn: FunctionInfo, anchor: Optional[ast.Call] = None) -> Optional[int]:
        """The position of the parameter of `fn` (a module-level function) that the hop runs: named
        directly, bound by `functools.partial` (also around `contextvars.Context.run`), or called by a
        closure or lambda the hop runs (`def wrapper(): return func(*args)`)."""
        if fn.parent is not None or fn.cls is not None or isinstance(fn.node, ast.Lambda):
            return None
        if self.model.scopes.module_scope.bindings.get(fn.name) is None:
            return None
        params = [a.arg for a in (*fn.node.args.posonlyargs, *fn.node.args.args)]
        return self._param_in(node, anchor, fn, params, 0)

    def _param_in(
        self, node: ast.expr, anchor: Optional[ast.Call], fn: FunctionInfo, params: list[str], depth: int
    ) -> Optional[int]:
        if depth > 3:
            return None
        if isinstance(node, ast.Name) and node.id in params:
            return params.index(node.id)
        if isinstance(node, ast.Call):  # partial(f, ...), partial(ctx.run, wrapper): any bound callable
            if self._by_value(self.model.callee(node), self.tables.wrappers) is None:
                return None
            for arg in node.args:
                found = self._param_in(arg, node, fn, params, depth + 1)
                if found is not None:
                    return found
            return None
        inner: Optional[FunctionInfo] = None
        if isinstance(node, ast.Lambda):
            inner = self.model.scopes.function_of_node.get(node)
        elif anchor is not None:
            value = self.model.value_in(node, anchor)
            if isinstance(value, LocalFunction):
                inner = self.model.evaluator.function_info(value.node)
        if inner is None or inner.parent is not fn:
            return None
        for call in inner.calls:  # the closure calls the parameter: the hop runs it
            if isinstance(call.func, ast.Name) and call.func.id in params:
                return params.index(call.func.id)
        return None

    def project_target(self, node: ast.expr, anchor: ast.Call, depth: int) -> Optional[str]:
        """The callable a hop runs, as a name the project phase resolves (None: not another module's)."""
        if depth > 4:
            return None
        if isinstance(node, ast.Call):  # functools.partial(f, ...)
            wr = self._by_value(self.model.callee(node), self.tables.wrappers)
            bound = node.args
            if wr is None or len(bound) <= wr.fn or isinstance(bound[wr.fn], ast.Starred):
                return None
            return self.project_target(bound[wr.fn], node, depth + 1)
        if isinstance(node, ast.Lambda):  # lambda: helper(x)
            body = node.body
            return self.project_target(body.func, body, depth + 1) if isinstance(body, ast.Call) else None
        value = self.model.value_in(node, anchor)
        if isinstance(value, (Ref, RelativeRef, ImportedObject)):
            return encode(value, self.model)
        fi = self.graph.function_for(value)
        if fi is not None and isinstance(fi.node, ast.FunctionDef) and not fi.is_generator and fi.parent is None:
            return "@" + fi.qualname  # a function of this module whose chain leaves it
        origin = self.model.origin_in(node, anchor)
        if isinstance(origin, (ast.Call, ast.Lambda)):
            return self.project_target(origin, origin if isinstance(origin, ast.Call) else anchor, depth + 1)
        return None

    def pool_target(self, hop: HopCall) -> Optional[str]:
        """The pool a hop runs on, when it is another module's (`pools.EXECUTOR`, `svc.Service().pool`)."""
        call = hop.node
        ex = hop.row.executor
        if not isinstance(call, ast.Call) or self.backing(hop, []):
            return None
        if ex == "receiver" and isinstance(call.func, ast.Attribute):
            node: ast.expr = call.func.value
        elif isinstance(ex, int) and len(call.args) > ex and not isinstance(call.args[ex], ast.Starred):
            node = call.args[ex]
        else:
            return None
        value = self.model.value_in(node, call)
        return encode(value, self.model) if isinstance(value, (Ref, RelativeRef, ImportedObject)) else None

    def exported_pools(self) -> dict[str, list[Any]]:
        """Thread pools other modules can reach: module globals and attributes set in `__init__`."""
        out: dict[str, list[Any]] = {}
        if not any(name.rsplit(".", 1)[-1] in self.ctx.source for name in self.tables.executors):
            return out  # no pool constructor is even named here
        for stmt in self.model.tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        self._export_pool(out, t.id, stmt.value)
            elif isinstance(stmt, ast.ClassDef):
                for fn in stmt.body:
                    if isinstance(fn, ast.FunctionDef) and fn.name == "__init__" and fn.args.args:
                        me = fn.args.args[0].arg
                        for node in ast.walk(fn):
                            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                                for t in node.targets:
                                    if (
                                        isinstance(t, ast.Attribute)
                                        and isinstance(t.value, ast.Name)
                                        and t.value.id == me
                                    ):
                                        self._export_pool(out, f"{stmt.name}().{t.attr}", node.value)
        return out

    def _export_pool(self, out: dict[str, list[Any]], key: str, call: ast.Call) -> None:
        row = self.executor_row(call)
        n = self.workers(call) if row is not None else None
        if n is not None:
            q = self.model.qualname_of(call.func, call) or row.name if row is not None else ""
            out[key] = [call.lineno, self.ctx.column(call.lineno, call.col_offset), n, q.rsplit(".", 1)[-1]]

    def argument_target(self, node: ast.expr, call: ast.Call) -> Optional[Any]:
        if not isinstance(node, (ast.Name, ast.Attribute, ast.Lambda, ast.Call)):
            return None  # a literal, an operation: not a callable a hop could run
        if isinstance(node, ast.Call) and self._by_value(self.model.callee(node), self.tables.wrappers) is None:
            return None  # a call's result is rarely a callable, and never one we could follow
        value = self.model.value_in(node, call)
        row = self.model.catalog_row(value)
        if row is not None:
            w = self._reference(value, row, node, (), ())
            if w is None:
                return None
            method = row.method or row.name.rsplit(".", 1)[-1]
            return ["api", row.display, row.code, row.use, method]
        return self.project_target(node, call, 0)

    # -- FAS200 ------------------------------------------------------------------------
    def implements_itself(self, hop: HopCall) -> bool:
        """An async runtime's own source (trio/_subprocess.py) builds its native API on its own hops."""
        root = hop.row.name.split(".", 1)[0]
        if root not in self.tables.runtime:
            return False
        parts = PurePath(self.ctx.path.replace("\\", "/")).parts[:-1]
        if root not in parts:
            return False
        # the runtime's top-level package, not a subpackage of that name (redis/asyncio/)
        above = parts[: len(parts) - 1 - parts[::-1].index(root)]
        return not os.path.isfile(os.path.join(*above, "__init__.py")) if above else True

    def fas200(self, hop: HopCall, w: Wrapped) -> Finding:
        row = w.row
        kind = _KIND.get(row.code or "", "I/O call")
        advice = self.model.catalog.advice(row, self.ctx.library)
        co = hop.coroutine.name
        if hop.decorated is not None:
            what = " -> ".join(w.names)
            message = (
                f"thread hop @{hop.row.shown} makes sync def '{co}' a coroutine that runs {what} "
                f"(blocking {kind}) in a thread; {advice} in an `async def` instead"
            )
        else:
            message = hop_message(hop.row.shown, w.names, kind, co, advice)
        return self.ctx.finding(
            hop.node, "FAS200", message, api=row.display, replacement=advice, coroutine=co, chain=w.steps
        )

    # -- FAS201 ------------------------------------------------------------------------
    def default_executors(self) -> list[ast.Call]:
        """Thread pools installed with `loop.set_default_executor(...)` anywhere in the module."""
        found: list[ast.Call] = []
        for call in self.model.scopes.call_scope:
            v = self.model.callee(call)
            pos = self._by_value(v, self.tables.set_executors)
            if pos is None and _may_be_method(v) and isinstance(call.func, ast.Attribute):
                pos = self.tables.set_executor_methods.get(call.func.attr)
            if pos is not None and len(call.args) > pos:
                ctor = self.construction(call.args[pos], call)
                if ctor is not None:
                    found.append(ctor)
        return sorted(found, key=_position)

    def construction(self, node: ast.expr, anchor: ast.Call) -> Optional[ast.Call]:
        origin = self.model.origin_in(node, anchor)
        if isinstance(origin, ast.Call) and self.executor_row(origin) is not None:
            return origin
        return None

    def executor_row(self, call: ast.Call) -> Optional[ExecutorRow]:
        q = self.model.qualname_of(call.func, call)
        return self.tables.executors.get(q) if q else None

    def backing(self, hop: HopCall, defaults: list[ast.Call]) -> list[ast.Call]:
        """The thread-pool constructions a hop runs on."""
        call = hop.node
        if hop.decorated is not None or not isinstance(call, ast.Call):
            return []
        ex = hop.row.executor
        if ex == "receiver":
            node: Optional[ast.expr] = call.func.value if isinstance(call.func, ast.Attribute) else None
        elif isinstance(ex, int):
            node = call.args[ex] if len(call.args) > ex and not isinstance(call.args[ex], ast.Starred) else None
            if node is None:
                return []
        else:
            return defaults if hop.row.default_executor else []
        if node is None:
            return []
        if isinstance(node, ast.Constant) and node.value is None:
            return defaults
        ctor = self.construction(node, call)
        return [ctor] if ctor is not None else []

    def workers(self, ctor: ast.Call) -> Optional[str]:
        row = self.executor_row(ctor)
        if row is None:
            return None
        node: Optional[ast.expr] = None
        for kw in ctor.keywords:
            if kw.arg is not None and kw.arg == row.workers_kw:
                node = kw.value
        if node is None and row.workers is not None and len(ctor.args) > row.workers:
            node = ctor.args[row.workers]
        if node is None or isinstance(node, ast.Starred) or (isinstance(node, ast.Constant) and node.value is None):
            return None
        origin = self.model.origin_in(node, ctor)
        if isinstance(origin, ast.Constant) and isinstance(origin.value, int) and not isinstance(origin.value, bool):
            return str(origin.value)
        return ast.unparse(node)

    def fas201(self, ctor: ast.Call, coroutines: list[FunctionInfo], n: str) -> Finding:
        q = self.model.qualname_of(ctor.func, ctor) or "ThreadPoolExecutor"
        name = q.rsplit(".", 1)[-1]
        names = ", ".join(dict.fromkeys(f.name for f in coroutines))
        advice = pool_message(n)
        message = f"{name}(max_workers={n}) caps coroutines {names} at {n} operations at once; {advice}"
        found = self.ctx.finding(ctor, "FAS201", message, api=q, replacement=advice, coroutine=coroutines[0].name)
        return replace(found, coroutines=tuple(dict.fromkeys(f.name for f in coroutines)))

    # -- FAS202 / FAS203 ------------------------------------------------------------------
    # -- FAS203 through helpers ------------------------------------------------------------
    def nested_loops(self, fn: FunctionInfo) -> Iterator[BlockingCall]:
        """Calls in a sync function's own body that run an event loop there and then, unless the
        function asks whether a loop is running (it then chooses its path by the answer)."""
        found = []
        for call in fn.calls:
            row = self.loop_row(call)
            if row is not None and row.runs:
                found.append(BlockingCall(call, ApiRow(name=row.shown, code=row.code, use=row.name), fn))
            elif self._probes_loop(call):
                return
        yield from found

    def _probes_loop(self, call: ast.Call) -> bool:
        v = self.model.callee(call)
        if isinstance(v, Ref) and self.model.catalog.canonical(v.qualname) in self.tables.loop_probes:
            return True
        return isinstance(call.func, ast.Attribute) and call.func.attr in self.tables.loop_probe_methods

    @functools.cached_property
    def loop_graph(self) -> CallGraph:
        """Chains from sync helpers down to a call that runs a nested event loop."""
        return CallGraph(self.model, self.ctx.max_depth, direct=self.nested_loops)

    def helper_loop_findings(self) -> Iterator[Finding]:
        graph = self.loop_graph
        for fn in self.model.coroutines:
            for call in fn.calls:
                if self.loop_row(call) is not None:
                    continue
                helper = graph.target(call)
                chain = graph.chain(helper) if helper is not None and graph.propagates(helper) else None
                if chain is None:
                    continue
                w = self._chain(chain, call, skip_first=False)
                assert w is not None
                row = self.tables.loops.get(chain.row.use or "") or self.tables.loop_methods.get(chain.row.use or "")
                say = row.say if row is not None else "`await` the coroutine instead"
                yield self.ctx.finding(
                    call,
                    "FAS203",
                    f"nested event loop reached through {' -> '.join(w.names)} in coroutine '{fn.name}'; "
                    f"make {w.names[0][:-2]}() async and {say}",
                    api=chain.row.name,
                    replacement=say,
                    coroutine=fn.name,
                    chain=w.steps,
                )

    def loop_findings(self) -> Iterator[Finding]:
        yield from self.helper_loop_findings()
        for fn in self.model.coroutines:
            for call in fn.calls:
                row = self.loop_row(call)
                if row is None:
                    continue
                shown = row.shown
                say = row.say
                if row.code == "FAS202":
                    if row.fix:  # what happens, in plain words
                        say = f"use `{row.fix}`: the same loop, and never a new one that nothing runs"
                    message = f"{shown}() in coroutine '{fn.name}'; {say}"
                else:
                    message = f"nested event loop: {shown}() in coroutine '{fn.name}'; {row.say}"
                yield self.ctx.finding(
                    call,
                    row.code,
                    message,
                    api=shown,
                    replacement=say,
                    coroutine=fn.name,
                    fix=self._loop_fix(call, row),
                )

    def _loop_fix(self, call: ast.Call, row: LoopRow) -> Optional[Fix]:
        """Safe only without arguments and when the template's module is bound as itself here."""
        if not row.fix or call.args or call.keywords:
            return None
        module = row.fix.split(".", 1)[0]
        if self.model.value_in(ast.Name(id=module, ctx=ast.Load()), call) != Ref(module):
            return None
        return Fix(replacement=row.fix, rule=row.fix)

    # -- FAS204 ------------------------------------------------------------------------
    def async_in_name_only(self) -> Iterator[Finding]:
        usage: Optional[_Usage] = None
        for fn in self.model.coroutines:
            node = fn.node
            if not isinstance(node, ast.AsyncFunctionDef) or fn.async_constructs:
                continue
            if _is_stub(node.body) or _is_dunder(node.name) or not self._plain_decorators(fn):
                continue
            if fn.cls is not None and _is_default_hook(node):
                continue
            if _has_alternatives(fn) or self._implements_interface(fn) or self._uses_runtime(fn):
                continue
            if usage is None:
                usage = self._usage()
            # handed to other code (a route, a callback, a default argument): it awaits the result
            if fn in usage.passed or fn.name in usage.values:
                continue
            # like ruff's RUF029, a module-level coroutine is judged whoever calls it; when nothing here calls
            # it, not a pytest test (the plugin runs it on a loop that sync code under test may need) nor one
            # whose name says async (`async_setup_entry`: frameworks look such names up). A public method or
            # nested coroutine nobody here calls may implement an interface other modules or a framework await
            top_level = fn.parent is None and fn.cls is None
            uncalled = fn not in usage.called
            if top_level and uncalled and (_is_test(node.name, self.ctx.path) or _says_async(node.name)):
                continue
            if fn.is_generator:
                # only when this module consumes it with `async for` and nothing else: an async iterator
                # handed to other code must stay one
                if fn not in usage.iterated or fn in usage.other_calls:
                    continue
                message = (
                    f"async generator '{fn.name}' never awaits, iterates asynchronously or enters an async "
                    "context: async in name only; make it a plain generator (`def`, iterated with `for` "
                    "instead of `async for`), or make its I/O native and await it"
                )
            elif fn in usage.handed or (not top_level and uncalled and not fn.name.startswith("_")):
                continue
            else:
                message = (
                    f"coroutine '{fn.name}' never awaits, iterates asynchronously or enters an async context: "
                    "async in name only; make it a plain `def` (and drop the `await` at its call sites), "
                    "or make its I/O native and await it"
                )
            yield self.ctx.finding(node, "FAS204", message, coroutine=fn.name)

    def _usage(self) -> _Usage:
        """How the module uses its own functions: called, passed to calls, used as values, iterated."""
        usage = _Usage()
        parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(self.model.tree):
            for child in ast.iter_child_nodes(parent):
                if isinstance(child, ast.Call):
                    parents[child] = parent
                elif isinstance(child, (ast.Name, ast.Attribute)) and isinstance(child.ctx, ast.Load):
                    if isinstance(parent, ast.Call) and parent.func is child:
                        continue
                    if isinstance(parent, ast.Attribute) or isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        continue  # `fn.attr` reads, decorators
                    usage.values.add(child.id if isinstance(child, ast.Name) else child.attr)
        for call in self.model.scopes.call_scope:
            target = self.graph.target(call)
            if target is not None:
                usage.called.add(target)
                up = parents.get(call)
                if (
                    isinstance(up, (ast.AsyncFor, ast.comprehension))
                    and up.iter is call
                    and (isinstance(up, ast.AsyncFor) or up.is_async)
                ):
                    usage.iterated.add(target)
                else:
                    usage.other_calls.add(target)
                if not isinstance(up, ast.Await):
                    usage.handed.add(target)
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                for node in _references(arg):
                    fi = self.graph.function_for(self.model.value_in(node, call))
                    if fi is not None:
                        usage.passed.add(fi)
        return usage

    def _plain_decorators(self, fn: FunctionInfo) -> bool:
        for _, v in self.model.decorator_values(fn):
            if not (isinstance(v, Ref) and v.qualname in self.tables.plain_decorators):
                return False  # abstract, overload, or a registration the framework awaits
        return True

    def _uses_runtime(self, fn: FunctionInfo) -> bool:
        """Calls into asyncio/anyio/trio or a loop method: it must run on the loop, on purpose."""
        for call in fn.calls:
            v = self.model.callee(call)
            if isinstance(v, Ref) and v.qualname.split(".", 1)[0] in self.tables.runtime:
                return True
            if isinstance(v, Instance) and self.model.catalog.canonical(v.type).split(".", 1)[0] in self.tables.runtime:
                return True
        return False

    def _implements_interface(self, fn: FunctionInfo) -> bool:
        cls = fn.cls
        if cls is None or fn.node not in cls.node.body:
            return False
        name = fn.name
        if self._in_bases(cls, name, set()):
            return True
        # a default implementation that a subclass overrides
        for other in self.model.scopes.classes.values():
            if other is cls:
                continue
            if any(isinstance(b, LocalClass) and b.node is cls.node for b in self.model.base_values(other)):
                if _defines(other, name):
                    return True
        return False

    def _in_bases(self, cls: ClassInfo, name: str, seen: set[int]) -> bool:
        """True when a base defines `name` or cannot be seen (it may declare the interface)."""
        if id(cls) in seen:
            return False
        seen.add(id(cls))
        for b in self.model.base_values(cls):
            if isinstance(b, LocalClass):
                info = self.model.evaluator.class_info(b.node)
                if info is None or _defines(info, name) or self._in_bases(info, name, seen):
                    return True
            elif not (isinstance(b, Ref) and b.qualname in self.tables.plain_bases):
                return True
        return False


@dataclass
class _Usage:
    """FAS204: what a module does with its own functions."""

    called: set[FunctionInfo] = field(default_factory=set)
    passed: set[FunctionInfo] = field(default_factory=set)  # handed to calls as values (callbacks)
    values: set[str] = field(default_factory=set)  # names read other than to call them (`x = f`, `g(cb=f)`)
    iterated: set[FunctionInfo] = field(default_factory=set)  # called as the iterable of `async for`
    other_calls: set[FunctionInfo] = field(default_factory=set)
    # called without `await` on the spot: the coroutine object goes to code that needs an awaitable
    # (asyncio.run(main()), loop.run_until_complete(...), asyncio.gather(...), a framework)
    handed: set[FunctionInfo] = field(default_factory=set)


def _may_be_method(v: Optional[Value]) -> bool:
    """Method-name matching applies when the receiver is unknown or only an imported name:
    not for the module's own functions and classes, nor for catalog types that lack the method."""
    return not isinstance(v, (LocalFunction, LocalClass, LocalObject, Instance))


def _references(arg: ast.expr) -> Iterator[ast.expr]:
    """Names and attributes an argument hands over as values (`handle`, `[self.on_x]`, `{"k": cb}`)."""
    if isinstance(arg, ast.Starred):
        arg = arg.value
    if isinstance(arg, (ast.Name, ast.Attribute)):
        yield arg
    elif isinstance(arg, (ast.List, ast.Tuple, ast.Set)):
        for e in arg.elts:
            yield from _references(e)
    elif isinstance(arg, ast.Dict):
        for v in arg.values:
            yield from _references(v)


def _is_stub(body: list[ast.stmt]) -> bool:
    """Only a docstring, `pass`, `...`, a bare `return` or `raise NotImplementedError`."""
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            if stmt.value.value is Ellipsis or (i == 0 and isinstance(stmt.value.value, str)):
                continue
        if isinstance(stmt, ast.Return) and (stmt.value is None or _is_none(stmt.value)):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def _is_test(name: str, path: str) -> bool:
    """A test function pytest collects (`test_*` in `test_*.py`, `*_test.py` or `conftest.py`)."""
    base = PurePath(path.replace("\\", "/")).name
    in_test_file = base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"
    return in_test_file and name.startswith("test")


def _is_default_hook(node: ast.AsyncFunctionDef) -> bool:
    """A method that only returns a constant or one of its parameters (`return options`, `return True`):
    a default implementation that subclasses elsewhere override, maybe with I/O."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return False
    value = body[0].value
    params = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    return isinstance(value, ast.Constant) or (isinstance(value, ast.Name) and value.id in params)


def _has_alternatives(fn: FunctionInfo) -> bool:
    """Defined more than once in its scope (`try: ... except ImportError: async def f(): raise ...`):
    one definition is a fallback that keeps the other's async signature."""
    parent = fn.scope.parent
    if parent is None:
        return False
    defs = [b for b in parent.bindings.get(fn.name, ()) if isinstance(b, Bound) and isinstance(b.value, LocalFunction)]
    return len(defs) > 1


def _says_async(name: str) -> bool:
    """`async_setup_entry`, `open_async`: the name itself promises a coroutine to whoever looks it up."""
    return name.startswith("async_") or name.endswith("_async")


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _defines(cls: ClassInfo, name: str) -> bool:
    return name in cls.scope.bindings


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _checker(model: ModuleModel, ctx: Context) -> _Checker:
    """One checker per module and source: the rules, the project facts and their call graphs share it."""
    cached = model.shared.get("fake_async.checker")
    if isinstance(cached, _Checker) and cached.ctx.source is ctx.source:
        return cached
    c = model.shared["fake_async.checker"] = _Checker(model, ctx)
    return c


def check(model: ModuleModel, ctx: Context) -> Iterator[Finding]:
    c = _checker(model, ctx)
    defaults: Optional[list[ast.Call]] = None
    backed: dict[ast.Call, list[FunctionInfo]] = {}
    worthy: set[ast.Call] = set()
    for hop in c.hop_list:
        w = None if c.implements_itself(hop) else c.wrapped(hop)
        if w is not None:
            yield c.fas200(hop, w)
        if hop.decorated is not None:
            continue
        if defaults is None:
            defaults = c.default_executors()
        for ctor in c.backing(hop, defaults):
            backed.setdefault(ctor, []).append(hop.coroutine)
            if w is not None:
                worthy.add(ctor)
    for ctor in sorted(worthy, key=_position):
        n = c.workers(ctor)
        # one worker behind a single hop serialises one task: an order, not a throughput cap
        if n is not None and not (n == "1" and len(backed[ctor]) == 1):
            yield c.fas201(ctor, backed[ctor], n)
    yield from c.loop_findings()


def pool_message(workers: str) -> str:
    """What to use instead of a thread pool that caps coroutines."""
    return f"use a native async client ({_HTTP_CLIENT}), with an `asyncio.Semaphore` where a cap is wanted"


def hop_message(shown: str, names: Sequence[str], kind: str, coroutine: str, advice: str) -> str:
    """`thread hop asyncio.to_thread() wraps load() -> requests.get() (blocking HTTP call) in coroutine 'h'; ...`"""
    if len(names) == 1:
        return f"thread hop {shown}() wraps blocking {kind} {names[0]} in coroutine '{coroutine}'; {advice} instead of a thread"
    return (
        f"thread hop {shown}() wraps {' -> '.join(names)} (blocking {kind}) in coroutine '{coroutine}'; "
        f"{advice} instead of a thread"
    )


# ---------------------------------------------------------------- across modules (the project phase)
def loop_facts(
    model: ModuleModel, ctx: Context
) -> tuple[Callable[[FunctionInfo], Optional[BlockingCall]], Callable[[FunctionInfo], bool]]:
    """For the project phase's FAS203: the call in a sync function's own body that runs an event loop
    (none when the function first asks whether a loop is running), and whether a chain from a
    function to one stays in this module."""
    c = _checker(model, ctx)

    def first(fn: FunctionInfo) -> Optional[BlockingCall]:
        return None if fn.is_async else next(iter(c.nested_loops(fn)), None)

    def chained(fn: FunctionInfo) -> bool:
        return c.loop_graph.propagates(fn) and c.loop_graph.chain(fn) is not None

    return first, chained


def hop_facts(model: ModuleModel, ctx: Context, silenced: Callable[[int], bool]) -> dict[str, Any]:
    """What the project phase needs to judge hops whose callable lives in another module:
    `hsites`, hops whose callable only the project can settle; `hopfns`, this module's functions
    that pass a parameter to a hop (so calling them is a hop); `hopalias`, names bound to a hop API."""
    c = _checker(model, ctx)
    hsites: list[list[Any]] = []
    psites: list[list[Any]] = []
    hopfns: dict[str, list[Any]] = {}
    for hop in c.hop_list:
        if hop.decorated is not None or hop.target is None or hop.anchor is None or c.implements_itself(hop):
            continue
        param = c.parameter_index(hop.target, hop.coroutine, hop.anchor)
        if param is not None:
            hopfns[hop.coroutine.qualname] = [param, hop.coroutine.name]
            continue
        if silenced(hop.node.lineno):
            continue
        if c.wrapped(hop) is not None:  # FAS200 is settled here; the pool may be another module's
            pool = c.pool_target(hop)
            if pool is not None:
                psites.append([hop.coroutine.name, *c.span(hop.node), pool, hop.row.shown])
            continue
        target = c.project_target(hop.target, hop.anchor, 0)
        if target is not None:
            hsites.append([hop.coroutine.name, *c.span(hop.node), target, hop.row.shown])
    aliases: dict[str, list[Any]] = {}
    for name, bindings in model.scopes.module_scope.bindings.items():
        if len(bindings) != 1:
            continue
        b = bindings[0]
        value = (
            b.value
            if isinstance(b, Bound)
            else model.evaluator.value(b.expr, b.scope)
            if isinstance(b, Assigned)
            else None
        )
        if isinstance(value, Ref):
            row = c.tables.hops.get(model.catalog.canonical(value.qualname))
            if row is not None and not row.inside and row.decorator != "only":
                aliases[name] = [row.fn, name]
    out: dict[str, Any] = {}
    if hsites:
        out["hsites"] = hsites
    if psites:
        out["psites"] = psites
    pools = c.exported_pools()
    if pools:
        out["pools"] = pools
    if hopfns:
        out["hopfns"] = hopfns
    if aliases:
        out["hopalias"] = aliases
    return out


def argument_target(model: ModuleModel, ctx: Context, node: ast.expr, call: ast.Call) -> Optional[Any]:
    """What a callable argument of a call into another module runs, should that callee be a hop:
    a catalog API with a native async form (`["api", display, code, use, method]`), or a target
    the project resolves."""
    return _checker(model, ctx).argument_target(node, call)


def check_async_in_name_only(model: ModuleModel, ctx: Context) -> Iterator[Finding]:
    return _Checker(model, ctx).async_in_name_only()


# FAS204 is its own family so the engine skips its work unless it is selected (it is opt-in)
FAMILY = Family(rules=(FAS200, FAS201, FAS202, FAS203), check=check)
FAS204_FAMILY = Family(rules=(FAS204,), check=check_async_in_name_only)
FAMILIES = (FAMILY, FAS204_FAMILY)
