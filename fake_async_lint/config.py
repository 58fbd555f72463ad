"""Settings: what a run checks and how. Filled from defaults, config files and flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .rules import DEFAULT_OFF
from .suppress import Selection

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


class ConfigError(Exception):
    """Invalid configuration: the message names the key and the file."""


@dataclass(frozen=True)
class Settings:
    select: Optional[tuple[str, ...]] = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    extra_blocking: Mapping[str, Any] = field(default_factory=dict)
    safe: tuple[str, ...] = ()
    async_library: Optional[str] = None  # None: detect per module
    max_depth: int = 5

    @property
    def selection(self) -> Selection:
        return Selection(self.select, self.extend_select, self.ignore, DEFAULT_OFF)
