"""Settings: what a run checks and how. Filled from defaults, config files and flags.

The standalone command reads `[tool.fake-async-lint]` from the nearest
pyproject.toml that has that table (walking up from the first path, as ruff
does), or from `--config PATH`; flags given on the command line win. Every
problem is a `ConfigError` whose message names the file and the key.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from .rules import ALL_RULES, DEFAULT_OFF
from .suppress import Selection

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "env",
    ".env",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".eggs",
    "*.egg-info",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".fake_async_lint_cache",
)

SECTION = "tool.fake-async-lint"
LIBRARIES = ("asyncio", "anyio", "trio")
DEFAULT_MAX_DEPTH = 5
# mypy's word: installed libraries + the project, the project only, or only the files named
FOLLOW_IMPORTS = ("all", "project", "none")
DEFAULT_FOLLOW_IMPORTS = "all"
# `a.b=x, c.d=y` on one line: two entries where one was expected
_ANOTHER_ENTRY = re.compile(r",\s*[A-Za-z_][\w.]*\s*=")
_QUALNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\*\*?))*\Z")


class ConfigError(Exception):
    """Invalid configuration: the message names the key and the file."""


class Invalid(ValueError):
    """A bad value (of any kind, type included); the caller adds the key and the file."""


@dataclass(frozen=True)
class Settings:
    select: Optional[tuple[str, ...]] = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    extra_blocking: Mapping[str, Any] = field(default_factory=dict)
    # more thread-hop APIs (FAS200): qualified name or ".method" -> the callable's position or a table
    extra_hops: Mapping[str, Any] = field(default_factory=dict)
    safe: tuple[str, ...] = ()
    async_library: Optional[str] = None  # None: detect per module
    max_depth: int = DEFAULT_MAX_DEPTH
    # the interpreter whose sys.path holds the installed libraries (None: $VIRTUAL_ENV, .venv/venv, our own)
    python: Optional[str] = None
    follow_imports: str = DEFAULT_FOLLOW_IMPORTS
    # the persistent store of library summaries (None: the user cache dir, see `store_dir`)
    cache_dir: Optional[str] = None
    # the project's source roots (relative to `root`); () = the project root and its src/ folder
    src: tuple[str, ...] = ()
    # where relative globs (exclude, per-file-ignores) are anchored: the config file's directory
    root: Optional[str] = None
    config_file: Optional[str] = None

    @property
    def selection(self) -> Selection:
        return Selection(self.select, self.extend_select, self.ignore, DEFAULT_OFF)

    def analysis_key(self) -> dict[str, Any]:
        """The settings a file's findings depend on (excludes and per-file-ignores act later)."""
        return {
            "select": None if self.select is None else sorted(self.select),
            "extend_select": sorted(self.extend_select),
            "ignore": sorted(self.ignore),
            "extra_blocking": {k: self.extra_blocking[k] for k in sorted(self.extra_blocking)},
            "extra_hops": {k: self.extra_hops[k] for k in sorted(self.extra_hops)},
            "safe": sorted(self.safe),
            "async_library": self.async_library,
            "max_depth": self.max_depth,
            "python": self.python,
            "follow_imports": self.follow_imports,
        }
        # (`src` is left out: it decides which files a name resolves to, never what one file says)

    def anchor(self) -> str:
        return self.root or os.getcwd()

    def ignored_codes(self, path: str) -> tuple[str, ...]:
        """The codes per-file-ignores turns off for `path`."""
        if not self.per_file_ignores:
            return ()
        names = path_forms(path, self.anchor())
        codes: list[str] = []
        for pattern, pattern_codes in self.per_file_ignores:
            if any(fnmatch.fnmatchcase(n, pattern) for n in names):
                codes.extend(pattern_codes)
        return tuple(codes)


def path_forms(path: str, root: str) -> tuple[str, ...]:
    """The names a glob may match: the basename, the path relative to `root`, the path as given."""
    given = path.replace("\\", "/")
    while given.startswith("./"):
        given = given[2:]
    forms = [given.rstrip("/").rsplit("/", 1)[-1], given]
    try:
        rel = os.path.relpath(os.path.abspath(path), root).replace("\\", "/")
    except ValueError:  # another drive on Windows
        rel = ""
    if rel and not rel.startswith("../") and rel != "..":
        forms.append(rel)
    return tuple(forms)


