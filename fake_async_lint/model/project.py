"""Many modules: per-file facts, and blocking chains across modules.

The per-file phase turns each module into compact, JSON-serialisable *facts*
(`file_facts`): for every sync function that could block, its first accepted
catalog call and its calls (to local functions by index, to imported names by
qualified name); for every call in a coroutine whose chain is not settled in
the module, the call's position and target; the module's re-exports. The
project phase (`Project`) resolves imported names from those facts alone, with
no re-parsing, so facts can come from worker processes or the index's store.

Module names and imports are the index's resolver's business (index/resolver.py):
a file's name comes from the deepest source root holding it, an imported name is
found through the same ordered roots whatever files were named, and a module that
was not named is added on demand. Relative imports are resolved against the
importing file's package.

Files without `async`, and files reached but not named, start as lazy facts
read from their bytes (imports; whether they may block). `Project.pending()` says
which of them a chain actually reaches (demand from the checked files' coroutine
call sites, down to the depth limit); only those are analysed, by `file_facts`
again, before linking.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import os
import re
import sys
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from ..catalog.loader import ApiRow
from ..findings import ChainStep
from .callgraph import CallGraph, display_name
from .module import BlockingCall, ModuleModel
from .scopes import Bound, FunctionInfo
from .values import ImportedObject, LocalClass, LocalFunction, LocalObject, Ref, RelativeRef, Value

if TYPE_CHECKING:
    from ..index.resolver import Resolver

FACTS_VERSION = 5
# how many re-exports (`from .repo import load_user` in __init__.py) a name may pass through
MAX_REEXPORTS = 8
# the text of a call's callee shown in advice (`asyncio.to_thread(self.repo.load, ...)`)
MAX_CALLEE_TEXT = 40

# Standard-library calls never reach the project's code: not worth a fact.
_STDLIB: frozenset[str] = frozenset(getattr(sys, "stdlib_module_names", ()))

_NOT_OURS = frozenset({"builtins", "typing", "typing_extensions"})
# Inside an installed library, file I/O and filesystem queries are mostly one-time (config files,
# certificates, lazy loads): a chain that ends there is not followed, or it would drown the rest.
LIBRARY_ONE_TIME = frozenset({"FAS104", "FAS109"})
# where a function's entry (`fns` in the facts) keeps the call a chain ends at
_DIRECT, _NATIVE, _LOOP = 2, 4, 6

Target = Union[int, str]  # an index into the same file's functions, or an (encoded) imported name


# ------------------------------------------------------------------ files without coroutines
# Import statements, read from the bytes: `from X import a, b` (parenthesised too) and `import a.b as c`.
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|(?:\\\r?\n|[^\r\n#;])*)"
    rb"|import[ \t]+((?:\\\r?\n|[^\r\n#;])+))",
    re.M,
)
_SPLIT_NAMES = re.compile(rb"[\s()\\]*,[\s()\\]*")


def lazy_facts(data: bytes, roots: frozenset[str], builtins: Iterable[str]) -> dict[str, Any]:
    """The facts of a file without `async`, from its bytes alone (no parsing): whether it may block
    by itself (`pb`: it imports a catalog module, or calls a blocking builtin such as `open(`) and
    its imports (`imp`, one per line: `module` or `module names...` for `from module import names`),
    so the project phase parses it only if a chain may need it."""
    calls = tuple(b.encode() for b in builtins)
    may_block = any(c in data for c in calls) and _builtin_call(calls).search(data) is not None
    entries: list[str] = []
    for m in _IMPORT.finditer(data):
        base, names, plain = m.group(1), m.group(2), m.group(3)
        if plain is not None:
            modules = [_first_word(n) for n in _SPLIT_NAMES.split(plain)]
        else:
            modules = [base.decode("ascii", "replace")]
        for module in modules:
            root = module.partition(".")[0]
            if root in roots:
                may_block = True
            if module and (not root or root not in _STDLIB):
                if plain is None:  # keep the names: `from X import a` may import the submodule X.a
                    module += " " + b" ".join(names.translate(None, b"()\\").split()).decode("ascii", "replace")
                entries.append(module)
    return {"v": FACTS_VERSION, "lazy": True, "pb": may_block, "imp": "\n".join(entries)}


def imported_modules(imp: str) -> Iterator[str]:
    """The module names a lazy fact's import lines may load (relative ones keep their dots)."""
    for entry in imp.splitlines():
        module, _, names = entry.partition(" ")
        yield module
        joiner = "" if module.endswith(".") else "."
        for item in names.split(","):
            words = item.split()
            if words and words[0] != "*":
                yield module + joiner + words[0]


@functools.lru_cache(maxsize=4)
def _builtin_call(names: tuple[bytes, ...]) -> re.Pattern[bytes]:
    return re.compile(rb"\b(?:" + b"|".join(re.escape(n) for n in names) + rb")[ \t]*\(")


def _first_word(text: bytes) -> str:
    words = text.strip(b" \t\r\n()\\").split()
    return words[0].decode("ascii", "replace") if words else ""


