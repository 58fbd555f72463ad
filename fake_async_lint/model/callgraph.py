"""Which sync functions of a module block, and through what chain of calls.

Edges go from a function to the local sync functions it calls: module
functions, methods through `self`/`cls`/a local instance, classes (their
`__init__`), and nested functions. Calls that cannot be resolved are ignored,
never guessed. A thread hop passes a *reference* (`to_thread(helper)`), not a
call, so blocking never propagates through one.

Chains are found backwards from the functions that call a catalog API
directly, one level at a time (a breadth-first search), so every function
gets its shortest chain, cycles cost nothing, and ties go to the earliest
call in the source.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from ..catalog.loader import ApiRow
from .module import BlockingCall, ModuleModel
from .scopes import FunctionInfo
from .values import LocalClass, LocalFunction, LocalObject, Ref, Value

DEFAULT_MAX_DEPTH = 5
# Decorators that keep "calling it runs its body now". Any other decorator may
# hand the body to a thread or make it awaitable (asgiref's `sync_to_async`), so
# a function it decorates is not followed: a miss, never a false alarm.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "functools.wraps",
        "abc.abstractmethod",
        "typing.final",
        "typing.override",
        "typing_extensions.final",
        "typing_extensions.override",
    }
)


# Decorators that make a function do its work once per process (per arguments): what it
# blocks on is a one-time cost, not a stall at every call, so no chain runs through it.
MEMOISING_DECORATORS = frozenset({"functools.lru_cache", "functools.cache", "functools.cached_property"})


@dataclass(frozen=True)
class Hop:
    """`caller` calls `callee` at `call` (callee None: the call is the catalog API)."""

    caller: FunctionInfo
    call: ast.Call
    callee: Optional[FunctionInfo]


@dataclass(frozen=True)
class Chain:
    """How a sync function reaches a blocking API: its first hop, then the chain of the callee.

    Linked, not copied: every function's chain shares its tail with its callee's, so the
    summaries of a module take memory linear in its functions whatever the depth limit."""

    first: Hop
    rest: Optional[Chain]
    row: ApiRow
    depth: int = 1

    @staticmethod
    def direct(hop: Hop, row: ApiRow) -> Chain:
        return Chain(hop, None, row, 1)

    def then(self, hop: Hop) -> Chain:
        """`hop` (a call of this chain's function) followed by this chain."""
        return Chain(hop, self, self.row, self.depth + 1)

    @property
    def hops(self) -> tuple[Hop, ...]:
        out = []
        link: Optional[Chain] = self
        while link is not None:
            out.append(link.first)
            link = link.rest
        return tuple(out)

    @property
    def api_call(self) -> ast.Call:
        link = self
        while link.rest is not None:
            link = link.rest
        return link.first.call

    def names(self) -> list[str]:
        """`['load_user()', '_get_json()', 'requests.get()']` (the first is the helper itself)."""
        out = [f"{display_name(self.first.caller)}()"]
        out += [f"{display_name(h.callee)}()" for h in self.hops if h.callee is not None]
        out.append(f"{self.row.display}()")
        return out


def display_name(fn: FunctionInfo) -> str:
    """`Repo.load` for methods, `helper` for functions (nested: the plain name)."""
    if fn.cls is not None and fn.parent is None:
        return f"{fn.cls.node.name}.{fn.name}"
    return fn.name


Accept = Callable[[BlockingCall], bool]
# what counts as the end of a chain in a function's own body (default: the catalog's blocking calls)
Direct = Callable[[FunctionInfo], Iterable[BlockingCall]]


class CallGraph:
    """Sync-function summaries for one module, computed once."""

    def __init__(
        self,
        model: ModuleModel,
        max_depth: int = DEFAULT_MAX_DEPTH,
        accept: Optional[Accept] = None,
        direct: Optional[Direct] = None,
    ) -> None:
        self.model = model
        self._calls: Direct = direct if direct is not None else model.blocking_calls_in
        self.max_depth = max_depth
        self.accept = accept
        self._chains: Optional[dict[FunctionInfo, Chain]] = None
        # per-function memos: rules and the project facts ask about the same functions
        self._callees: dict[FunctionInfo, list[tuple[ast.Call, FunctionInfo]]] = {}
        self._propagates: dict[FunctionInfo, bool] = {}
        self._once: dict[FunctionInfo, frozenset[ast.Call]] = {}

    # -- resolution --------------------------------------------------------------
    def target(self, call: ast.Call) -> Optional[FunctionInfo]:
        """The local function a call runs, if it can be proven."""
        return self.function_for(self.model.callee(call))

    def function_for(self, value: Optional[Value]) -> Optional[FunctionInfo]:
        """The local function a callable value runs when called."""
        ev = self.model.evaluator
        if isinstance(value, LocalFunction):
            return ev.function_info(value.node)
        if isinstance(value, LocalClass):
            init = ev.class_attribute(value.node, "__init__", value)
            return ev.function_info(init.node) if isinstance(init, LocalFunction) else None
        if isinstance(value, LocalObject):
            call = ev.class_attribute(value.cls, "__call__", value)
            return ev.function_info(call.node) if isinstance(call, LocalFunction) else None
        return None

    def callees(self, fn: FunctionInfo) -> Iterable[tuple[ast.Call, FunctionInfo]]:
        """The local functions `fn` calls whose bodies run then, with the calls, in source order."""
        found = self._callees.get(fn)
        if found is None:
            found = []
            once = self.once(fn)
            for call in fn.calls:
                if call in once:
                    continue
                g = self.target(call)
                if g is not None and self.propagates(g):
                    found.append((call, g))
            self._callees[fn] = found
        return found

    def propagates(self, fn: FunctionInfo) -> bool:
        """Calling it runs its body now: a sync, non-generator def whose decorators keep it so."""
        known = self._propagates.get(fn)
        if known is None:
            known = _propagates(fn) and all(
                isinstance(value, Ref) and value.qualname in TRANSPARENT_DECORATORS
                for _, value in self.model.decorator_values(fn)
            )
            self._propagates[fn] = known
        return known

    def once(self, fn: FunctionInfo) -> frozenset[ast.Call]:
        """Calls `fn` makes at most once per process: under `if _X is None:` (or `if not _X:`) for a
        global `_X` the block assigns (the load-once pattern)."""
        found = self._once.get(fn)
        if found is None:
            found = self._once[fn] = _load_once_calls(fn)
        return found

    # -- summaries -----------------------------------------------------------------
    def chain(self, fn: FunctionInfo) -> Optional[Chain]:
        """The shortest chain by which calling `fn` blocks (None: it does not, as far as we can prove)."""
        if self._chains is None:
            self._chains = self._compute()
        return self._chains.get(fn)

    def chain_for_value(self, value: Optional[Value]) -> Optional[Chain]:
        fn = self.function_for(value)
        return self.chain(fn) if fn is not None else None

    def body_chain(self, fn: FunctionInfo) -> Optional[Chain]:
        """Like `chain`, for any function body, lambdas included (what a thread hop would run)."""
        if self.propagates(fn):
            return self.chain(fn)
        bc = self._direct(fn)
        if bc is not None:
            return Chain.direct(Hop(fn, bc.call, None), bc.row)
        best: Optional[Chain] = None
        for call, g in self.callees(fn):
            sub = self.chain(g)
            if sub is not None and sub.depth < self.max_depth and (best is None or sub.depth + 1 < best.depth):
                best = sub.then(Hop(fn, call, g))
        return best

    def direct(self, fn: FunctionInfo) -> Optional[BlockingCall]:
        """The first catalog blocking call in `fn`'s own body that `accept` lets through."""
        return self._direct(fn)

    def accepted(self, fn: FunctionInfo) -> Iterable[BlockingCall]:
        """Every catalog blocking call in `fn`'s own body that `accept` lets through, in order."""
        once = self.once(fn)
        for bc in self._calls(fn):
            if bc.call not in once and (self.accept is None or self.accept(bc)):
                yield bc

    def _direct(self, fn: FunctionInfo) -> Optional[BlockingCall]:
        return next(iter(self.accepted(fn)), None)

    def _compute(self) -> dict[FunctionInfo, Chain]:
        chains: dict[FunctionInfo, Chain] = {}
        sync = [f for f in self.model.functions if self.propagates(f)]
        for f in sync:
            bc = self._direct(f)
            if bc is not None:
                chains[f] = Chain.direct(Hop(f, bc.call, None), bc.row)
        # reverse edges: callee -> [(caller, call)], in source order
        callers: dict[FunctionInfo, list[tuple[FunctionInfo, ast.Call]]] = {}
        for f in sync:
            for call, g in self.callees(f):
                callers.setdefault(g, []).append((f, call))
        frontier = [f for f in sync if f in chains]
        depth = 1
        while frontier and depth < self.max_depth:
            depth += 1
            found: dict[FunctionInfo, Chain] = {}
            for g in frontier:
                for f, call in callers.get(g, ()):
                    if f in chains:
                        continue
                    candidate = chains[g].then(Hop(f, call, g))
                    best = found.get(f)
                    if best is None or _position(call) < _position(best.first.call):
                        found[f] = candidate
            chains.update(found)
            frontier = sorted(found, key=lambda fn: _position(fn.node))
        return chains


def _propagates(fn: FunctionInfo) -> bool:
    """Calling it runs its body now: a sync, non-generator def (lambdas are hop arguments)."""
    return isinstance(fn.node, ast.FunctionDef) and not fn.is_generator


def _load_once_calls(fn: FunctionInfo) -> frozenset[ast.Call]:
    names = fn.scope.globals
    if not names or isinstance(fn.node, ast.Lambda):
        return frozenset()
    calls: set[ast.Call] = set()
    for node in _own_nodes(fn.node.body):
        if isinstance(node, ast.If) and _unset_test(node.test, names) & _assigned(node.body):
            calls.update(n for n in _own_nodes(node.body) if isinstance(n, ast.Call))
    return frozenset(calls)


def _unset_test(test: ast.expr, names: set[str]) -> set[str]:
    """Globals the test checks for 'not loaded yet': `_X is None`, `not _X` (also inside `and`/`or`)."""
    if isinstance(test, ast.BoolOp):
        return set().union(*(_unset_test(v, names) for v in test.values))
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
        return {test.operand.id} & names
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.Eq))
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return {test.left.id} & names
    return set()


def _assigned(body: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for node in _own_nodes(body):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            targets = [node.target]
        out.update(t.id for t in targets if isinstance(t, ast.Name))
    return out


def _own_nodes(body: list[ast.stmt]) -> Iterable[ast.AST]:
    """Every node of these statements, not descending into nested functions, lambdas or classes."""
    todo: list[ast.AST] = list(reversed(body))
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                todo.append(child)


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