def drop_ignored(findings: Iterable[Any], settings: Settings) -> list[Any]:
    """Apply per-file-ignores (after noqa): findings keep their order."""
    kept = []
    memo: dict[str, tuple[str, ...]] = {}
    for f in findings:
        codes = memo.get(f.path)
        if codes is None:
            codes = memo[f.path] = settings.ignored_codes(f.path)
        if not (codes and f.code.startswith(codes)):
            kept.append(f)
    return kept


# ---------------------------------------------------------------- values


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def check_code(text: str) -> str:
    """A rule code or prefix that selects at least one rule; raises ValueError otherwise."""
    code = text.strip().upper()
    if not code or not code.isalnum() or not any(c.startswith(code) for c in ALL_RULES):
        raise Invalid(f"{text.strip()!r} is not a rule code or prefix (`fake-async-lint rules` lists them)")
    return code


def parse_codes(value: Any) -> tuple[str, ...]:
    """A flag's codes: one comma-separated string of them (or a list)."""
    if isinstance(value, str):
        items: list[Any] = [p for p in re.split(r"[,\s]+", value) if p]
    elif isinstance(value, list):
        items = value
    else:
        raise Invalid(f"expected a list of rule codes, got {_kind(value)}")
    out = []
    for item in items:
        if not isinstance(item, str):
            raise Invalid(f"expected a list of rule codes, got {_kind(item)} in the list")
        out.append(check_code(item))
    return tuple(out)


def string_list(value: Any) -> list[str]:
    """The one rule for every list key of the file: a TOML list of strings, never a bare string.

    (Flags take comma-separated strings; a file says what it means with a list.)"""
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                raise Invalid(f"expected a list of strings, got {_kind(item)} in the list")
        return value
    if isinstance(value, str):
        items = ", ".join(json.dumps(p.strip()) for p in value.split(",") if p.strip())
        raise Invalid(f"expected a list of strings, got a string; write [{items}]")
    raise Invalid(f"expected a list of strings, got {_kind(value)}")


def _file_codes(value: Any) -> tuple[str, ...]:
    return tuple(check_code(item) for item in string_list(value))


def _globs(value: Any) -> tuple[str, ...]:
    return tuple(normalise_glob(v) for v in string_list(value) if v.strip())


def _file_safe(value: Any) -> tuple[str, ...]:
    return tuple(qualified_name(v) for v in string_list(value))


def normalise_glob(pattern: str) -> str:
    p = pattern.strip().replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p.rstrip("/") or p


def parse_per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise Invalid(f"expected a table of glob = [codes], got {_kind(value)}")
    out = []
    for glob, codes in value.items():
        try:
            out.append((normalise_glob(glob), _file_codes(codes)))
        except ValueError as e:
            raise Invalid(f"{glob!r}: {e}") from None
    return tuple(out)


def qualified_name(text: Any) -> str:
    if not isinstance(text, str) or not _QUALNAME.match(text.strip()):
        shown = repr(text) if isinstance(text, str) else _kind(text)
        raise Invalid(f"{shown} is not a qualified name like 'package.module.function'")
    return text.strip()


def parse_safe(value: Any) -> tuple[str, ...]:
    """A flag's qualified names: one comma-separated string (or a list, as flake8 hands them over)."""
    if isinstance(value, str):
        value = [p for p in re.split(r"[,\s]+", value) if p]
    if not isinstance(value, list):
        raise Invalid(f"expected a list of qualified names, got {_kind(value)}")
    return tuple(qualified_name(v) for v in value)