# ------------------------------------------------------------------ per-file facts
def encode(value: Optional[Value], model: ModuleModel) -> Optional[str]:
    """An imported callee as a name the project phase can look up, or None when it cannot be ours.

    `app.repo.load_user`, `.repo.load_user` (relative: one dot per level), and
    `app.repo.Repo().load` for a method of an object made by calling an imported name.
    """
    if isinstance(value, Ref):
        name = value.qualname
        root = name.partition(".")[0]
        if root in _STDLIB or root in _NOT_OURS or model.catalog.row(name):
            return None
        return name
    if isinstance(value, RelativeRef):
        return "." * value.level + (f"{value.module}." if value.module else "") + value.name
    if isinstance(value, ImportedObject) and len(value.path) == 1:
        factory = encode(value.factory, model)
        return f"{factory}().{value.path[0]}" if factory is not None else None
    return None


@dataclass
class _Fn:
    info: FunctionInfo
    direct: Optional[list[Any]]
    edges: list[tuple[Union[FunctionInfo, str], int, int]]
    # the first call whose API has a native async form (what makes a thread hop over it FAS200)
    native: Optional[list[Any]] = None
    # positions of the parameters it calls then and there (`def call_with_retry(self, do): return do()`)
    runs: list[int] = dataclasses.field(default_factory=list)
    # per call out of the module: the callables it passes, should the callee run them ([position, target])
    passes: dict[int, list[list[Any]]] = dataclasses.field(default_factory=dict)
    # the first call in its own body that runs an event loop (FAS203 through helpers)
    loop: Optional[list[Any]] = None
    # a chain to a running loop already found inside this module (FAS203 is reported per file)
    loop_here: bool = False


def _direct_entry(bc: BlockingCall, column: Callable[[int, int], int]) -> list[Any]:
    row = bc.row
    method = row.method or row.name.rsplit(".", 1)[-1]
    return [bc.call.lineno, column(bc.call.lineno, bc.call.col_offset), row.display, row.code, row.use, method]


def file_facts(
    model: ModuleModel,
    graph: CallGraph,
    *,
    column: Callable[[int, int], int],
    site_silenced: Callable[[int], bool],
    library: str,
    native_api: Callable[[ApiRow], bool] = lambda row: True,
    hops: Optional[dict[str, Any]] = None,
    site_args: Callable[[ast.Call], Optional[list[Any]]] = lambda call: None,
    loops: Callable[[FunctionInfo], Optional[BlockingCall]] = lambda info: None,
    loop_chained: Callable[[FunctionInfo], bool] = lambda info: False,
    loop_silenced: Callable[[int], bool] = lambda line: False,
) -> dict[str, Any]:
    """What other modules need to know about this one, and what this one needs from them.

    `graph` must be built with the noqa-aware `accept` (a blocking call the user
    accepted does not make its function block); `site_silenced(line)` says
    whether `# noqa` silences FAS300 on a coroutine's line (`loop_silenced`: FAS203); `column` turns
    ast's byte offsets into the findings' 1-based character columns; `loops(fn)`: the call in fn's own
    body that runs an event loop; `loop_chained(fn)`: whether a chain from fn to one stays in this
    module (the per-file rule reports those), asked only when some function here runs a loop.
    """
    fns: dict[FunctionInfo, _Fn] = {}
    for info in model.functions:
        if not graph.propagates(info):
            continue
        bc = graph.direct(info)
        direct = _direct_entry(bc, column) if bc is not None else None
        native = None
        if bc is not None:
            nb = bc if native_api(bc.row) else next((b for b in graph.accepted(info) if native_api(b.row)), None)
            native = _direct_entry(nb, column) if nb is not None else None
        edges: list[tuple[Union[FunctionInfo, str], int, int]] = []
        passes: dict[int, list[list[Any]]] = {}
        local = dict(graph.callees(info))
        once = graph.once(info)
        for call in info.calls:
            if call in once:
                continue
            callee: Union[FunctionInfo, str, None] = local.get(call)
            if callee is None:
                callee = encode(model.callee(call), model)
            if callee is not None:
                edges.append((callee, call.lineno, column(call.lineno, call.col_offset)))
                if isinstance(callee, str):
                    passed = _passed_callables(model, graph, call)
                    if passed:
                        passes[len(edges) - 1] = passed
        loop = loops(info)
        loop_entry = _direct_entry(loop, column) if loop is not None else None
        fns[info] = _Fn(info, direct, edges, native, _runs(info), passes, loop_entry)
    if any(e.loop is not None for e in fns.values()):
        for info, entry in fns.items():
            entry.loop_here = loop_chained(info)

    exported = _can_block(fns)
    order = [f for f in model.functions if f in exported]
    index = {f: i for i, f in enumerate(order)}
    out_fns = []
    for f in order:
        entry = fns[f]
        edges_out: list[list[Any]] = []
        for k, (callee, line, col) in enumerate(entry.edges):
            if isinstance(callee, str):
                edges_out.append([callee, line, col, *([entry.passes[k]] if k in entry.passes else [])])
            elif callee in index:
                edges_out.append([index[callee], line, col])
        row: list[Any] = [f.qualname, display_name(f), entry.direct, edges_out, entry.native, entry.runs]
        if entry.loop is not None or entry.loop_here:
            row += [entry.loop, entry.loop_here]
        out_fns.append(row)

    sites: list[list[Any]] = []
    quiet: dict[str, list[str]] = {}  # site line -> the codes a noqa comment silences there
    wrappers = (hops or {}).get("hopfns", {})
    for co in model.coroutines:
        for call in co.calls:
            target = _site_target(model, graph, call, index)
            if target is None:  # a call of this module's own hop wrapper: the project judges its argument
                fn = graph.function_for(model.callee(call))
                target = "@" + fn.qualname if fn is not None and fn.qualname in wrappers else None
            if target is None:
                continue
            silenced = [
                code for code, says in (("FAS300", site_silenced), ("FAS203", loop_silenced)) if says(call.lineno)
            ]
            if len(silenced) == 2:
                continue
            if silenced:
                quiet[str(call.lineno)] = silenced
            end_line = getattr(call, "end_lineno", None) or call.lineno
            end_off = getattr(call, "end_col_offset", None)
            sites.append(
                [
                    co.name,
                    call.lineno,
                    column(call.lineno, call.col_offset),
                    end_line,
                    column(end_line, end_off) if end_off is not None else 0,
                    target,
                    callee_text(call, None),
                ]
            )
            if not isinstance(target, int):
                args = site_args(call)
                if args is not None:
                    sites[-1].append(args)

    data: dict[str, Any] = {}
    if out_fns:
        data["fns"] = out_fns
    classes = _class_tables(model, index)
    if classes:
        data["cls"] = classes
    if sites:
        data["sites"] = sites
    if quiet:
        data["quiet"] = quiet
    if hops:
        data.update(hops)
    aliases, stars, bound = _exports(model)
    if aliases:
        data["alias"] = aliases
    if stars:
        data["star"] = stars
        data["bound"] = bound
    # The body travels as one JSON string: a scan holds every file's facts until the project
    # phase, and one string per file costs the garbage collector nothing, where nested lists
    # would be walked again on every full collection (measured: seconds on a large tree).
    facts: dict[str, Any] = {"v": FACTS_VERSION, "lib": library, "fns": len(out_fns), "sites": len(sites)}
    if data:
        facts["data"] = json.dumps(data, separators=(",", ":"))
    return facts


