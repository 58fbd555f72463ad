"""The flake8 adapter: flake8 hands us the tree, we hand back findings.

flake8 applies `# noqa`, --select and --ignore itself; opt-in rules are
registered as default-ignored so `--extend-select FAS204` turns them on.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import os
from typing import Any, ClassVar, Iterator, Optional, Sequence

from . import __version__, config
from .config import ConfigError, Settings
from .engine import analyse_lines, error_finding, internal_error
from .index.environment import find_environment
from .rules import DEFAULT_OFF


class Plugin:
    name = "fake-async-lint"
    version = __version__
    settings: ClassVar[Settings] = Settings(select=("FAS",))

    def __init__(self, tree: ast.Module, filename: str, lines: Sequence[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.extend_default_ignore(sorted(DEFAULT_OFF))
        # no `type=`: flake8 hands config values over unconverted, so parse_options checks both sources
        manager.add_option(
            "--fas-extra-blocking",
            default="",
            parse_from_config=True,
            metavar="ENTRIES",
            help=f"fake-async-lint: more blocking APIs, one {config.EXTRA_SYNTAX} per line",
        )
        manager.add_option(
            "--fas-safe",
            default=[],
            parse_from_config=True,
            comma_separated_list=True,
            metavar="NAMES",
            help="fake-async-lint: qualified names of APIs never to report",
        )
        manager.add_option(
            "--fas-async-library",
            default="auto",
            parse_from_config=True,
            metavar="LIBRARY",
            help="fake-async-lint: asyncio, anyio, trio or auto (default): whose replacements to name",
        )
        manager.add_option(
            "--fas-max-depth",
            default=str(config.DEFAULT_MAX_DEPTH),
            parse_from_config=True,
            metavar="N",
            help=f"fake-async-lint: call-graph depth (default {config.DEFAULT_MAX_DEPTH})",
        )
        manager.add_option(
            "--fas-python",
            default="",
            parse_from_config=True,
            metavar="PATH",
            help="fake-async-lint: the interpreter or virtualenv whose installed libraries are followed "
            "(default: $VIRTUAL_ENV, then .venv/venv in the project root, then flake8's own interpreter)",
        )
        manager.add_option(
            "--fas-follow-imports",
            default=config.DEFAULT_FOLLOW_IMPORTS,
            parse_from_config=True,
            metavar="MODE",
            help="fake-async-lint: all (default: installed libraries and the project), project, or none",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        # flake8 filters codes itself; we run every rule, opt-in ones included
        base = Settings(select=("FAS",), extend_select=tuple(sorted(DEFAULT_OFF)))
        option = "--fas-extra-blocking"
        try:
            extra = getattr(options, "fas_extra_blocking", "") or ""
            entries = extra.splitlines() if isinstance(extra, str) else list(extra)
            values: dict[str, Any] = {"extra_blocking": config.parse_extra_blocking_entries(entries)}
            option = "--fas-safe"
            safe = getattr(options, "fas_safe", []) or []
            values["safe"] = config.parse_safe(safe if isinstance(safe, str) else list(safe))
            option = "--fas-async-library"
            values["async_library"] = config.parse_library(getattr(options, "fas_async_library", "auto"))
            option = "--fas-max-depth"
            values["max_depth"] = config.parse_max_depth(getattr(options, "fas_max_depth", config.DEFAULT_MAX_DEPTH))
            option = "--fas-python"
            python = getattr(options, "fas_python", "") or ""
            values["python"] = config.parse_python(python) if str(python).strip() else None
            if values["python"] is not None:  # a bad interpreter stops flake8 once, not as FAS001 in every file
                find_environment(values["python"], None, cache_dir=str(config.store_dir(base)), origin="python")
            option = "--fas-follow-imports"
            values["follow_imports"] = config.parse_follow_imports(
                getattr(options, "fas_follow_imports", config.DEFAULT_FOLLOW_IMPORTS)
            )
        except (ValueError, ConfigError) as e:
            # flake8 prints this one as a clean "critical error" (no traceback); it has no type stubs
            error: Any = importlib.import_module("flake8.exceptions").ExecutionError
            raise error(f"fake-async-lint: {option} (or {option[2:]} in the config file): {e}") from None
        cls.settings = dataclasses.replace(base, **values)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not any("async" in line for line in self.lines):
            return
        source = "".join(self.lines)
        try:
            findings = analyse_lines(self.tree, source, self.filename, _with_project(self.settings, self.filename))
        except Exception as exc:  # never a traceback in the editor
            findings = [error_finding(self.filename, internal_error(exc))]
        for f in findings:
            yield f.line, f.col - 1, f"{f.code} {f.message}", type(self)


@functools.lru_cache(maxsize=64)
def _project_config(directory: str) -> tuple[tuple[str, ...], Optional[str]]:
    """The project's `src` and its config folder, from [tool.fake-async-lint] above `directory`: flake8
    has its own options, but which modules a name resolves to must be what the command sees."""
    try:
        found = config.find_config(directory)
        if found is None:
            return (), None
        return tuple(config.load_config(found).get("src", ())), os.path.dirname(os.path.abspath(found))
    except config.ConfigError:
        return (), None


def _with_project(settings: Settings, filename: str) -> Settings:
    src, root = _project_config(os.path.dirname(os.path.abspath(filename)))
    return dataclasses.replace(settings, src=src, root=root) if src else settings
