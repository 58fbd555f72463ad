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
HOPS_FILE = Path(__file__).with_name("hops.toml")  # thread hops and event-loop APIs (family 2)
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
    # in a worker thread: "report" (a native API exists), "ok" (a thread is the normal
    # asyncio answer: files, DNS) or "direct" (reported only when the hop wraps the call itself)
    thread: str = "report"

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
    # the result's type when called with arguments (queue.Queue(maxsize) is bounded; Queue() is not)
    returns_with_args: str | None = None
    # what iterating the call's result gives (`Path.glob()` yields Paths)
    yields: str | None = None

    def result_type(self, call: ast.Call) -> str | None:
        if self.returns_with_args and (call.args or call.keywords):
            return self.returns_with_args
        return self.returns

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
    # True: a name bound to one on some path only (one branch opens a file, the other makes a
    # buffer) is still judged, and findings name that path
    on_any_path: bool = False


@dataclass(frozen=True)
class Catalog:
    """Lookup structures over the table: the model asks, rules report."""

    apis: Mapping[str, ApiRow]
    uses: Mapping[str, Replacement]
    types: Mapping[str, TypeInfo]
    aliases: Mapping[str, str]
    hops: HopTables = field(default_factory=lambda: HopTables())
    # third-party modules whose `from m import *` binds names of builtins (aiofiles: open)
    star_exports: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # rows from the user's `extra-blocking` (their names may be the project's own modules)
    has_user_rows: bool = False

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
            for t in (row.returns, row.attr_type, row.returns_with_args, row.yields):
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
        hops: Mapping[str, Any] | None = None,
    ) -> Catalog:
        """A catalog with user rows added, `safe` names made non-blocking and extra thread hops."""
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
            apis[key] = ApiRow(name=key, returns=old.returns if old else None, yields=old.yields if old else None)
        return Catalog(
            apis=apis,
            uses=uses,
            types=self.types,
            aliases=self.aliases,
            hops=self.hops.extended(hops),
            star_exports=self.star_exports,
            has_user_rows=self.has_user_rows or bool(extra),
        )


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
            key=key,
            say=u["say"],
            variants=variants,
            install=u.get("install", ""),
            anchor=u.get("anchor", ""),
            thread=_thread_policy(key, u.get("thread", "report")),
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
                on_any_path=t.get("on_any_path", False),
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
            returns_with_args=r.get("returns_with_args"),
            yields=r.get("yields"),
        )
    exports = {m: frozenset(names) for m, names in data.get("star_exports", {}).items()}
    return Catalog(apis=apis, uses=uses, types=types, aliases=aliases, hops=_hop_tables(data), star_exports=exports)


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The shipped catalog (blocking.toml + hops.toml), parsed once per process."""
    with CATALOG_FILE.open("rb") as f:
        data = tomllib.load(f)
    with HOPS_FILE.open("rb") as f:
        return _build(_merge(data, tomllib.load(f)))


# ---------------------------------------------------------------- thread hops and event loops (hops.toml)

THREAD_POLICIES = ("report", "ok", "direct")
LOOP_CODES = ("FAS202", "FAS203")
_MERGED_TABLES = ("use", "types", "api")


def _thread_policy(key: str, value: Any) -> str:
    if value not in THREAD_POLICIES:
        raise CatalogError(f"[use.{key}]: `thread` must be one of {', '.join(THREAD_POLICIES)}")
    return str(value)


@dataclass(frozen=True)
class HopRow:
    """A call that runs a sync callable in a worker thread (asyncio.to_thread, loop.run_in_executor)."""

    name: str
    fn: int = 0
    args: int = 1  # the first argument passed on to the callable
    kwargs: bool = False
    executor: int | str | None = None  # a position, or "receiver" (pool.submit)
    default_executor: bool = False
    inside: tuple[str, ...] = ()
    returns_wrapper: bool = False
    decorator: bool | str = False  # True: also a decorator; "only": decorator only
    display: str = ""

    @property
    def shown(self) -> str:
        return self.display or self.name


@dataclass(frozen=True)
class ExecutorRow:
    """A thread-pool constructor and where its worker count goes."""

    name: str
    workers: int | None = 0
    workers_kw: str | None = "max_workers"


@dataclass(frozen=True)
class LoopRow:
    """An event-loop API that is a mistake inside a coroutine (FAS202/FAS203)."""

    name: str
    code: str
    say: str
    fix: str | None = None
    display: str = ""
    runs: bool = False  # runs a loop then and there (asyncio.run, run_until_complete)

    @property
    def shown(self) -> str:
        return self.display or self.name


@dataclass(frozen=True)
class HopTables:
    """Family 2's knowledge: hops by qualified name and by distinctive method name, and the rest."""

    hops: Mapping[str, HopRow] = field(default_factory=dict)
    hop_methods: Mapping[str, HopRow] = field(default_factory=dict)
    wrappers: Mapping[str, HopRow] = field(default_factory=dict)
    executors: Mapping[str, ExecutorRow] = field(default_factory=dict)
    set_executors: Mapping[str, int] = field(default_factory=dict)
    set_executor_methods: Mapping[str, int] = field(default_factory=dict)
    loops: Mapping[str, LoopRow] = field(default_factory=dict)
    loop_methods: Mapping[str, LoopRow] = field(default_factory=dict)
    runtime: frozenset[str] = frozenset()
    loop_probes: frozenset[str] = frozenset()
    loop_probe_methods: frozenset[str] = frozenset()
    plain_decorators: frozenset[str] = frozenset()
    plain_bases: frozenset[str] = frozenset()

    def extended(self, extra: Mapping[str, Any] | None) -> HopTables:
        """User hops from config: `"pkg.run_blocking" = 0` (the callable's position) or a table
        with the [hop] keys; a name starting with "." is a method name (`".run_job" = 0`)."""
        if not extra:
            return self
        hops, methods = dict(self.hops), dict(self.hop_methods)
        for name, spec in extra.items():
            table = {"fn": spec} if isinstance(spec, int) and not isinstance(spec, bool) else spec
            if not isinstance(table, dict):
                raise CatalogError(f"{name}: expected the wrapped callable's position or a table")
            if name.startswith("."):
                methods[name[1:]] = _hop_row(name[1:], table)
            else:
                hops[name] = _hop_row(name, table)
        return replace(self, hops=hops, hop_methods=methods)