def _runs(info: FunctionInfo) -> list[int]:
    """Positions (after `self`/`cls`) of the parameters `info` calls in its own body: it runs them now."""
    node = info.node
    if isinstance(node, ast.Lambda):
        return []
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if info.cls is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    called = {c.func.id for c in info.calls if isinstance(c.func, ast.Name)}
    return [i for i, p in enumerate(params) if p in called]


def _passed_callables(model: ModuleModel, graph: CallGraph, call: ast.Call) -> list[list[Any]]:
    """The callables a call passes positionally (`lambda: self._load(x)`, `self._load`), as targets
    the project resolves: followed only if the callee turns out to run that parameter."""
    out: list[list[Any]] = []
    for k, arg in enumerate(call.args):
        node: ast.expr = arg.body.func if isinstance(arg, ast.Lambda) and isinstance(arg.body, ast.Call) else arg
        anchor = arg.body if isinstance(arg, ast.Lambda) and isinstance(arg.body, ast.Call) else call
        if not isinstance(node, (ast.Name, ast.Attribute)):
            continue
        value = model.value_in(node, anchor)
        fn = graph.function_for(value)
        if fn is not None and graph.propagates(fn):
            out.append([k, "@" + fn.qualname])
        elif isinstance(value, (Ref, RelativeRef, ImportedObject)):
            target = encode(value, model)
            if target is not None:
                out.append([k, target])
    return out


def callee_text(call: ast.Call, fallback: Optional[str]) -> str:
    """How the advice names the callable: `load_user`, `self.repo.load`, `Repo().load`; else the fallback."""
    text = _dotted(call.func)
    if text is None or len(text) > MAX_CALLEE_TEXT:
        return fallback or "helper"
    return text


