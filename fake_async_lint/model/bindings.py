"""Evaluate names and expressions to values: imports, assignments, annotations,
`self` attributes and objects derived from catalog types.

A name read in a function body sees the bindings that reach it in statement
order (scopes.Flow): `path = Path(p); path.stat()` stays tracked whatever
`path` is bound to later. Elsewhere (module names, attributes, a closure's
free names) a name's value is what all its bindings agree on. Bindings that
disagree, or any binding we cannot evaluate, make it unknown; `x = None` is
neutral, so `try: import requests / except: requests = None` still resolves.
One exception, for reaching bindings that are all plain assignments: when
exactly one of them is a catalog object, the name may be that object, and
the value says so (Instance.maybe) so a finding can name the path.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Callable, Optional

from ..catalog.loader import ApiRow, Catalog
from .imports import star_exports
from .scopes import (
    BUILTIN_NAMES,
    OPAQUE,
    Annotated,
    Assigned,
    Binding,
    Bound,
    ClassInfo,
    Entered,
    FunctionInfo,
    Iterated,
    Opaque,
    Scope,
    ScopeBuilder,
    ScopeKind,
    SelfParam,
    expand,
    iter_scope_chain,
)
from .values import (
    Collection,
    ImportedObject,
    Instance,
    LocalClass,
    LocalFunction,
    LocalObject,
    Maybe,
    Ref,
    RelativeRef,
    Value,
)


class _Neutral:
    """`None` assigned to a name: agrees with any other binding."""


NEUTRAL = _Neutral()

_WRAPPERS = {"typing.Optional", "typing.Annotated", "typing.ClassVar", "typing.Final", "typing_extensions.Annotated"}
_UNIONS = {"typing.Union"}
# annotations that are not a type of the value: `x: Final = boto3.client(...)` keeps the value
_NOT_A_TYPE = {"typing.Any", "typing_extensions.Any", "builtins.object", "typing.Final", "typing_extensions.Final"}
_SEQUENCES = {
    f"{module}.{name}"
    for module, names in (
        ("builtins", ("list", "set", "frozenset", "tuple")),
        (
            "typing",
            (
                "List",
                "Set",
                "FrozenSet",
                "Tuple",
                "Iterable",
                "Iterator",
                "Sequence",
                "MutableSequence",
                "Collection",
                "AbstractSet",
                "MutableSet",
                "Generator",
                "Deque",
                "KeysView",
                "ValuesView",
            ),
        ),
        (
            "collections.abc",
            (
                "Iterable",
                "Iterator",
                "Sequence",
                "MutableSequence",
                "Collection",
                "Set",
                "MutableSet",
                "Generator",
                "KeysView",
                "ValuesView",
            ),
        ),
        ("collections", ("deque",)),
    )
    for name in names
}
_MAPPINGS = {
    "builtins.dict",
    "typing.Dict",
    "typing.Mapping",
    "typing.MutableMapping",
    "typing.DefaultDict",
    "typing.OrderedDict",
    "collections.abc.Mapping",
    "collections.abc.MutableMapping",
    "collections.OrderedDict",
    "collections.defaultdict",
}
# builtins that iterate lazily over their argument(s): what they yield comes from it
_PASS_THROUGH = {
    "builtins.sorted",
    "builtins.list",
    "builtins.tuple",
    "builtins.set",
    "builtins.frozenset",
    "builtins.reversed",
    "builtins.iter",
    "builtins.filter",
}
MAX_DEPTH = 40


@dataclass(frozen=True)
class _Unpacked:
    """What iterating gives when it is a tuple of known parts (`enumerate(x)`, `d.items()`)."""

    parts: tuple[object, ...]


class Evaluator:
    """Answers "what is this expression?" for one module, memoised."""

    def __init__(
        self,
        builder: ScopeBuilder,
        catalog: Catalog,
        resolve_relative: Callable[[RelativeRef], Optional[Value]] | None = None,
    ) -> None:
        self.b = builder
        self.catalog = catalog
        self.resolve_relative = resolve_relative
        self._memo: dict[tuple[int, str], object] = {}
        self._active: set[tuple[int, str]] = set()
        self._depth = 0

    # -- names ---------------------------------------------------------------
    def lookup(self, name: str, scope: Scope) -> Optional[Value]:
        v = self._lookup(name, scope)
        return None if v is NEUTRAL else v  # type: ignore[return-value]

    def _lookup(self, name: str, scope: Scope, node: Optional[ast.Name] = None) -> object:
        if name in scope.globals:
            scope = self.b.module_scope
        for s in iter_scope_chain(scope):
            if name in s.bindings:
                reach = self.b.reach.get(node) if node is not None else None
                if reach is not None and reach[0] is s and name not in s.rebound_inside:
                    return self._reaching_value(s, name, expand(reach[1]))
                return self._scope_value(s, name)
            if s.star_imports and s.kind is ScopeKind.MODULE:
                # `from x import *` may define anything; a builtin stays one unless x is known to define it
                if name in BUILTIN_NAMES and not any(self._star_defines(m, name) for m in s.star_imports):
                    break
                return None
        if name in BUILTIN_NAMES:
            return Ref(f"builtins.{name}")
        return None

    def _star_defines(self, module: str, name: str) -> bool:
        """Whether `from module import *` binds `name`: known for the standard library (its source)
        and the catalog's `star_exports`; a project or unknown module is assumed not to."""
        known = self.catalog.star_exports.get(module)
        if known is None and not module.startswith("."):
            known = star_exports(module)
        return known is not None and name in known

    def _reaching_value(self, scope: Scope, name: str, indices: frozenset[int]) -> object:
        """The value of a name read in its own function: the bindings that reach the read."""
        bindings = scope.bindings[name]
        if not indices:
            return None  # nothing reaches: unbound here (dead code, or a name bound only later)
        if len(indices) == len(bindings):
            chosen = bindings
        else:
            chosen = [bindings[i] for i in sorted(indices)]
        key = (id(scope), name + "@" + ",".join(map(str, sorted(indices))))
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            value = self._merge_reaching(name, chosen)
            if not _precise(value):
                # `x: T` (a parameter, a declaration, `x: T = None`) declares x for the whole scope:
                # it answers when the bindings that reach say nothing precise
                declared = [
                    (b.annotation, b.scope)
                    for b in bindings
                    if isinstance(b, Annotated) or (isinstance(b, Assigned) and b.annotation is not None)
                ]
                if declared:
                    typed = merge(self.annotation_value(d, where) for d, where in declared if d is not None)
                    if typed is not None and typed is not NEUTRAL:
                        value = typed
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def _merge_reaching(self, name: str, chosen: list[Binding]) -> object:
        values = [self.binding_value(b) for b in chosen]
        merged = merge(values)
        if merged is not None or len(chosen) < 2:
            return merged
        if not all(isinstance(b, (Assigned, Entered, Bound)) for b in chosen):
            return None  # a parameter, a loop variable...: nothing says which object it is
        found: Optional[tuple[Binding, Instance]] = None
        for b, v in zip(chosen, values):
            if isinstance(v, Instance) and not v.declared and self.catalog.type_info(v.type).on_any_path:
                if found is not None and found[1] != v:
                    return None
                if found is None:
                    found = (b, v)
        if found is None:
            return None
        b, v = found
        if v.maybe is not None or not isinstance(b, (Assigned, Entered)):
            return v if v.maybe is not None else None
        return replace(v, maybe=Maybe(name, b.expr.lineno, _described(b.expr)))

    def _scope_value(self, scope: Scope, name: str) -> object:
        key = (id(scope), name)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            value = self._merge_bindings(scope.bindings[name])
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def _merge_bindings(self, bindings: list[Binding]) -> object:
        annotated = [b for b in bindings if isinstance(b, Annotated) or (isinstance(b, Assigned) and b.annotation)]
        # an annotation declares the type, whatever the assignments say
        chosen = annotated or bindings
        return merge(self.binding_value(b) for b in chosen)

    def binding_value(self, b: Binding) -> object:
        if isinstance(b, Bound):
            return b.value
        if isinstance(b, Assigned):
            value = self._value(b.expr, b.scope)
            if b.annotation is None:
                return value
            # `x: T = v`: the value when it is known precisely, else what T declares
            if _precise(value):
                return value
            declared = self.annotation_value(b.annotation, b.scope)
            return declared if declared is not None else value
        if isinstance(b, Iterated):
            item = self.iterated(b.expr, b.scope)
            for i in b.path:
                item = item.parts[i] if isinstance(item, _Unpacked) and i < len(item.parts) else None
            return None if isinstance(item, _Unpacked) else item
        if isinstance(b, Entered):
            return self.entered(self._value(b.expr, b.scope))
        if isinstance(b, Annotated):
            return self.annotation_value(b.annotation, b.scope)
        if isinstance(b, SelfParam):
            return LocalClass(b.cls) if b.is_class else LocalObject(b.cls)
        assert isinstance(b, Opaque)
        return None

    def entered(self, value: object) -> object:
        """`with X as v`: catalog objects return themselves from __enter__."""
        if isinstance(value, Instance):
            row = self.catalog.member_row(value.type, value.path + ("__enter__",)) if value.path else None
            if row is not None and row.returns:
                return self._derived(value, row.returns)
            return value if not value.path else None
        return None

    def _derived(self, base: object, type_name: str) -> Instance:
        """An object of `type_name` obtained from `base` (it may be one only on some path, like base)."""
        maybe = base.maybe if isinstance(base, Instance) else None
        return Instance(self.catalog.canonical(type_name), maybe=maybe)

    # -- iteration -----------------------------------------------------------------
    def iterated(self, node: ast.expr, scope: Scope) -> object:
        """What iterating `node` gives (`for x in node`), when known."""
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values") and not node.args:
                base = self._value(func.value, scope)
                if isinstance(base, Collection) and base.mapping:
                    if func.attr == "keys":
                        return base.key
                    if func.attr == "values":
                        return base.value
                    return _Unpacked((base.key, base.value))
            callee = self._value(func, scope)
            if isinstance(callee, Ref) and node.args:
                if callee.qualname == "builtins.enumerate":
                    return _Unpacked((None, self.iterated(node.args[0], scope)))
                if callee.qualname == "builtins.zip":
                    return _Unpacked(tuple(self.iterated(a, scope) for a in node.args))
                if callee.qualname in _PASS_THROUGH:
                    return self.iterated(node.args[-1], scope)
            row = self.call_row(callee)
            if row is not None and row.yields:
                return self._derived(callee, row.yields)
        value = self._value(node, scope)
        if isinstance(value, Collection):
            return value.key
        return None

    def call_row(self, callee: object) -> Optional[ApiRow]:
        """The catalog row for calling `callee` (a qualified name, or a member of a catalog type)."""
        if isinstance(callee, Ref):
            return self.catalog.row(callee.qualname)
        if isinstance(callee, Instance):
            return self.catalog.member_row(callee.type, callee.path)
        return None

    # -- annotations -------------------------------------------------------------
    def annotation_value(self, node: ast.expr, scope: Scope) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                parsed = ast.parse(node.value.strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
            return self.annotation_value(parsed, scope)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [s for s in (node.left, node.right) if not _is_none(s)]
            return self.annotation_value(sides[0], scope) if len(sides) == 1 else None
        if isinstance(node, ast.Subscript):
            base = self._value(node.value, scope)
            if isinstance(base, Ref):
                args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                if base.qualname in _WRAPPERS:
                    return self.annotation_value(args[0], scope)
                if base.qualname in _UNIONS:
                    real = [a for a in args if not _is_none(a)]
                    return self.annotation_value(real[0], scope) if len(real) == 1 else None
                if base.qualname in _MAPPINGS and len(args) == 2:
                    key, value = (self.annotation_value(a, scope) for a in args)
                    return Collection(key, value, mapping=True) if key is not None or value is not None else None
                if base.qualname in _SEQUENCES:
                    items = [a for a in args if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
                    if not items:
                        return None
                    if base.qualname.endswith(("tuple", "Tuple")):
                        item = merge(self.annotation_value(a, scope) for a in items)  # tuple[A, B]: A or B
                    else:
                        item = self.annotation_value(items[0], scope)  # Generator[Y, S, R] yields Y
                    return Collection(item) if item is not None else None
            node = node.value  # a generic type: IO[str] is an IO
        value = self._value(node, scope)
        if isinstance(value, Ref) and value.qualname in _NOT_A_TYPE:
            return None
        if isinstance(value, Ref) and self.catalog.is_type(value.qualname):
            return Instance(self.catalog.canonical(value.qualname), declared=True)
        if isinstance(value, LocalClass):
            return LocalObject(value.node)
        if _importable(value):
            return ImportedObject(value)  # type: ignore[arg-type]
        return None

    # -- expressions ---------------------------------------------------------------
    def value(self, node: ast.expr, scope: Scope) -> Optional[Value]:
        v = self._value(node, scope)
        return None if v is NEUTRAL else v  # type: ignore[return-value]

    def _value(self, node: ast.expr, scope: Scope) -> object:
        if self._depth > MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self._value_inner(node, scope)
        finally:
            self._depth -= 1

    def _value_inner(self, node: ast.expr, scope: Scope) -> object:
        if isinstance(node, ast.Name):
            return self._lookup(node.id, scope, node)
        if isinstance(node, ast.Attribute):
            return self.attribute(self._value(node.value, scope), node.attr)
        if isinstance(node, ast.Call):
            return self.call_result(self._value(node.func, scope), node)
        if isinstance(node, ast.Constant):
            return NEUTRAL if node.value is None else None
        if isinstance(node, ast.IfExp):
            return merge([self._value(node.body, scope), self._value(node.orelse, scope)])
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return merge(self._value(v, scope) for v in node.values)
        if isinstance(node, ast.NamedExpr):
            return self._value(node.value, scope)
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            # `await self.get_dir()`: a local coroutine's result is what its return annotation says
            callee = self._value(node.value.func, scope)
            if isinstance(callee, LocalFunction) and callee.is_async and callee.node.returns is not None:
                info = self.b.function_of_node.get(callee.node)
                if info is not None and info.scope.parent is not None and not info.is_generator:
                    return self.annotation_value(callee.node.returns, info.scope.parent)
            return None
        if isinstance(node, ast.Subscript):
            base = self._value(node.value, scope)
            if isinstance(base, Instance) and not base.path:
                item = self.catalog.type_info(base.type).item
                return self._derived(base, item) if item else None
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left = self._value(node.left, scope)
            if isinstance(left, Instance) and not left.path:
                div = self.catalog.type_info(left.type).truediv
                return self._derived(left, div) if div else None
        return None

    def attribute(self, base: object, name: str) -> object:
        if isinstance(base, Ref):
            return base.attr(name)
        if isinstance(base, Instance):
            return self._instance_attribute(base, name)
        if isinstance(base, (LocalObject, LocalClass)):
            value = self.class_attribute(base.node if isinstance(base, LocalClass) else base.cls, name, base)
            if isinstance(base, LocalObject) and isinstance(value, LocalFunction) and _is_property(value):
                return self._returned(value)  # `self.http` read through a @property
            return value
        if isinstance(base, RelativeRef):
            return RelativeRef(base.level, base.module, f"{base.name}.{name}")
        if isinstance(base, ImportedObject) and not base.path:
            return ImportedObject(base.factory, (name,))
        return None

    def _instance_attribute(self, base: Instance, name: str) -> object:
        if base.path:
            return Instance(base.type, base.path + (name,), declared=base.declared, maybe=base.maybe)
        full = f"{self.catalog.canonical(base.type)}.{name}"
        row = self.catalog.apis.get(full)
        if row is not None and row.attr_type:
            return self._derived(base, row.attr_type)
        item = self.catalog.type_info(base.type).item
        if item and row is None and self.catalog.member_row(base.type, (name,)) is None:
            return self._derived(base, item)
        return Instance(base.type, (name,), declared=base.declared, maybe=base.maybe)

    def call_result(self, callee: object, call: ast.Call) -> object:
        if isinstance(callee, Ref):
            row = self.catalog.row(callee.qualname)
            result = row.result_type(call) if row is not None else None
            if result:
                return Instance(self.catalog.canonical(result))
            return ImportedObject(callee) if row is None and _importable(callee) else None
        if isinstance(callee, RelativeRef):
            return ImportedObject(callee)
        if isinstance(callee, Instance):
            row = self.catalog.member_row(callee.type, callee.path)
            result = row.result_type(call) if row is not None else None
            if result:
                return self._derived(callee, result)
            return None
        if isinstance(callee, LocalClass):
            return LocalObject(callee.node)
        if isinstance(callee, LocalFunction) and not callee.is_async:
            return self._returned(callee)
        return None

    def _returned(self, fn: LocalFunction) -> object:
        """A sync factory's result: what all its `return` expressions agree on."""
        info = self.b.function_of_node.get(fn.node)
        if info is None or info.is_generator or fn.is_async:
            return None
        key = (id(info.scope), "<return>")
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            # a return annotation declares the type, whatever the body says (`def make() -> requests.Session`)
            declared = fn.node.returns
            if declared is not None and info.scope.parent is not None:
                value = self.annotation_value(declared, info.scope.parent)
            else:
                value = merge(self._value(r, info.scope) for r in info.returns) if info.returns else None
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    # -- classes ---------------------------------------------------------------------
    def class_attribute(self, cls: ast.ClassDef, name: str, via: object, _seen: frozenset[int] = frozenset()) -> object:
        """`self.x` / `cls.x`: class-body bindings and `self.x = ...` in methods, then local bases."""
        info = self.b.classes.get(cls)
        if info is None or id(cls) in _seen:
            return None
        bindings: list[Binding] = list(info.scope.bindings.get(name, ())) + list(info.self_attrs.get(name, ()))
        if bindings:
            key = (id(cls), "self." + name)
            if key in self._memo:
                return self._memo[key]
            if key in self._active:
                return None
            self._active.add(key)
            try:
                value = self._merge_bindings(bindings)
            finally:
                self._active.discard(key)
            self._memo[key] = value
            return value
        for base in info.node.bases:
            b = self._value(base, info.outer)
            if isinstance(b, LocalClass):
                found = self.class_attribute(b.node, name, via, _seen | {id(cls)})
                if found is not None:
                    return found
        return None

    def class_info(self, cls: ast.ClassDef) -> Optional[ClassInfo]:
        return self.b.classes.get(cls)

    def function_info(self, node: ast.AST) -> Optional[FunctionInfo]:
        return self.b.function_of_node.get(node)

    # -- origins -----------------------------------------------------------------------
    def origin(self, node: ast.expr, scope: Scope) -> Optional[ast.expr]:
        """The expression a name or `self` attribute was assigned from, when its bindings name
        exactly one (`x = None` aside): `pool` -> `ThreadPoolExecutor(4)`, `self._pool` -> the
        `__init__` assignment, `with ThreadPoolExecutor() as pool` too. Any other expression is
        its own origin; None when the bindings disagree or are not assignments."""
        for _ in range(MAX_DEPTH):
            bindings = self._origin_bindings(node, scope)
            if bindings is None:
                return node
            real = [
                b
                for b in bindings
                if not isinstance(b, Annotated) and not (isinstance(b, Assigned) and _is_none(b.expr))
            ]
            if len(real) != 1:
                return None
            b = real[0]
            if isinstance(b, Assigned):
                node, scope = b.expr, b.scope
            elif isinstance(b, Entered):
                entered = self._value(b.expr, b.scope)
                # only context managers that return themselves: `with X() as x` means x is X()
                if not (isinstance(entered, Instance) and not entered.path and self.entered(entered) == entered):
                    return None
                node, scope = b.expr, b.scope
            else:
                return None
        return None

    def _origin_bindings(self, node: ast.expr, scope: Scope) -> Optional[list[Binding]]:
        if isinstance(node, ast.Name):
            if node.id in scope.globals:
                scope = self.b.module_scope
            for s in iter_scope_chain(scope):
                if node.id in s.bindings:
                    return s.bindings[node.id]
            return [OPAQUE]
        if isinstance(node, ast.Attribute):
            base = self.value(node.value, scope)
            cls = base.node if isinstance(base, LocalClass) else base.cls if isinstance(base, LocalObject) else None
            seen: set[int] = set()
            while cls is not None and id(cls) not in seen:
                seen.add(id(cls))
                info = self.b.classes.get(cls)
                if info is None:
                    break
                found = list(info.scope.bindings.get(node.attr, ())) + list(info.self_attrs.get(node.attr, ()))
                if found:
                    return found
                bases = [self._value(b, info.outer) for b in info.node.bases]
                local = [b for b in bases if isinstance(b, LocalClass)]
                cls = local[0].node if len(local) == 1 and len(bases) == 1 else None
            return [OPAQUE]
        return None


def merge(values: object) -> object:
    """One value if all agree (ignoring neutral `None`s), else unknown."""
    found: object = NEUTRAL
    for v in values:  # type: ignore[attr-defined]
        if v is NEUTRAL:
            continue
        if v is None:
            return None
        if found is NEUTRAL:
            found = v
        elif found != v:
            return None
    return found


def _precise(value: object) -> bool:
    """Known for what it is (an imported object's factory or a container type says less)."""
    return isinstance(value, (Instance, LocalObject, LocalClass, LocalFunction, Ref))


def _described(node: ast.expr) -> str:
    """A binding's expression as a finding shows it: `open()`, `io.BytesIO()`, `sys.stdout`."""
    target = node.func if isinstance(node, ast.Call) else node
    text = ast.unparse(target)
    if len(text) > 40:
        text = text[:37] + "..."
    return text + "()" if isinstance(node, ast.Call) else text


def _is_property(fn: LocalFunction) -> bool:
    names = {d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "") for d in fn.node.decorator_list}
    return fn.owner is not None and not fn.is_async and bool(names & {"property", "cached_property"})


def _importable(value: object) -> bool:
    """A name imported from a module the catalog does not know (the project's own, maybe)."""
    if isinstance(value, RelativeRef):
        return True
    return isinstance(value, Ref) and not value.qualname.startswith(_NOT_IMPORTED)


_NOT_IMPORTED = ("builtins.", "typing.", "typing_extensions.")


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None or (isinstance(node, ast.Name) and node.id == "None")
