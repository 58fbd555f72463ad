"""Findings: what the rules report, in a form every reporter and fixer shares."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Optional


@dataclass(frozen=True)
class ChainStep:
    """One hop of a transitive finding: `name()` at path:line:col."""

    name: str
    path: str
    line: int
    col: int


@dataclass(frozen=True)
class Fix:
    """An edit for a finding: replace the node's source text with `replacement`.

    `applicability` follows ruff: "safe" fixes keep the program's meaning and are applied by
    `fix`; "unsafe" ones may change it in corner cases and are applied only with `--unsafe-fixes`.
    """

    replacement: str
    rule: str = ""  # the ast-grep template that produced it, for the record
    applicability: str = "safe"  # "safe" or "unsafe"


_FIX_FIELDS = frozenset(f.name for f in fields(Fix))


@dataclass(frozen=True)
class Finding:
    """One problem at one place. Lines are 1-based; columns are 1-based characters."""

    path: str
    line: int
    col: int
    code: str
    message: str
    end_line: int = 0
    end_col: int = 0
    api: str = ""
    replacement: str = ""
    coroutine: str = ""
    chain: tuple[ChainStep, ...] = ()
    fix: Optional[Fix] = field(default=None, compare=False)
    # every coroutine the finding concerns, when there are several (FAS201: all those a pool caps)
    coroutines: tuple[str, ...] = field(default=(), compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["chain"] = [asdict(s) for s in self.chain]
        d["fix"] = asdict(self.fix) if self.fix else None
        d["fingerprint"] = self.fingerprint()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The inverse of to_dict (the JSON format); `fingerprint` is derived, so it is ignored."""
        fix = d.get("fix")
        return cls(
            path=d["path"],
            line=d["line"],
            col=d["col"],
            code=d["code"],
            message=d["message"],
            end_line=d.get("end_line", 0),
            end_col=d.get("end_col", 0),
            api=d.get("api", ""),
            replacement=d.get("replacement", ""),
            coroutine=d.get("coroutine", ""),
            chain=tuple(ChainStep(**s) for s in d.get("chain", ())),
            fix=Fix(**{k: v for k, v in fix.items() if k in _FIX_FIELDS}) if fix else None,
            coroutines=tuple(d.get("coroutines", ())),
        )

    def fingerprint(self) -> str:
        """Stable across runs and unrelated edits: path, code, API, coroutine, chain."""
        path = self.path.replace("\\", "/")
        while path.startswith("./"):
            path = path[2:]  # `check .` and `check pkg` name the same file
        parts = [path, self.code, self.api, self.coroutine]
        parts += [s.name for s in self.chain]
        # surrogateescape: a file name that is not UTF-8 keeps its bytes instead of raising
        return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"