def _dotted(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        base = _dotted(node.func)
        return None if base is None else f"{base}()"
    return None


def _site_target(
    model: ModuleModel, graph: CallGraph, call: ast.Call, index: dict[FunctionInfo, int]
) -> Optional[Target]:
    """A coroutine's call whose chain only the project can settle: to an imported name, or to a
    local function that reaches one (calls with an in-module chain are reported per file)."""
    value = model.callee(call)
    if isinstance(value, _IMPORTED):
        return encode(value, model)
    g = graph.function_for(value)
    if g is not None and g in index and graph.propagates(g) and graph.chain(g) is None:
        return index[g]
    return None


_IMPORTED = (Ref, RelativeRef, ImportedObject)


def _can_block(fns: dict[FunctionInfo, _Fn]) -> set[FunctionInfo]:
    """Functions that block (or run an event loop) here, call out of the module, or reach one that does."""
    callers: dict[FunctionInfo, list[FunctionInfo]] = {}
    for f, entry in fns.items():
        for target, _, _ in entry.edges:
            if not isinstance(target, str):
                callers.setdefault(target, []).append(f)
    seeds = [
        f
        for f, e in fns.items()
        if e.direct is not None or e.loop is not None or e.runs or any(isinstance(t, str) for t, _, _ in e.edges)
    ]
    found = set(seeds)
    todo = list(seeds)
    while todo:
        g = todo.pop()
        for f in callers.get(g, ()):
            if f not in found:
                found.add(f)
                todo.append(f)
    return found


def _class_tables(model: ModuleModel, index: dict[FunctionInfo, int]) -> dict[str, dict[str, int]]:
    """For each importable class: method name -> exported function, inherited local methods included."""
    ev = model.evaluator
    tables: dict[str, dict[str, int]] = {}
    if not any(f.cls is not None for f in index):
        return tables  # no method can block: no class matters
    for qualname, cls in _classes(model.tree.body, ""):
        names: set[str] = set()
        seen: set[int] = set()
        todo = [cls]
        while todo:  # the class and its local bases: which method names it can have
            c = todo.pop()
            if id(c) in seen:
                continue
            seen.add(id(c))
            names.update(s.name for s in c.body if isinstance(s, ast.FunctionDef))
            info = ev.class_info(c)
            if info is not None:
                for base in info.node.bases:
                    b = ev.value(base, info.outer)
                    if isinstance(b, LocalClass):
                        todo.append(b.node)
        table: dict[str, int] = {}
        for name in sorted(names):
            v = ev.class_attribute(cls, name, LocalObject(cls))
            fn = ev.function_info(v.node) if isinstance(v, LocalFunction) else None
            if fn is not None and fn in index:
                table[name] = index[fn]
        if table:
            tables[qualname] = table
    return tables


def _classes(body: Sequence[ast.stmt], prefix: str) -> Iterable[tuple[str, ast.ClassDef]]:
    """Classes reachable by attribute from the module (not those defined inside functions)."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            qualname = prefix + stmt.name
            yield qualname, stmt
            yield from _classes(stmt.body, qualname + ".")
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for block in (getattr(stmt, "body", []), getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                yield from _classes(block, prefix)
            for handler in getattr(stmt, "handlers", []):
                yield from _classes(handler.body, prefix)


def _exports(model: ModuleModel) -> tuple[dict[str, str], list[str], list[str]]:
    """Re-exported imports (name -> encoded target), star-imported modules, and the names bound here."""
    scope = model.scopes.module_scope
    aliases: dict[str, str] = {}
    for name, bindings in scope.bindings.items():
        if len(bindings) == 1 and isinstance(bindings[0], Bound):
            value = bindings[0].value
            if isinstance(value, (Ref, RelativeRef)):
                target = encode(value, model)
                if target is not None and target != name:
                    aliases[name] = target
    stars = []
    for module in scope.star_imports:
        if module.startswith("."):
            stars.append(module)
        elif module.split(".", 1)[0] not in _STDLIB:
            stars.append(module)
    return aliases, stars, sorted(scope.bindings) if stars else []


# ------------------------------------------------------------------ the project phase
Node = tuple[int, int]  # (file index, function index)


@dataclass(frozen=True)
class _Lazy:
    file: int


@dataclass(frozen=True)
class LinkedSite:
    """A coroutine's call that blocks through sync functions of other modules."""

    path: str
    coroutine: str
    line: int
    col: int
    end_line: int
    end_col: int
    callee: str  # how the advice names the called helper
    library: str
    steps: tuple[ChainStep, ...]  # the helper at the call, then each call down to the API
    api: str
    code: str
    use: str
    method: str
    rule: str = "FAS300"  # FAS200: a thread hop whose callable blocks in another module; FAS201: its pool
    hop: str = ""  # the hop API as shown (FAS200, FAS201)
    workers: str = ""  # the pool's worker count (FAS201)
    # the function called at the site, when an installed library defines it: (module, qualname)
    library_target: Optional[tuple[str, str]] = None


@dataclass(frozen=True)
class _HopFn:
    """A function (or a name bound to a hop API) that runs its `param`-th argument in a thread."""

    file: int
    param: int
    name: str


Resolved = Union[Node, _Lazy, _HopFn, None]


@dataclass(frozen=True)
class _Link:
    depth: int
    next: Optional[Node]  # None: `line`/`col` is the catalog call itself
    line: int
    col: int


class Project:
    """The checked files' facts, with imported names resolved through the index's resolver.

    Files the checked ones reach but that were not named are added on demand (`pending()` names
    them); only call sites in the checked files (`reported`) are linked, so a file's findings do
    not depend on which other files were named."""

    def __init__(
        self,
        results: Iterable[tuple[str, Optional[dict[str, Any]]]],
        max_depth: int,
        resolver: "Resolver",
        header: Optional[Callable[[str], Optional[dict[str, Any]]]] = None,
    ) -> None:
        self.max_depth = max_depth
        self.resolver = resolver
        # `header(path)`: the lazy facts (imports, may it block) of a file not named, from its bytes;
        # None: only the named files are linked (`follow-imports = none`)
        self._header = header
        self.paths: list[str] = []
        self.facts: list[dict[str, Any]] = []  # the small headers; bodies decoded on first use
        self._bodies: dict[int, dict[str, Any]] = {}
        self.packages: list[Optional[tuple[str, ...]]] = []
        self.external: set[int] = set()  # files reached but not named: summaries, never reported
        self.library: set[int] = set()  # files found under a library root (site-packages)
        self._by_path: dict[str, int] = {}
        self._fn_index: dict[int, dict[str, int]] = {}
        for path, facts in results:
            if not isinstance(facts, dict) or facts.get("v") != FACTS_VERSION:
                continue
            self._add(path, facts)
        self.reported = len(self.paths)
        self._memo: dict[tuple[str, str], Resolved] = {}
        self._lazy_memo: dict[int, list[tuple[str, str]]] = {}  # lazy file -> memo keys that stopped there
        self._dirs: dict[int, str] = {}
        self._files: dict[tuple[str, str], Optional[int]] = {}
        self._chains: Optional[dict[int, dict[Node, _Link]]] = None
        # demand (`pending`): best depth each function was reached at, calls waiting on lazy files
        self._reached: Optional[dict[Node, int]] = None
        self._waiting: list[tuple[int, Target, int, bool]] = []
        self._asked: set[int] = set()
        self._relevant: dict[int, bool] = {}

    def _add(self, path: str, facts: dict[str, Any]) -> int:
        i = len(self.paths)
        self.paths.append(path)
        self.facts.append(facts)
        self._by_path[os.path.abspath(path)] = i
        named = self.resolver.module_of(path)
        package: Optional[tuple[str, ...]] = None
        if named is not None:
            module, is_package = named
            parts = tuple(module.split(".")) if module else ()
            package = parts if is_package else parts[:-1]
        self.packages.append(package)
        return i

    def update(self, path: str, facts: Optional[dict[str, Any]]) -> None:
        """A lazy file's facts, now that it was analysed (None: it could not be)."""
        i = self._by_path.get(os.path.abspath(path))
        if i is None:
            return
        old = self.facts[i]
        ok = isinstance(facts, dict) and facts.get("v") == FACTS_VERSION and not facts.get("lazy")
        new = dict(facts) if ok and facts is not None else {"v": FACTS_VERSION}
        for key in ("pb", "imp"):  # the header stays: relevance is judged from it in every mode
            if key in old:
                new[key] = old[key]
        self.facts[i] = new
        self._fn_index.pop(i, None)
        self._bodies.pop(i, None)
        # only the look-ups that stopped at this file are stale
        for stale in self._lazy_memo.pop(i, ()):
            self._memo.pop(stale, None)
        self._chains = None

    def _dir(self, file: int) -> str:
        # a module's imports resolve alike from every file of its folder
        found = self._dirs.get(file)
        if found is None:
            found = self._dirs[file] = os.path.dirname(os.path.abspath(self.paths[file]))
        return found

    def _module_file(self, module: str, importer: int) -> Optional[int]:
        """The file (index) of `module` as imported from `importer`; a file not named is added, lazy."""
        key = (module, self._dir(importer))
        if key in self._files:
            return self._files[key]
        found = self.resolver.find(module, self.paths[importer])
        i: Optional[int] = None
        if found is not None:
            i = self._by_path.get(os.path.abspath(found.path))
            if i is None and self._header is not None:
                header = self._header(found.path)
                if header is not None:
                    i = self._add(found.path, {**header, "v": FACTS_VERSION, "lazy": True})
                    self.external.add(i)
                    if found.library:
                        self.library.add(i)
        self._files[key] = i
        return i

    # -- resolution --------------------------------------------------------------
    def resolve(self, file: int, target: Target) -> Resolved:
        """The function a call in `file` runs (a lazy file: not analysed yet; None: not ours)."""
        if isinstance(target, int):
            return (file, target) if 0 <= target < len(self._body(file).get("fns", ())) else None
        if not isinstance(target, str):
            return None
        if target.startswith("@"):  # a function of the same file
            return self._in_module(file, target[1:].split("."), "", MAX_REEXPORTS)
        absolute = self._absolute(file, target)
        return None if absolute is None else self._lookup(absolute, file, 0)

    def _absolute(self, file: int, name: str) -> Optional[str]:
        if not name.startswith("."):
            return name
        rest = name.lstrip(".")
        level = len(name) - len(rest)
        package = self.packages[file]
        if package is None or level > len(package):
            return None  # above the top-level package: Python refuses it too
        base = ".".join(package[: len(package) - level + 1])
        return f"{base}.{rest}" if rest else base

    def _functions(self, file: int) -> dict[str, int]:
        """Qualified name -> index, for names defined once in the file."""
        index = self._fn_index.get(file)
        if index is None:
            counts: dict[str, int] = {}
            for j, fn in enumerate(self._body(file).get("fns", ())):
                counts[fn[0]] = -1 if fn[0] in counts else j
            index = self._fn_index[file] = {q: j for q, j in counts.items() if j >= 0}
        return index

    def _lookup(self, name: str, importer: int, hops: int) -> Resolved:
        key = (name, self._dir(importer))
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a re-export cycle ends here
        head, _, member = name.partition("().")
        parts = head.split(".")
        found: Resolved = None
        for k in range(len(parts) - 1, 0, -1):  # the longest module prefix, then names in it
            file = self._module_file(".".join(parts[:k]), importer)
            if file is not None:
                found = self._in_module(file, parts[k:], member, hops)
                break
        self._memo[key] = found
        if isinstance(found, _Lazy):
            self._lazy_memo.setdefault(found.file, []).append(key)
        return found

    def _in_module(self, file: int, rest: list[str], member: str, hops: int) -> Resolved:
        if self.facts[file].get("lazy"):
            return _Lazy(file)
        facts = self._body(file)
        qualname = ".".join(rest)
        if not member:
            hop = facts.get("hopfns", {}).get(qualname) or facts.get("hopalias", {}).get(qualname)
            if hop is not None:
                return _HopFn(file, hop[0], hop[1])
        classes: dict[str, dict[str, int]] = facts.get("cls", {})
        if member:  # a method of an object made by calling `qualname`: only a class here makes one
            table = classes.get(qualname)
            if table is not None:
                return self._node(file, table.get(member))
        else:
            fn = self._functions(file).get(qualname)
            if fn is not None:
                return (file, fn)
            if qualname in classes:  # a constructor runs __init__
                return self._node(file, classes[qualname].get("__init__"))
            if len(rest) > 1 and ".".join(rest[:-1]) in classes:  # `Repo.load(...)`, classmethods
                return self._node(file, classes[".".join(rest[:-1])].get(rest[-1]))
        if hops >= MAX_REEXPORTS:
            return None
        suffix = ".".join(rest[1:])
        tail = (f".{suffix}" if suffix else "") + (f"().{member}" if member else "")
        alias = facts.get("alias", {}).get(rest[0])
        if alias is not None:
            absolute = self._absolute(file, alias)
            return None if absolute is None else self._lookup(absolute + tail, file, hops + 1)
        if rest[0] in facts.get("bound", ()):
            return None  # defined here, and not as anything that blocks
        for star in facts.get("star", ()):
            absolute = self._absolute(file, star)
            if absolute is not None:
                found = self._lookup(f"{absolute}.{rest[0]}{tail}", file, hops + 1)
                if found is not None:
                    return found
        return None

    def _node(self, file: int, index: Optional[int]) -> Optional[Node]:
        return None if index is None else (file, index)

    def _sites(self) -> Iterable[tuple[int, list[Any]]]:
        """Coroutine call sites of the checked files (a file reached on demand is never reported)."""
        for file, facts in enumerate(self.facts[: self.reported]):
            if facts.get("sites"):
                yield from ((file, site) for site in self._body(file).get("sites", ()))

    def _hsites(self) -> Iterable[tuple[int, list[Any]]]:
        """Thread hops of the checked files whose callable only the project can settle."""
        for file in range(self.reported):
            if self.facts[file].get("data") is not None:
                yield from ((file, site) for site in self._body(file).get("hsites", ()))

    def _psites(self) -> Iterable[tuple[int, list[Any]]]:
        """Thread hops of the checked files (already FAS200) that run on another module's pool."""
        for file in range(self.reported):
            if self.facts[file].get("data") is not None:
                yield from ((file, site) for site in self._body(file).get("psites", ()))

    def pool(self, file: int, target: str) -> Optional[tuple[int, str, list[Any]]]:
        """(the file, the pool's name there, [line, col, workers, constructor]) of a pool another module made."""
        absolute = self._absolute(file, target)
        if absolute is None:
            return None
        head, _, member = absolute.partition("().")
        parts = head.split(".")
        for k in range(len(parts) - 1, 0, -1):
            i = self._module_file(".".join(parts[:k]), file)
            if i is not None:
                if self.facts[i].get("lazy"):
                    return None
                key = ".".join(parts[k:]) + (f"().{member}" if member else "")
                found = self._body(i).get("pools", {}).get(key)
                return (i, key, found) if found is not None else None
        return None

    def _starts(self) -> Iterable[tuple[int, Target]]:
        """Where the checked files' chains start: calls in coroutines, callables they pass, hops' callables."""
        for file, site in self._sites():
            yield file, site[5]
            for arg in _site_args(site):
                if isinstance(arg, str):
                    yield file, arg
        for file, site in self._hsites():
            yield file, site[5]
        for file, site in self._psites():
            yield file, site[5]

    def _fn(self, node: Node) -> list[Any]:
        fn: list[Any] = self._body(node[0])["fns"][node[1]]
        return fn

    def _body(self, file: int) -> dict[str, Any]:
        """A file's functions, classes, call sites and re-exports (decoded once, when needed)."""
        body = self._bodies.get(file)
        if body is None:
            text = self.facts[file].get("data")
            try:
                loaded = json.loads(text) if isinstance(text, str) else {}
            except ValueError:
                loaded = {}
            body = self._bodies[file] = loaded if isinstance(loaded, dict) else {}
        return body

    # -- demand: which lazy files a chain reaches ------------------------------------
    def pending(self) -> list[str]:
        """Lazy files (named without `async`, or reached but not named) that coroutine call sites of
        the checked files reach through sync calls within the depth limit, and that may block (see
        `relevant`); each is asked for once. Incremental: after `update`, only the calls that
        waited on the updated files are followed further."""
        wanted: set[int] = set()
        # (file, target, depth, runner): a runner is a callee handed callables; whether it runs them
        # is in its own summary, so it is analysed even when nothing in it may block by itself
        todo: deque[tuple[int, Target, int, bool]] = deque()
        if self._reached is None:
            self._reached = {}
            todo.extend((file, target, 1, False) for file, target in self._starts())
        else:
            todo.extend(self._waiting)
            self._waiting = []
        reached = self._reached
        while todo:  # breadth-first, so every function is explored from its shallowest depth
            file, target, depth, runner = todo.popleft()
            found = self.resolve(file, target)
            if isinstance(found, _Lazy):
                if runner or self.relevant(found.file):
                    self._waiting.append((file, target, depth, runner))
                    if found.file not in self._asked:
                        wanted.add(found.file)
            elif (
                isinstance(found, tuple) and depth <= self.max_depth and reached.get(found, self.max_depth + 1) > depth
            ):
                reached[found] = depth
                for edge in self._fn(found)[3]:
                    passes = edge[3] if len(edge) > 3 else ()
                    todo.append((found[0], edge[0], depth + 1, bool(passes)))
                    todo.extend((found[0], passed[1], depth + 1, False) for passed in passes)
        self._asked |= wanted
        return sorted(self.paths[i] for i in wanted)

    def relevant(self, file: int) -> bool:
        """Whether a file's functions may block: some module in its import closure (itself
        included) imports a catalog module or calls open()/input(), judged from every file's
        header (its bytes), whether it was named, analysed or reached, so the answer is the same in
        every mode. A file outside this set cannot make a chain the analysis would prove, so it is
        never parsed."""
        known = self._relevant.get(file)
        if known is not None:
            return known
        seen = {file}
        stack = [file]
        while stack:
            i = stack.pop()
            if self._relevant.get(i) is False:
                continue  # its whole closure is known not to block
            if self._relevant.get(i) or self.facts[i].get("pb", True):
                self._relevant[file] = True
                return True
            for name in imported_modules(str(self.facts[i].get("imp", ""))):
                absolute = self._absolute(i, name)
                j = self._module_file(absolute, i) if absolute is not None else None
                if j is not None and j not in seen:
                    seen.add(j)
                    stack.append(j)
        for i in seen:  # each one's closure is inside this one: none of them may block
            self._relevant[i] = False
        return False

    # -- chains ------------------------------------------------------------------------
    def chains(self, native: bool = False, loops: bool = False) -> dict[Node, _Link]:
        """Every function's shortest chain to a catalog call, across modules (breadth-first, backwards);
        `native`: to a call whose API has a native async form (what a thread hop must not wrap);
        `loops`: to a call that runs an event loop (FAS203)."""
        which = _LOOP if loops else _NATIVE if native else _DIRECT
        found_chains = self._chains.get(which) if self._chains is not None else None
        if found_chains is not None:
            return found_chains
        chains: dict[Node, _Link] = {}
        callers: dict[Node, list[tuple[Node, int, int]]] = {}
        # only functions a coroutine's call reaches can be on a reported chain
        for node, edges in self._reachable().items():
            fn = self._fn(node)
            direct = fn[which] if len(fn) > which else None
            if direct is not None and not (node[0] in self.library and direct[3] in LIBRARY_ONE_TIME):
                chains[node] = _Link(1, None, direct[0], direct[1])
            for callee, line, col in edges:
                if native and callee[0] in self.library and node[0] not in self.library:
                    # what a sync-only library does inside has no native form the project can use:
                    # a thread over the project's call into it is the right tool (twins are judged at the hop)
                    continue
                callers.setdefault(callee, []).append((node, line, col))
        frontier = sorted(chains)
        depth = 1
        while frontier and depth < self.max_depth:
            depth += 1
            found: dict[Node, _Link] = {}
            for g in frontier:
                for f, line, col in callers.get(g, ()):
                    if f in chains:
                        continue
                    best = found.get(f)
                    if best is None or (line, col) < (best.line, best.col):  # ties: the earliest call
                        found[f] = _Link(depth, g, line, col)
            chains.update(found)
            frontier = sorted(found)
        if self._chains is None:
            self._chains = {}
        self._chains[which] = chains
        return chains

    def _reachable(self) -> dict[Node, list[tuple[Node, int, int]]]:
        """Functions reachable from coroutine call sites within the depth limit, with their resolved calls."""
        out: dict[Node, list[tuple[Node, int, int]]] = {}
        depth_of: dict[Node, int] = {}
        todo: deque[tuple[Node, int]] = deque()
        for file, target in self._starts():
            found = self.resolve(file, target)
            if isinstance(found, tuple) and found not in depth_of:
                depth_of[found] = 1
                todo.append((found, 1))
        while todo:
            node, depth = todo.popleft()
            edges = out[node] = []
            for edge in self._fn(node)[3]:
                target, line, col = edge[:3]
                callee = self.resolve(node[0], target)
                if not isinstance(callee, tuple):
                    continue
                callees = [callee]
                passes = edge[3] if len(edge) > 3 else ()
                runs = self._fn(callee)[5] if passes else ()
                for position, passed in passes:
                    ran = self.resolve(node[0], passed) if position in runs else None
                    if isinstance(ran, tuple):  # the callee runs what this call passes it: a call from here
                        callees.append(ran)
                for c in callees:
                    edges.append((c, line, col))
                    if depth < self.max_depth and c not in depth_of:
                        depth_of[c] = depth + 1
                        todo.append((c, depth + 1))
        return out

    def linked_sites(self) -> list[LinkedSite]:
        """One entry per coroutine call site that blocks through another module (FAS300), and per
        thread hop whose callable blocks, in another module, on an API with a native async form (FAS200)."""
        out: list[LinkedSite] = []
        for file, site in self._sites():
            coroutine, line, col, end_line, end_col, target, callee = site[:7]
            quiet = self._body(file).get("quiet", {}).get(str(line), ())
            found = self.resolve(file, target)
            if "FAS300" in quiet:  # as before FAS203 crossed modules: the site says nothing but FAS203
                if isinstance(found, tuple) and "FAS203" not in quiet:
                    out.extend(self._loops_through(file, site[:5], found, callee))
                continue
            if isinstance(found, _HopFn):  # a hop wrapper or alias: judge the callable it is given
                args = _site_args(site)
                arg = args[found.param] if found.param < len(args) else None
                if isinstance(arg, list) and arg[0] == "api":
                    steps = (ChainStep(arg[1], self.paths[file], line, col),)
                    out.append(self._linked(file, site[:5], callee, steps, arg[1:], "FAS200", found.name))
                elif isinstance(arg, str):
                    out.extend(self._through(file, site[:5], arg, callee, "FAS200", found.name, native=True))
            elif isinstance(found, tuple):
                out.extend(self._through(file, site[:5], target, callee, "FAS300", "", native=False))
                if "FAS203" not in quiet:
                    out.extend(self._loops_through(file, site[:5], found, callee))
        for file, hsite in self._hsites():
            out.extend(self._through(file, hsite[:5], hsite[5], "", "FAS200", hsite[6], native=True))
        # one FAS201 per pool and checked file, at its first hop, naming every coroutine it caps there
        pools: dict[tuple[int, int, str], list[Any]] = {}
        for file, psite in self._psites():
            pool = self.pool(file, psite[5])
            if pool is not None and pool[2][2] != "1":  # one worker in another module: maybe an order
                entry = pools.setdefault((file, pool[0], pool[1]), [psite, pool[2], []])
                if psite[0] not in entry[2]:
                    entry[2].append(psite[0])
        for (file, i, key), (psite, (line, col, workers, ctor), coroutines) in pools.items():
            step = ChainStep(key, self.paths[i], line, col)
            at = [", ".join(coroutines), *psite[1:5]]
            linked = self._linked(file, at, key, (step,), [ctor, "FAS201", "", ""], "FAS201", psite[6])
            out.append(dataclasses.replace(linked, workers=str(workers)))
        return out

    def _loops_through(self, file: int, at: list[Any], node: Node, callee: str) -> list[LinkedSite]:
        """FAS203 for a coroutine's call whose chain reaches a running event loop in another module
        (a chain inside the checked file is reported per file)."""
        fn = self._fn(node)
        if node[0] == file and len(fn) > _LOOP + 1 and fn[_LOOP + 1]:
            return []
        found = self._through(file, at, node, callee, "FAS203", "", native=False, loops=True)
        # a step past the call is placed in the file of the function it is in: a chain that never
        # leaves the checked file is the per-file rule's
        here = self.paths[file]
        return found if found and any(s.path != here for s in found[0].steps[1:]) else []

    def _through(
        self,
        file: int,
        at: list[Any],
        target: Union[Target, Node],
        callee: str,
        rule: str,
        hop: str,
        *,
        native: bool,
        loops: bool = False,
    ) -> list[LinkedSite]:
        node = target if isinstance(target, tuple) else self.resolve(file, target)
        chains = self.chains(native, loops)
        if not isinstance(node, tuple) or node not in chains:
            return []
        line, col = at[1], at[2]
        steps = [ChainStep(self._fn(node)[1], self.paths[file], line, col)]
        n = node
        for _ in range(self.max_depth + 1):
            link = chains[n]
            if link.next is None:
                direct = self._fn(n)[_LOOP if loops else _NATIVE if native else _DIRECT]
                steps.append(ChainStep(direct[2], self.paths[n[0]], link.line, link.col))
                linked = self._linked(file, at, callee or self._fn(node)[1], tuple(steps), direct[2:], rule, hop)
                if node[0] in self.library:
                    named = self.resolver.module_of(self.paths[node[0]])
                    if named is not None:
                        linked = dataclasses.replace(linked, library_target=(named[0], self._fn(node)[0]))
                return [linked]
            steps.append(ChainStep(self._fn(link.next)[1], self.paths[n[0]], link.line, link.col))
            n = link.next
        return []

    def _linked(
        self, file: int, at: list[Any], callee: str, steps: tuple[ChainStep, ...], api: list[Any], rule: str, hop: str
    ) -> LinkedSite:
        coroutine, line, col, end_line, end_col = at
        return LinkedSite(
            self.paths[file],
            coroutine,
            line,
            col,
            end_line,
            end_col,
            callee,
            self.facts[file].get("lib", "asyncio"),
            steps,
            api=api[0],
            code=api[1],
            use=api[2],
            method=api[3],
            rule=rule,
            hop=hop,
        )


def _site_args(site: list[Any]) -> list[Any]:
    """The callables a call passes (what a hop wrapper would run), when the site recorded them."""
    extra = site[7] if len(site) > 7 else None
    return extra if isinstance(extra, list) else []
