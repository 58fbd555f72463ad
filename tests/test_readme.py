"""The README's promises: CI runs its test command, and its first command really finds things."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start() -> list[str]:
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_quick_start_has_the_two_commands() -> None:
    first, second = _quick_start()
    assert first.startswith("pip install . && fake-async-lint check examples/")
    assert second == 'pip install -e ".[test]" && pytest'


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start()[1] in ci.splitlines()


def test_first_command_reports_findings_on_the_example() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "examples/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1, out.stderr
    assert re.search(r"^examples/\S+\.py:\d+:\d+: FAS1\d\d ", out.stdout, re.M), out.stdout
    assert "Traceback" not in out.stderr
