"""`fake-async-lint plan`: the migration plan, drawn from the engine's findings.

A client of `check_paths()`: FAS300 findings carry the chain from a coroutine through sync
helpers to a blocking call; every helper on a chain must become `async def` (and its callers
must `await` it), leaves first. FAS200/FAS201 findings and the thread pools the scanned files
make give the pool table; the catalog's `install` names give the libraries. Code is read
(parsed), never imported. The JSON shape is documented in docs/migration.md.
"""

from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from .config import Settings
from .engine import catalog_for
from .findings import Finding
from .source import SourceError, decode, parse, read_bytes

SCHEMA_VERSION = 1
IO_ADVICE = (
    "I/O with a native async API: replace the hops with native awaits and drop the pool; keep its cap as "
    "`max_concurrency={n}` on the reference client or an `asyncio.Semaphore({n})` "
    "(`fake-async-lint fix --unsafe-fixes` does this for requests)"
)
CPU_ADVICE = (
    "work without a native async API (CPU, or a sync-only library): keep the pool, it is not fake async; "
    "for pure-Python CPU work a ProcessPoolExecutor uses more than one core"
)
MIXED_ADVICE = "both: move the I/O hops to native awaits, keep this pool for the rest only, and size it for that work"
UNUSED_ADVICE = "no hop through it was found in the scanned files: check where it is used"


@dataclass
class Site:
    path: str
    line: int
    col: int


@dataclass
class Caller:
    qualname: str
    path: str
    line: int  # the call site
    col: int
    is_coroutine: bool


@dataclass
class Blocking:
    api: str
    path: str
    line: int
    col: int


@dataclass
class PlanFunction:
    id: str  # "path:qualname"
    qualname: str
    path: str
    line: int  # the `def` line (0 when the file could not be read)
    forced_by: list[Blocking] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # ids of planned functions it calls
    callers: list[Caller] = field(default_factory=list)
    order: int = 0
    note: str = ""  # when `async def` is not the way (a constructor, a dunder method)


@dataclass
class PoolUse:
    path: str
    line: int
    col: int
    target: str  # the callable handed to the pool, as written
    io: bool  # a FAS200 finding: I/O with a native async API


@dataclass
class ThreadPool:
    path: str
    line: int
    col: int
    name: str
    max_workers: Optional[str]
    kind: str  # io | cpu | mixed | unused
    advice: str
    uses: list[PoolUse] = field(default_factory=list)


@dataclass
class Library:
    install: str
    apis: list[str] = field(default_factory=list)


@dataclass
class MigrationPlan:
    functions: list[PlanFunction] = field(default_factory=list)
    coroutines: list[Caller] = field(default_factory=list)  # where the chains start
    thread_pools: list[ThreadPool] = field(default_factory=list)
    libraries: list[Library] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "functions": [asdict(f) for f in self.functions],
            "coroutines": [asdict(c) for c in self.coroutines],
            "thread_pools": [asdict(p) for p in self.thread_pools],
            "libraries": [asdict(lib) for lib in self.libraries],
        }


