"""Read the blocking-API table (plus user extensions) into lookup structures."""

from __future__ import annotations

import ast
import functools
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

CATALOG_FILE = Path(__file__).with_name("blocking.toml")
CODES = tuple(f"FAS10{i}" for i in range(10))


class CatalogError(ValueError):
    """A catalog row (shipped or from user config) is malformed."""


@dataclass(frozen=True)
class Replacement:
    """A native async answer that findings name."""

    key: str
    say: str
    variants: Mapping[str, str] = field(default_factory=dict)
    install: str = ""
    anchor: str = ""

    def advice(self, method: str, library: str = "asyncio") -> str:
        text = self.variants.get(library, self.say)
        return text.replace("{method}", method)


@dataclass(frozen=True)
class ArgPattern:
    """`name:pos=value`: the call is quiet when that argument's source is `value`."""

    name: str
    pos: int | None
    value: str

    @classmethod
    def parse(cls, text: str) -> ArgPattern:
        head, sep, value = text.partition("=")
        name, _, pos = head.partition(":")
        if not sep or not name.strip() or (pos and not pos.strip().isdigit()):
            raise CatalogError(f"bad `unless` pattern {text!r}: expected 'name:pos=value'")
        return cls(name.strip(), int(pos) if pos.strip() else None, value.strip())

    def matches(self, call: ast.Call) -> bool:
        for kw in call.keywords:
            if kw.arg == self.name:
                return _source(kw.value) == self.value
        if self.pos is not None and self.pos < len(call.args):
            arg = call.args[self.pos]
            return not isinstance(arg, ast.Starred) and _source(arg) == self.value
        return False


