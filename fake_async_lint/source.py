"""Read and parse: bytes -> text (PEP 263) -> syntax tree, every failure a clear reason."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path


class SourceError(Exception):
    """The file cannot be analysed; `line`/`col` are 1-based."""

    def __init__(self, reason: str, line: int = 1, col: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = max(line, 1)
        self.col = max(col, 1)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def physical_lines(text: str) -> list[str]:
    """The lines the parser numbers (`\\n`, `\\r\\n`, `\\r`), without their ends.

    Not `str.splitlines()`: it also breaks at form feeds, `\\x1c`-`\\x1e`, `\\x85`,
    `\\u2028` and `\\u2029`, which Python source may contain inside a line.
    """
    return _LINE_BREAK.split(text)


def line_starts(text: str) -> list[int]:
    """The offset in `text` where each of its physical lines starts (the breaks `physical_lines` splits at)."""
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


@dataclass(frozen=True)
class Source:
    path: str
    text: str


def read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise SourceError("cannot read file: it is a directory") from None
    except PermissionError:
        raise SourceError("cannot read file: permission denied") from None
    except FileNotFoundError:
        raise SourceError("cannot read file: no such file") from None
    except OSError as e:
        raise SourceError(f"cannot read file: {e.strerror or e}") from None


def decode(data: bytes) -> str:
    """Decode with the PEP 263 cookie / BOM, as `tokenize.open` does."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as e:
        raise SourceError(f"cannot decode: {e.msg if hasattr(e, 'msg') else e}", getattr(e, "lineno", 1) or 1) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SourceError(f"cannot decode as {encoding}: invalid byte 0x{data[e.start]:02x}", line, col) from None
    except LookupError:
        raise SourceError(f"cannot decode: unknown encoding {encoding!r}") from None
    return text[1:] if text.startswith("\ufeff") else text


def check_null(text: str) -> None:
    i = text.find("\x00")
    if i >= 0:
        line = text.count("\n", 0, i) + 1
        raise SourceError("source contains a null byte", line, i - (text.rfind("\n", 0, i) + 1) + 1)


def parse(text: str, path: str = "<string>") -> ast.Module:
    check_null(text)
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as e:
        reason = e.msg or "invalid syntax"
        if "too many nested" in reason or "too complex" in reason:
            reason = f"too deeply nested to parse ({reason})"
        else:
            reason = f"syntax error: {reason}"
        raise SourceError(reason, e.lineno or 1, e.offset or 1) from None
    except (RecursionError, MemoryError):
        raise SourceError("too deeply nested to parse") from None
    except ValueError as e:
        raise SourceError(f"cannot parse: {e}") from None
