"""The cached project phase (FAS300 across files) is reused only while every file's content is unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

APP = "from helpers import load\n\n\nasync def handler():\n    return load()\n"
BLOCKING = "import requests\n\n\ndef load():\n    return requests.get('http://x')\n"
HARMLESS = "def load():\n    return 42\n"


def run(tree: Path) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "--isolated", "--jobs", "1", "--cache-dir", "cache", "."],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in out.stderr
    return [line.split(" requests.get() via ")[0] for line in out.stdout.splitlines()]


def test_linked_result_is_reused_then_invalidated_by_a_helper_edit(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "helpers.py").write_text(BLOCKING)
    finding = ["./app.py:5:12: FAS300 blocking HTTP call"]
    assert run(tmp_path) == finding  # cold: the project phase runs and is stored
    assert list((tmp_path / "cache").glob("linked-*.json"))
    assert run(tmp_path) == finding  # warm: reused

    (tmp_path / "helpers.py").write_text(HARMLESS)  # a file without `async` changes
    assert run(tmp_path) == []
    (tmp_path / "helpers.py").write_text(BLOCKING)
    assert run(tmp_path) == finding


def test_a_removed_file_invalidates_the_linked_result(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "helpers.py").write_text(BLOCKING)
    assert run(tmp_path) == ["./app.py:5:12: FAS300 blocking HTTP call"]
    (tmp_path / "helpers.py").unlink()
    assert run(tmp_path) == []


def test_a_corrupt_linked_file_is_a_miss(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "helpers.py").write_text(BLOCKING)
    run(tmp_path)
    for f in (tmp_path / "cache").glob("linked-*.json"):
        f.write_text("{not json")
    assert run(tmp_path) == ["./app.py:5:12: FAS300 blocking HTTP call"]
