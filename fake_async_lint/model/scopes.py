"""Scopes, bindings and functions of one module, collected in a single tree walk.

Modelled on pyflakes' checker: one visitor, one handler per node type, and
bindings kept per scope. Bindings are recorded, not evaluated: the evaluator
(bindings.py) turns them into values on demand, so the walk stays cheap.
"""

from __future__ import annotations

import ast
import builtins
import enum
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterator, Optional, Union

from .imports import import_bindings, import_from_bindings
from .values import LocalClass, LocalFunction, Value

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
BUILTIN_NAMES = frozenset(dir(builtins))


class ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    COMPREHENSION = "comprehension"


# ------------------------------------------------------------------ bindings
@dataclass(frozen=True)
class Bound:
    """A name bound to a known value (imports, def, class)."""

    value: Value


@dataclass(frozen=True)
class Assigned:
    """`name = expr` (or a walrus): the value of `expr` evaluated in `scope`."""

    expr: ast.expr
    scope: Scope


@dataclass(frozen=True)
class Entered:
    """`with expr as name`: what entering `expr` gives."""

    expr: ast.expr
    scope: Scope


@dataclass(frozen=True)
class Annotated:
    """`name: T` (parameter, variable or attribute annotation)."""

    annotation: ast.expr
    scope: Scope


@dataclass(frozen=True)
class SelfParam:
    """The first parameter of a method: the instance (or the class, for classmethods)."""

    cls: ast.ClassDef
    is_class: bool


@dataclass(frozen=True)
class Opaque:
    """A binding whose value is not tracked (loop targets, unpacking, except ...)."""


Binding = Union[Bound, Assigned, Entered, Annotated, SelfParam, Opaque]
OPAQUE = Opaque()


# ------------------------------------------------------------------ scopes
@dataclass(eq=False)
class Scope:
    kind: ScopeKind
    node: ast.AST
    parent: Optional[Scope]
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    star_imports: list[str] = field(default_factory=list)

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


@dataclass(eq=False)
class ClassInfo:
    """A class: its body scope and the attributes its methods set on `self`."""

    node: ast.ClassDef
    scope: Scope
    outer: Scope
    self_attrs: dict[str, list[Binding]] = field(default_factory=dict)


@dataclass(eq=False)
class FunctionInfo:
    """A function, method or lambda, and what runs when it is called."""

    node: FunctionNode
    name: str
    qualname: str
    scope: Scope
    parent: Optional[FunctionInfo]
    cls: Optional[ClassInfo]
    calls: list[ast.Call] = field(default_factory=list)
    returns: list[ast.expr] = field(default_factory=list)
    # await / async for / async with in its own body (FAS204)
    async_constructs: int = 0
    # where the body suspends: a thread future may be settled after these
    await_positions: list[tuple[int, int]] = field(default_factory=list)
    is_generator: bool = False

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)


def _skip(builder: ScopeBuilder, node: ast.AST) -> None:
    return None


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


# Nodes with nothing below them that the model records: not walked at all.
_LEAVES: tuple[type, ...] = (
    ast.Name,
    ast.Constant,
    ast.expr_context,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
    ast.alias,
    ast.Pass,
    ast.Break,
    ast.Continue,
)