_HOP_KEYS = frozenset(
    {"fn", "args", "kwargs", "executor", "default_executor", "inside", "returns_wrapper", "decorator", "display"}
)


def _int(name: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CatalogError(f"{name}: `{key}` must be a position (an integer >= 0)")
    return value


def _hop_row(name: str, r: Mapping[str, Any]) -> HopRow:
    unknown = set(r) - _HOP_KEYS
    if unknown:
        raise CatalogError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
    fn = _int(name, "fn", r.get("fn", 0))
    executor = r.get("executor")
    if executor is not None and executor != "receiver":
        executor = _int(name, "executor", executor)
    decorator = r.get("decorator", False)
    if decorator not in (True, False, "only"):
        raise CatalogError(f'{name}: `decorator` must be true, false or "only"')
    inside = r.get("inside", ())
    if not isinstance(inside, (list, tuple)) or not all(isinstance(i, str) for i in inside):
        raise CatalogError(f"{name}: `inside` must be a list of qualified names")
    return HopRow(
        name=name,
        fn=fn,
        args=_int(name, "args", r.get("args", fn + 1)),
        kwargs=bool(r.get("kwargs", False)),
        executor=executor,
        default_executor=bool(r.get("default_executor", False)),
        inside=tuple(inside),
        returns_wrapper=bool(r.get("returns_wrapper", False)),
        decorator=decorator,
        display=str(r.get("display", "")),
    )


def _loop_row(name: str, r: Mapping[str, Any]) -> LoopRow:
    if r.get("code") not in LOOP_CODES:
        raise CatalogError(f"{name}: `code` must be one of {', '.join(LOOP_CODES)}")
    if not isinstance(r.get("say"), str):
        raise CatalogError(f"{name}: `say` must be a string")
    return LoopRow(
        name=name,
        code=r["code"],
        say=r["say"],
        fix=r.get("fix"),
        display=str(r.get("display", "")),
        runs=r.get("runs") is True,
    )


def _hop_tables(data: Mapping[str, Any]) -> HopTables:
    only = data.get("async_only", {})
    return HopTables(
        hops={n: _hop_row(n, r) for n, r in data.get("hop", {}).items()},
        hop_methods={n: _hop_row(n, r) for n, r in data.get("hop_method", {}).items()},
        wrappers={n: _hop_row(n, r) for n, r in data.get("wrapper", {}).items()},
        executors={
            n: ExecutorRow(n, r.get("workers"), r.get("workers_kw")) for n, r in data.get("executor", {}).items()
        },
        set_executors={n: _int(n, "executor", r["executor"]) for n, r in data.get("set_executor", {}).items()},
        set_executor_methods={
            n: _int(n, "executor", r["executor"]) for n, r in data.get("set_executor_method", {}).items()
        },
        loops={n: _loop_row(n, r) for n, r in data.get("loop", {}).items()},
        loop_methods={n: _loop_row(n, r) for n, r in data.get("loop_method", {}).items()},
        runtime=frozenset(only.get("runtime", ())),
        loop_probes=frozenset(data.get("loop_probe", {}).get("names", ())),
        loop_probe_methods=frozenset(data.get("loop_probe", {}).get("methods", ())),
        plain_decorators=frozenset(only.get("plain_decorators", ())),
        plain_bases=frozenset(only.get("plain_bases", ())),
    )


def _merge(base: Mapping[str, Any], more: Mapping[str, Any]) -> dict[str, Any]:
    """Two catalog files as one table: shared tables are merged, a name in both is an error."""
    out = dict(base)
    for key, table in more.items():
        if key not in _MERGED_TABLES:
            out[key] = table
            continue
        merged = dict(out.get(key, {}))
        for name, row in table.items():
            if name in merged:
                raise CatalogError(f"[{key}] {name!r} is defined in both catalog files")
            merged[name] = row
        out[key] = merged
    return out
