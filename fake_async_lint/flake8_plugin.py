"""The flake8 adapter: flake8 hands us the tree, we hand back findings.

flake8 applies `# noqa`, --select and --ignore itself; opt-in rules are
registered as default-ignored so `--extend-select FAS204` turns them on.
"""

from __future__ import annotations

import ast
from typing import Any, ClassVar, Iterator, Sequence

from . import __version__
from .config import Settings
from .engine import analyse_tree, error_finding
from .rules import DEFAULT_OFF
from .source import SourceError


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

    @classmethod
    def parse_options(cls, options: Any) -> None:
        # flake8 filters codes itself; we run every rule, opt-in ones included
        cls.settings = Settings(select=("FAS",), extend_select=tuple(sorted(DEFAULT_OFF)))

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not any("async" in line for line in self.lines):
            return
        source = "".join(self.lines)
        try:
            findings = analyse_tree(self.tree, source, self.filename, self.settings)
        except Exception as exc:  # never a traceback in the editor
            findings = [error_finding(self.filename, SourceError(f"internal error: {type(exc).__name__}: {exc}"))]
        for f in findings:
            yield f.line, f.col - 1, f"{f.code} {f.message}", type(self)
