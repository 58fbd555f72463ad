"""The plugin's --fas-* options under real flake8, from setup.cfg / .flake8 and from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = (
    "import asyncio, time\n"
    "import mycorp.db\n"
    "\n"
    "\n"
    "async def handler():\n"
    "    await asyncio.sleep(0)\n"
    "    time.sleep(1)\n"
    "    conn = mycorp.db.connect()\n"
    "    conn.fetch()\n"
)
SLEEP = "app.py:7:5: FAS101 blocking sleep time.sleep() in coroutine 'handler'; use `await {lib}.sleep(...)`"
CONNECT = "app.py:8:12: FAS102 blocking database call mycorp.db.connect() in coroutine 'handler'; use `await mycorp.db.aconnect(...)`"
FETCH = "app.py:9:5: FAS106 blocking SDK call mycorp.db.Conn.fetch() in coroutine 'handler'; use `await conn.afetch()`"
EXTRA = (
    "fas-extra-blocking =\n"
    "    mycorp.db.connect = mycorp.db.aconnect; code = FAS102; returns = mycorp.db.Conn\n"
    "    # a comment line\n"
    "    mycorp.db.Conn.fetch = use `await conn.afetch()`\n"
)
CRITICAL = "There was a critical error during execution of Flake8:"


def flake8(cwd: Path, *args: str) -> tuple[int, list[str], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FAS", *args, "app.py"], cwd=cwd, capture_output=True, text=True
    )
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(SRC)
    return tmp_path


@pytest.mark.parametrize("config_name", ["setup.cfg", ".flake8", "tox.ini"])
def test_every_option_from_a_config_file(app: Path, config_name: str) -> None:
    (app / config_name).write_text(
        f"[flake8]\n{EXTRA}fas-safe = os.stat, time.monotonic\nfas-async-library = trio\nfas-max-depth = 2\n"
    )
    assert flake8(app) == (1, [SLEEP.format(lib="trio"), CONNECT, FETCH], "")


def test_defaults_without_options(app: Path) -> None:
    assert flake8(app) == (1, [SLEEP.format(lib="asyncio")], "")


def test_safe(app: Path) -> None:
    (app / "setup.cfg").write_text("[flake8]\nfas-safe =\n    time.sleep,\n    os.stat\n")
    assert flake8(app) == (0, [], "")


def test_command_line_beats_the_config_file(app: Path) -> None:
    (app / "setup.cfg").write_text(f"[flake8]\n{EXTRA}fas-async-library = trio\n")
    assert flake8(app, "--fas-async-library=anyio", "--fas-extra-blocking=mycorp.db.connect=mycorp.db.aconnect") == (
        1,
        [
            SLEEP.format(lib="anyio"),
            "app.py:8:12: FAS106 blocking SDK call mycorp.db.connect() in coroutine 'handler'; "
            "use `await mycorp.db.aconnect(...)`",
        ],
        "",
    )


def test_flake8_own_selection_and_per_file_ignores_apply(app: Path) -> None:
    (app / "setup.cfg").write_text(f"[flake8]\n{EXTRA}per-file-ignores =\n    app.py: FAS102\n")
    assert flake8(app) == (1, [SLEEP.format(lib="asyncio"), FETCH], "")
    assert flake8(app, "--extend-ignore", "FAS1") == (0, [], "")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("fas-max-depth = 0", "--fas-max-depth (or fas-max-depth in the config file): expected an integer >= 1, got 0"),
        (
            "fas-max-depth = deep",
            "--fas-max-depth (or fas-max-depth in the config file): expected an integer >= 1, got 'deep'",
        ),
        (
            "fas-async-library = curio",
            "--fas-async-library (or fas-async-library in the config file): "
            "expected one of 'asyncio', 'anyio', 'trio', 'auto', got 'curio'",
        ),
        (
            "fas-safe = time.sleep, 3rd.party",
            "--fas-safe (or fas-safe in the config file): '3rd.party' is not a qualified name like "
            "'package.module.function'",
        ),
        (
            "fas-extra-blocking = mycorp.db.connect",
            "--fas-extra-blocking (or fas-extra-blocking in the config file): 'mycorp.db.connect': "
            "expected NAME=REPLACEMENT[;code=FASnnn][;returns=TYPE]",
        ),
        (
            "fas-extra-blocking = a.b=a.ab, c.d=c.ad",
            "--fas-extra-blocking (or fas-extra-blocking in the config file): 'a.b=a.ab, c.d=c.ad': "
            "the replacement is a qualified name or a sentence; one entry per line",
        ),
        (
            "fas-extra-blocking = a.b = a.ab; code = FAS999",
            "--fas-extra-blocking (or fas-extra-blocking in the config file): a.b: code 'FAS999' is not one of "
            "FAS100, FAS101, FAS102, FAS103, FAS104, FAS105, FAS106, FAS107, FAS108, FAS109",
        ),
        (
            "fas-extra-blocking = a.b = a.ab; kind = x",
            "--fas-extra-blocking (or fas-extra-blocking in the config file): 'a.b = a.ab; kind = x': "
            "expected NAME=REPLACEMENT[;code=FASnnn][;returns=TYPE]",
        ),
    ],
)
def test_bad_values_in_the_config_file(app: Path, setting: str, message: str) -> None:
    (app / "setup.cfg").write_text(f"[flake8]\n{setting}\n")
    assert flake8(app) == (1, [CRITICAL, f"fake-async-lint: {message}"], "")


def test_bad_value_on_the_command_line(app: Path) -> None:
    assert flake8(app, "--fas-max-depth", "-3") == (
        1,
        [
            CRITICAL,
            "fake-async-lint: --fas-max-depth (or fas-max-depth in the config file): expected an integer >= 1, got '-3'",
        ],
        "",
    )


def test_options_are_listed_in_flake8_help(app: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "flake8", "--help"], capture_output=True, text=True).stdout
    for option in ("--fas-extra-blocking", "--fas-safe", "--fas-async-library", "--fas-max-depth"):
        assert option in out
