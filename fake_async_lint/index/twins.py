"""A blocking library method's own async twin, found by reading the library (ast only, never imported).

Three forms, tried in this order:

1. an `a`-prefixed method on the same class (or a base class the library defines):
   `invoke` / `ainvoke`, `embed_query` / `aembed_query`;
2. an `.aio` form: a package `P.aio` beside the sync code that exports a class of the
   same name (or `Async<Name>`) with the method (`azure.storage.blob.aio.BlobClient`), or, when the
   call starts at an object whose class has an `aio` attribute, the same path through it
   (`client.aio.models.generate_content`);
3. an `Async<Name>` class beside the sync one: in the same module, a sibling module of the
   package, or exported by the package or the top-level package (`openai.AsyncOpenAI`,
   `AsyncCompletions`). `Sync<Name>` pairs with `Async<Name>` too.

A twin counts only if its method is `async def` (or a `def` annotated to return an
awaitable): a same-named sync method proves nothing. `find(module) -> path | None` is the
resolver's lookup; nothing outside what it returns is read.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

Finder = Callable[[str], Optional[str]]

MAX_HOPS = 6  # re-exports and base classes followed before giving up
MAX_SIBLINGS = 64  # sibling modules read when looking for an Async<Name> class
# packages that hold a library's async API beside its sync one: azure's `.aio`, redis's `.asyncio`, ...
AIO_PACKAGES = ("aio", "asyncio", "_async", "asynchronous")
# a sync package whose async mirror is a sibling: elasticsearch `_sync`/`_async`, pymongo `synchronous`/`asynchronous`
SYNC_MIRRORS = {"_sync": "_async", "sync": "async_", "synchronous": "asynchronous"}
_AWAITABLE = re.compile(r"Awaitable|Coroutine|AsyncIterator|AsyncGenerator|AsyncIterable")


@dataclass(frozen=True)
class Twin:
    kind: str  # "a-prefix", "aio", "async-class"
    module: str  # where the twin's class is defined
    cls: str
    method: str
    call: str  # what to write: "client.aio.models.generate_content(...)" or "retriever.ainvoke(...)"
    on: Optional[str] = None  # the async class to make the object from, when it is another class

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.cls}.{self.method}"

    @property
    def advice(self) -> str:
        text = f"use `await {self.call}`"
        if self.on:
            text += f" on `{self.on}`"
        return text


@dataclass
class _Class:
    name: str
    methods: dict[str, bool] = field(default_factory=dict)  # name -> awaitable (async def or awaitable result)
    attributes: set[str] = field(default_factory=set)  # class-level names, properties, self.x assignments
    bases: list[str] = field(default_factory=list)  # dotted source text of each base


@dataclass
class _Module:
    name: str
    path: str
    is_package: bool
    classes: dict[str, _Class] = field(default_factory=dict)
    imports: dict[str, tuple[str, Optional[str]]] = field(default_factory=dict)  # local -> (module, name|None)
    star: list[str] = field(default_factory=list)  # modules of `from m import *`


_PARSED: dict[str, tuple[int, Optional[_Module]]] = {}


def find_twin(
    find: Finder,
    module: str,
    cls: str,
    method: str,
    *,
    receiver: Optional[str] = None,
    root: Optional[tuple[str, str, str]] = None,
) -> Optional[Twin]:
    """The async twin of `module.cls.method`, or None.

    `receiver` is the call's receiver as written (`client.models`); without it a name made
    from the class is used (`blob_client`). `root` is (module, class, text) of the object the
    receiver starts from when it is known (`("google.genai.client", "Client", "client")`):
    it lets the `.aio` attribute form and `Async<Root>` advice be found."""
    index = _Index(find)
    target = index.module(module)
    if target is None or cls not in target.classes:
        return None
    recv = receiver or _instance_name(cls)
    sync_def = index.method_def(target, cls, method)
    if sync_def is not None and sync_def[2]:
        return None  # already awaitable: nothing to replace
    index.sync_def = sync_def

    # 1. a-prefixed method on the same class
    amethod = "a" + method
    if index.method_kind(target, cls, amethod) is True:
        return Twin("a-prefix", module, cls, amethod, f"{recv}.{amethod}(...)")

    # 2. the .aio attribute of the root object
    if root is not None and root[2] and recv.startswith(root[2]):
        root_mod = index.module(root[0])
        if root_mod is not None and index.has_attribute(root_mod, root[1], "aio"):
            twin_cls = index.async_class(target, cls, method)
            if twin_cls is not None:
                call = f"{root[2]}.aio{recv[len(root[2]) :]}.{method}(...)"
                return Twin("aio", twin_cls[0], twin_cls[1], method, call)
    #    an .aio package beside the sync code
    found = index.aio_package_class(target, cls, method)
    if found is not None:
        return Twin("aio", found[0], found[1], method, f"{recv}.{method}(...)", on=_public(index, found))

    # 3. an Async<Name> class beside the sync one
    twin_cls = index.async_class(target, cls, method)
    if twin_cls is not None:
        on = _public(index, twin_cls)
        if root is not None and (root[0], root[1]) != (module, cls):
            root_mod = index.module(root[0])
            root_twin = index.async_named(root_mod, root[1]) if root_mod is not None else None
            if root_twin is not None:  # the object is made elsewhere: name the async root class
                on = _public(index, root_twin)
        return Twin("async-class", twin_cls[0], twin_cls[1], method, f"{recv}.{method}(...)", on=on)
    return None


def _instance_name(cls: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", cls.lstrip("_")).lower()
    return name or "obj"


def _public(index: _Index, found: tuple[str, str]) -> str:
    """The shortest exporting module of a class: `openai.AsyncOpenAI`, not `openai._client.AsyncOpenAI`."""
    module, cls = found
    parts = module.split(".")
    for i in range(1, len(parts)):
        pkg = ".".join(parts[:i])
        m = index.module(pkg)
        if m is not None and index.resolve_export(m, cls) == found:
            return f"{pkg}.{cls}"
    return f"{module}.{cls}"


class _Index:
    def __init__(self, find: Finder) -> None:
        self.find = find
        self._modules: dict[str, Optional[_Module]] = {}
        # where the blocking method is defined: a "twin" that inherits that same definition is none
        self.sync_def: Optional[tuple[str, str, bool]] = None

    def is_twin(self, mod: _Module, cls: str, method: str) -> bool:
        found = self.method_def(mod, cls, method)
        if found is None or not found[2]:
            return False
        return self.sync_def is None or found[:2] != self.sync_def[:2]

    def module(self, name: str) -> Optional[_Module]:
        if name not in self._modules:
            path = self.find(name)
            self._modules[name] = _parse(name, path) if path else None
        return self._modules[name]

    # ------------------------------------------------------------ names

    def resolve_export(self, mod: _Module, name: str, hops: int = 0) -> Optional[tuple[str, str]]:
        """(defining module, class name) of the class `name` is in `mod`, following re-exports."""
        if hops > MAX_HOPS:
            return None
        if name in mod.classes:
            return mod.name, name
        imported = mod.imports.get(name)
        if imported is not None:
            src, attr = imported
            if attr is None:
                return None
            target = self.module(src)
            if target is not None:
                return self.resolve_export(target, attr, hops + 1)
            return None
        for src in mod.star:
            target = self.module(src)
            if target is not None:
                found = self.resolve_export(target, name, hops + 1)
                if found is not None:
                    return found
        return None

    def resolve_base(self, mod: _Module, text: str) -> Optional[tuple[_Module, str]]:
        head, _, rest = text.partition(".")
        if not rest:
            found = self.resolve_export(mod, head)
        else:
            imported = mod.imports.get(head)
            if imported is None:
                return None
            src = imported[0] if imported[1] is None else f"{imported[0]}.{imported[1]}"
            path_mod, _, cls = f"{src}.{rest}".rpartition(".")
            target = self.module(path_mod)
            found = self.resolve_export(target, cls) if target is not None else None
        if found is None:
            return None
        target = self.module(found[0])
        return (target, found[1]) if target is not None else None

    # ------------------------------------------------------------ classes

    def method_kind(self, mod: _Module, cls: str, method: str) -> Optional[bool]:
        """True: an awaitable method; False: a plain one; None: not defined (here or in a known base)."""
        found = self.method_def(mod, cls, method)
        return None if found is None else found[2]

    def method_def(self, mod: _Module, cls: str, method: str, hops: int = 0) -> Optional[tuple[str, str, bool]]:
        """(defining module, defining class, awaitable) of `cls.method`, looking through known bases."""
        info = mod.classes.get(cls)
        if info is None or hops > MAX_HOPS:
            return None
        if method in info.methods:
            return mod.name, cls, info.methods[method]
        for base in info.bases:
            found = self.resolve_base(mod, base)
            if found is not None:
                where = self.method_def(found[0], found[1], method, hops + 1)
                if where is not None:
                    return where
        return None

    def has_attribute(self, mod: _Module, cls: str, attr: str, hops: int = 0) -> bool:
        info = mod.classes.get(cls)
        if info is None or hops > MAX_HOPS:
            return False
        if attr in info.attributes or attr in info.methods:
            return True
        for base in info.bases:
            found = self.resolve_base(mod, base)
            if found is not None and self.has_attribute(found[0], found[1], attr, hops + 1):
                return True
        return False

    def async_named(self, mod: _Module, cls: str) -> Optional[tuple[str, str]]:
        """An `Async<cls>` class beside `cls` (any methods)."""
        for name in _async_names(cls):
            found = self._beside(mod, name)
            if found is not None:
                return found
        return None

    def async_class(self, mod: _Module, cls: str, method: str) -> Optional[tuple[str, str]]:
        """An `Async<cls>` class beside `cls` whose `method` is awaitable."""
        for name in _async_names(cls):
            found = self._beside(mod, name)
            if found is not None:
                owner = self.module(found[0])
                if owner is not None and self.is_twin(owner, found[1], method):
                    return found
        return None

    def _beside(self, mod: _Module, name: str) -> Optional[tuple[str, str]]:
        found = self.resolve_export(mod, name)
        if found is not None:
            return found
        package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
        if not package:
            return None
        pkg = self.module(package)
        if pkg is not None:
            found = self.resolve_export(pkg, name)
            if found is not None:
                return found
            for sibling in self._siblings(pkg):
                path = self.find(sibling)
                if path is None or not _mentions_class(path, (name,)):
                    continue  # most siblings never mention the class: not parsed
                sib = self.module(sibling)
                if sib is not None and name in sib.classes:
                    return sib.name, name
        top = package.split(".")[0]
        if top != package:
            top_mod = self.module(top)
            if top_mod is not None:
                return self.resolve_export(top_mod, name)
        return None

    def _siblings(self, pkg: _Module) -> list[str]:
        directory = os.path.dirname(pkg.path)
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return []
        out = []
        for n in names:
            stem = n[:-3]
            if n.endswith(".py") and stem != "__init__" and stem.isidentifier():
                out.append(f"{pkg.name}.{stem}")
        return out[:MAX_SIBLINGS]

    def aio_package_class(self, mod: _Module, cls: str, method: str) -> Optional[tuple[str, str]]:
        """A class named `cls` (or `Async<cls>`) in an async package beside the sync code (`P.aio`,
        `P.asyncio`, a `_sync` -> `_async` mirror) whose `method` is awaitable; the module path inside
        the package is mirrored first, then the package's exports are looked at."""
        parts = mod.name.split(".")
        names = (cls, *_async_names(cls))
        for i, part in enumerate(parts[:-1] if not mod.is_package else parts):
            twin_part = SYNC_MIRRORS.get(part)
            if twin_part is not None:  # pkg._sync.client -> pkg._async.client
                mirrored = ".".join([*parts[:i], twin_part, *parts[i + 1 :]])
                found = self._class_with(mirrored, names, method)
                if found is not None:
                    return found
        upto = len(parts) if mod.is_package else len(parts) - 1
        for i in range(upto, 0, -1):
            package = ".".join(parts[:i])
            inner = parts[i:]
            for aio_name in AIO_PACKAGES:
                aio = self.module(f"{package}.{aio_name}")
                if aio is None:
                    continue
                if inner:  # azure.storage.blob._blob_client -> azure.storage.blob.aio._blob_client_async
                    mirrored = ".".join([package, aio_name, *inner])
                    for candidate in (mirrored, mirrored + "_async"):
                        found = self._class_with(candidate, names, method)
                        if found is not None:
                            return found
                for name in names:
                    found = self.resolve_export(aio, name)
                    if found is not None:
                        owner = self.module(found[0])
                        if owner is not None and self.is_twin(owner, found[1], method):
                            return found
        return None

    def _class_with(self, module: str, names: tuple[str, ...], method: str) -> Optional[tuple[str, str]]:
        path = self.find(module)
        if path is None or not _mentions_class(path, names):
            return None
        m = self.module(module)
        for name in names:
            if m is not None and name in m.classes and self.is_twin(m, name, method):
                return m.name, name
        return None


