"""Snapshots of the formats people read (`full`, `grouped`) and of `--statistics`, through the real command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint.findings import ChainStep, Finding
from fake_async_lint.report import text as text_report

LOG = """\
def write_event(event):
    with open("events.log", "a") as f:
        f.write(str(event))


def audit(user):
    write_event({"user": user})
"""
VIEWS = """\
import asyncio
import time

from .log import audit, write_event


async def show(uid):
    audit(uid)
    time.sleep(0.1)


async def delete(uid):
    write_event(uid)
    loop = asyncio.get_event_loop()
    return loop
"""
OPEN_ADVICE = "use aiofiles or anyio.open_file / anyio.Path"
SHOW = (
    "shop/views.py:8:5: FAS300 blocking file I/O open() via audit() -> write_event() in coroutine 'show'; "
    f"make audit() async and {OPEN_ADVICE}, or `await asyncio.to_thread(audit, ...)` where no native API exists"
)
SLEEP = "shop/views.py:9:5: FAS101 blocking sleep time.sleep() in coroutine 'show'; use `await asyncio.sleep(...)`"
DELETE = (
    "shop/views.py:13:5: FAS300 blocking file I/O open() via write_event() in coroutine 'delete'; "
    f"make write_event() async and {OPEN_ADVICE}, or `await asyncio.to_thread(write_event, ...)` "
    "where no native API exists"
)
LOOP = (
    "shop/views.py:14:12: FAS202 asyncio.get_event_loop() in coroutine 'delete'; use `asyncio.get_running_loop()`: "
    "the same loop, and never a new one that nothing runs"
)

FULL = f"""\
{SHOW}
  |
8 |     audit(uid)
  |     ^^^^^^^^^^
  |
  = chain:
      shop/views.py:8: audit()
      shop/log.py:7: write_event()
      shop/log.py:2: open()

{SLEEP}
  |
9 |     time.sleep(0.1)
  |     ^^^^^^^^^^^^^^^
  |
  = fix (safe): `await asyncio.sleep(0.1)`

{DELETE}
   |
13 |     write_event(uid)
   |     ^^^^^^^^^^^^^^^^
   |
   = chain:
       shop/views.py:13: write_event()
       shop/log.py:2: open()

{LOOP}
   |
14 |     loop = asyncio.get_event_loop()
   |            ^^^^^^^^^^^^^^^^^^^^^^^^
   |
   = fix (safe): `asyncio.get_running_loop()`
"""


def _rest(line: str) -> str:
    return line.split(": ", 1)[1]


GROUPED = f"""\
shop/views.py:
   8:5   {_rest(SHOW)}
   9:5   {_rest(SLEEP)}
  13:5   {_rest(DELETE)}
  14:12  {_rest(LOOP)}
"""

STATISTICS = """\
1     FAS101 `time.sleep()` in a coroutine.
1     FAS202 `asyncio.get_event_loop()` inside a coroutine; use `asyncio.get_running_loop()`.
2     FAS300 A coroutine calls a sync function that blocks, directly or through more sync calls.

2 findings reach `open()` at shop/log.py:2
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "log.py").write_text(LOG)
    (tmp_path / "shop" / "views.py").write_text(VIEWS)
    return tmp_path