def parse_extra_blocking(value: Any) -> dict[str, Any]:
    """`name = "replacement"` or `name = {code, replacement, returns}`, checked by building the catalog."""
    from .catalog.loader import CatalogError, default_catalog

    if not isinstance(value, dict):
        raise Invalid(f"expected a table of qualified name = replacement, got {_kind(value)}")
    out: dict[str, Any] = {}
    for name, spec in value.items():
        key = qualified_name(name)
        if isinstance(spec, dict):
            spec = dict(spec)
            if isinstance(spec.get("code"), str):
                spec["code"] = spec["code"].strip().upper()
        out[key] = spec
        try:
            default_catalog().extended({key: spec})
        except CatalogError as e:
            raise Invalid(str(e)) from None
    return out


def parse_extra_hops(value: Any) -> dict[str, Any]:
    """`"pkg.run_blocking" = 0` (the wrapped callable's position), `".method" = 0` for a method
    name on any receiver, or a table of hop keys; checked by building the catalog."""
    from .catalog.loader import CatalogError, default_catalog

    if not isinstance(value, dict):
        raise Invalid(f"expected a table of qualified name = callable position, got {_kind(value)}")
    out: dict[str, Any] = {}
    for name, spec in value.items():
        key = "." + qualified_name(name[1:]) if isinstance(name, str) and name.startswith(".") else qualified_name(name)
        out[key] = spec
        try:
            default_catalog().extended(hops={key: spec})
        except CatalogError as e:
            raise Invalid(str(e)) from None
    return out


EXTRA_SYNTAX = "NAME=REPLACEMENT[;code=FASnnn][;returns=TYPE]"


def parse_extra_blocking_entries(entries: Iterable[str]) -> dict[str, Any]:
    """The flag / flake8 form of extra-blocking: one `NAME=REPLACEMENT[;code=..][;returns=..]` per entry."""
    table: dict[str, Any] = {}
    for raw in entries:
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        name, sep, rest = entry.partition("=")
        parts = [p.strip() for p in rest.split(";")]
        if not sep or not name.strip() or not parts[0]:
            raise Invalid(f"{entry!r}: expected {EXTRA_SYNTAX}")
        if (" " not in parts[0] and not _QUALNAME.match(parts[0])) or _ANOTHER_ENTRY.search(parts[0]):
            raise Invalid(f"{entry!r}: the replacement is a qualified name or a sentence; one entry per line")
        spec: dict[str, str] = {"replacement": parts[0]}
        for part in parts[1:]:
            key, eq, value = (s.strip() for s in part.partition("="))
            if not eq or key not in ("code", "returns") or not value:
                raise Invalid(f"{entry!r}: expected {EXTRA_SYNTAX}")
            spec[key] = value
        table[name.strip()] = spec if len(spec) > 1 else spec["replacement"]
    return parse_extra_blocking(table)


def parse_library(value: Any) -> Optional[str]:
    if not isinstance(value, str) or value.strip().lower() not in LIBRARIES + ("auto",):
        shown = repr(value) if isinstance(value, str) else _kind(value)
        raise Invalid(f"expected one of 'asyncio', 'anyio', 'trio', 'auto', got {shown}")
    lib = value.strip().lower()
    return None if lib == "auto" else lib


