"""`check` options: statistics, exit-zero, colours, output file, flag forms of the config keys, usage errors."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint.cli import main
from fake_async_lint.term import ProgressLine

APP = "import requests, time\n\n\nasync def handler(url):\n    time.sleep(1)\n    time.sleep(2)\n    return requests.get(url)\n"
L5 = "app.py:5:5: FAS101 blocking sleep time.sleep() in coroutine 'handler'; use `await asyncio.sleep(...)`"
L6 = "app.py:6:5: FAS101 blocking sleep time.sleep() in coroutine 'handler'; use `await asyncio.sleep(...)`"
L7 = (
    "app.py:7:12: FAS100 blocking HTTP call requests.get() in coroutine 'handler'; "
    "use `await client.get(...)` on a shared httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient)"
)
STATS = [
    "1     FAS100 Synchronous HTTP call (requests, urllib, urllib3, sync httpx, http.client) in a coroutine.",
    "2     FAS101 `time.sleep()` in a coroutine.",
]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_statistics_follow_the_findings(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "app.py", "--statistics") == (1, [L5, L6, L7, *STATS], "Found 3 findings in 1 file.\n")


def test_statistics_go_to_stderr_with_a_machine_format(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--no-cache", "app.py", "--statistics", "--format", "json", "--select", "FAS100"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("[\n")
    assert err == STATS[0] + "\nFound 1 finding in 1 file.\n"


def test_exit_zero(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "app.py", "--exit-zero") == (0, [L5, L6, L7], "Found 3 findings in 1 file.\n")


def test_exit_zero_does_not_hide_usage_errors(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "app.py", "--exit-zero", "--config", "nope.toml")
    assert (code, out, err) == (2, [], "fake-async-lint: nope.toml: cannot read config file: no such file\n")


def test_output_file(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "app.py", "--output-file", "reports/lint.txt", "--statistics")
    assert (code, out, err) == (1, STATS, "Found 3 findings in 1 file.\n")
    assert (app / "reports" / "lint.txt").read_text() == f"{L5}\n{L6}\n{L7}\n"


def test_output_file_is_never_coloured_unless_asked(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py", "-o", "plain.txt", "--select", "FAS100")
    run(capsys, "app.py", "-o", "colour.txt", "--select", "FAS100", "--color", "always")
    assert (app / "plain.txt").read_text() == L7 + "\n"
    assert (app / "colour.txt").read_text() == (
        "\x1b[1mapp.py\x1b[0m\x1b[36m:\x1b[0m7\x1b[36m:\x1b[0m12\x1b[36m:\x1b[0m \x1b[1;31mFAS100\x1b[0m "
        + L7.split("FAS100 ", 1)[1]
        + "\n"
    )


def test_output_file_that_cannot_be_written(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (app / "afile").write_text("")
    code, out, err = run(capsys, "app.py", "--output-file", "afile/report.txt")
    assert (code, out) == (2, [])
    assert err == "fake-async-lint: --output-file afile/report.txt: cannot write: File exists\n"


def test_json_output_file_gets_the_json(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py", "--format", "json", "-o", "out.json", "--select", "FAS100")
    import json

    assert [(f["code"], f["line"], f["col"]) for f in json.loads((app / "out.json").read_text())] == [("FAS100", 7, 12)]


def _on_a_tty(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run the real command with stdout on a pseudo-terminal; what the terminal received."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fake_async_lint", "check", "--no-cache", "--select", "FAS100", *args],
        cwd=cwd,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the other side closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode().replace("\r\n", "\n")


COLOURED = (
    "\x1b[1mapp.py\x1b[0m\x1b[36m:\x1b[0m7\x1b[36m:\x1b[0m12\x1b[36m:\x1b[0m \x1b[1;31mFAS100\x1b[0m "
    + L7.split("FAS100 ", 1)[1]
    + "\n"
)


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, ["app.py"], COLOURED),
        ({"NO_COLOR": "1"}, ["app.py"], L7 + "\n"),
        ({"NO_COLOR": ""}, ["app.py"], COLOURED),  # no-color.org: an empty value does not count
        ({"TERM": "dumb"}, ["app.py"], L7 + "\n"),
        ({}, ["app.py", "--color", "never"], L7 + "\n"),
        ({"NO_COLOR": "1"}, ["app.py", "--color", "always"], COLOURED),  # an explicit flag wins
        ({}, ["app.py", "--format", "json", "-o", "x.json"], ""),
    ],
)
def test_colours_on_a_terminal(app: Path, env: dict[str, str], args: list[str], expected: str) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    assert _on_a_tty(args, app, {**base, "TERM": "xterm", **env}) == expected


def test_no_colours_through_a_pipe(app: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "--no-cache", "--select", "FAS100", "app.py"],
        cwd=app,
        capture_output=True,
        text=True,
        env={**env, "TERM": "xterm"},
    )
    assert proc.stdout == L7 + "\n"
    proc = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "--no-cache", "--select", "FAS100", "app.py"],
        cwd=app,
        capture_output=True,
        text=True,
        env={**env, "FORCE_COLOR": "1"},
    )
    assert proc.stdout == COLOURED


def test_progress_line_on_a_terminal() -> None:
    master, slave = pty.openpty()
    with open(slave, "w", closefd=True) as stream:
        progress = ProgressLine(stream, delay=0.0, interval=0.0)
        progress(1, 4)
        progress(4, 4)
        progress.close()
    # a pty hands data back in chunks: drain it (Linux reports EIO once the closed side is empty)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    data = b"".join(chunks).decode()
    assert data == (
        "\rfake-async-lint: checked 1/4 files (25%)\x1b[K\rfake-async-lint: checked 4/4 files (100%)\x1b[K\r\x1b[K"
    )


def test_no_progress_line_unless_stderr_is_a_terminal(tmp_path: Path) -> None:
    with open(tmp_path / "err.txt", "w") as stream:
        assert ProgressLine.for_stream(stream) is None


# ---------------------------------------------------------------- flag forms of the config keys


def test_per_file_ignores_flag(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, ".", "--per-file-ignores", "app.py:FAS101")[:2] == (1, ["./" + L7])


def test_extra_blocking_and_safe_flags(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (app / "app.py").write_text("import m, time\n\n\nasync def f():\n    m.q()\n    time.sleep(1)\n")
    code, out, _ = run(capsys, "app.py", "--extra-blocking", "m.q=m.aq;code=FAS102", "--safe", "time.sleep,os.stat")
    assert (code, out) == (
        1,
        ["app.py:5:5: FAS102 blocking database call m.q() in coroutine 'f'; use `await m.aq(...)`"],
    )


def test_extend_exclude_and_exclude_flags(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (app / "build").mkdir()
    (app / "build" / "gen.py").write_text(APP)
    assert run(capsys, ".", "--select", "FAS100", "--extend-exclude", "app.py")[:2] == (0, [])
    assert run(capsys, ".", "--select", "FAS100", "--exclude", "app.py")[:2] == (
        1,
        ["./build/gen.py" + L7[len("app.py") :]],
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--select", "FAS9"],
            "argument --select: 'FAS9' is not a rule code or prefix (`fake-async-lint rules` lists them)",
        ),
        (["--max-depth", "0"], "argument --max-depth: expected an integer >= 1, got 0"),
        (
            ["--async-library", "gevent"],
            "argument --async-library: expected one of 'asyncio', 'anyio', 'trio', 'auto', got 'gevent'",
        ),
        (["--jobs", "-1"], "argument -j/--jobs: expected a number of processes (0: all cores), got '-1'"),
        (["--per-file-ignores", "FAS100"], "argument --per-file-ignores: expected GLOB:CODES, got 'FAS100'"),
    ],
)
def test_bad_flags(app: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", *args])
    _, err = capsys.readouterr()
    assert exc.value.code == 2
    assert err.splitlines()[-1] == f"fake-async-lint check: error: {message}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--extra-blocking", "m.q"],
            "--extra-blocking: 'm.q': expected NAME=REPLACEMENT[;code=FASnnn][;returns=TYPE]",
        ),
        (
            ["--extra-blocking", "m.q=m.aq,m.r=m.ar"],
            "--extra-blocking: 'm.q=m.aq,m.r=m.ar': the replacement is a qualified name or a sentence; one entry per line",
        ),
        (["app.py", "-"], "- (stdin) cannot be mixed with other paths"),
        (
            ["--stdin-filename", "x.py", "app.py"],
            "--stdin-filename reads one buffer from stdin: give no other paths (or just -)",
        ),
    ],
)
def test_usage_errors(app: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert run(capsys, *args) == (2, [], f"fake-async-lint: {message}\n")


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that stores any bytes as a name")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_file_names_that_are_not_utf8(tmp_path: Path, fmt: str) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9.py")).write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    for extra in ([], ["-o", "report.out"]):  # twice: the second run reads the cache
        proc = subprocess.run(
            [sys.executable, "-m", "fake_async_lint", "check", ".", "--format", fmt, *extra],
            cwd=tmp_path,
            capture_output=True,
        )
        assert (proc.returncode, proc.stderr) == (1, b"Found 1 finding in 1 file.\n")
    report = (tmp_path / "report.out").read_bytes()
    expected = {
        "text": b"./caf\xe9.py:5:5: FAS101 blocking sleep",  # the name's own bytes, as ls prints them
        "json": b'"path": "./caf\\udce9.py"',
        "sarif": b'"uri": "caf%E9.py"',
        "github": b"::warning file=caf\xe9.py,line=5,col=5",
        "junit": b"FAS101",
    }[fmt]
    assert expected in report
