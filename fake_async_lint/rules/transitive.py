"""Family 3 (FAS300): a coroutine calls a sync helper that blocks, directly or through more sync calls.

In one module (the flake8 plugin, `check_source`) the module's call graph
settles every chain. In a project scan each file also exports facts
(model/project.py) and the project phase reports the calls whose chains
cross modules. Both build the same message from the same parts.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Any, Iterator, Optional, Sequence

from ..catalog.loader import ApiRow, Catalog
from ..findings import ChainStep, Finding
from ..model import project
from ..model.callgraph import CallGraph, Chain, display_name
from ..model.module import BlockingCall, ModuleModel
from ..model.project import LinkedSite, Project, callee_text, file_facts
from ..suppress import NOQA, noqa_lines, silenced
from .base import Context, Example, Family, Rule
from .blocking import RULES as BLOCKING_RULES

CODE = "FAS300"
_KIND = {r.code: r.kind for r in BLOCKING_RULES}
# How the helper itself goes to a worker thread, per async library.
_TO_THREAD = {
    "asyncio": "await asyncio.to_thread({}, ...)",
    "anyio": "await anyio.to_thread.run_sync({}, ...)",
    "trio": "await trio.to_thread.run_sync({}, ...)",
}

FAS300 = Rule(
    code=CODE,
    name="blocking-via-helper",
    summary="A coroutine calls a sync function that blocks, directly or through more sync calls.",
    what=(
        "Follows calls out of an `async def` into sync functions and methods (module functions, "
        "methods through `self`/`cls` or a local instance, classmethods, constructors, nested defs) "
        "and reports the call in the coroutine when one of them makes a family-1 blocking call "
        "(FAS100-FAS109), directly or through further sync calls. The message shows the chain, e.g. "
        "`load_user() -> _get_json() -> requests.get()`, and each hop is also in the finding's `chain` "
        "(JSON) and in SARIF's code flows. The chain may run through any module of the project, whatever "
        "files were named: every front end (the command on any subset of files, stdin, the flake8 plugin, "
        "the language server) resolves imports through the same index (absolute and relative imports, "
        "re-exports, imported classes, `src/` layouts, the `src` setting) and analyses the modules it "
        "reaches on demand, so a file gets the same findings however it is checked."
    ),
    why=(
        "Moving a blocking call into a helper does not make it non-blocking: when the coroutine calls "
        "the helper, the helper runs on the event loop thread and the loop stalls just the same. "
        "Per-line linters stop at the helper's name; this rule follows the call."
    ),
    example=(
        "import requests\n\n"
        "def _get_json(url):\n    return requests.get(url).json()\n\n"
        "def load_user(user_id):\n    return _get_json(f'https://api.example.com/users/{user_id}')\n\n"
        "async def handler(user_id):\n    return load_user(user_id)\n"
    ),
    instead=(
        "from fake_async_lint.client import AsyncHTTPClient\n\n"
        "client = AsyncHTTPClient(base_url='https://api.example.com')\n\n"
        "async def _get_json(url):\n    return (await client.get(url)).json()\n\n"
        "async def load_user(user_id):\n    return await _get_json(f'/users/{user_id}')\n\n"
        "async def handler(user_id):\n    return await load_user(user_id)\n"
    ),
    notes=(
        "One finding per call in the coroutine, with the shortest chain (ties: the earliest call). "
        "Chains are followed up to `max-depth` sync functions (`--max-depth`, default 5; `--fas-max-depth` "
        "in flake8). Modules are found as Python would find them, never by importing them: the project's "
        "source roots (the `src` setting, else the project root and its `src/`), the folder above the "
        "importing file's top-level package, then the importing file's folder; a module reached this way "
        "is summarised once and kept in the summary store by content, so the next file and the next run "
        "reuse it. Not followed: `async def` helpers (FAS1xx judges their bodies), generators, functions "
        "with a decorator other than staticmethod/classmethod/functools.wraps/abstractmethod/final/override "
        "(it may move the body to a thread), functions passed to a thread hop (a reference, not a call; "
        "FAS200 judges the hop), and calls that cannot be resolved. Once-only helpers are not followed "
        "either: a function memoised with `functools.cache`, `lru_cache` or `cached_property`, and calls "
        "made under the load-once guard `global _X` / `if _X is None:` (or `if not _X:`) that assigns "
        "`_X`, do their I/O once per process: reporting every call site through them would repeat one "
        "start-up cost at each (on real code, one cached config read was reported at 62 call sites). "
        "`# noqa: FAS300` on the call in "
        "the coroutine silences that finding; `# noqa` (bare, or with the API's code, e.g. `FAS100`, "
        "or `FAS300`) on the blocking line inside the helper accepts that call, which silences every "
        "chain through it."
    ),
    invalid=(
        Example(
            "import requests\n\ndef load(url):\n    return requests.get(url)\n\n"
            "async def handler(url):\n    return load(url)\n",
            ((7, 12),),
            "one helper",
        ),
        Example(
            "import time\n\ndef backoff(n):\n    time.sleep(n)\n\ndef retry(n):\n    backoff(n)\n\n"
            "def run(n):\n    retry(n)\n\nasync def handler():\n    run(1)\n    retry(2)\n",
            ((13, 5), (14, 5)),
            "three levels deep, and the middle",
        ),
        Example(
            "import sqlite3\n\nclass Repo:\n    def _conn(self):\n        return sqlite3.connect('app.db')\n\n"
            "    def load(self, key):\n        return self._conn().execute('select 1')\n\n"
            "    @classmethod\n    def create(cls):\n        cls().load('x')\n\n"
            "    async def get(self, key):\n        return self.load(key)\n\n"
            "async def handler(repo: Repo):\n    Repo.create()\n    return repo.load('k')\n",
            ((15, 16), (18, 5), (19, 12)),
            "methods through self, a classmethod, an annotated instance",
        ),
        Example(
            "import subprocess\n\nasync def build():\n    def run():\n        subprocess.run(['make'])\n    run()\n",
            ((6, 5),),
            "a nested def the coroutine calls",
        ),
    ),
    valid=(
        Example(
            "import asyncio, requests\n\ndef load(url):\n    return requests.get(url)\n\n"
            "async def handler(url):\n    return await asyncio.to_thread(load, url)\n",
            title="the helper runs in a thread (FAS200 judges the hop)",
        ),
        Example(
            "import requests\n\nasync def load(url):\n    return requests.get(url)\n\n"
            "async def handler(url):\n    return await load(url)\n",
            title="an async helper: FAS100 reports its body",
        ),
        Example(
            "from mylib import load\n\nasync def handler(url):\n    return load(url)\n",
            title="a helper that cannot be resolved",
        ),
        Example(
            "import requests\n\ndef load(url):\n    return requests.get(url)  # noqa: FAS100\n\n"
            "async def handler(url):\n    return load(url)\n",
            title="the blocking call is accepted where it is",
        ),
        Example(
            "import requests\nfrom asgiref.sync import sync_to_async\n\n@sync_to_async\ndef load(url):\n"
            "    return requests.get(url)\n\nasync def handler(url):\n    return await load(url)\n",
            title="a decorator that may change how the body runs",
        ),
        Example(
            "def a(n):\n    return b(n - 1) if n else 0\n\ndef b(n):\n    return a(n)\n\n"
            "async def handler():\n    return a(3)\n",
            title="recursion without a blocking call",
        ),
        Example(
            "import functools, json\n\n@functools.cache\ndef settings():\n"
            "    with open('settings.json') as f:\n        return json.load(f)\n\n"
            "async def handler():\n    return settings()['debug']\n",
            title="a memoised helper: its I/O happens once per process",
        ),
        Example(
            "import json\n\n_CONFIG = None\n\ndef config():\n    global _CONFIG\n    if _CONFIG is None:\n"
            "        with open('config.json') as f:\n            _CONFIG = json.load(f)\n    return _CONFIG\n\n"
            "async def handler():\n    return config()['debug']\n",
            title="a load-once global",
        ),
    ),
)


# ------------------------------------------------------------------ the message
def message(
    kind: str,
    steps: Sequence[ChainStep],
    coroutine: str,
    advice: str,
    callee: str,
    library: str,
) -> str:
    """`blocking HTTP call requests.get() via a() -> b() in coroutine 'h'; make a() async and ...`"""
    via = " -> ".join(f"{s.name}()" for s in steps[:-1])
    api = f"{steps[-1].name}()" + (f" via {via}" if via else "")
    return f"blocking {kind} {api} in coroutine '{coroutine}'; {fix_text(steps[0].name, advice, callee, library)}"


def fix_text(helper: str, advice: str, callee: str, library: str) -> str:
    """Make the helper async with the API's native replacement; else move the helper to a thread."""
    # where the API's own advice is a thread, the helper is what goes there
    threaded = advice.replace("to_thread(...)", f"to_thread({callee}, ...)")
    threaded = threaded.replace("to_thread.run_sync(...)", f"to_thread.run_sync({callee}, ...)")
    text = f"make {helper}() async and {threaded}"
    if threaded == advice:
        hop = _TO_THREAD.get(library, _TO_THREAD["asyncio"]).format(callee)
        text += f", or `{hop}` where no native API exists"
    return text


