"""Family 4 (FAS400-FAS401): async resource hygiene (opt-in).

Which classes are async HTTP clients and which calls spawn tasks is catalog
data (catalog/hygiene.toml); names are resolved by the model. What this module
reads from the syntax tree itself is structure only: which loop a call sits in,
whether that loop's body leaves after the first pass, and what a statement does
with a value (drops it, stores it, enters it).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from typing import Iterator, Optional, Union

from ..catalog.hygiene import ClientRow, HygieneTables, SpawnRow, hygiene_tables
from ..findings import ChainStep, Finding
from ..model.callgraph import display_name
from ..model.module import ModuleModel
from ..model.scopes import FunctionInfo
from ..model.values import Instance, LocalFunction, Ref, Value
from .base import Context, Example, Family, Rule

_HTTP_CLIENT = "fake_async_lint.client.AsyncHTTPClient"
_MAX_CALLERS = 3  # how many call levels FAS400 follows up to the loop

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# methods that keep their argument (a client created in a loop and kept is a pool of clients, on purpose)
_KEEPS = frozenset(
    {
        "append",
        "appendleft",
        "add",
        "extend",
        "insert",
        "setdefault",
        "put",
        "put_nowait",
        "update",
        "enter_async_context",
        "enter_context",
        "push_async_exit",
    }
)

Loop = Union[ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.Call]

FAS400 = Rule(
    code="FAS400",
    name="async-client-per-item",
    default=False,
    summary="An async HTTP client (`httpx.AsyncClient`, `aiohttp.ClientSession`, ...) is created per item of a loop or fan-out: no connection pooling.",
    what=(
        "Flags the construction of an async HTTP client inside the body of a `for`, `async for` or `while` "
        "loop or a comprehension, and in a function that runs per item of one: a coroutine called inside "
        "a loop or comprehension of the same module (`asyncio.gather(*(fetch(u) for u in urls))`, "
        "`tg.create_task(fetch(u))` in a loop, `asyncio.as_completed([...])`, `map(fetch, urls)`), "
        "directly or through up to three calls. Which classes are async HTTP clients is catalog data "
        "(`catalog/hygiene.toml`: httpx, aiohttp, the reference client, niquests, curl_cffi, the OpenAI "
        "and Anthropic async SDK clients)."
    ),
    why=(
        "An async client owns a connection pool. Created per item, every request pays a new TCP connect "
        "and TLS handshake (often more than the request itself), keep-alive never helps, and a fan-out "
        "of N items opens N pools at once, which exhausts file descriptors and trips server rate limits. "
        "One client shared by all items reuses a few warm connections."
    ),
    example=(
        "import asyncio\nimport httpx\n\n"
        "async def fetch(url):\n    async with httpx.AsyncClient() as client:\n"
        "        return (await client.get(url)).json()\n\n"
        "async def fetch_all(urls):\n    return await asyncio.gather(*(fetch(u) for u in urls))\n"
    ),
    instead=(
        "import asyncio\nimport httpx\n\n"
        "async def fetch(client, url):\n    return (await client.get(url)).json()\n\n"
        "async def fetch_all(urls):\n    async with httpx.AsyncClient() as client:\n"
        "        return await asyncio.gather(*(fetch(client, u) for u in urls))\n"
    ),
    notes=(
        "Off by default: enable it with `--extend-select FAS400`. To stay free of false alarms the rule "
        "reports only a client that is used and dropped within the item (entered with `async with`, bound "
        "to a local name that is not returned or stored, used as a receiver or passed to a call), and "
        "only per-item loops: not a loop that leaves with `break` or `return` after creating the client "
        "(a retry or a search), a `while` loop that handles exceptions (a reconnect loop), a loop that "
        "sleeps between passes (a poller), nor a client whose `async with` block consumes a stream with "
        "`async for` (a long-lived connection). A client kept per item (`clients[host] = "
        "httpx.AsyncClient(...)`, `clients.append(...)`, a comprehension of clients) is a deliberate pool "
        "of clients. Nothing is reported when the loop is in another module. The reference client "
        f"`{_HTTP_CLIENT}` keeps a small keep-alive pool and can be shared by every coroutine."
    ),
    invalid=(
        Example(
            "import httpx\n\nasync def crawl(urls):\n    for url in urls:\n"
            "        async with httpx.AsyncClient() as client:\n            await client.get(url)\n",
            ((5, 20),),
            "a client per item of a loop",
        ),
        Example(
            "import asyncio\nimport aiohttp\n\nasync def fetch(url):\n"
            "    async with aiohttp.ClientSession() as session:\n"
            "        async with session.get(url) as r:\n            return await r.text()\n\n"
            "async def main(urls):\n    return await asyncio.gather(*[fetch(u) for u in urls])\n",
            ((5, 16),),
            "per call of a coroutine fanned out by asyncio.gather",
        ),
        Example(
            "import asyncio\nfrom httpx import AsyncClient\n\nasync def post(row):\n"
            "    client = AsyncClient()\n    await client.post('/rows', json=row)\n    await client.aclose()\n\n"
            "async def main(queue):\n    async with asyncio.TaskGroup() as tg:\n        while True:\n"
            "            row = await queue.get()\n            tg.create_task(post(row))\n",
            ((5, 14),),
            "a TaskGroup task per queue item",
        ),
    ),
    valid=(
        Example(
            "import asyncio\nimport httpx\n\nasync def fetch(client, url):\n    return await client.get(url)\n\n"
            "async def main(urls):\n    async with httpx.AsyncClient() as client:\n"
            "        return await asyncio.gather(*(fetch(client, u) for u in urls))\n",
            title="one client shared by the fan-out",
        ),
        Example(
            "import asyncio\nimport httpx\n\nasync def get(url):\n    for attempt in range(3):\n        try:\n"
            "            async with httpx.AsyncClient() as client:\n                return await client.get(url)\n"
            "        except httpx.TransportError:\n            await asyncio.sleep(2 ** attempt)\n",
            title="a retry loop that returns after the first success",
        ),
        Example(
            "import aiohttp\n\nasync def listen(url, handle):\n    while True:\n        try:\n"
            "            async with aiohttp.ClientSession() as session:\n"
            "                async with session.ws_connect(url) as ws:\n"
            "                    async for msg in ws:\n                        handle(msg)\n"
            "        except aiohttp.ClientError:\n            continue\n",
            title="a reconnect loop around a long-lived connection",
        ),
        Example(
            "import httpx\n\ndef make_clients(hosts):\n    clients = {}\n    for host in hosts:\n"
            "        clients[host] = httpx.AsyncClient(base_url=host)\n    return clients\n",
            title="one client per host, kept: a deliberate pool of clients",
        ),
    ),
)

FAS401 = Rule(
    code="FAS401",
    name="dropped-task",
    default=False,
    summary="The task from `asyncio.create_task(...)` (or `loop.create_task`, `asyncio.ensure_future`) is dropped: it can be garbage-collected mid-flight.",
    what=(
        "Flags an expression statement whose value is a call that schedules a task and returns it: "
        "`asyncio.create_task(...)`, `loop.create_task(...)` on a loop the model knows "
        "(`asyncio.get_running_loop()`, a parameter annotated `asyncio.AbstractEventLoop`, Home Assistant's "
        "`hass.loop`), and "
        "`asyncio.ensure_future(...)` of a fresh coroutine (a call of an `async def` of the module: "
        "`ensure_future` hands an existing future back unchanged). Names are resolved through imports "
        "and aliases; a `create_task` method on a receiver the model cannot resolve is not reported."
    ),
    why=(
        "The event loop keeps only a weak reference to a task. A task nobody else references can be "
        "garbage-collected while it waits, silently cancelling the work half-way; and an exception it "
        "raises is never retrieved, so it shows up (if at all) as 'Task exception was never retrieved' "
        "long after the fact."
    ),
    example=(
        "import asyncio\n\nasync def notify(user):\n    await asyncio.sleep(1)\n\n"
        "async def handle(user):\n    asyncio.create_task(notify(user))\n"
    ),
    instead=(
        "import asyncio\n\nbackground: set[asyncio.Task[None]] = set()\n\nasync def notify(user):\n"
        "    await asyncio.sleep(1)\n\nasync def handle(user):\n    task = asyncio.create_task(notify(user))\n"
        "    background.add(task)\n    task.add_done_callback(background.discard)\n"
    ),
    notes=(
        "Off by default: enable it with `--extend-select FAS401`. Not reported: a task that is kept "
        "(assigned, returned, passed to a call, added to a set, yielded), awaited, or given a done-callback "
        "in the same statement (`asyncio.create_task(x).add_done_callback(...)`: the statement's value is "
        "the callback registration, and the callback is where such code keeps or inspects the task), and "
        "tasks created on a task group (`asyncio.TaskGroup`, anyio and trio task groups keep their "
        "tasks until the group exits). Where the result of many tasks does not matter, an "
        "`asyncio.TaskGroup` is the simplest way to keep them all alive and see their errors."
    ),
    invalid=(
        Example(
            "import asyncio\n\nasync def job():\n    await asyncio.sleep(1)\n\n"
            "async def main():\n    asyncio.create_task(job())\n    await asyncio.sleep(2)\n",
            ((7, 5),),
        ),
        Example(
            "from asyncio import create_task as spawn, ensure_future, get_running_loop\n\n"
            "async def job():\n    await spawn(job())\n\n"
            "async def main():\n    loop = get_running_loop()\n    loop.create_task(job())\n"
            "    ensure_future(job())\n    spawn(job())\n",
            ((8, 5), (9, 5), (10, 5)),
            "aliases, a loop from get_running_loop() and ensure_future of a coroutine",
        ),
    ),
    valid=(
        Example(
            "import asyncio\n\ntasks = set()\n\nasync def job():\n    await asyncio.sleep(1)\n\n"
            "async def main():\n    t = asyncio.create_task(job())\n    tasks.add(t)\n"
            "    t.add_done_callback(tasks.discard)\n    tasks.add(asyncio.ensure_future(job()))\n"
            "    await asyncio.create_task(job())\n    return asyncio.create_task(job())\n",
            title="kept, awaited or returned",
        ),
        Example(
            "import asyncio\n\nasync def job():\n    await asyncio.sleep(1)\n\nasync def main():\n"
            "    async with asyncio.TaskGroup() as tg:\n        tg.create_task(job())\n",
            title="a task group keeps its tasks",
        ),
        Example(
            "import asyncio\n\nasync def main(fut, loop):\n    asyncio.ensure_future(fut)\n    loop.create_task(fut)\n",
            title="an existing future, and a receiver the model cannot resolve",
        ),
    ),
)

RULES = (FAS400, FAS401)


@dataclass(frozen=True)
class _PerItem:
    """Why a construction runs once per item: the loop, and the calls from that loop down to it."""

    loop: Loop
    calls: tuple[tuple[ast.Call, FunctionInfo], ...] = ()  # (call site, function it calls), loop first


@dataclass
class _Checker:
    model: ModuleModel
    ctx: Context
    tables: HygieneTables = field(default_factory=hygiene_tables)

    @functools.cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        out: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.model.tree):
            for child in ast.iter_child_nodes(node):
                out[child] = node
        return out

    # -- catalog lookups by value -----------------------------------------------------
    def _qualname(self, v: Optional[Value]) -> Optional[str]:
        canonical = self.model.catalog.canonical
        if isinstance(v, Ref):
            return canonical(v.qualname)
        if isinstance(v, Instance) and v.path:
            return ".".join((canonical(v.type), *v.path))  # loop.create_task, hass.loop.create_task
        return None

    def spawn_row(self, call: ast.Call) -> Optional[SpawnRow]:
        q = self._qualname(self.model.callee(call))
        return self.tables.spawns.get(q) if q else None

    def client_row(self, call: ast.Call) -> Optional[ClientRow]:
        v = self.model.callee(call)
        if not isinstance(v, Ref):
            return None
        return self.tables.clients.get(self.model.catalog.canonical(v.qualname))

    # -- FAS401 ------------------------------------------------------------------------
    def dropped_tasks(self) -> Iterator[Finding]:
        for call in self.model.scopes.call_scope:
            if not isinstance(self.parents.get(call), ast.Expr):
                continue
            row = self.spawn_row(call)
            if row is None or (row.new_only and not self._fresh_coroutine(call)):
                continue
            fn = self.model.function_of(call)
            where = f" in '{fn.name}'" if fn is not None else ""
            message = (
                f"the task from {row.shown}(){where} is dropped, so the loop's weak reference lets it be "
                "garbage-collected mid-flight and its exception is never seen; keep it "
                "(`task = ...`, add it to a set with `task.add_done_callback(tasks.discard)`) or create it "
                "in an `asyncio.TaskGroup`"
            )
            yield self.ctx.finding(call, "FAS401", message, api=row.shown, coroutine=fn.name if fn else "")

    def _fresh_coroutine(self, call: ast.Call) -> bool:
        """The first argument is a new coroutine: a call of an `async def` of this module."""
        if not call.args or isinstance(call.args[0], ast.Starred):
            return False
        arg: Optional[ast.expr] = call.args[0]
        if not isinstance(arg, ast.Call):
            arg = self.model.origin_in(arg, call) if arg is not None else None
        if not isinstance(arg, ast.Call):
            return False
        v = self.model.callee(arg)
        return isinstance(v, LocalFunction) and v.is_async

    # -- FAS400 ------------------------------------------------------------------------
    def clients_per_item(self) -> Iterator[Finding]:
        sites: Optional[dict[ast.AST, list[ast.Call]]] = None
        for call in self.model.scopes.call_scope:
            row = self.client_row(call)
            if row is None or not self._used_here(call):
                continue
            why = self.loop_of(call)
            fn = self.model.function_of(call)
            if why is None and fn is not None:
                if sites is None:
                    sites = self._call_sites()
                why = self._via_callers(fn, sites, (), {fn.node})
            if why is not None:
                yield self.fas400(call, row, why)

    def fas400(self, call: ast.Call, row: ClientRow, why: _PerItem) -> Finding:
        loop = why.loop
        kind = "comprehension" if isinstance(loop, _COMPS) else "map()" if isinstance(loop, ast.Call) else "loop"
        fn = self.model.function_of(call)
        co = fn.name if fn is not None else ""
        if not why.calls:
            message = (
                f"{row.shown}() is created per item of the {kind} at line {loop.lineno}, so every item opens "
                f"its own connection pool and no connection is reused; create one client before the {kind} "
                f"(or share one {_HTTP_CLIENT}) and reuse it"
            )
            return self.ctx.finding(call, "FAS400", message, api=row.shown, coroutine=co)
        first_call = why.calls[0][0]
        outer = self.model.function_of(first_call)
        place = f" in '{display_name(outer)}'" if outer is not None else ""
        path = " -> ".join(f"{display_name(f)}()" for _, f in why.calls)
        message = (
            f"{row.shown}() is created on every call of {path}, which runs per item of the {kind} at line "
            f"{loop.lineno}{place}, so every item opens its own connection pool and no connection is reused; "
            f"create one shared client (or one {_HTTP_CLIENT}) outside the {kind} and pass it in"
        )
        steps = tuple(self._step(f"{display_name(f)}()", c) for c, f in why.calls)
        steps += (self._step(f"{row.shown}()", call),)
        return self.ctx.finding(call, "FAS400", message, api=row.shown, coroutine=co, chain=steps)

    def _step(self, name: str, node: ast.expr) -> ChainStep:
        return ChainStep(name, self.ctx.path, node.lineno, self.ctx.column(node.lineno, node.col_offset))

    def _used_here(self, call: ast.Call) -> bool:
        """The client is used and dropped where it is made (not kept: returned, stored, collected)."""
        parent = self.parents.get(call)
        if isinstance(parent, ast.withitem) and parent.context_expr is call:
            with_node = self.parents.get(parent)
            return not (isinstance(with_node, (ast.With, ast.AsyncWith)) and _consumes_stream(with_node.body))
        if isinstance(parent, ast.Attribute):
            return True  # AsyncClient().get(...)
        if isinstance(parent, ast.Call) and call is not parent.func:
            return not (isinstance(parent.func, ast.Attribute) and parent.func.attr in _KEEPS)
        if isinstance(parent, ast.Await) and isinstance(self.parents.get(parent), ast.Expr):
            return False
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) != 1 or not isinstance(targets[0], ast.Name):
                return False  # stored on an object or in a container
            return not self._escapes(targets[0].id, call)
        return False

    def _escapes(self, name: str, call: ast.Call) -> bool:
        """Whether the local `name` bound from `call` is returned, yielded, stored or collected."""
        fn = self.model.function_of(call)
        if fn is None or isinstance(fn.node, ast.Lambda):
            return True  # a module global: shared by whatever uses it
        for stmt in fn.node.body:
            for node in ast.walk(stmt):
                if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
                    continue
                parent = self.parents.get(node)
                if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.List, ast.Tuple, ast.Set)):
                    return True
                if isinstance(parent, ast.Dict) or isinstance(parent, ast.keyword) and parent.arg is None:
                    return True
                if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node:
                    return True  # aliased or stored: self.client = client
                if isinstance(parent, ast.Call) and node is not parent.func:
                    if isinstance(parent.func, ast.Attribute) and parent.func.attr in _KEEPS:
                        return True
        return False

    def loop_of(self, node: ast.AST) -> Optional[_PerItem]:
        """The loop or comprehension in the same function that runs `node` once per item."""
        child, cur = node, self.parents.get(node)
        while cur is not None and not isinstance(cur, (*_DEFS, ast.Module)):
            if isinstance(cur, (ast.For, ast.AsyncFor, ast.While)) and any(s is child for s in cur.body):
                if self._per_item(cur, node):
                    return _PerItem(cur)
            elif isinstance(cur, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and child is cur.elt:
                return _PerItem(cur)
            elif isinstance(cur, ast.DictComp) and (child is cur.key or child is cur.value):
                return _PerItem(cur)
            elif isinstance(cur, ast.comprehension) and any(c is child for c in cur.ifs):
                comp = self.parents.get(cur)
                if isinstance(comp, _COMPS):
                    return _PerItem(comp)
            elif isinstance(cur, ast.Call) and isinstance(child, ast.Lambda) and cur.args and cur.args[0] is child:
                if self._is_map(cur):
                    return _PerItem(cur)  # map(lambda u: ..., items)
            child, cur = cur, self.parents.get(cur)
        return None

    def _per_item(self, loop: ast.For | ast.AsyncFor | ast.While, node: ast.AST) -> bool:
        """Not a retry, search, reconnect or polling loop (judged conservatively)."""
        here = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        for stmt, in_inner_loop in _own_statements(loop.body):
            if isinstance(stmt, ast.Return) or (isinstance(stmt, ast.Break) and not in_inner_loop):
                if (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0) > here:
                    return False  # leaves after the first pass that got this far
            if isinstance(loop, ast.While) and isinstance(stmt, ast.Try) and stmt.handlers:
                return False  # a reconnect loop: it goes round again when the work failed
        # a pause between passes: a poller or a rate-limited crawl, not a burst of items
        return not any(self._is_pause(call) for call in _own_calls(loop.body))

    def _is_pause(self, call: ast.Call) -> bool:
        v = self.model.callee(call)
        return isinstance(v, Ref) and self.model.catalog.canonical(v.qualname) in self.tables.pauses

    def _call_sites(self) -> dict[ast.AST, list[ast.Call]]:
        """Local function node -> the calls that run it (`f(x)`, and `map(f, xs)`)."""
        sites: dict[ast.AST, list[ast.Call]] = {}
        for call in self.model.scopes.call_scope:
            v = self.model.callee(call)
            if isinstance(v, LocalFunction):
                sites.setdefault(v.node, []).append(call)
            elif self._is_map(call) and call.args:
                f = self.model.value_in(call.args[0], call)
                if isinstance(f, LocalFunction):
                    sites.setdefault(f.node, []).append(call)
        return sites

    def _is_map(self, call: ast.Call) -> bool:
        v = self.model.callee(call)
        return isinstance(v, Ref) and v.qualname == "builtins.map"

    def _via_callers(
        self,
        fn: FunctionInfo,
        sites: dict[ast.AST, list[ast.Call]],
        below: tuple[tuple[ast.Call, FunctionInfo], ...],
        seen: set[ast.AST],
    ) -> Optional[_PerItem]:
        if len(below) >= _MAX_CALLERS:
            return None
        for site in sorted(sites.get(fn.node, ()), key=lambda c: (c.lineno, c.col_offset)):
            calls = ((site, fn), *below)
            v = self.model.callee(site)
            if isinstance(v, Ref):  # map(f, items)
                return _PerItem(site, calls)
            found = self.loop_of(site)
            if found is not None:
                return _PerItem(found.loop, calls)
            caller = self.model.function_of(site)
            if caller is None or caller.node in seen or isinstance(caller.node, ast.Lambda):
                continue
            found = self._via_callers(caller, sites, calls, seen | {caller.node})
            if found is not None:
                return found
        return None


def _own_statements(body: list[ast.stmt], inner: bool = False) -> Iterator[tuple[ast.stmt, bool]]:
    """Statements of a loop body, not those of nested defs; flagged when inside a nested loop."""
    for stmt in body:
        yield stmt, inner
        if isinstance(stmt, _DEFS):
            continue
        nested = inner or isinstance(stmt, _LOOPS)
        for name in ("body", "orelse", "finalbody"):
            sub = getattr(stmt, name, None)
            if isinstance(sub, list):
                yield from _own_statements([s for s in sub if isinstance(s, ast.stmt)], nested)
        for handler in getattr(stmt, "handlers", ()):
            yield from _own_statements(handler.body, nested)
        for case in getattr(stmt, "cases", ()):
            yield from _own_statements(case.body, nested)


def _own_calls(body: list[ast.stmt]) -> Iterator[ast.Call]:
    """Calls in a loop body that run with it (not in nested defs or lambdas)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, (*_DEFS, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            yield node
        todo.extend(ast.iter_child_nodes(node))


def _consumes_stream(body: list[ast.stmt]) -> bool:
    """An `async for` inside the block (not in nested defs): the client serves a long-lived stream."""
    return any(isinstance(s, ast.AsyncFor) for s, _ in _own_statements(body))


def check(model: ModuleModel, ctx: Context) -> Iterator[Finding]:
    c = _Checker(model, ctx)
    yield from c.clients_per_item()
    yield from c.dropped_tasks()


FAMILY = Family(rules=RULES, check=check)
