"""What a rule is: its code, its documentation and its own examples.

Examples are both the docs and the tests (one parametrized test runs them all):
`valid` sources must produce no finding of the rule; each `invalid` example
lists the exact (line, column) of every finding of the rule it must produce.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from ..findings import ChainStep, Finding, Fix
from ..model.module import ModuleModel
from ..source import line_starts, physical_lines


@dataclass(frozen=True)
class Example:
    source: str
    expect: tuple[tuple[int, int], ...] = ()
    title: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    what: str
    why: str
    example: str
    instead: str
    default: bool = True
    kind: str = ""  # the noun in messages ("HTTP call")
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()
    notes: str = ""

    @property
    def anchor(self) -> str:
        return f"{self.code.lower()}-{self.name}"


@dataclass
class Context:
    """Per-module facts a checker needs besides the model."""

    path: str
    source: str
    library: str = "asyncio"
    max_depth: int = 5
    options: dict[str, object] = field(default_factory=dict)
    _lines: Optional[list[str]] = field(init=False, default=None, repr=False)
    _starts: Optional[list[int]] = field(init=False, default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        # split on first use: most modules have no finding, so no column or source segment is asked for
        if self._lines is None:
            self._lines = physical_lines(self.source)
        return self._lines

    def segment(self, node: ast.AST) -> Optional[str]:
        """The source text of `node`, like `ast.get_source_segment` but without re-splitting the
        whole source per call: line starts are computed once, so a call costs the node's size."""
        line, end_line = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if line is None or end_line is None or col is None or end_col is None:
            return None
        if not 1 <= line <= end_line <= len(self.lines):
            return None
        if self._starts is None:
            self._starts = line_starts(self.source)
        start = self._starts[line - 1] + _chars(self.lines[line - 1], col)
        end = self._starts[end_line - 1] + _chars(self.lines[end_line - 1], end_col)
        return self.source[start:end]

    def column(self, line: int, col_offset: int) -> int:
        """ast's UTF-8 byte offset -> 1-based character column."""
        if 0 < line <= len(self.lines):
            return _chars(self.lines[line - 1], col_offset) + 1
        return col_offset + 1

    def finding(
        self,
        node: ast.expr | ast.stmt,
        code: str,
        message: str,
        *,
        api: str = "",
        replacement: str = "",
        coroutine: str = "",
        chain: tuple[ChainStep, ...] = (),
        fix: Optional[Fix] = None,
    ) -> Finding:
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_off = getattr(node, "end_col_offset", None)
        return Finding(
            path=self.path,
            line=node.lineno,
            col=self.column(node.lineno, node.col_offset),
            code=code,
            message=message,
            end_line=end_line,
            end_col=self.column(end_line, end_off) if end_off is not None else 0,
            api=api,
            replacement=replacement,
            coroutine=coroutine,
            chain=chain,
            fix=fix,
        )


def _chars(text: str, byte_offset: int) -> int:
    """ast's UTF-8 byte offset in a line -> the character offset."""
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


Checker = Callable[[ModuleModel, Context], Iterable[Finding]]


@dataclass(frozen=True)
class Family:
    """A checker and the rules (codes) it reports."""

    rules: tuple[Rule, ...]
    check: Checker

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.rules)
