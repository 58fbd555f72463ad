"""The module model: everything rules may ask about one parsed module."""

from __future__ import annotations

import ast
import functools
import os
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from ..catalog.loader import ApiRow, Catalog
from .bindings import Evaluator
from .scopes import ClassInfo, FunctionInfo, Scope, ScopeBuilder
from .values import Instance, Maybe, Ref, RelativeRef, Value

ASYNC_LIBRARIES = ("trio", "anyio")
# builtins that iterate their first argument to the end (or to its next item) when called
_CONSUMERS = frozenset(
    f"builtins.{n}" for n in ("list", "tuple", "set", "frozenset", "sorted", "next", "sum", "min", "max", "any", "all")
)
# builtins that iterate lazily: a `for` over them iterates their arguments
_LAZY = frozenset(("builtins.enumerate", "builtins.zip", "builtins.filter", "builtins.map", "builtins.reversed"))


def _receiver(func: ast.Attribute) -> str:
    return ast.unparse(func.value)


@dataclass(frozen=True)
class BlockingCall:
    """A call the catalog says blocks, with the row that says so."""

    call: ast.Call
    row: ApiRow
    function: Optional[FunctionInfo]


@dataclass(frozen=True)
class BlockingIteration:
    """A sync `for` (or comprehension) over an object whose iteration blocks (a database cursor):
    `node` is the iterated expression; the row is the type's `__iter__` row."""

    node: ast.expr
    row: ApiRow


