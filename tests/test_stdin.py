"""Editor mode: a buffer on stdin, reported under the name the editor gives, under real flake8 and pylsp too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import pytest

APP = "import requests, time\n\n\nasync def handler(url):\n    time.sleep(1)\n    return requests.get(url)\n"
SLEEP = ":5:5: FAS101 blocking sleep time.sleep() in coroutine 'handler'; use `await asyncio.sleep(...)`"
HTTP = (
    ":6:12: FAS100 blocking HTTP call requests.get() in coroutine 'handler'; "
    "use `await client.get(...)` on a shared httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient)"
)

# for flake8, where `select = FAS` (needed here: other plugins are installed) turns opt-in rules on too
AWAITS = APP.replace("    return requests", "    await asyncio.sleep(0)\n    return requests").replace(
    "import ", "import asyncio, "
)
HTTP7 = HTTP.replace(":6:12:", ":7:12:")


def check(cwd: Path, *args: str, source: str | bytes = APP) -> tuple[int, list[str], str]:
    data = source.encode() if isinstance(source, str) else source
    proc = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", *args], cwd=cwd, input=data, capture_output=True
    )
    return proc.returncode, proc.stdout.decode().splitlines(), proc.stderr.decode()


def test_stdin_filename_names_the_findings(tmp_path: Path) -> None:
    # the buffer is unsaved: nothing on disk under that name
    assert check(tmp_path, "--stdin-filename", "pkg/app.py", "-") == (
        1,
        ["pkg/app.py" + SLEEP, "pkg/app.py" + HTTP],
        "Found 2 findings in 1 file.\n",
    )


def test_stdin_filename_alone_reads_stdin(tmp_path: Path) -> None:
    assert check(tmp_path, "--stdin-filename", "app.py")[:2] == (1, ["app.py" + SLEEP, "app.py" + HTTP])


def test_dash_alone_is_reported_as_dash(tmp_path: Path) -> None:
    assert check(tmp_path, "-")[:2] == (1, ["-" + SLEEP, "-" + HTTP])


def test_stdin_does_not_touch_the_cache(tmp_path: Path) -> None:
    check(tmp_path, "--stdin-filename", "app.py", "-")
    assert list(tmp_path.iterdir()) == []


def test_per_file_ignores_and_config_apply_to_the_stdin_filename(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fake-async-lint]\nasync-library = "trio"\n[tool.fake-async-lint.per-file-ignores]\n"tests/*" = ["FAS100"]\n'
    )
    (tmp_path / "tests").mkdir()
    # the editor runs us from the project root, or from the file's directory: the same result
    for cwd, name in ((tmp_path, "tests/test_app.py"), (tmp_path / "tests", "test_app.py")):
        assert check(cwd, "--stdin-filename", name, "-") == (
            1,
            [name + SLEEP.replace("asyncio.sleep", "trio.sleep")],
            "Found 1 finding in 1 file.\n",
        )


def test_exclude_applies_to_the_stdin_filename(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fake-async-lint]\nextend-exclude = ["migrations"]\n')
    assert check(tmp_path, "--stdin-filename", "app/migrations/0001.py", "-") == (0, [], "No findings in 0 files.\n")
    # as for a file named on the command line, the default excludes (.venv, build, ...) do not apply
    assert check(tmp_path, "--stdin-filename", "build/gen.py", "-")[:2] == (
        1,
        ["build/gen.py" + SLEEP, "build/gen.py" + HTTP],
    )


def test_noqa_and_bad_bytes_on_stdin(tmp_path: Path) -> None:
    assert check(tmp_path, "--stdin-filename", "a.py", source=APP.replace("(1)", "(1)  # noqa"))[1] == ["a.py" + HTTP]
    assert check(tmp_path, "--stdin-filename", "a.py", source=b"async def f():\n    x = '\xff'\n") == (
        1,
        ["a.py:2:10: FAS001 cannot analyse this file: cannot decode as utf-8: invalid byte 0xff"],
        "Found 1 finding in 1 file.\n",
    )


# ---------------------------------------------------------------- flake8 reading stdin


def flake8(cwd: Path, *args: str, source: str = AWAITS) -> tuple[int, list[str], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", *args], cwd=cwd, input=source, capture_output=True, text=True
    )
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


def test_flake8_stdin_display_name(tmp_path: Path) -> None:
    (tmp_path / ".flake8").write_text("[flake8]\nselect = FAS\nper-file-ignores =\n    tests/*: FAS100\n")
    assert flake8(tmp_path, "--stdin-display-name", "src/app.py", "-") == (
        1,
        ["src/app.py" + SLEEP, "src/app.py" + HTTP7],
        "",
    )
    assert flake8(tmp_path, "--stdin-display-name", "tests/test_app.py", "-") == (1, ["tests/test_app.py" + SLEEP], "")


def test_flake8_the_way_the_vscode_extension_calls_it(tmp_path: Path) -> None:
    """ms-python.flake8 runs `python -m flake8 <its --format> <flake8.args> --stdin-display-name PATH -`."""
    (tmp_path / ".flake8").write_text("[flake8]\nselect = FAS\n")
    path = str(tmp_path / "app.py")
    assert flake8(
        tmp_path,
        "--format='%(row)d,%(col)d,%(code).1s,%(code)s:%(text)s'",
        "--fas-async-library=anyio",
        "--stdin-display-name",
        path,
        "-",
    ) == (
        1,
        [
            "'5,5,F,FAS101:blocking sleep time.sleep() in coroutine 'handler'; use `await anyio.sleep(...)`'",
            "'7,12,F,FAS100:blocking HTTP call requests.get() in coroutine 'handler'; use `await client.get(...)` "
            "on a shared httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient)'",
        ],
        "",
    )


# ---------------------------------------------------------------- python-lsp-server's flake8 plugin


def _send(stream: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stream.flush()


def _receive(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while True:
        line = stream.readline().decode().strip()
        if not line:
            break
        key, _, value = line.partition(":")
        if key.lower() == "content-length":
            length = int(value)
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def _diagnostics(stream: IO[bytes], deadline: float) -> list[tuple[str, str, int, int, str]]:
    while time.monotonic() < deadline:
        msg = _receive(stream)
        if msg.get("method") == "textDocument/publishDiagnostics":
            return [
                (d["source"], d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["message"])
                for d in msg["params"]["diagnostics"]
            ]
    raise AssertionError("no diagnostics from pylsp")


def test_pylsp_flake8_plugin_shows_our_diagnostics(tmp_path: Path) -> None:
    pytest.importorskip("pylsp")
    (tmp_path / ".flake8").write_text("[flake8]\nselect = FAS\n")
    doc = tmp_path / "app.py"
    doc.write_text(AWAITS)
    uri = doc.as_uri()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pylsp"], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    deadline = time.monotonic() + 60
    try:
        _send(proc.stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": {}}})  # fmt: skip
        while _receive(proc.stdout).get("id") != 1:
            pass
        _send(proc.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        plugins = {"flake8": {"enabled": True}, "pycodestyle": {"enabled": False}, "pyflakes": {"enabled": False}}
        _send(proc.stdin, {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration", "params": {
            "settings": {"pylsp": {"plugins": plugins}}}})  # fmt: skip
        _send(proc.stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": AWAITS}}})  # fmt: skip
        assert _diagnostics(proc.stdout, deadline) == [
            ("flake8", "FAS101", 4, 4, "FAS101" + SLEEP.split(" FAS101", 1)[1]),
            ("flake8", "FAS100", 6, 11, "FAS100" + HTTP.split(" FAS100", 1)[1]),
        ]
        # an unsaved edit: pylsp hands the buffer to flake8 on stdin
        edited = "import time\n\n\nasync def tick(x):\n    time.sleep(1)\n    await x\n"
        _send(proc.stdin, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}})  # fmt: skip
        assert _diagnostics(proc.stdout, deadline) == [
            (
                "flake8",
                "FAS101",
                4,
                4,
                "FAS101 blocking sleep time.sleep() in coroutine 'tick'; use `await asyncio.sleep(...)`",
            )
        ]
        _send(proc.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        _send(proc.stdin, {"jsonrpc": "2.0", "method": "exit"})
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
