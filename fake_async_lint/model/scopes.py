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
    """`name = expr` (or a walrus): the value of `expr` evaluated in `scope`.

    `x: T = expr` too, with its annotation: the value is tracked whatever `T` says
    (`Final`, `Any`, a protocol), and `T` answers only when the value is unknown."""

    expr: ast.expr
    scope: Scope
    annotation: Optional[ast.expr] = None


@dataclass(frozen=True)
class Iterated:
    """`for target in expr` (or a comprehension): an item of `expr`, then `path` into tuples
    (`for k, v in d.items()`: v is Iterated(d.items(), scope, (1,)))."""

    expr: ast.expr
    scope: Scope
    path: tuple[int, ...] = ()


@dataclass(frozen=True)
class Entered:
    """`with expr as name`: what entering `expr` gives."""

    expr: ast.expr
    scope: Scope


@dataclass(frozen=True)
class Annotated:
    """`name: T` (a parameter, or a declaration without a value)."""

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


Binding = Union[Bound, Assigned, Iterated, Entered, Annotated, SelfParam, Opaque]
OPAQUE = Opaque()


# ------------------------------------------------------------------ flow
class LoopHead:
    """The bindings of one name that come back to the head of a loop (known when the loop ends)."""

    __slots__ = ("resolved",)

    def __init__(self) -> None:
        self.resolved: frozenset[Union[int, LoopHead]] = frozenset()


Reach = frozenset[Union[int, LoopHead]]  # indices into scope.bindings[name], and loop heads
State = Optional[dict[str, Reach]]  # None: this point is not reachable
_NOTHING: Reach = frozenset()


def expand(reach: Reach) -> frozenset[int]:
    """The binding indices a reach stands for, loop heads followed."""
    out: set[int] = set()
    todo = list(reach)
    seen: set[int] = set()
    while todo:
        item = todo.pop()
        if isinstance(item, int):
            out.add(item)
        elif id(item) not in seen:
            seen.add(id(item))
            todo.extend(item.resolved)
    return frozenset(out)


def join(*states: State) -> State:
    real = [s for s in states if s is not None]
    if not real:
        return None
    out = dict(real[0])
    for s in real[1:]:
        for name, reach in s.items():
            out[name] = out.get(name, _NOTHING) | reach
    return out


@dataclass(eq=False)
class _Loop:
    heads: dict[str, LoopHead]
    breaks: list[State] = field(default_factory=list)
    continues: list[State] = field(default_factory=list)