# -- reading definitions ------------------------------------------------------------------------
class _Defs:
    """The functions of the files the chains pass through, by (path, line)."""

    def __init__(self) -> None:
        self._trees: dict[str, Optional[list[tuple[int, int, str, bool]]]] = {}
        self.nodes: dict[tuple[str, str], ast.AST] = {}

    def direct_calls(self, path: str, qualname: str) -> Iterable[tuple[str, ast.Call]]:
        """The qualified names a function calls directly by name in its own module: `f()`, and
        `self.m()` for a method of the same class (nested functions are not entered)."""
        node = self.nodes.get((path, qualname))
        if node is None:
            return
        cls = qualname.rsplit(".", 1)[0] + "." if "." in qualname else ""
        stack = list(ast.iter_child_nodes(node))
        while stack:
            child = stack.pop()
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            stack.extend(ast.iter_child_nodes(child))
            if isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Name):
                    yield func.id, child
                elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and cls:
                    if func.value.id in ("self", "cls"):
                        yield cls + func.attr, child

    def _load(self, path: str) -> Optional[list[tuple[int, int, str, bool]]]:
        if path not in self._trees:
            try:
                tree = parse(decode(read_bytes(path)), path)
            except (SourceError, RecursionError, ValueError):
                self._trees[path] = None
                return None
            spans: list[tuple[int, int, str, bool]] = []

            def visit(node: ast.AST, prefix: str) -> None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        q = f"{prefix}{child.name}"
                        end = child.end_lineno or child.lineno
                        spans.append((child.lineno, end, q, isinstance(child, ast.AsyncFunctionDef)))
                        self.nodes[(path, q)] = child
                        visit(child, q + ".")
                    elif isinstance(child, ast.ClassDef):
                        visit(child, f"{prefix}{child.name}.")
                    else:
                        visit(child, prefix)

            visit(tree, "")
            self._trees[path] = spans
        return self._trees[path]

    def enclosing(self, path: str, line: int) -> Optional[tuple[str, int, bool]]:
        """(qualified name, def line, is async) of the innermost function around `line`."""
        spans = self._load(path)
        if not spans:
            return None
        best: Optional[tuple[int, int, str, bool]] = None
        for start, end, q, is_async in spans:
            if start <= line <= end and (best is None or start >= best[0]):
                best = (start, end, q, is_async)
        return None if best is None else (best[2], best[0], best[3])