# ------------------------------------------------------------------ one module
def graph_for(model: ModuleModel, ctx: Context) -> CallGraph:
    """The module's call graph with `# noqa`-accepted blocking calls left out (one per module and source)."""
    key = (ctx.max_depth, ctx.source)
    cached = model.shared.get(CODE)
    if isinstance(cached, tuple) and cached[0] == key and isinstance(cached[1], CallGraph):
        return cached[1]
    noqa = _noqa(model, ctx.source)

    def accept(bc: BlockingCall) -> bool:
        text = noqa.text(bc.call.lineno)
        # the user accepted this call where it is: chains through it are accepted too
        return not (silenced(bc.row.code or "", text) or silenced(CODE, text))

    graph = CallGraph(model, ctx.max_depth, accept if noqa.present else None)
    model.shared[CODE] = (key, graph)
    return graph


class _Noqa:
    """The text flake8 searches for a line's `# noqa`; the file is tokenized only if it has a
    `# noqa` that may name our codes, and only when a line is first asked about."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.present = any(_may_silence_us(m.group("codes")) for m in NOQA.finditer(source))
        self._lines: Optional[dict[int, str]] = None

    def text(self, line: int) -> Optional[str]:
        if not self.present:
            return None
        if self._lines is None:
            self._lines = noqa_lines(self.source)
        return self._lines.get(line)


def _noqa(model: ModuleModel, source: str) -> _Noqa:
    cached = model.shared.get(CODE + ".noqa")
    if isinstance(cached, _Noqa) and cached.source is source:
        return cached
    found = model.shared[CODE + ".noqa"] = _Noqa(source)
    return found


def _may_silence_us(codes: Optional[str]) -> bool:
    """A bare `# noqa`, or one listing a code or prefix of ours (`# noqa: E501` is not: no need to tokenize)."""
    if codes is None:
        return True
    return any(c.startswith("FAS") or "FAS".startswith(c) for c in re.split(r"[,\s]+", codes.upper()) if c)


def check(model: ModuleModel, ctx: Context) -> Iterator[Finding]:
    graph = graph_for(model, ctx)
    for co in model.coroutines:
        for call in co.calls:
            helper = graph.target(call)
            if helper is None or not graph.propagates(helper):
                continue
            chain = graph.chain(helper)
            if chain is not None:
                yield _finding(model, ctx, co.name, call, chain)


def _finding(model: ModuleModel, ctx: Context, coroutine: str, call: ast.Call, chain: Chain) -> Finding:
    steps = [
        ChainStep(display_name(chain.first.caller), ctx.path, call.lineno, ctx.column(call.lineno, call.col_offset))
    ]
    for hop in chain.hops:
        name = display_name(hop.callee) if hop.callee is not None else chain.row.display
        steps.append(ChainStep(name, ctx.path, hop.call.lineno, ctx.column(hop.call.lineno, hop.call.col_offset)))
    row = chain.row
    advice = model.catalog.advice(row, ctx.library)
    text = message(
        _KIND.get(row.code or "", "call"), steps, coroutine, advice, callee_text(call, steps[0].name), ctx.library
    )
    return ctx.finding(call, CODE, text, api=row.display, replacement=advice, coroutine=coroutine, chain=tuple(steps))


# ------------------------------------------------------------------ the project
def facts(model: ModuleModel, ctx: Context) -> dict[str, Any]:
    """This module's facts for the project phase (JSON-serialisable)."""
    from . import fake_async

    noqa = _noqa(model, ctx.source)
    uses = model.catalog.uses

    def native(row: ApiRow) -> bool:
        use = uses.get(row.use or "")
        return use is None or use.thread == "report"

    def site_args(call: ast.Call) -> Optional[list[Any]]:
        args = [
            None if isinstance(a, ast.Starred) else fake_async.argument_target(model, ctx, a, call) for a in call.args
        ]
        return args if any(a is not None for a in args) else None

    hops = fake_async.hop_facts(
        model, ctx, lambda line: noqa.present and silenced(fake_async.FAS200.code, noqa.text(line))
    )
    loops, loop_chained = fake_async.loop_facts(model, ctx)
    return file_facts(
        model,
        graph_for(model, ctx),
        column=ctx.column,
        site_silenced=lambda line: noqa.present and silenced(CODE, noqa.text(line)),
        library=ctx.library,
        native_api=native,
        hops=hops,
        site_args=site_args,
        loops=loops,
        loop_chained=loop_chained,
        loop_silenced=lambda line: noqa.present and silenced("FAS203", noqa.text(line)),
    )