def _mentions_class(path: str, names: tuple[str, ...]) -> bool:
    """A cheap look at the text before parsing a module only to find a class in it."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return any(f"class {n}".encode() in data for n in names)


def _async_names(cls: str) -> list[str]:
    names = [f"Async{cls}"]
    if cls.startswith("Sync") and len(cls) > 4:
        names.append("Async" + cls[4:])
    if cls.startswith("_"):
        names.append(f"_Async{cls.lstrip('_')}")
    return names


# ---------------------------------------------------------------- reading one module


def _parse(name: str, path: str) -> Optional[_Module]:
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    cached = _PARSED.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    module: Optional[_Module]
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError, RecursionError):
        module = None
    else:
        module = _summarise(name, path, tree)
    _PARSED[path] = (stamp, module)
    return module


def _summarise(name: str, path: str, tree: ast.Module) -> _Module:
    is_package = os.path.basename(path).startswith("__init__.")
    mod = _Module(name, path, is_package)
    package = name if is_package else name.rpartition(".")[0]
    for node in _top_level(tree.body):
        if isinstance(node, ast.ClassDef):
            mod.classes[node.name] = _class(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    mod.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    mod.imports[top] = (top, None)
        elif isinstance(node, ast.ImportFrom):
            src = _absolute(package, node.module, node.level)
            if src is None:
                continue
            for alias in node.names:
                if alias.name == "*":
                    mod.star.append(src)
                else:
                    local = alias.asname or alias.name
                    # `from . import aio` may name a submodule; record it as one too
                    mod.imports[local] = (src, alias.name)
    return mod


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, looking into `if`/`try` blocks (TYPE_CHECKING, optional imports)."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            out.extend(_top_level(node.body))
            out.extend(_top_level(node.orelse))
        elif isinstance(node, ast.Try):
            out.extend(_top_level(node.body))
            for handler in node.handlers:
                out.extend(_top_level(handler.body))
        else:
            out.append(node)
    return out


def _absolute(package: str, module: Optional[str], level: int) -> Optional[str]:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base) or None


def _class(node: ast.ClassDef) -> _Class:
    info = _Class(node.name, bases=[t for t in (_dotted(b) for b in node.bases) if t])
    for item in _top_level(node.body):
        if isinstance(item, ast.AsyncFunctionDef):
            info.methods[item.name] = True
        elif isinstance(item, ast.FunctionDef):
            if _is_property(item):
                info.attributes.add(item.name)
            else:
                info.methods[item.name] = _returns_awaitable(item)
            if item.name == "__init__":
                for sub in ast.walk(item):
                    for tgt in _targets(sub):
                        if (
                            isinstance(tgt, ast.Attribute)
                            and isinstance(tgt.value, ast.Name)
                            and tgt.value.id == "self"
                        ):
                            info.attributes.add(tgt.attr)
        elif isinstance(item, (ast.Assign, ast.AnnAssign)):
            for tgt in _targets(item):
                if isinstance(tgt, ast.Name):
                    info.attributes.add(tgt.id)
    return info


def _returns_awaitable(fn: ast.FunctionDef) -> bool:
    """`-> Awaitable[...]`, `-> Coroutine[...]`, `-> AsyncIterator[...]` (a union with anything else is not)."""
    node = fn.returns
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(node, ast.Subscript):
        node = node.value
    text = _dotted(node) if isinstance(node, ast.expr) else ""
    return bool(text) and bool(_AWAITABLE.fullmatch(text.rsplit(".", 1)[-1]))


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return [node.target]
    return []


def _is_property(fn: ast.FunctionDef) -> bool:
    for d in fn.decorator_list:
        text = _dotted(d)
        if text and text.rsplit(".", 1)[-1] in ("property", "cached_property"):
            return True
    return False


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    if isinstance(node, ast.Subscript):  # Generic[T], BaseClient[httpx.Client]
        return _dotted(node.value)
    return ""


def clear_cache() -> None:
    _PARSED.clear()


def finder_for(roots: tuple[str, ...] | list[str]) -> Finder:
    """A plain module lookup over `roots` (package `__init__.py`, then `module.py`, first root wins),
    for tools and tests; a run uses the index's resolver."""
    memo: dict[str, Optional[str]] = {}

    def find(module: str) -> Optional[str]:
        if module not in memo:
            memo[module] = None
            rel = module.replace(".", os.sep)
            for root in roots:
                for candidate in (os.path.join(root, rel, "__init__.py"), os.path.join(root, rel + ".py")):
                    if os.path.isfile(candidate):
                        memo[module] = candidate
                        break
                if memo[module] is not None:
                    break
        return memo[module]

    return find