class ModuleModel:
    """Imports, bindings, scopes and functions of one module, built once.

    Rules ask it questions ("what is this receiver?", "does this call block?",
    "which coroutine is this in?"); they never resolve names themselves.
    """

    def __init__(
        self,
        tree: ast.Module,
        catalog: Catalog,
        path: str = "<string>",
        resolve_relative: Callable[[RelativeRef], Optional[Value]] | None = None,
    ) -> None:
        self.tree = tree
        self.path = path
        self.catalog = catalog
        self.scopes = ScopeBuilder(tree)
        self.evaluator = Evaluator(self.scopes, catalog, resolve_relative)
        self._nonblocking: dict[str, frozenset[str]] = {}
        self._awaited: Optional[frozenset[tuple[str, str]]] = None
        # results derived from this module that several rules share (FAS300's call graph);
        # kept here so they live and die with the model
        self.shared: dict[str, object] = {}
        self._callees: dict[ast.Call, Optional[Value]] = {}
        self._blocking: dict[ast.Call, Optional[ApiRow]] = {}

    # -- structure -------------------------------------------------------------
    @property
    def functions(self) -> list[FunctionInfo]:
        return self.scopes.functions

    @property
    def coroutines(self) -> Iterator[FunctionInfo]:
        return (f for f in self.scopes.functions if f.is_async)

    def function_of(self, call: ast.Call) -> Optional[FunctionInfo]:
        """The function whose execution runs `call` (None at module or class level)."""
        return self.scopes.call_function.get(call)

    def coroutine_of(self, call: ast.Call) -> Optional[FunctionInfo]:
        fn = self.function_of(call)
        return fn if fn is not None and fn.is_async else None

    # -- values ------------------------------------------------------------------
    def callee(self, call: ast.Call) -> Optional[Value]:
        # memoised: every rule and the call graph ask about the same calls
        if call in self._callees:
            return self._callees[call]
        scope = self.scopes.call_scope.get(call)
        value = None if scope is None else self.evaluator.value(call.func, scope)
        self._callees[call] = value
        return value

    def value_in(self, node: ast.expr, call: ast.Call) -> Optional[Value]:
        """The value of `node`, a sub-expression of `call`, in the call's scope."""
        scope = self.scopes.call_scope.get(call)
        return None if scope is None else self.evaluator.value(node, scope)

    def qualname_of(self, node: ast.expr, call: ast.Call) -> Optional[str]:
        v = self.value_in(node, call)
        return v.qualname if isinstance(v, Ref) else None

    def origin_in(self, node: ast.expr, call: ast.Call) -> Optional[ast.expr]:
        """The expression `node` (a sub-expression of `call`) was assigned from: see Evaluator.origin."""
        scope = self.scopes.call_scope.get(call)
        return None if scope is None else self.evaluator.origin(node, scope)

    def decorator_values(self, fn: FunctionInfo) -> list[tuple[ast.expr, Optional[Value]]]:
        """Each decorator of a def with the value of its callable (`@f` and `@f(...)`: the value of f)."""
        node = fn.node
        if isinstance(node, ast.Lambda) or fn.scope.parent is None:
            return []
        outer = fn.scope.parent
        return [(d, self.evaluator.value(d.func if isinstance(d, ast.Call) else d, outer)) for d in node.decorator_list]

    def base_values(self, cls: ClassInfo) -> list[Optional[Value]]:
        """The values of a class's bases (`Generic[T]`: the value of Generic)."""
        return [self.evaluator.value(b.value if isinstance(b, ast.Subscript) else b, cls.outer) for b in cls.node.bases]

    def catalog_row(self, callee: Optional[Value]) -> Optional[ApiRow]:
        """The catalog row for calling `callee`, if the catalog knows it."""
        if isinstance(callee, (Ref, Instance)):
            return self.evaluator.call_row(callee)
        if isinstance(callee, RelativeRef) and self.catalog.has_user_rows:
            # a team's own blocking API (`extra-blocking`) imported relatively: its absolute name
            package = _package_of(os.path.dirname(os.path.abspath(self.path)))
            if package is not None and callee.level <= len(package):
                base = package[: len(package) - callee.level + 1]
                parts = [*base, *(callee.module.split(".") if callee.module else []), callee.name]
                return self.catalog.row(".".join(parts))
        return None

    def blocking_row(self, call: ast.Call) -> Optional[ApiRow]:
        """The catalog row if this call blocks, after the precision guards (memoised: rules and
        call graphs ask about the same calls)."""
        if call in self._blocking:
            return self._blocking[call]
        row = self._blocking[call] = self._blocking_row(call)
        return row

    def _blocking_row(self, call: ast.Call) -> Optional[ApiRow]:
        if call in self.scopes.awaited_calls:
            return None  # it returns an awaitable: an async API, whatever its name
        callee = self.callee(call)
        if isinstance(callee, Ref) and callee.qualname in _CONSUMERS and call.args:
            scope = self.scopes.call_scope.get(call)
            arg = call.args[0]
            if isinstance(arg, ast.GeneratorExp):  # `sum(d["n"] for d in cursor)` iterates the cursor now
                arg = arg.generators[0].iter
            return None if scope is None else self._iteration_row(arg, scope)
        row = self.catalog_row(callee)
        if row is None or not row.blocking or not row.applies_to(call):
            return None
        if isinstance(callee, Instance) and not self._judged(callee, call):
            return None
        if row.settled_by_await:
            fn = self.function_of(call)
            here = (call.lineno, call.col_offset)
            if fn is not None and any(p < here for p in fn.await_positions):
                return None
        return row

    def _judged(self, obj: Instance, call: ast.Call) -> bool:
        info = self.catalog.type_info(obj.type)
        if obj.declared and not info.trust_annotations:
            return False
        if isinstance(call.func, ast.Attribute) and (_receiver(call.func), obj.type) in self._awaited_receivers():
            return False  # the module awaits this object's methods elsewhere: it is used as an async client
        if info.nonblocking_if and isinstance(call.func, ast.Attribute):
            return _receiver(call.func) not in self._nonblocking_receivers(obj.type)
        return True

    def _awaited_receivers(self) -> frozenset[tuple[str, str]]:
        """(receiver source, catalog type) of method calls the module awaits (`await c.send(...)`):
        a catalog type awaited there is an async variant of it (`slack.WebClient(run_async=True)`)."""
        if self._awaited is None:
            found: set[tuple[str, str]] = set()
            for call in self.scopes.awaited_calls:
                if isinstance(call.func, ast.Attribute):
                    callee = self.callee(call)
                    if isinstance(callee, Instance):
                        found.add((_receiver(call.func), callee.type))
            self._awaited = frozenset(found)
        return self._awaited

    def _nonblocking_receivers(self, type_name: str) -> frozenset[str]:
        """Source texts of receivers put in non-blocking mode anywhere in the module."""
        cached = self._nonblocking.get(type_name)
        if cached is None:
            patterns = self.catalog.type_info(type_name).nonblocking_if
            found = set()
            for call in self.scopes.call_scope:
                f = call.func
                if isinstance(f, ast.Attribute) and any(f.attr == m and p.matches(call) for m, p in patterns):
                    found.add(_receiver(f))
            cached = self._nonblocking[type_name] = frozenset(found)
        return cached

    def _iteration_row(self, node: ast.expr, scope: Scope) -> Optional[ApiRow]:
        """The row that says iterating `node` blocks (`T.__iter__`), if one does."""
        value = self.evaluator.value(node, scope)
        if not isinstance(value, Instance) or value.path:
            return None
        if value.declared and not self.catalog.type_info(value.type).trust_annotations:
            return None
        row = self.catalog.member_row(value.type, ("__iter__",))
        return row if row is not None and row.blocking else None

    def blocking_iterations_in(self, fn: FunctionInfo) -> Iterator[BlockingIteration]:
        """Sync `for` loops and comprehensions of `fn` that iterate an object whose iteration blocks
        (directly, or through enumerate/zip/...)."""
        for node, scope in fn.iterations:
            todo = [node]
            while todo:
                n = todo.pop()
                if isinstance(n, ast.Call) and n.args:
                    callee = self.evaluator.value(n.func, scope)
                    if isinstance(callee, Ref) and callee.qualname in _LAZY:
                        todo.extend(a for a in n.args if not isinstance(a, ast.Starred))
                        continue
                row = self._iteration_row(n, scope)
                if row is not None:
                    yield BlockingIteration(n, row)

    def condition(self, call: ast.Call) -> Optional[Maybe]:
        """When a blocking call blocks only on some path: the binding that makes it blocking."""
        callee = self.callee(call)
        return callee.maybe if isinstance(callee, Instance) else None

    def blocking_calls_in(self, fn: FunctionInfo) -> Iterator[BlockingCall]:
        for call in fn.calls:
            row = self.blocking_row(call)
            if row is not None:
                yield BlockingCall(call, row, fn)

    def async_library(self, default: str = "asyncio") -> str:
        """trio/anyio when the module imports them (so advice names their API)."""
        names = {v.qualname.split(".", 1)[0] for vs in self._module_imports() for v in vs}
        for lib in ASYNC_LIBRARIES:
            if lib in names:
                return lib
        return default

    def _module_imports(self) -> Iterator[list[Ref]]:
        from .scopes import Bound

        for bindings in self.scopes.module_scope.bindings.values():
            yield [b.value for b in bindings if isinstance(b, Bound) and isinstance(b.value, Ref)]


@functools.lru_cache(maxsize=256)
def _package_of(directory: str) -> Optional[tuple[str, ...]]:
    """The package a folder is, by its `__init__.py` files (() when it is none; None: not importable)."""
    parts: list[str] = []
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, name = os.path.split(directory)
        if not name.isidentifier():
            return None
        parts.insert(0, name)
    return tuple(parts)