def parse_max_depth(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        shown = repr(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else _kind(value)
        raise Invalid(f"expected an integer >= 1, got {shown}")
    return value


def parse_follow_imports(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in FOLLOW_IMPORTS:
        shown = repr(value) if isinstance(value, str) else _kind(value)
        raise Invalid(f"expected one of 'all', 'project', 'none', got {shown}")
    return value.strip().lower()


def _path_value(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        shown = repr(value) if isinstance(value, str) else _kind(value)
        raise Invalid(f"expected the path of {what}, got {shown}")
    if "\x00" in value:
        raise Invalid(f"expected the path of {what}, got {value!r}")
    return os.path.expanduser(value.strip())


def _has_separator(path: str) -> bool:
    return "/" in path or os.sep in path or path in (".", "..")


def parse_python(value: Any) -> str:
    """A path to a Python interpreter (or to a virtual environment's directory); checked when it is used."""
    return _path_value(value, "a Python interpreter or a virtual environment")


def parse_cache_dir(value: Any) -> str:
    return _path_value(value, "a directory")


def store_dir(settings: Settings) -> Path:
    """Where module and library summaries persist: `<cache-dir>/summaries` when `cache-dir` is set (the
    key, `--cache-dir` or $FAKE_ASYNC_LINT_CACHE_DIR), else the store's own default (the user cache dir,
    shared by every project: a library's summary does not depend on the project)."""
    if settings.cache_dir:
        return Path(settings.cache_dir) / "summaries"
    from .index.store import default_store_dir

    return default_store_dir()


def parse_src(value: Any) -> tuple[str, ...]:
    """Source roots, folders relative to the config file (ruff's `src`)."""
    value = string_list(value)  # the rule of every list key
    if any(not v.strip() for v in value):
        raise Invalid("expected a list of folder names, got an empty name")
    return tuple(v.strip() for v in value)


# key in the file -> (Settings field, parser)
KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "select": ("select", _file_codes),
    "extend-select": ("extend_select", _file_codes),
    "ignore": ("ignore", _file_codes),
    "exclude": ("exclude", _globs),
    "extend-exclude": ("extend_exclude", _globs),
    "per-file-ignores": ("per_file_ignores", parse_per_file_ignores),
    "extra-blocking": ("extra_blocking", parse_extra_blocking),
    "extra-hops": ("extra_hops", parse_extra_hops),
    "safe": ("safe", _file_safe),
    "async-library": ("async_library", parse_library),
    "max-depth": ("max_depth", parse_max_depth),
    "python": ("python", parse_python),
    "follow-imports": ("follow_imports", parse_follow_imports),
    "cache-dir": ("cache_dir", parse_cache_dir),
    "src": ("src", parse_src),
}
# path values in a file are relative to the file's directory
_FILE_RELATIVE = ("python", "cache_dir")


# ---------------------------------------------------------------- files


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text") from None
    except FileNotFoundError:
        raise ConfigError(f"{path}: cannot read config file: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: cannot read config file: it is a directory") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config file: {e.strerror or e}") from None


def _section(data: Mapping[str, Any]) -> Any:
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    return tool.get("fake-async-lint")


def find_config(start: str | Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.fake-async-lint] table, from `start` upwards.

    A pyproject.toml without the table is skipped (a sub-package's own
    pyproject.toml does not hide the project's); a malformed one is an error,
    since it may be the one meant."""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for d in (here, *here.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file() and _section(_read_toml(candidate)) is not None:
            return candidate
    return None


def load_config(path: str | Path) -> dict[str, Any]:
    """Settings field -> value from one file's [tool.fake-async-lint] table, every value checked."""
    path = Path(path)
    data = _read_toml(path)
    table = _section(data)
    if table is None:
        raise ConfigError(f"{path}: no [{SECTION}] table")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{SECTION}] must be a table, got {_kind(table)}")
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key.replace("_", "-"), list(KEYS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(sorted(KEYS))}"
            raise ConfigError(f"{path}: [{SECTION}] {key}: unknown key; {hint}")
        name, parse = KEYS[key]
        try:
            values[name] = parse(raw)
        except ValueError as e:
            raise ConfigError(f"{path}: [{SECTION}] {key}: {e}") from None
    return values


def resolve(
    paths: Sequence[str],
    *,
    config: Optional[str] = None,
    isolated: bool = False,
    overrides: Optional[Mapping[str, Any]] = None,
) -> Settings:
    """Defaults <- the config file (`config`, or found from the first path) <- `overrides` (flags)."""
    values: dict[str, Any] = {}
    found: Optional[Path] = None
    if config is not None:
        found = Path(config)
    elif not isolated:
        found = find_config(paths[0] if paths else ".")
    if found is not None:
        values.update(load_config(found))
        values["root"] = os.path.dirname(os.path.abspath(found))
        for name in _FILE_RELATIVE:
            # a bare name that is not in the directory (`python = "python3.12"`) is a command on PATH
            if name in values and (
                name == "cache_dir"
                or _has_separator(values[name])
                or os.path.exists(os.path.join(values["root"], values[name]))
            ):
                values[name] = os.path.join(values["root"], values[name])
        values["config_file"] = str(found)
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return Settings(**values)