# -- the plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """One function's first step towards blocking I/O, from the project's call graph: the call at
    path:line:col inside it goes to the function whose own step is `next` (None: the call is the
    blocking API itself)."""

    path: str
    line: int
    col: int
    next: Optional[tuple[str, int, int]] = None


def build_plan(
    findings: Sequence[Finding],
    settings: Settings,
    files: Iterable[str] = (),
    links: Iterable[Link] = (),
) -> MigrationPlan:
    """The plan for these findings (what `check_paths` returned) and the project's links (every
    function a coroutine reaches that blocks, not only the one chain each finding shows); `files`
    are scanned for thread pools and bound what is planned (a library's functions are not)."""
    plan = MigrationPlan()
    files = list(files)
    project_files = set(files)
    defs = _Defs()
    functions: dict[str, PlanFunction] = {}
    coroutines: dict[tuple[str, str], Caller] = {}

    def function(path: str, line: int, fallback: str) -> PlanFunction:
        found = defs.enclosing(path, line)
        qualname, def_line = (found[0], found[1]) if found else (fallback, 0)
        key = f"{path}:{qualname}"
        if key not in functions:
            functions[key] = PlanFunction(key, qualname, path, def_line, note=_note(qualname))
        return functions[key]

    for f in findings:
        if f.code != "FAS300" or len(f.chain) < 2:
            continue
        steps = f.chain
        blocking = Blocking(f.api or steps[-1].name, steps[-1].path, steps[-1].line, steps[-1].col)
        root = defs.enclosing(f.path, f.line)
        caller = Caller(root[0] if root else f.coroutine, f.path, f.line, f.col, True)
        coroutines.setdefault(
            (f.path, caller.qualname), Caller(caller.qualname, f.path, root[1] if root else 0, 0, True)
        )
        previous: Optional[PlanFunction] = None
        for i in range(len(steps) - 1):
            fn = function(steps[i + 1].path, steps[i + 1].line, steps[i].name)
            site = steps[i]
            here = (
                Caller(previous.qualname, site.path, site.line, site.col, False)
                if previous is not None
                else Caller(caller.qualname, f.path, f.line, f.col, True)
            )
            if all((c.path, c.line, c.col) != (here.path, here.line, here.col) for c in fn.callers):
                fn.callers.append(here)
            if all((b.api, b.path, b.line) != (blocking.api, blocking.path, blocking.line) for b in fn.forced_by):
                fn.forced_by.append(blocking)
            if previous is not None and fn.id not in previous.calls and fn.id != previous.id:
                previous.calls.append(fn.id)
            previous = fn
    by_site = {(f.path, f.line): f.api for f in findings if f.api}
    for f in findings:
        if f.code == "FAS300" and f.chain:
            last = f.chain[-1]
            by_site[(last.path, last.line)] = f.api or last.name
    link_of = {(lk.path, lk.line, lk.col): lk for lk in links}
    for lk in link_of.values():
        if project_files and lk.path not in project_files:
            continue
        fn = function(lk.path, lk.line, "?")
        if fn.line == 0:
            continue
        if lk.next is None:
            api = by_site.get((lk.path, lk.line)) or _call_text(lk.path, lk.line, lk.col) or "?"
            if all((b.path, b.line) != (lk.path, lk.line) for b in fn.forced_by):
                fn.forced_by.append(Blocking(api, lk.path, lk.line, lk.col))
            continue
        nxt = link_of.get(lk.next)
        if nxt is None or (project_files and nxt.path not in project_files):
            # a library function that blocks: it forces this one, it is not planned
            api = _call_text(lk.path, lk.line, lk.col) or "?"
            if all((b.path, b.line) != (lk.path, lk.line) for b in fn.forced_by):
                fn.forced_by.append(Blocking(api, lk.path, lk.line, lk.col))
            continue
        next_fn = function(nxt.path, nxt.line, "?")
        if next_fn.line == 0 or next_fn is fn:
            continue
        if next_fn.id not in fn.calls:
            fn.calls.append(next_fn.id)
        if all((c.path, c.line, c.col) != (lk.path, lk.line, lk.col) for c in next_fn.callers):
            next_fn.callers.append(Caller(fn.qualname, lk.path, lk.line, lk.col, False))
    # calls between planned functions that no reported chain went through (fetch_team -> fetch_user)
    for fn in list(functions.values()):
        for name, call in defs.direct_calls(fn.path, fn.qualname):
            target = functions.get(f"{fn.path}:{name}")
            if target is None or target is fn:
                continue
            if target.id not in fn.calls:
                fn.calls.append(target.id)
            line, col = call.lineno, call.col_offset + 1
            if all((c.path, c.line, c.col) != (fn.path, line, col) for c in target.callers):
                target.callers.append(Caller(fn.qualname, fn.path, line, col, False))
    _inherit_blocking(functions)
    plan.functions = bottom_up(functions)
    plan.coroutines = sorted(coroutines.values(), key=lambda c: (c.path, c.line, c.qualname))
    plan.thread_pools = thread_pools(findings, files)
    plan.libraries = libraries(findings, settings)
    return plan


def _note(qualname: str) -> str:
    name = qualname.rsplit(".", 1)[-1]
    if name in ("__init__", "__new__", "__post_init__"):
        return (
            "a constructor cannot be async: move the blocking call into an async factory "
            "(`@classmethod async def create(cls, ...)`) or into the first async method that needs it"
        )
    if name.startswith("__") and name.endswith("__"):
        return f"`{name}` cannot be a coroutine: move the blocking call into an async method the callers await"
    return ""


def _inherit_blocking(functions: dict[str, PlanFunction]) -> None:
    """A function with no blocking call of its own is forced by what its callees are forced by."""
    done: set[str] = set()

    def visit(fn: PlanFunction, seen: set[str]) -> list[Blocking]:
        if fn.id in done or fn.id in seen:
            return fn.forced_by
        seen.add(fn.id)
        for callee in fn.calls:
            if callee in functions:
                for b in visit(functions[callee], seen):
                    if all((x.api, x.path, x.line) != (b.api, b.path, b.line) for x in fn.forced_by):
                        fn.forced_by.append(b)
        done.add(fn.id)
        return fn.forced_by

    for fn in list(functions.values()):
        visit(fn, set())
    for fn in functions.values():
        fn.forced_by.sort(key=lambda b: (b.path, b.line, b.col))


def _call_text(path: str, line: int, col: int) -> Optional[str]:
    """The called name at path:line:col (1-based column), as written: `requests.get`."""
    try:
        tree = parse(decode(read_bytes(path)), path)
    except (SourceError, RecursionError, ValueError):
        return None
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and node.lineno == line and node.col_offset + 1 == col
    ]
    if not found:
        return None
    # `requests.get(url).json()`: both calls start here; the blocking one is the innermost
    inner = min(found, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
    return ast.unparse(inner.func)


def bottom_up(functions: dict[str, PlanFunction]) -> list[PlanFunction]:
    """Callees before callers (a cycle is broken where it is entered); ties in path/line order."""
    ordered: list[PlanFunction] = []
    state: dict[str, int] = {}  # 1: in progress, 2: done

    def visit(fn: PlanFunction) -> None:
        if state.get(fn.id):
            return
        state[fn.id] = 1
        for callee in sorted(fn.calls):
            if callee in functions:
                visit(functions[callee])
        state[fn.id] = 2
        ordered.append(fn)

    for fn in sorted(functions.values(), key=lambda f: (f.path, f.line, f.qualname)):
        visit(fn)
    for i, fn in enumerate(ordered, 1):
        fn.order = i
        fn.callers.sort(key=lambda c: (c.path, c.line, c.col))
        fn.calls.sort()
    return ordered


# -- thread pools -------------------------------------------------------------------------------
def _call_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _pool_ref(node: ast.expr) -> Optional[str]:
    """`POOL` or `self.pool` (`.pool` for any attribute of self) as a key."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
        return "self." + node.attr
    return None


def thread_pools(findings: Sequence[Finding], files: Iterable[str]) -> list[ThreadPool]:
    io_hops = {(f.path, f.line, f.col) for f in findings if f.code == "FAS200"}
    paths = sorted(set(files) | {f.path for f in findings if f.code in ("FAS200", "FAS201")})
    pools: list[ThreadPool] = []
    for path in paths:
        try:
            data = read_bytes(path)
            if b"ThreadPoolExecutor" not in data:
                continue
            text = decode(data)
            tree = parse(text, path)
        except (SourceError, RecursionError, ValueError):
            continue
        made: dict[str, ThreadPool] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call):
                ref = _pool_ref(node.targets[0])
                if ref is not None and _call_name(node.value.func) == "ThreadPoolExecutor":
                    cap = node.value.args[0] if node.value.args else None
                    for kw in node.value.keywords:
                        if kw.arg == "max_workers":
                            cap = kw.value
                    shown = ast.get_source_segment(text, cap) if cap is not None else None
                    made[ref] = ThreadPool(path, node.value.lineno, node.value.col_offset + 1, ref, shown, "", "")
        if not made:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node.func)
            pool_arg: Optional[ast.expr] = None
            target: Optional[ast.expr] = None
            if name == "run_in_executor" and len(node.args) >= 2:
                pool_arg, target = node.args[0], node.args[1]
            elif name in ("submit", "map") and isinstance(node.func, ast.Attribute) and node.args:
                pool_arg, target = node.func.value, node.args[0]
            ref = _pool_ref(pool_arg) if pool_arg is not None else None
            if ref is None or ref not in made or target is None:
                continue
            # FAS200 is reported at the hop call; columns there are 1-based
            io = (path, node.lineno, node.col_offset + 1) in io_hops
            shown = ast.get_source_segment(text, target) or "?"
            if len(shown) > 60:
                shown = shown[:57] + "..."
            made[ref].uses.append(PoolUse(path, node.lineno, node.col_offset + 1, " ".join(shown.split()), io))
        for pool in made.values():
            kinds = {u.io for u in pool.uses}
            pool.kind = "unused" if not kinds else "mixed" if len(kinds) == 2 else "io" if True in kinds else "cpu"
            n = pool.max_workers or "N"
            pool.advice = {"io": IO_ADVICE.format(n=n), "cpu": CPU_ADVICE, "mixed": MIXED_ADVICE}.get(
                pool.kind, UNUSED_ADVICE
            )
            pools.append(pool)
    return sorted(pools, key=lambda p: (p.path, p.line))


# -- libraries ---------------------------------------------------------------------------------
def libraries(findings: Sequence[Finding], settings: Settings) -> list[Library]:
    """The catalog's `install` name for each blocking API the findings name."""
    catalog = catalog_for(settings)
    by_name: dict[str, set[str]] = {}
    for f in findings:
        if not f.api or f.code not in (
            "FAS100",
            "FAS102",
            "FAS103",
            "FAS104",
            "FAS105",
            "FAS106",
            "FAS109",
            "FAS200",
            "FAS300",
        ):
            continue
        row = catalog.row(catalog.canonical(f.api))
        if row is None and "." in f.api:
            type_name, _, method = f.api.rpartition(".")
            row = catalog.member_row(type_name, (method,))
        if row is None:
            continue
        install = catalog.replacement(row).install
        if install:
            by_name.setdefault(install, set()).add(f.api)
        if "fake_async_lint.client" in f.replacement:
            by_name.setdefault("fake-async-lint[client]", set()).add(f.api)
    return [Library(name, sorted(apis)) for name, apis in sorted(by_name.items())]


def plan_paths(paths: Sequence[str | Path], settings: Settings, *, jobs: int = 1) -> MigrationPlan:
    """Check `paths` as `check` does (FAS300's project phase included) and plan from the result."""
    from .config import drop_ignored
    from .discovery import discover
    from .engine import wants_facts
    from .index.summaries import index_for
    from .rules import transitive
    from .runner import run_files
    from .scan import _analyse_helpers

    named = [str(p) for p in paths]
    files = [item.path for item in discover(named, settings) if item.error is None]
    results = run_files(files, settings, jobs=jobs)
    findings = [f for r in results for f in r.findings]
    links: list[Link] = []
    if wants_facts(settings):
        catalog = catalog_for(settings)
        index = index_for(settings, catalog, named[0] if named else ".")
        results, project = index.complete(results, _analyse_helpers(settings, jobs) if jobs > 1 else None)
        findings = [f for r in results for f in r.findings]
        findings += [f for f in transitive.linked_findings(project, catalog) if settings.selection.enabled(f.code)]
        chains = project.chains()
        where = {node: (project.paths[node[0]], lk.line, lk.col) for node, lk in chains.items()}
        for node, lk in chains.items():
            path, line, col = where[node]
            links.append(Link(path, line, col, where.get(lk.next) if lk.next is not None else None))
    findings = sorted(drop_ignored(findings, settings), key=lambda f: f.sort_key)
    return build_plan(findings, settings, files, links)


# -- output ------------------------------------------------------------------------------------
def to_json(plan: MigrationPlan) -> str:
    return json.dumps(plan.to_dict(), indent=2) + "\n"


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(plan: MigrationPlan) -> str:
    """Async propagation: coroutine --> helper --> ... --> blocking call (read bottom-up to migrate)."""
    ids: dict[str, str] = {}

    def node(key: str) -> str:
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    lines = ["flowchart TD"]
    edges: list[str] = []
    for c in plan.coroutines:
        lines.append(f'    {node("co:" + c.path + ":" + c.qualname)}(["async {_mermaid_label(c.qualname)}"])')
    for fn in plan.functions:
        lines.append(f'    {node(fn.id)}["{fn.order}. {_mermaid_label(fn.qualname)}"]')
    apis = sorted({b.api for fn in plan.functions for b in fn.forced_by})
    for api in apis:
        lines.append(f'    {node("api:" + api)}[/"{_mermaid_label(api)}()"/]')
    for fn in plan.functions:
        for caller in fn.callers:
            src = (
                ("co:" + caller.path + ":" + caller.qualname)
                if caller.is_coroutine
                else f"{caller.path}:{caller.qualname}"
            )
            if src.startswith("co:") or src in ids:
                edge = f"    {node(src)} --> {node(fn.id)}"
                if edge not in edges:
                    edges.append(edge)
        if not fn.calls:
            for b in fn.forced_by:
                edge = f"    {node(fn.id)} --> {node('api:' + b.api)}"
                if edge not in edges:
                    edges.append(edge)
    return "\n".join(lines + edges) + "\n"


def to_markdown(plan: MigrationPlan) -> str:
    out = ["# Async migration plan", ""]
    n = len(plan.functions)
    out.append(
        f"{n} sync function{'s' if n != 1 else ''} must become `async def` because a coroutine reaches "
        f"blocking I/O through {'them' if n != 1 else 'it'}; "
        f"{len(plan.thread_pools)} thread pool{'s' if len(plan.thread_pools) != 1 else ''} found."
    )
    out.append("")
    out.append("## Functions to make async, leaves first")
    out.append("")
    if not plan.functions:
        out.append("None: no coroutine reaches blocking I/O through a sync function.")
    else:
        out.append("Migrate in this order: each function's callees are already async when you reach it.")
        out.append("")
        out.append("| # | function | where | forced by | callers that must `await` it |")
        out.append("|--:|---|---|---|---|")
        for fn in plan.functions:
            forced = "<br>".join(f"`{b.api}()` ({b.path}:{b.line})" for b in fn.forced_by)
            callers = "<br>".join(
                f"{'async ' if c.is_coroutine else ''}`{c.qualname}` ({c.path}:{c.line})" for c in fn.callers
            )
            name = f"`{fn.qualname}`" + (f"<br>*{fn.note}*" if fn.note else "")
            out.append(f"| {fn.order} | {name} | {fn.path}:{fn.line} | {forced} | {callers} |")
        out.append("")
        out.append("## Async propagation")
        out.append("")
        out.append("```mermaid")
        out.append(mermaid(plan).rstrip("\n"))
        out.append("```")
    out.append("")
    out.append("## Thread pools")
    out.append("")
    if not plan.thread_pools:
        out.append("None found.")
    else:
        out.append("| pool | where | max_workers | kind | advice |")
        out.append("|---|---|--:|---|---|")
        for p in plan.thread_pools:
            out.append(f"| `{p.name}` | {p.path}:{p.line} | {p.max_workers or 'default'} | {p.kind} | {p.advice} |")
    out.append("")
    out.append("## Libraries to install")
    out.append("")
    if not plan.libraries:
        out.append("None.")
    else:
        for lib in plan.libraries:
            out.append(f"- `{lib.install}`: for {', '.join(f'`{a}`' for a in lib.apis)}")
    out.append("")
    return "\n".join(out)


# -- the command -------------------------------------------------------------------------------
def add_parser(sub: Any) -> Any:
    """Register `plan` on the command's subparsers (the same selection and config flags as `fix`)."""
    from .fix.command import _codes, _globs

    p = sub.add_parser(
        "plan",
        help="print the migration plan: sync functions to make async (leaves first), thread pools, libraries",
        description=(
            "Print the migration plan for PATHS: every sync function that must become async because a "
            "coroutine reaches blocking I/O through it, leaves first, with the blocking call that forces it "
            "and the callers that change with it; every thread pool classified io / cpu / mixed; the "
            "libraries to install. Exit status: 0 plan printed (even an empty one), 2 usage error."
        ),
    )
    p.add_argument("paths", nargs="*", help="files or directories (default: .)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown", help="output format")
    p.add_argument("--output-file", "-o", metavar="PATH", help="write the plan to PATH instead of stdout")
    p.add_argument("--select", type=_codes, help="codes or prefixes to consider (replaces the default)")
    p.add_argument("--ignore", type=_codes, help="codes or prefixes to leave out")
    p.add_argument("--exclude", type=_globs, metavar="GLOBS", help="globs to skip (replaces the defaults)")
    p.add_argument("--extend-exclude", type=_globs, metavar="GLOBS", help="more globs to skip")
    p.add_argument("--config", metavar="PATH", help="read [tool.fake-async-lint] from this file only")
    p.add_argument("--isolated", action="store_true", help="ignore every config file")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="processes (default 1)")
    return p


def run(args: Any) -> int:
    import sys

    from .config import ConfigError
    from .fix.command import settings_for
    from .report import write_output

    args.extend_select = None
    settings = settings_for(args)
    plan = plan_paths(args.paths or ["."], settings, jobs=max(1, args.jobs))
    text = to_json(plan) if args.format == "json" else to_markdown(plan)
    if args.output_file:
        try:
            write_output(args.output_file, text)
        except OSError as e:
            raise ConfigError(f"--output-file {args.output_file}: cannot write: {e.strerror or e}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    n = len(plan.functions)
    print(
        f"Planned {n} function{'s' if n != 1 else ''} and {len(plan.thread_pools)} thread pool"
        f"{'s' if len(plan.thread_pools) != 1 else ''}.",
        file=sys.stderr,
    )
    return 0
