"""`check` against the pinned real packages: the precision guarantees that hold whatever the library
analysis finds (a pure-async library, a sync-only SDK without a twin, a dynamic attribute), and
`--follow-imports none` giving the results of the files alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from libenv import FIXTURES, LibraryVenv

pytestmark = pytest.mark.slow

APP = FIXTURES / "library-app" / "app.py"


def check(project: Path, *args: str) -> list[tuple[int, int, str]]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fake_async_lint",
            "check",
            "--isolated",
            "--no-cache",
            "--format",
            "json",
            *args,
            "app.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return [(f["line"], f["col"], f["code"]) for f in json.loads(proc.stdout)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    shutil.copy(APP, tmp_path / "app.py")
    return tmp_path


def lines_of(name: str) -> range:
    """The lines of coroutine `name` in the fixture app."""
    text = APP.read_text().splitlines()
    start = next(i for i, line in enumerate(text, 1) if line.startswith(f"async def {name}("))
    end = next((i for i, line in enumerate(text[start:], start + 1) if line.startswith("async def ")), len(text) + 1)
    return range(start, end)


def test_follow_imports_none_is_the_file_alone(project: Path, library_venv: LibraryVenv) -> None:
    alone = check(project, "--follow-imports", "none")
    assert alone == []  # no SDK is in the catalog: the file alone shows nothing
    assert check(project, "--follow-imports", "none", "--python", str(library_venv.python)) == alone


@pytest.mark.parametrize(
    "coroutine",
    [
        "limited",  # aiolimiter: a pure-async library
        "price_in_thread",  # pycoingecko has no async twin: a thread is the fix, not a finding
        "hop",  # asyncer.asyncify over the same sync-only SDK
        "dynamic",  # getattr(cg, name)(): not provable, not followed
    ],
)
def test_never_reported(project: Path, library_venv: LibraryVenv, coroutine: str) -> None:
    found = check(project, "--python", str(library_venv.python))
    assert [f for f in found if f[0] in lines_of(coroutine)] == []