@dataclass(eq=False)
class Flow:
    """Which bindings of each name of one function scope reach the statement being walked.

    Branches join, loops come back to their head, `return`/`raise`/`break`/`continue` end a
    path, and a handler of `try` sees every binding its body may have made. Conservative: a
    binding that may reach is in the set."""

    scope: Scope
    state: State = field(default_factory=dict)
    loops: list[_Loop] = field(default_factory=list)
    tries: list[dict[str, set[int]]] = field(default_factory=list)

    def bind(self, name: str, index: int, kill: bool = True) -> None:
        for frame in self.tries:
            frame.setdefault(name, set()).add(index)
        if self.state is None:
            return
        old = self.state.get(name, _NOTHING)
        self.state[name] = frozenset({index}) if kill else old | {index}

    def reach(self, name: str) -> Reach:
        return _NOTHING if self.state is None else self.state.get(name, _NOTHING)

    def copy(self) -> State:
        return None if self.state is None else dict(self.state)


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
    # names a nested function rebinds (`nonlocal x`): their bindings do not follow statement order here
    rebound_inside: set[str] = field(default_factory=set)

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
    # the iterables of its sync `for` loops and comprehensions: iterating them runs here
    iterations: list[tuple[ast.expr, Scope]] = field(default_factory=list)

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
        # for each name read in a function body: that function's scope and the bindings that reach it
        self.reach: dict[ast.Name, tuple[Scope, Reach]] = {}
        # sync `for` loops and comprehensions of each function: iterating runs there (a cursor fetches)
        self.flow: Optional[Flow] = None
        self._qual: list[str] = []
        self.visit(tree)

    # -- helpers -------------------------------------------------------------
    def _bind(self, name: str, binding: Binding) -> None:
        scope = self.scope
        if name in scope.globals:
            scope = self.module_scope
        elif name in scope.nonlocals:
            scope = self._nonlocal_target(name)
            scope.rebound_inside.add(name)
        scope.add(name, binding)
        flow = self.flow
        if flow is not None and scope is flow.scope:
            # a walrus in a comprehension may not run: it adds to what reaches, it does not replace
            in_comprehension = isinstance(binding, Assigned) and binding.scope.kind is ScopeKind.COMPREHENSION
            flow.bind(name, len(scope.bindings[name]) - 1, kill=not in_comprehension)

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
            for i, elt in enumerate(target.elts):
                if isinstance(binding, Iterated) and not any(isinstance(e, ast.Starred) for e in target.elts):
                    self._bind_target(elt, Iterated(binding.expr, binding.scope, binding.path + (i,)))
                else:
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
        saved = (self.scope, self.function, self.cls, self.flow)
        self.scope, self.function = scope, info
        self.flow = Flow(scope, {name: frozenset(range(len(bs))) for name, bs in scope.bindings.items()})
        if isinstance(node, ast.Lambda):
            self.visit(node.body)
            info.returns.append(node.body)
        else:
            self._qual.append("<locals>")
            self._visit_all(node.body)
            self._qual.pop()
        self.scope, self.function, self.cls, self.flow = saved
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
        saved = (self.scope, self.function, self.cls, self.flow)
        # a class body is not part of the enclosing coroutine (RULES.md)
        self.scope, self.function, self.cls, self.flow = scope, None, info, None
        self._qual.append(node.name)
        self._visit_all(node.body)
        self._qual.pop()
        self.scope, self.function, self.cls, self.flow = saved

    def _visit_comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> None:
        gens = node.generators
        self.visit(gens[0].iter)  # evaluated in the enclosing scope
        saved = self.scope
        self.scope = Scope(ScopeKind.COMPREHENSION, node, saved)
        for i, g in enumerate(gens):
            if i:
                self.visit(g.iter)
            self._bind_target(g.target, Iterated(g.iter, self.scope if i else saved))
            self.visit(g.target)
            # a generator expression iterates when consumed, maybe elsewhere (a thread): not here
            if not g.is_async and self.function is not None and not isinstance(node, ast.GeneratorExp):
                self.function.iterations.append((g.iter, self.scope if i else saved))
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
        if node.value is not None:
            self._bind_target(node.target, Assigned(node.value, self.scope, node.annotation))
        else:
            # a declaration: it binds nothing at run time, so it does not change what reaches
            flow, self.flow = self.flow, None
            self._bind_target(node.target, Annotated(node.annotation, self.scope))
            self.flow = flow
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
        is_async = isinstance(node, ast.AsyncFor)
        if self.function is not None:
            if is_async:
                self.function.async_constructs += 1
                self.function.await_positions.append((node.lineno, node.col_offset))
            else:
                self.function.iterations.append((node.iter, self.scope))
        loop = self._enter_loop()
        self._bind_target(node.target, OPAQUE if is_async else Iterated(node.iter, self.scope))
        self.visit(node.target)
        self._visit_all(node.body)
        self._leave_loop(loop, node.orelse)

    def visit_While(self, node: ast.While) -> None:
        loop = self._enter_loop()
        self.visit(node.test)
        self._visit_all(node.body)
        self._leave_loop(loop, node.orelse)

    # -- flow: branches and loops (only inside functions; elsewhere a plain walk) --------
    def _enter_loop(self) -> Optional[_Loop]:
        flow = self.flow
        if flow is None:
            return None
        # each name bound before the loop may come back to its head rebound by the body; a name first
        # bound in the body and read before that in the body is unbound on the first pass anyway
        heads: dict[str, LoopHead] = {}
        if flow.state is not None:
            for name, reach in flow.state.items():
                head = heads[name] = LoopHead()
                flow.state[name] = reach | {head}
        loop = _Loop(heads)
        flow.loops.append(loop)
        return loop

    def _leave_loop(self, loop: Optional[_Loop], orelse: list[ast.stmt]) -> None:
        flow = self.flow
        if flow is None or loop is None:
            self._visit_all(orelse)
            return
        flow.loops.pop()
        back = join(flow.state, *loop.continues)
        for name, head in loop.heads.items():
            head.resolved = (back.get(name, _NOTHING) if back is not None else _NOTHING) - {head}
        # leaving through the head: each name as the head sees it
        at_head: dict[str, Reach] = {n: frozenset({h}) for n, h in loop.heads.items()}
        exit_state = join(back, at_head)
        flow.state = exit_state
        self._visit_all(orelse)
        flow.state = join(flow.state, *loop.breaks)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        flow = self.flow
        if flow is None:
            self._visit_all(node.body)
            self._visit_all(node.orelse)
            return
        before = flow.copy()
        self._visit_all(node.body)
        after_body, flow.state = flow.state, before
        self._visit_all(node.orelse)
        flow.state = join(after_body, flow.state)

    def _visit_try(self, node: ast.Try) -> None:
        flow = self.flow
        if flow is None:
            self.generic_visit(node)
            return
        before = flow.copy()
        made: dict[str, set[int]] = {}
        flow.tries.append(made)
        self._visit_all(node.body)
        flow.tries.pop()
        for name, indices in made.items():  # the body made these before it stopped somewhere
            for frame in flow.tries:
                frame.setdefault(name, set()).update(indices)
        raised = join(before, flow.state)
        if raised is not None:
            for name, indices in made.items():
                raised[name] = raised.get(name, _NOTHING) | frozenset(indices)
        self._visit_all(node.orelse)
        ends = [flow.state]
        for handler in node.handlers:
            flow.state = dict(raised) if raised is not None else None
            self.visit(handler)
            ends.append(flow.state)
        flow.state = join(*ends)
        if node.finalbody:
            flow.state = join(flow.state, raised)
            self._visit_all(node.finalbody)

    visit_Try = _visit_try
    visit_TryStar = _visit_try

    def visit_Match(self, node: ast.AST) -> None:
        flow = self.flow
        self.visit(node.subject)  # type: ignore[attr-defined]
        if flow is None:
            for case in node.cases:  # type: ignore[attr-defined]
                self.visit(case)
            return
        before = flow.copy()
        ends: list[State] = [before]
        for case in node.cases:  # type: ignore[attr-defined]
            flow.state = None if before is None else dict(before)
            self.visit(case)
            ends.append(flow.state)
        flow.state = join(*ends)

    def _end_path(self) -> None:
        if self.flow is not None:
            self.flow.state = None

    def visit_Raise(self, node: ast.Raise) -> None:
        self.generic_visit(node)
        self._end_path()

    def visit_Break(self, node: ast.Break) -> None:
        if self.flow is not None and self.flow.loops:
            self.flow.loops[-1].breaks.append(self.flow.copy())
        self._end_path()

    def visit_Continue(self, node: ast.Continue) -> None:
        if self.flow is not None and self.flow.loops:
            self.flow.loops[-1].continues.append(self.flow.copy())
        self._end_path()

    def visit_Name(self, node: ast.Name) -> None:
        flow = self.flow
        if flow is not None and isinstance(node.ctx, ast.Load):
            self.reach[node] = (flow.scope, flow.reach(node.id))

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
        self._end_path()

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
