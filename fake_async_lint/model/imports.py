"""Import statements -> the names they bind and what those names refer to."""

from __future__ import annotations

import ast
import functools
import sys
import sysconfig
from pathlib import Path
from typing import Iterator, Optional

from .values import Ref, RelativeRef, Value


def import_bindings(node: ast.Import) -> Iterator[tuple[str, Value]]:
    """`import a.b` binds `a` to module a; `import a.b as c` binds `c` to a.b."""
    for alias in node.names:
        if alias.asname:
            yield alias.asname, Ref(alias.name)
        else:
            top = alias.name.split(".", 1)[0]
            yield top, Ref(top)


def import_from_bindings(node: ast.ImportFrom) -> Iterator[tuple[str, Value]]:
    """`from a import b as c` binds `c` to a.b; relative imports stay unresolved."""
    for alias in node.names:
        bound = alias.asname or alias.name
        if node.level:
            yield bound, RelativeRef(node.level, node.module or "", alias.name)
        elif node.module and node.module != "__future__":
            yield bound, Ref(f"{node.module}.{alias.name}")


# ------------------------------------------------------------------ star imports
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_STDLIB_DIR = Path(sysconfig.get_paths()["stdlib"])
_MAX_STAR_DEPTH = 4


def star_exports(module: str) -> Optional[frozenset[str]]:
    """The names `from module import *` binds, for a standard-library module: read from its
    source with ast (never imported); None when unknown (not stdlib, or no source)."""
    if module.split(".", 1)[0] not in _STDLIB:
        return None
    return _stdlib_exports(module, 0)


@functools.lru_cache(maxsize=256)
def _stdlib_exports(module: str, depth: int) -> Optional[frozenset[str]]:
    found = _stdlib_source(module)
    if found is None:
        # an extension module (posix, _io): the interpreter has it loaded already, or it is unknown
        loaded = sys.modules.get(module)
        if loaded is None or module not in sys.builtin_module_names:
            return None
        return frozenset(n for n in dir(loaded) if not n.startswith("_"))
    source, is_package = found
    package = module if is_package else module.rpartition(".")[0]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    listed, exact = _literal_all(tree)
    if exact and listed is not None:
        return frozenset(listed)
    # no literal __all__: every public top-level name, and what its own star imports bring
    names = set(listed or ())
    for node in _top_level(tree.body):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            target = node.module
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1]) if node.level <= len(parts) else ""
                target = f"{base}.{node.module}" if base and node.module else (base or None)
            if target and depth < _MAX_STAR_DEPTH:
                names |= _stdlib_exports(target, depth + 1) or frozenset()
            continue
        for name in _bound_at_top(node):
            if not name.startswith("_"):
                names.add(name)
    return frozenset(names)


def _stdlib_source(module: str) -> Optional[tuple[str, bool]]:
    """The module's source text, and whether it is a package."""
    base = _STDLIB_DIR.joinpath(*module.split("."))
    for path, is_package in ((base.with_suffix(".py"), False), (base / "__init__.py", True)):
        try:
            return path.read_text(encoding="utf-8"), is_package
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return None


def _literal_all(tree: ast.Module) -> tuple[Optional[list[str]], bool]:
    """`__all__` when built from string literals (=, +=, .extend, .append): (names, exact)."""
    names: Optional[list[str]] = None
    exact = True
    for node in _top_level(tree.body):
        value: Optional[ast.expr] = None
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            names, value = [], node.value
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == "__all__":
            value = node.value
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "__all__"
        ):
            call = node.value
            value = call.args[0] if len(call.args) == 1 else None
            if node.value.func.attr == "append" and isinstance(value, ast.Constant):
                value = ast.List(elts=[value], ctx=ast.Load())
            if value is None:
                exact = False
                continue
        else:
            continue
        if names is None:
            names = []
        strings = _strings(value)
        if strings is None:
            exact = False
        else:
            names.extend(strings)
    return names, exact


def _strings(node: Optional[ast.expr]) -> Optional[list[str]]:
    if isinstance(node, (ast.List, ast.Tuple)):
        out = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return out if len(out) == len(node.elts) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _strings(node.left), _strings(node.right)
        return None if left is None or right is None else left + right
    return None


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those under `if`/`try` (platform branches)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level(node.body)
            for handler in node.handlers:
                yield from _top_level(handler.body)
            yield from _top_level(node.orelse)
            yield from _top_level(node.finalbody)


def _bound_at_top(node: ast.stmt) -> Iterator[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name
    elif isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.asname or alias.name.split(".", 1)[0]
    elif isinstance(node, ast.ImportFrom):
        for alias in node.names:
            yield alias.asname or alias.name
    elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for n in ast.walk(target):
                if isinstance(n, ast.Name):
                    yield n.id
