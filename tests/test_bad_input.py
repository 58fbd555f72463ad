"""Files we cannot (or can only just) analyse, through both front ends, in real subprocesses.

The command must print one exact `path:line:col: FAS001 cannot analyse this file: ...`
line per bad file, go on with the other files of the scan, exit 1 and never show a
traceback. Under flake8 our plugin must never crash; flake8 itself reports E999/E902
for files it cannot read or parse, and the exact lines it prints are pinned here.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

SLEEP = "FAS101 blocking sleep time.sleep() in coroutine 'f'; use `await asyncio.sleep(...)`"
GOOD = b"import time\n\n\nasync def f():\n    time.sleep(1)\n"
GOOD_LINE = f"good.py:5:5: {SLEEP}"

# flake8 with only our plugin loaded (plus flake8's own formatters): the same flake8
# run, minus the third-party plugins (pyflakes, flake8-async) that crash first on
# very deep trees and would hide what our plugin does.
ONLY_OURS = """\
import sys
import flake8.plugins.finder as finder
_find = finder.find_plugins
finder.find_plugins = lambda *a, **k: [p for p in _find(*a, **k) if p.package in ("flake8", "fake-async-lint")]
from flake8.main.cli import main
sys.exit(main())
"""


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "fake_async_lint", "check", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def run_flake8(cwd: Path, *args: str, only_ours: bool = False) -> subprocess.CompletedProcess[str]:
    head = [sys.executable, "-c", ONLY_OURS] if only_ours else [sys.executable, "-m", "flake8"]
    # FAS0/FAS1 only: flake8's `--select FAS` also turns on our opt-in rules (FAS204 would
    # fire on these tiny coroutines), which the command's `--select FAS` does not
    cmd = [*head, "--isolated", "--select", "FAS0,FAS1,E9", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def _parses(source: bytes) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _deep(expr: str) -> bytes:
    return f"import time\n\n\nasync def f(a):\n    x = {expr}\n    time.sleep(1)\n".encode()


CHAIN_2000 = _deep(" + ".join(["a"] * 2000))  # parses, but too deep for any recursive visitor
CHAIN_5000 = _deep(" + ".join(["a"] * 5000))  # too deep for CPython's own ast construction
LISTS_190 = _deep("[" * 190 + "]" * 190)  # just under the parser's bracket limit: fine for us
PARENS_100 = _deep("(" * 100 + "a" + ")" * 100)
PARENS_250 = _deep("(" * 250 + "a" + ")" * 250)
SLEEP_AT_6 = f"6:5: {SLEEP}"

# name -> (bytes, what the command prints for it after "name.py:")
COMMAND_CASES: dict[str, tuple[bytes, list[str]]] = {
    "syntax": (
        b"import time\n\n\nasync def f(:\n    time.sleep(1)\n",
        ["4:13: FAS001 cannot analyse this file: syntax error: invalid syntax"],
    ),
    "latin1": (
        b"# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    s = 'caf\xe9'; time.sleep(1)\n",
        [f"6:17: {SLEEP}"],
    ),
    "invalid_utf8": (
        b"import time\n\n\nasync def f():\n    s = '\xff\xfe'; time.sleep(1)\n",
        ["5:10: FAS001 cannot analyse this file: cannot decode as utf-8: invalid byte 0xff"],
    ),
    "unknown_cookie": (
        b"# coding: klingon\nimport time\n\n\nasync def f():\n    time.sleep(1)\n",
        ["1:1: FAS001 cannot analyse this file: cannot decode: unknown encoding: klingon"],
    ),
    "null_byte": (
        b"import time\n\n\nasync def f():\n    time.sleep(1)\x00\n",
        ["5:18: FAS001 cannot analyse this file: source contains a null byte"],
    ),
    "parens_100": (PARENS_100, [SLEEP_AT_6]),
    "parens_250": (
        PARENS_250,
        ["5:209: FAS001 cannot analyse this file: too deeply nested to parse (too many nested parentheses)"],
    ),
    "lists_190": (LISTS_190, [SLEEP_AT_6]),
    "chain_2000": (
        CHAIN_2000,
        [
            "1:1: FAS001 cannot analyse this file: too deeply nested to "
            + ("analyse" if _parses(CHAIN_2000) else "parse")
        ],
    ),
    "chain_5000": (CHAIN_5000, ["1:1: FAS001 cannot analyse this file: too deeply nested to parse"]),
    "empty": (b"", []),
    "bom_only": (b"\xef\xbb\xbf", []),
    "bom_then_code": (b"\xef\xbb\xbfasync def f():\n    import time; time.sleep(1)\n", [f"2:18: {SLEEP}"]),
    "crlf": (b"import time\r\n\r\n\r\nasync def f():\r\n    x = 1; time.sleep(1)\r\n", [f"5:12: {SLEEP}"]),
    "tab_error": (
        b"import time\n\n\nasync def f():\n    time.sleep(1)\n\tx = 1\n",
        ["6:1: FAS001 cannot analyse this file: syntax error: inconsistent use of tabs and spaces in indentation"],
    ),
}


@pytest.mark.parametrize("name", sorted(COMMAND_CASES))
def test_command_reports_bad_file_and_goes_on(tmp_path: Path, name: str) -> None:
    data, expected = COMMAND_CASES[name]
    (tmp_path / f"{name}.py").write_bytes(data)
    (tmp_path / "good.py").write_bytes(GOOD)
    r = run_cli(tmp_path, f"{name}.py", "good.py")
    assert "Traceback" not in r.stderr
    assert r.stdout.splitlines() == sorted([f"{name}.py:{e}" for e in expected] + [GOOD_LINE])
    assert r.returncode == 1


def test_command_scans_a_directory_of_bad_files(tmp_path: Path) -> None:
    for name, (data, _) in COMMAND_CASES.items():
        (tmp_path / f"{name}.py").write_bytes(data)
    (tmp_path / "good.py").write_bytes(GOOD)
    r = run_cli(tmp_path, ".")
    assert "Traceback" not in r.stderr
    expected = [f"./{n}.py:{e}" for n, (_, es) in COMMAND_CASES.items() for e in es] + [f"./{GOOD_LINE}"]
    assert sorted(r.stdout.splitlines()) == sorted(expected)
    assert r.stderr.splitlines()[-1] == f"Found {len(expected)} findings in {len(COMMAND_CASES) + 1} files."
    assert r.returncode == 1


def test_command_unreadable_paths(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_bytes(GOOD)
    (tmp_path / "broken.py").symlink_to(tmp_path / "nowhere.py")
    r = run_cli(tmp_path, "broken.py", "good.py")
    assert "Traceback" not in r.stderr
    assert r.stdout.splitlines() == [
        "broken.py:1:1: FAS001 cannot analyse this file: cannot read file: no such file",
        GOOD_LINE,
    ]
    assert r.returncode == 1
    # a path that does not exist at all is a usage error (tests/test_cli.py)
    r = run_cli(tmp_path, "missing.py", "broken.py", "good.py")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "fake-async-lint: missing.py: no such file or directory\n"


def test_command_broken_symlink_found_by_the_walk(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_bytes(GOOD)
    (tmp_path / "broken.py").symlink_to(tmp_path / "nowhere.py")
    r = run_cli(tmp_path, ".")
    assert r.stdout.splitlines() == [
        "./broken.py:1:1: FAS001 cannot analyse this file: cannot read file: no such file",
        f"./{GOOD_LINE}",
    ]
    assert r.returncode == 1


def test_command_unreadable_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked.py"
    locked.write_bytes(GOOD)
    locked.chmod(0)
    try:
        r = run_cli(tmp_path, "locked.py")
    finally:
        locked.chmod(0o644)
    assert "Traceback" not in r.stderr
    if os.geteuid() == 0:  # root reads it anyway: it is analysed like any file
        assert r.stdout.splitlines() == [f"locked.py:5:5: {SLEEP}"]
    else:
        assert r.stdout.splitlines() == [
            "locked.py:1:1: FAS001 cannot analyse this file: cannot read file: permission denied"
        ]
    assert r.returncode == 1


# ---------------------------------------------------------------- flake8
SYNTAX_FLAKE8 = "4:14: E999 SyntaxError: invalid syntax"  # flake8's E999 column is the parser's offset + 1
FLAKE8_CASES: dict[str, Optional[list[str]]] = {
    "syntax": [SYNTAX_FLAKE8],
    "latin1": [f"6:17: {SLEEP}"],
    # flake8 retries undecodable files as latin-1, so our plugin sees (and reports) the code
    "invalid_utf8": [f"5:15: {SLEEP}"],
    "unknown_cookie": [f"6:5: {SLEEP}"],
    "null_byte": ["1:1: E999 SyntaxError: source code string cannot contain null bytes"],
    "parens_100": [SLEEP_AT_6],
    "parens_250": ["5:210: E999 SyntaxError: too many nested parentheses"],
    "empty": [],
    "bom_only": [],
    "bom_then_code": [f"2:18: {SLEEP}"],
    "crlf": [f"5:12: {SLEEP}"],
    "tab_error": ["6:2: E999 TabError: inconsistent use of tabs and spaces in indentation"],
}


@pytest.mark.parametrize("name", sorted(FLAKE8_CASES))
def test_flake8_plugin_on_bad_file(tmp_path: Path, name: str) -> None:
    data = COMMAND_CASES[name][0]
    expected = FLAKE8_CASES[name] or []
    (tmp_path / f"{name}.py").write_bytes(data)
    (tmp_path / "good.py").write_bytes(GOOD)
    r = run_flake8(tmp_path, f"{name}.py", "good.py")
    assert "Traceback" not in r.stderr
    assert r.stdout.splitlines() == sorted([f"{name}.py:{e}" for e in expected] + [GOOD_LINE])
    assert r.returncode == 1


@pytest.mark.parametrize("name", ["chain_2000", "lists_190"])
def test_flake8_deep_trees_our_plugin_alone(tmp_path: Path, name: str) -> None:
    data, expected = COMMAND_CASES[name]
    (tmp_path / f"{name}.py").write_bytes(data)
    (tmp_path / "good.py").write_bytes(GOOD)
    r = run_flake8(tmp_path, f"{name}.py", "good.py", only_ours=True)
    assert "Traceback" not in r.stderr
    assert r.stdout.splitlines() == sorted([f"{name}.py:{e}" for e in expected] + [GOOD_LINE])
    assert r.returncode == 1


@pytest.mark.parametrize("name", ["chain_2000", "lists_190", "chain_5000"])
def test_flake8_deep_trees_full_plugin_set_never_fails_in_our_code(tmp_path: Path, name: str) -> None:
    # Observed with flake8 7.5 + pyflakes + flake8-async 26.8: pyflakes and flake8-async's
    # libcst raise RecursionError first (chain_5000: flake8's own ast.parse does), so flake8
    # stops with a plugin failure or a traceback. None of it may come from our package.
    (tmp_path / f"{name}.py").write_bytes(COMMAND_CASES[name][0])
    r = run_flake8(tmp_path, f"{name}.py")
    assert "fake_async_lint" not in r.stderr
    assert "fake-async-lint" not in r.stderr
    assert r.returncode == 1


def test_flake8_unreadable_paths(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_bytes(GOOD)
    (tmp_path / "broken.py").symlink_to(tmp_path / "nowhere.py")
    r = run_flake8(tmp_path, "missing.py", "broken.py", "good.py")
    assert "Traceback" not in r.stderr
    assert r.stdout.splitlines() == [
        "broken.py:0:1: E902 FileNotFoundError: [Errno 2] No such file or directory: 'broken.py'",
        GOOD_LINE,
        "missing.py:0:1: E902 FileNotFoundError: [Errno 2] No such file or directory: 'missing.py'",
    ]
    assert r.returncode == 1


# ---------------------------------------------------------------- columns: both front ends agree
NON_ASCII = (
    "import time\n"
    "\n"
    "\n"
    "async def f():\n"
    '    x = "héllo→"; time.sleep(1)\n'  # 5: two non-ASCII characters before the call
    "    ñame = time.sleep(2)\n"  # 6: a non-ASCII identifier
    '    s = "\U0001f600"; time.sleep(3)\n'  # 7: an astral character (4 UTF-8 bytes, 1 character)
    "    \x0c\n"  # 8: a form feed (str.splitlines() would break here)
    '    y = "\u2028"; time.sleep(4)\n'  # 9: U+2028 inside a string (same)
    '    z = "é"; time.sleep(5)\n'  # 10
)
NON_ASCII_EXPECTED = [f"mod.py:{line}:{col}: {SLEEP}" for line, col in [(5, 19), (6, 12), (7, 14), (9, 14), (10, 14)]]


def test_columns_are_characters_in_both_front_ends(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(NON_ASCII, encoding="utf-8")
    cli = run_cli(tmp_path, "mod.py")
    flake8 = run_flake8(tmp_path, "mod.py")
    assert cli.stdout.splitlines() == NON_ASCII_EXPECTED
    assert flake8.stdout.splitlines() == NON_ASCII_EXPECTED


def test_crlf_and_lone_cr_positions(tmp_path: Path) -> None:
    body = ["import time", "", "", "async def f():", '    s = "é"; time.sleep(1)', "    time.sleep(2)"]
    (tmp_path / "crlf.py").write_bytes("\r\n".join(body).encode() + b"\r\n")
    (tmp_path / "cr.py").write_bytes("\r".join(body).encode() + b"\r")
    expected = [f"{n}.py:{line}:{col}: {SLEEP}" for n in ("cr", "crlf") for line, col in [(5, 14), (6, 5)]]
    assert run_cli(tmp_path, "cr.py", "crlf.py").stdout.splitlines() == expected
    assert run_flake8(tmp_path, "cr.py", "crlf.py").stdout.splitlines() == expected


NOQA_ODD_LINES = {
    # a form feed line before the noqa'd call
    "formfeed": b"import time\n\x0c\n\nasync def f():\n    time.sleep(1)  # noqa\n    time.sleep(2)\n",
    # old Mac line ends
    "lone_cr": b"import time\r\r\rasync def f():\r    time.sleep(1)  # noqa\r    time.sleep(2)\r",
}


@pytest.mark.parametrize("name", sorted(NOQA_ODD_LINES))
def test_noqa_on_odd_line_ends_flake8(tmp_path: Path, name: str) -> None:
    (tmp_path / f"{name}.py").write_bytes(NOQA_ODD_LINES[name])
    assert run_flake8(tmp_path, f"{name}.py").stdout.splitlines() == [f"{name}.py:6:5: {SLEEP}"]


@pytest.mark.parametrize("name", sorted(NOQA_ODD_LINES))
def test_noqa_on_odd_line_ends_command(tmp_path: Path, name: str) -> None:
    (tmp_path / f"{name}.py").write_bytes(NOQA_ODD_LINES[name])
    assert run_cli(tmp_path, f"{name}.py").stdout.splitlines() == [f"{name}.py:6:5: {SLEEP}"]