def run(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "--isolated", "--no-cache", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_full(shop: Path) -> None:
    r = run(shop, "--format", "full", "shop")
    assert (r.returncode, r.stderr) == (1, "Found 4 findings in 3 files.\n")
    assert r.stdout == FULL


def test_grouped(shop: Path) -> None:
    r = run(shop, "--format", "grouped", "shop")
    assert (r.returncode, r.stderr) == (1, "Found 4 findings in 3 files.\n")
    assert r.stdout == GROUPED


def test_concise_is_the_first_line_of_each_full_block(shop: Path) -> None:
    r = run(shop, "shop")
    assert r.stdout == "\n".join([SHOW, SLEEP, DELETE, LOOP]) + "\n"


@pytest.mark.parametrize(("fmt", "body"), [("text", None), ("full", FULL), ("grouped", GROUPED)])
def test_statistics_name_the_shared_root_cause(shop: Path, fmt: str, body: str | None) -> None:
    r = run(shop, "--format", fmt, "--statistics", "shop")
    if body is None:
        assert r.stdout == "\n".join([SHOW, SLEEP, DELETE, LOOP]) + "\n" + STATISTICS
    else:  # a blank line between the last block and the counts
        assert r.stdout == body + "\n" + STATISTICS


def test_statistics_of_a_machine_format_go_to_stderr(shop: Path) -> None:
    r = run(shop, "--format", "json", "--statistics", "shop")
    assert r.stderr == STATISTICS + "Found 4 findings in 3 files.\n"


def test_full_frames_the_buffer_read_from_stdin(tmp_path: Path) -> None:
    source = "import time\n\n\nasync def f():\n\ttime.sleep(1)  # tab-indented\n"
    r = run(tmp_path, "--format", "full", "--stdin-filename", "not/on/disk.py", "-", stdin=source)
    assert r.stdout == (
        "not/on/disk.py:5:2: FAS101 blocking sleep time.sleep() in coroutine 'f'; use `await asyncio.sleep(...)`\n"
        "  |\n"
        "5 |     time.sleep(1)  # tab-indented\n"
        "  |     ^^^^^^^^^^^^^\n"
        "  |\n"
    )


def test_full_without_source_and_on_a_span_over_lines() -> None:
    gone = Finding("gone.py", 3, 5, "FAS101", "m", end_line=3, end_col=9)
    multi = Finding("m.py", 2, 9, "FAS100", "n", end_line=4, end_col=2)
    chained = Finding("c.py", 1, 1, "FAS300", "o", chain=(ChainStep("h", "c.py", 1, 1), ChainStep("x.y", "d.py", 9, 3)))
    sources = {"m.py": "import requests\nasync def f(u): requests.get(\n    u,\n)\n", "c.py": "h()\n"}
    assert text_report.render_full([gone, multi, chained], sources=sources) == (
        "gone.py:3:5: FAS101 m\n"  # the file cannot be read: no frame
        "\n"
        "m.py:2:9: FAS100 n\n"
        "  |\n"
        "2 | async def f(u): requests.get(\n"
        "  |         ^^^^^^^^^^^^^^^^^^^^^\n"  # to the end of the first line
        "  |\n"
        "\n"
        "c.py:1:1: FAS300 o\n"
        "  |\n"
        "1 | h()\n"
        "  | ^\n"  # no end known: one caret
        "  |\n"
        "  = chain:\n"
        "      c.py:1: h()\n"
        "      d.py:9: x.y()\n"
    )


def test_colour_keeps_the_characters(shop: Path) -> None:
    for fmt in ("text", "full", "grouped"):
        plain = run(shop, "--format", fmt, "shop").stdout
        coloured = run(shop, "--format", fmt, "--color", "always", "shop").stdout
        assert coloured != plain
        stripped = coloured
        for esc in ("\x1b[1m", "\x1b[1;31m", "\x1b[36m", "\x1b[1;34m", "\x1b[0m"):
            stripped = stripped.replace(esc, "")
        assert stripped == plain, fmt


def test_root_causes_need_two_findings() -> None:
    def chained(line: int, end: ChainStep) -> Finding:
        return Finding("a.py", line, 1, "FAS300", "m", chain=(ChainStep("h", "a.py", line, 1), end))

    at_88 = ChainStep("open", "log.py", 88, 5)
    findings = [chained(1, at_88), chained(2, at_88), chained(3, ChainStep("requests.get", "net.py", 4, 1))]
    assert text_report.root_causes(findings) == [(2, "open()", "log.py", 88)]


def test_full_never_writes_control_characters_and_never_opens_a_fifo(tmp_path: Path) -> None:
    import os

    esc = Finding("esc.py", 1, 6, "FAS101", "m", end_line=1, end_col=8)
    sources = {"esc.py": 'x = "\x1b[2J"; y\n'}
    assert text_report.render_full([esc], sources=sources) == (
        'esc.py:1:6: FAS101 m\n  |\n1 | x = "\ufffd[2J"; y\n  |      ^^\n  |\n'
    )
    if hasattr(os, "mkfifo"):  # a FIFO named like a module: reading it would block the report
        fifo = tmp_path / "pipe.py"
        os.mkfifo(fifo)
        assert text_report.render_full([Finding(str(fifo), 1, 1, "FAS001", "m")]) == f"{fifo}:1:1: FAS001 m\n"