class ScopeBuilder(ast.NodeVisitor):
    """Walks a module once and records scopes, bindings, functions and calls."""

    # type -> handler, filled on first sight: NodeVisitor looks the method up by name per node
    _dispatch: ClassVar[dict[type, Callable[[ScopeBuilder, Any], None]]] = {}

    def visit(self, node: ast.AST) -> None:
        handler = self._dispatch.get(type(node))
        if handler is None:
            handler = self._handler_for(type(node))
        handler(self, node)

    @classmethod
    def _handler_for(cls, kind: type) -> Callable[[ScopeBuilder, Any], None]:
        if issubclass(kind, _LEAVES):
            handler: Callable[[ScopeBuilder, Any], None] = _skip
        else:
            handler = getattr(cls, "visit_" + kind.__name__, cls.generic_visit)
        cls._dispatch[kind] = handler
        return handler

    def generic_visit(self, node: ast.AST) -> None:
        visit = self.visit
        for field_name in node._fields:
            value = getattr(node, field_name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        visit(item)
            elif isinstance(value, ast.AST):
                visit(value)

    def __init__(self, tree: ast.Module) -> None:
        self.module_scope = Scope(ScopeKind.MODULE, tree, None)
        self.scope = self.module_scope
        self.function: Optional[FunctionInfo] = None
        self.cls: Optional[ClassInfo] = None
        self.functions: list[FunctionInfo] = []
        self.function_of_node: dict[ast.AST, FunctionInfo] = {}
        self.classes: dict[ast.ClassDef, ClassInfo] = {}
        # every call, with the scope its names resolve in and the function it runs in
        self.call_scope: dict[ast.Call, Scope] = {}
        self.call_function: dict[ast.Call, Optional[FunctionInfo]] = {}
        self.module_calls: list[ast.Call] = []
        # calls that are the operand of `await`: they return awaitables, so they are async APIs
        self.awaited_calls: set[ast.Call] = set()
        self._qual: list[str] = []
        self.visit(tree)

    # -- helpers -------------------------------------------------------------
    def _bind(self, name: str, binding: Binding) -> None:
        scope = self.scope
        if name in scope.globals:
            scope = self.module_scope
        elif name in scope.nonlocals:
            scope = self._nonlocal_target(name)
        scope.add(name, binding)

    def _nonlocal_target(self, name: str) -> Scope:
        s = self.scope.parent
        while s is not None and s.kind is not ScopeKind.MODULE:
            if s.kind is ScopeKind.FUNCTION and name in s.bindings:
                return s
            s = s.parent
        return self.scope

    def _bind_target(self, target: ast.expr, binding: Binding) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id, binding)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_target(elt, OPAQUE)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, OPAQUE)
        elif isinstance(target, ast.Attribute):
            self._bind_self_attr(target, binding)

    def _bind_self_attr(self, target: ast.Attribute, binding: Binding) -> None:
        """Record `self.x = ...` in a method for the enclosing class."""
        fn = self.function
        if fn is None or fn.cls is None or not isinstance(target.value, ast.Name):
            return
        if isinstance(fn.node, ast.Lambda) or fn.node not in fn.cls.node.body:
            return
        args = fn.node.args.posonlyargs + fn.node.args.args
        if args and target.value.id == args[0].arg and "staticmethod" not in _decorator_names(fn.node):
            fn.cls.self_attrs.setdefault(target.attr, []).append(binding)

    def _visit_all(self, nodes: list[ast.expr] | list[ast.stmt]) -> None:
        for n in nodes:
            self.visit(n)

    # -- module-level structure ------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for name, value in import_bindings(node):
            self._bind(name, Bound(value))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if any(a.name == "*" for a in node.names):
            if node.module and not node.level:
                self.scope.star_imports.append(node.module)
            else:
                self.scope.star_imports.append("." * node.level + (node.module or ""))
            return
        for name, value in import_from_bindings(node):
            self._bind(name, Bound(value))

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocals.update(node.names)

    # -- definitions -----------------------------------------------------------
    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # decorators, defaults and annotations run where the def statement runs
        self._visit_all(node.decorator_list)
        self._visit_arguments_outside(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        owner = self.cls.node if self.cls is not None and self.scope.kind is ScopeKind.CLASS else None
        self._bind(node.name, Bound(LocalFunction(node, owner)))
        self._enter_function(node, node.name)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments_outside(node.args)
        self._enter_function(node, "<lambda>")

    def _visit_arguments_outside(self, args: ast.arguments) -> None:
        for d in args.defaults:
            self.visit(d)
        for kd in args.kw_defaults:
            if kd is not None:
                self.visit(kd)
        for a in self._all_args(args):
            if a.annotation is not None:
                self.visit(a.annotation)

    @staticmethod
    def _all_args(args: ast.arguments) -> list[ast.arg]:
        out = args.posonlyargs + args.args + args.kwonlyargs
        if args.vararg:
            out.append(args.vararg)
        if args.kwarg:
            out.append(args.kwarg)
        return out

    def _enter_function(self, node: FunctionNode, name: str) -> None:
        cls = self.cls if self.scope.kind is ScopeKind.CLASS else None
        scope = Scope(ScopeKind.FUNCTION, node, self.scope)
        self._qual.append(name)
        info = FunctionInfo(
            node=node,
            name=name,
            qualname=".".join(self._qual),
            scope=scope,
            parent=self.function,
            cls=cls if cls is not None else (self.function.cls if self.function else None),
        )
        self.functions.append(info)
        self.function_of_node[node] = info
        self._bind_params(node, scope, cls)
        saved = (self.scope, self.function, self.cls)
        self.scope, self.function = scope, info
        if isinstance(node, ast.Lambda):
            self.visit(node.body)
            info.returns.append(node.body)
        else:
            self._qual.append("<locals>")
            self._visit_all(node.body)
            self._qual.pop()
        self.scope, self.function, self.cls = saved
        self._qual.pop()

    def _bind_params(self, node: FunctionNode, scope: Scope, cls: Optional[ClassInfo]) -> None:
        args = self._all_args(node.args)
        positional = node.args.posonlyargs + node.args.args
        decorators = _decorator_names(node) if not isinstance(node, ast.Lambda) else set()
        for a in args:
            if a.annotation is not None:
                scope.add(a.arg, Annotated(a.annotation, self.scope))
            elif cls is not None and positional and a is positional[0] and "staticmethod" not in decorators:
                scope.add(a.arg, SelfParam(cls.node, is_class="classmethod" in decorators))
            else:
                scope.add(a.arg, OPAQUE)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all(node.decorator_list)
        self._visit_all(node.bases)
        for kw in node.keywords:
            self.visit(kw.value)
        self._bind(node.name, Bound(LocalClass(node)))
        scope = Scope(ScopeKind.CLASS, node, self.scope)
        info = ClassInfo(node, scope, self.scope)
        self.classes[node] = info
        saved = (self.scope, self.function, self.cls)
        # a class body is not part of the enclosing coroutine (RULES.md)
        self.scope, self.function, self.cls = scope, None, info
        self._qual.append(node.name)
        self._visit_all(node.body)
        self._qual.pop()
        self.scope, self.function, self.cls = saved

    def _visit_comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> None:
        gens = node.generators
        self.visit(gens[0].iter)  # evaluated in the enclosing scope
        saved = self.scope
        self.scope = Scope(ScopeKind.COMPREHENSION, node, saved)
        for i, g in enumerate(gens):
            if i:
                self.visit(g.iter)
            self._bind_target(g.target, OPAQUE)
            self.visit(g.target)
            self._visit_all(g.ifs)
            if g.is_async and self.function is not None:
                self.function.async_constructs += 1
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.scope = saved

    visit_ListComp = _visit_comprehension
    visit_SetComp = _visit_comprehension
    visit_DictComp = _visit_comprehension
    visit_GeneratorExp = _visit_comprehension

    # -- statements that bind ----------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            if (
                isinstance(target, (ast.Tuple, ast.List))
                and isinstance(node.value, (ast.Tuple, ast.List))
                and len(target.elts) == len(node.value.elts)
                and not any(isinstance(e, ast.Starred) for e in target.elts)
            ):
                for t, v in zip(target.elts, node.value.elts):
                    self._bind_target(t, Assigned(v, self.scope))
            else:
                self._bind_target(target, Assigned(node.value, self.scope))
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self._bind_target(node.target, Annotated(node.annotation, self.scope))
        if node.value is not None:
            self._bind_target(node.target, Assigned(node.value, self.scope))
        self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._bind_target(node.target, OPAQUE)
        self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        scope = self.scope
        # a walrus in a comprehension binds in the enclosing function's scope
        while scope.kind is ScopeKind.COMPREHENSION and scope.parent is not None:
            scope = scope.parent
        saved, self.scope = self.scope, scope
        self._bind_target(node.target, Assigned(node.value, saved))
        self.scope = saved

    def _visit_for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._bind_target(node.target, OPAQUE)
        self.visit(node.target)
        if isinstance(node, ast.AsyncFor) and self.function is not None:
            self.function.async_constructs += 1
            self.function.await_positions.append((node.lineno, node.col_offset))
        self._visit_all(node.body)
        self._visit_all(node.orelse)

    visit_For = _visit_for
    visit_AsyncFor = _visit_for

    def _visit_with(self, node: ast.With | ast.AsyncWith) -> None:
        is_async = isinstance(node, ast.AsyncWith)
        if is_async and self.function is not None:
            self.function.async_constructs += 1
            self.function.await_positions.append((node.lineno, node.col_offset))
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                binding: Binding = OPAQUE if is_async else Entered(item.context_expr, self.scope)
                self._bind_target(item.optional_vars, binding)
                self.visit(item.optional_vars)
        self._visit_all(node.body)

    visit_With = _visit_with
    visit_AsyncWith = _visit_with

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name, OPAQUE)
        self._visit_all(node.body)

    def visit_MatchAs(self, node: ast.AST) -> None:
        name = getattr(node, "name", None)
        if name:
            self._bind(name, OPAQUE)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.AST) -> None:
        self.visit_MatchAs(node)

    def visit_MatchMapping(self, node: ast.AST) -> None:
        rest = getattr(node, "rest", None)
        if rest:
            self._bind(rest, OPAQUE)
        self.generic_visit(node)

    # -- expressions -------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self.call_scope[node] = self.scope
        self.call_function[node] = self.function
        if self.function is not None:
            self.function.calls.append(node)
        else:
            self.module_calls.append(node)
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        if self.function is not None:
            self.function.async_constructs += 1
            self.function.await_positions.append((node.lineno, node.col_offset))
        if isinstance(node.value, ast.Call):
            self.awaited_calls.add(node.value)
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit(node.value)
            if self.function is not None:
                self.function.returns.append(node.value)

    def _visit_yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        if self.function is not None:
            self.function.is_generator = True
        self.generic_visit(node)

    visit_Yield = _visit_yield
    visit_YieldFrom = _visit_yield


def iter_scope_chain(scope: Scope) -> Iterator[Scope]:
    """The scopes a name lookup from `scope` visits, innermost first (LEGB)."""
    yield scope
    s = scope.parent
    while s is not None:
        if s.kind is not ScopeKind.CLASS:
            yield s
        s = s.parent
