"""flake8 and the command agree: real `flake8` and `python -m fake_async_lint` subprocesses
on the same files print the same `path:line:col: CODE message` lines.

Both run in a copy of tests/fixtures/e2e (no config file above it; flake8 with --isolated).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "e2e"

# The findings the fixtures must give (line, col, code), independent of either tool's output:
# suppressed lines are absent (service.py 27, 35; worker.py 18 by the prefix `FAS1`), the
# multi-line call at service.py:41 is not covered by the noqa on its last line (flake8's rule).
EXPECTED = {
    "service.py": [
        (20, 16, "FAS100"),
        (22, 9, "FAS102"),
        (23, 49, "FAS102"),
        (32, 14, "FAS104"),
        (33, 13, "FAS104"),
        (39, 11, "FAS103"),
        (40, 29, "FAS101"),  # after non-ASCII text: a character column
        (41, 5, "FAS100"),
    ],
    "worker.py": [(15, 12, "FAS107"), (16, 8, "FAS109"), (17, 16, "FAS104"), (29, 12, "FAS202")],
}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for f in FIXTURES.glob("*.py"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def command(cwd: Path, *args: str) -> list[str]:
    r = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in r.stderr
    return r.stdout.splitlines()


def flake8(cwd: Path, *args: str) -> list[str]:
    r = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in r.stderr
    return r.stdout.splitlines()


def positions(lines: list[str]) -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list[tuple[int, int, str]]] = {}
    for text in lines:
        path, line, col, rest = text.split(":", 3)
        out.setdefault(path, []).append((int(line), int(col), rest.split()[0]))
    return out


def test_flake8_select_fas_equals_the_command(workdir: Path) -> None:
    ours = command(workdir, "service.py", "worker.py")
    theirs = flake8(workdir, "--select", "FAS", "service.py", "worker.py")
    assert positions(ours) == EXPECTED
    assert theirs == ours


ALL_CODES = {"FAS100", "FAS101", "FAS102", "FAS103", "FAS104", "FAS107", "FAS109", "FAS202"}


@pytest.mark.parametrize(
    ("flags", "codes"),
    [
        pytest.param(("--select", "FAS10", "--extend-select", "FAS202"), ALL_CODES, id="select+extend-select"),
        pytest.param(("--select", "FAS", "--ignore", "FAS104,FAS109"), ALL_CODES - {"FAS104", "FAS109"}, id="ignore"),
        pytest.param(("--select", "FAS", "--ignore", "FAS1"), {"FAS202"}, id="ignore-prefix"),
        pytest.param(("--select", "FAS100", "--ignore", "FAS1"), {"FAS100"}, id="longer-select-wins"),
        pytest.param(("--select", "FAS1", "--ignore", "FAS10"), set(), id="longer-ignore-wins"),
        pytest.param(("--select", "FAS104", "--ignore", "FAS104"), set(), id="tie-goes-to-ignore"),
    ],
)
def test_selection_flags_agree(workdir: Path, flags: tuple[str, ...], codes: set[str]) -> None:
    ours = command(workdir, *flags, "service.py", "worker.py")
    theirs = flake8(workdir, *flags, "service.py", "worker.py")
    assert {c for rows in positions(ours).values() for _, _, c in rows} == codes
    assert theirs == ours


OPTIN_SLEEP = "optin.py:7:5: FAS101 blocking sleep time.sleep() in coroutine '_handler'; use `await asyncio.sleep(...)`"


def test_opt_in_rule_needs_extend_select_in_both(workdir: Path) -> None:
    ours = command(workdir, "--select", "FAS1", "--extend-select", "FAS204", "optin.py")
    theirs = flake8(workdir, "--select", "FAS1", "--extend-select", "FAS204", "optin.py")
    assert [p.split(": ")[0] + ": " + p.split(": ")[1][:6] for p in ours] == [
        "optin.py:6:1: FAS204",
        "optin.py:7:5: FAS101",
    ]
    assert theirs == ours
    # flake8's defaults leave it off (the plugin registers it as default-ignored); so does the command
    assert [x for x in flake8(workdir, "optin.py") if " FAS" in x] == [OPTIN_SLEEP]
    assert command(workdir, "optin.py") == [OPTIN_SLEEP]


def test_select_prefix_and_opt_in_rules_agree(workdir: Path) -> None:
    assert flake8(workdir, "--select", "FAS", "optin.py") == command(workdir, "--select", "FAS", "optin.py")
