"""Terminal niceties of the standalone command: colours and a progress line, only where a person reads."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Optional, TextIO

from .findings import Finding
from .report import text


def _isatty(stream: Optional[TextIO]) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def use_color(mode: str, stream: Optional[TextIO]) -> bool:
    """--color: `always`/`never` are obeyed (a flag beats the environment, as no-color.org asks);
    `auto` colours a terminal unless NO_COLOR is non-empty or TERM is dumb (FORCE_COLOR forces it)."""
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _isatty(stream) and os.environ.get("TERM") != "dumb"


def paint(findings: Iterable[Finding]) -> str:
    """The text format with the path bold and the code red; the same characters otherwise."""
    return text.render(list(findings), text.Style(color=True))


class ProgressLine:
    """`checked 1200/30000 files` on one rewritten stderr line, once a scan has run for `delay` seconds."""

    def __init__(self, stream: TextIO, delay: float = 1.0, interval: float = 0.1) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.delay = delay
        self.interval = interval
        self.last = 0.0
        self.shown = False

    @classmethod
    def for_stream(cls, stream: TextIO) -> Optional[ProgressLine]:
        return cls(stream) if _isatty(stream) else None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < self.delay or (now - self.last < self.interval and done < total):
            return
        self.last = now
        self.shown = True
        pct = 100 * done // total if total else 100
        self.stream.write(f"\rfake-async-lint: checked {done}/{total} files ({pct}%)\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