def lazy_facts(data: bytes, catalog: Catalog) -> dict[str, Any]:
    """The facts of a file without coroutines, from its bytes (see model/project.py)."""
    return project.lazy_facts(data, catalog.root_modules, _blocking_builtins(catalog))


def _blocking_builtins(catalog: Catalog) -> tuple[str, ...]:
    cached = _BUILTINS.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        names = tuple(sorted(n[9:] for n, row in catalog.apis.items() if n.startswith("builtins.") and row.code))
        cached = _BUILTINS[id(catalog)] = (catalog, names)
    return cached[1]


# per catalog (there are a handful per process): `open`, `input`
_BUILTINS: dict[int, tuple[Catalog, tuple[str, ...]]] = {}


def linked_findings(project: Project, catalog: Catalog) -> list[Finding]:
    """FAS300 for coroutine calls of the checked files whose chains cross modules (FAS200/FAS201 for
    hops and pools), from facts alone. A call into an installed library is advised toward the
    library's own async twin; a thread hop over a library call without one is legitimate."""
    out = []
    for site in project.linked_sites():
        twin = _library_twin(project, site) if site.library_target is not None else None
        if site.library_target is not None and site.rule == "FAS200" and twin is None:
            continue
        out.append(_linked_finding(site, catalog, twin))
    return out


