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
from ..source import physical_lines


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
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = physical_lines(self.source)

    def column(self, line: int, col_offset: int) -> int:
        """ast's UTF-8 byte offset -> 1-based character column."""
        if 0 < line <= len(self.lines):
            text = self.lines[line - 1]
            if not text.isascii():
                return len(text.encode("utf-8")[:col_offset].decode("utf-8", "replace")) + 1
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


Checker = Callable[[ModuleModel, Context], Iterable[Finding]]


@dataclass(frozen=True)
class Family:
    """A checker and the rules (codes) it reports."""

    rules: tuple[Rule, ...]
    check: Checker

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.rules)
