"""The formats people read: `text` (one line per finding, flake8's), `full` (a code frame and the chain
per finding, to jump to every hop) and `grouped` (findings under their file); and `--statistics`.

    app/api.py:22:12: FAS300 blocking HTTP call requests.get() via load_user() in coroutine 'show'; ...
       |
    22 |     return load_user(uid)
       |            ^^^^^^^^^^^^^^
       |
       = chain:
         app/api.py:22: load_user()
         app/http.py:13: requests.get()
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

from ..findings import Finding
from ..source import SourceError, decode, physical_lines, read_bytes
from .common import call_name, details

BOLD, RED, CYAN, BLUE, RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[36m", "\x1b[1;34m", "\x1b[0m"
TAB = "    "  # how a tab is shown in a code frame (carets count it as four columns)


@dataclass(frozen=True)
class Style:
    """ANSI colours for a terminal, or none: the characters are the same either way."""

    color: bool = False

    def _wrap(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.color and text else text

    def path(self, text: str) -> str:
        return self._wrap(text, BOLD)

    def code(self, text: str) -> str:
        return self._wrap(text, RED)

    def colon(self) -> str:
        return self._wrap(":", CYAN)

    def gutter(self, text: str) -> str:
        return self._wrap(text, BLUE)

    def caret(self, text: str) -> str:
        return self._wrap(text, RED)


PLAIN = Style()


def line(f: Finding, style: Style = PLAIN) -> str:
    """`path:line:col: CODE message`: the concise line, the same characters as `Finding.text()`."""
    c = style.colon()
    return f"{style.path(f.path)}{c}{f.line}{c}{f.col}{c} {style.code(f.code)} {f.message}"


def render(findings: Sequence[Finding], style: Style = PLAIN) -> str:
    return "".join(line(f, style) + "\n" for f in findings)


# ------------------------------------------------------------------ full


class SourceLines:
    """The lines of the reported files, each file read once; a file that cannot be read has none.

    `given` holds texts that are not on disk (the buffer read from stdin), by reported path."""

    def __init__(self, given: Optional[Mapping[str, str]] = None) -> None:
        self._files: dict[str, Optional[list[str]]] = {}
        for path, text in (given or {}).items():
            self._files[path] = physical_lines(text)

    def get(self, path: str, number: int) -> Optional[str]:
        if path not in self._files:
            self._files[path] = _read(path)
        lines = self._files[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]


def _read(path: str) -> Optional[list[str]]:
    """A regular file's lines (a FIFO or a device would block the report, `-` is stdin), or None."""
    try:
        if path == "-" or not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return physical_lines(decode(read_bytes(path)))
    except (OSError, SourceError):
        return None


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """Control characters (an escape sequence in a string literal) as U+FFFD, one column each, so a
    frame never drives the terminal; tabs as four spaces."""
    return _CONTROL.sub("\ufffd", text).replace("\t", TAB)


def _frame(f: Finding, text: str, style: Style) -> list[str]:
    """The source line with its number and a caret run under the finding's span (to the line's end
    when the span goes on below)."""
    start = min(max(f.col, 1), len(text) + 1)
    if f.end_line > f.line:
        end = len(text) + 1
    elif f.end_col > start:
        end = min(f.end_col, len(text) + 1)
    else:  # the end is unknown: one caret
        end = start + 1
    shown = _visible(text).rstrip()
    pad = len(_visible(text[: start - 1]))
    width = max(len(_visible(text[start - 1 : end - 1]).rstrip()), 1)
    number = str(f.line)
    blank = " " * len(number)
    bar = style.gutter(f"{blank} |")
    return [
        bar,
        f"{style.gutter(f'{number} |')} {shown}".rstrip(),
        f"{bar} {' ' * pad}{style.caret('^' * width)}",
        bar,
    ]


def full_entry(f: Finding, lines: SourceLines, style: Style = PLAIN) -> str:
    out = [line(f, style)]
    text = lines.get(f.path, f.line)
    frame = _frame(f, text, style) if text is not None else []
    out += frame
    indent = " " * (len(str(f.line)) + 1) if frame else "  "
    eq = style.gutter("=")
    for detail in details(f):  # "chain:", its hops (indented), "fix (safe): ..."
        out.append(f"{indent}    {detail.strip()}" if detail.startswith(" ") else f"{indent}{eq} {detail}")
    return "\n".join(out) + "\n"


def render_full(findings: Sequence[Finding], style: Style = PLAIN, sources: Optional[Mapping[str, str]] = None) -> str:
    lines = SourceLines(sources)
    return "\n".join(full_entry(f, lines, style) for f in findings)


# ------------------------------------------------------------------ grouped


def render_grouped(findings: Sequence[Finding], style: Style = PLAIN) -> str:
    """The findings under their file (in the order given), `line:col` aligned on the colon within a file."""
    files: dict[str, list[Finding]] = {}
    for f in findings:
        files.setdefault(f.path, []).append(f)
    out = []
    for path, group in files.items():
        lw = max(len(str(f.line)) for f in group)
        cw = max(len(str(f.col)) for f in group)
        rows = [f"  {f.line:>{lw}}:{f.col:<{cw}}  {style.code(f.code)} {f.message}" for f in group]
        out.append(f"{style.path(path)}{style.colon()}\n" + "".join(r + "\n" for r in rows))
    return "\n".join(out)


# ------------------------------------------------------------------ statistics


def root_causes(findings: Sequence[Finding]) -> list[tuple[int, str, str, int]]:
    """Chains that end at the same blocking line, most findings first: (count, name, path, line).

    Fixing that one line clears them all; only causes shared by two findings or more are listed."""
    counts: dict[tuple[str, int, str], int] = {}
    for f in findings:
        if f.chain:
            last = f.chain[-1]
            key = (last.path, last.line, call_name(last))
            counts[key] = counts.get(key, 0) + 1
    shared = [(n, name, path, ln) for (path, ln, name), n in counts.items() if n > 1]
    return sorted(shared, key=lambda c: (-c[0], c[2], c[3], c[1]))


def statistics(findings: Sequence[Finding], summaries: Mapping[str, str]) -> str:
    """`N     CODE summary` per code (flake8's), then one line per shared root cause."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
        first.setdefault(f.code, f.message)
    out = [f"{counts[code]:<5} {code} {summaries.get(code, first[code])}\n" for code in sorted(counts)]
    causes = root_causes(findings)
    if causes:  # fix the blocking line once, clear every finding that reaches it
        out.append("\n")
        out += [f"{n} findings reach `{name}` at {path}:{ln}\n" for n, name, path, ln in causes]
    return "".join(out)