def _library_twin(project: Project, site: LinkedSite) -> Optional[str]:
    """The advice toward the library's async twin of the function called at the site (None: it has none)."""
    from ..index.twins import find_twin

    assert site.library_target is not None
    module, qualname = site.library_target
    parts = qualname.split(".")
    if len(parts) < 2:
        return None
    # the call's receiver as written (`client.charge` -> `client`); a hop names no call: one is made up
    written = site.callee if site.callee != site.steps[0].name else ""
    receiver = written.rsplit(".", 1)[0] if "." in written else None

    def find(name: str) -> Optional[str]:
        found = project.resolver.find(name)
        return found.path if found is not None else None

    twin = find_twin(find, module, parts[-2], parts[-1], receiver=receiver)
    return twin.advice if twin is not None else None


def _linked_finding(site: LinkedSite, catalog: Catalog, twin: Optional[str] = None) -> Finding:
    use = catalog.uses.get(site.use)
    advice = use.advice(site.method, site.library) if use is not None else "use its native async API"
    kind = _KIND.get(site.code, "call")
    if site.library_target is not None:  # the helper is a library's: its own async twin, else a thread
        hop = _TO_THREAD.get(site.library, _TO_THREAD["asyncio"]).format(site.callee)
        advice = twin or f"`{hop}` (the library has no async form of it)"
    coroutines: tuple[str, ...] = ()
    if site.rule == "FAS203":
        names = " -> ".join(f"{s.name}()" for s in site.steps)
        if site.library_target is not None:  # a library's sync wrapper over its own coroutines
            advice = twin or f"`{hop}` (the library runs an event loop of its own there)"
            text = f"nested event loop reached through {names} in coroutine '{site.coroutine}'; {advice}"
        else:
            row = catalog.hops.loops.get(site.use) or catalog.hops.loop_methods.get(site.use)
            advice = row.say if row is not None else "`await` the coroutine instead"
            text = (
                f"nested event loop reached through {names} in coroutine '{site.coroutine}'; "
                f"make {site.steps[0].name}() async and {advice}"
            )
    elif site.rule == CODE and site.library_target is not None:
        via = " -> ".join(f"{s.name}()" for s in site.steps[:-1])
        text = f"blocking {kind} {site.steps[-1].name}() via {via} in coroutine '{site.coroutine}'; {advice}"
    elif site.rule == CODE:
        text = message(kind, site.steps, site.coroutine, advice, site.callee, site.library)
    elif site.rule == "FAS201":
        from .fake_async import pool_message

        pool = site.steps[0]
        advice = pool_message(site.workers)
        coroutines = tuple(site.coroutine.split(", "))
        text = (
            f"thread pool {site.callee} ({os.path.basename(pool.path)}:{pool.line}, {site.api}(max_workers="
            f"{site.workers})) caps coroutines {site.coroutine} at {site.workers} operations at once; {advice}"
        )
    else:
        from .fake_async import hop_message

        text = hop_message(site.hop, [f"{s.name}()" for s in site.steps], kind, site.coroutine, advice)
    return Finding(
        path=site.path,
        line=site.line,
        col=site.col,
        code=site.rule,
        message=text,
        end_line=site.end_line,
        end_col=site.end_col,
        api=site.api,
        replacement=advice,
        coroutine=coroutines[0] if coroutines else site.coroutine,
        chain=site.steps,
        coroutines=coroutines,
    )


FAMILY = Family(rules=(FAS300,), check=check)