def _source(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return ""


@dataclass(frozen=True)
class ApiRow:
    """One callable of the catalog."""

    name: str
    code: str | None = None
    use: str | None = None
    returns: str | None = None
    attr_type: str | None = None  # `property` in the table
    when: str | None = None
    unless: tuple[ArgPattern, ...] = ()
    method: str | None = None
    fix: str | None = None
    # a wait that an earlier `await` in the coroutine has usually settled (fut.result() after awaiting)
    settled_by_await: bool = False

    @property
    def blocking(self) -> bool:
        return self.code is not None

    def applies_to(self, call: ast.Call) -> bool:
        """Whether this call, with its arguments, blocks."""
        if self.when == "args" and not (call.args or call.keywords):
            return False
        return not any(p.matches(call) for p in self.unless)

    @property
    def display(self) -> str:
        """The qualified name users see (`open`, not `builtins.open`)."""
        return self.name.removeprefix("builtins.")


@dataclass(frozen=True)
class TypeInfo:
    item: str | None = None
    truediv: str | None = None
    # False: an object known only from an annotation may be in non-blocking mode (sockets)
    trust_annotations: bool = True
    # `method(pattern)` calls on a receiver that make its I/O non-blocking: setblocking(False)
    nonblocking_if: tuple[tuple[str, ArgPattern], ...] = ()


@dataclass(frozen=True)
class Catalog:
    """Lookup structures over the table: the model asks, rules report."""

    apis: Mapping[str, ApiRow]
    uses: Mapping[str, Replacement]
    types: Mapping[str, TypeInfo]
    aliases: Mapping[str, str]

    def canonical(self, name: str) -> str:
        return self.aliases.get(name, name)

    def row(self, name: str) -> ApiRow | None:
        return self.apis.get(self.canonical(name))

    def is_type(self, name: str) -> bool:
        """True for names that are catalog types (usable as annotations)."""
        name = self.canonical(name)
        return name in self._types

    @functools.cached_property
    def _types(self) -> frozenset[str]:
        names = set(self.types)
        for row in self.apis.values():
            for t in (row.returns, row.attr_type):
                if t:
                    names.add(t)
        return frozenset(self.canonical(n) for n in names)

    def member_row(self, type_name: str, path: tuple[str, ...]) -> ApiRow | None:
        """The row for calling `path` on an instance of `type_name`."""
        base = self.canonical(type_name)
        if not path:
            return self.apis.get(base + ".__call__")
        exact = self.apis.get(base + "." + ".".join(path))
        if exact is not None:
            return exact
        if len(path) == 1:
            star = self.apis.get(base + ".*")
            if star is not None:
                return replace(star, name=f"{base}.{path[0]}")
        deep = self.apis.get(base + ".**")
        if deep is not None:
            return replace(deep, name=f"{base}.{'.'.join(path)}")
        return None

    def type_info(self, type_name: str) -> TypeInfo:
        return self.types.get(self.canonical(type_name), _NO_TYPE)

    def replacement(self, row: ApiRow) -> Replacement:
        return self.uses[row.use or ""]

    def advice(self, row: ApiRow, library: str = "asyncio") -> str:
        method = row.method or row.name.rsplit(".", 1)[-1]
        return self.replacement(row).advice(method, library)

    @functools.cached_property
    def root_modules(self) -> frozenset[str]:
        """Top-level modules that appear in the catalog (for cheap pre-filters)."""
        return frozenset(n.split(".", 1)[0] for n in self.apis) - {"builtins"}

    def extended(
        self,
        extra: Mapping[str, Any] | None = None,
        safe: tuple[str, ...] = (),
    ) -> Catalog:
        """A catalog with user rows added and `safe` names made non-blocking."""
        apis = dict(self.apis)
        uses = dict(self.uses)
        for name, spec in (extra or {}).items():
            row, use = _user_row(name, spec)
            apis[name] = row
            if use is not None:
                uses[use.key] = use
        for name in safe:
            key = self.canonical(name)
            old = apis.get(key)
            apis[key] = ApiRow(name=key, returns=old.returns if old else None)
        return Catalog(apis=apis, uses=uses, types=self.types, aliases=self.aliases)


_NO_TYPE = TypeInfo()


def _user_row(name: str, spec: Any) -> tuple[ApiRow, Replacement | None]:
    """A row from config: `"pkg.f" = "pkg.af"` or a table {code, replacement, returns}."""
    if isinstance(spec, str):
        spec = {"replacement": spec}
    if not isinstance(spec, dict):
        raise CatalogError(f"{name}: expected a replacement string or a table")
    code = spec.get("code", "FAS106")
    if code not in CODES:
        raise CatalogError(f"{name}: code {code!r} is not one of {', '.join(CODES)}")
    text = spec.get("replacement")
    if not isinstance(text, str) or not text:
        raise CatalogError(f"{name}: 'replacement' must be a non-empty string")
    returns = spec.get("returns")
    if returns is not None and not isinstance(returns, str):
        raise CatalogError(f"{name}: 'returns' must be a string")
    unknown = set(spec) - {"code", "replacement", "returns"}
    if unknown:
        raise CatalogError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
    say = text if " " in text else f"use `await {text}(...)`"
    use = Replacement(key=f"user:{name}", say=say)
    return ApiRow(name=name, code=code, use=use.key, returns=returns), use


def _method_pattern(text: str) -> tuple[str, ArgPattern]:
    """`setblocking(flag:0=False)` -> ("setblocking", ArgPattern(flag, 0, "False"))."""
    method, sep, rest = text.partition("(")
    if not sep or not rest.endswith(")") or not method.strip():
        raise CatalogError(f"bad `nonblocking_if` pattern {text!r}: expected 'method(name:pos=value)'")
    return method.strip(), ArgPattern.parse(rest[:-1])


def _build(data: Mapping[str, Any]) -> Catalog:
    uses: dict[str, Replacement] = {}
    for key, u in data.get("use", {}).items():
        variants = {lib: u[lib] for lib in ("anyio", "trio") if lib in u}
        uses[key] = Replacement(
            key=key, say=u["say"], variants=variants, install=u.get("install", ""), anchor=u.get("anchor", "")
        )
    aliases: dict[str, str] = {}
    types: dict[str, TypeInfo] = {}
    for name, t in data.get("types", {}).items():
        if "same_as" in t:
            aliases[name] = t["same_as"]
        else:
            types[name] = TypeInfo(
                item=t.get("item"),
                truediv=t.get("truediv"),
                trust_annotations=t.get("trust_annotations", True),
                nonblocking_if=tuple(_method_pattern(p) for p in t.get("nonblocking_if", ())),
            )
    apis: dict[str, ApiRow] = {}
    for name, r in data.get("api", {}).items():
        code = r.get("code")
        if code is not None and code not in CODES:
            raise CatalogError(f"{name}: unknown code {code!r}")
        if code is not None and r.get("use") not in uses:
            raise CatalogError(f"{name}: `use` must name a [use] entry")
        apis[name] = ApiRow(
            name=name,
            code=code,
            use=r.get("use"),
            returns=r.get("returns"),
            attr_type=r.get("property"),
            when=r.get("when"),
            unless=tuple(ArgPattern.parse(p) for p in r.get("unless", ())),
            method=r.get("method"),
            fix=r.get("fix"),
            settled_by_await=r.get("settled_by_await", False),
        )
    return Catalog(apis=apis, uses=uses, types=types, aliases=aliases)


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The shipped catalog, parsed once per process."""
    with CATALOG_FILE.open("rb") as f:
        return _build(tomllib.load(f))
