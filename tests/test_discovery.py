"""Discovery: named files are checked even in default-skipped dirs; non-regular files never block."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SLEEP = "FAS101 blocking sleep time.sleep() in coroutine 'f'; use `await asyncio.sleep(...)`"
SOURCE = "import time\n\nasync def f():\n    time.sleep(1)\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_named_file_in_default_skipped_dir_is_checked(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "gen.py").write_text(SOURCE)
    assert run(tmp_path, "build/gen.py").stdout.splitlines() == [f"build/gen.py:4:5: {SLEEP}"]
    # walking the tree still skips it
    assert run(tmp_path, ".").stdout == ""


def test_user_exclude_applies_to_named_files(tmp_path: Path) -> None:
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "a.py").write_text(SOURCE)
    out = run(tmp_path, "--exclude", "gen", "gen/a.py")
    assert (out.returncode, out.stdout) == (0, "")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_named_py_is_reported_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "good.py").write_text(SOURCE)
    out = run(tmp_path, ".")
    assert out.stdout.splitlines() == [
        f"./good.py:4:5: {SLEEP}",
        "./pipe.py:1:1: FAS001 cannot analyse this file: cannot read file: not a regular file",
    ]
    assert out.returncode == 1
