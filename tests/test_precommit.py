"""The real .pre-commit-hooks.yaml, installed and run by the real pre-commit from a throwaway git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from package_repo import git, package_repository

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BAD = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
GOOD = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"


def hook_repository(dest: Path) -> str:
    """A one-commit git repo holding our package and its hook definition; its sha."""
    return package_repository(dest, ".pre-commit-hooks.yaml")


def test_hook_runs_under_pre_commit(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    rev = hook_repository(tmp_path / "hook")
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(BAD)
    (project / "clean.py").write_text(GOOD)
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text(BAD)  # excluded by the project's config, though pre-commit names it
    (project / "notes.txt").write_text("async def not_python(): time.sleep(1)\n")
    (project / "pyproject.toml").write_text('[tool.fake-async-lint]\nextend-exclude = ["legacy"]\n')
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {tmp_path / 'hook'}\n    rev: {rev}\n    hooks:\n      - id: fake-async-lint\n"
    )
    git(project, "init", "-q")
    git(project, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    failed = pre_commit()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    lines = failed.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("fake-async-lint..."))
    assert lines[start:] == [
        "fake-async-lint" + "." * (79 - len("fake-async-lint") - len("Failed")) + "Failed",
        "- hook id: fake-async-lint",
        "- exit code: 1",
        "",
        "app.py:5:5: FAS101 blocking sleep time.sleep() in coroutine 'handler'; use `await asyncio.sleep(...)`",
        "Found 1 finding in 2 files.",
        "",
    ]

    (project / "app.py").write_text(GOOD)
    git(project, "add", ".")
    passed = pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines()[-1] == "fake-async-lint" + "." * (79 - len("fake-async-lint") - 6) + "Passed"


def test_staging_one_file_sees_its_helpers_in_files_not_staged(tmp_path: Path) -> None:
    """pre-commit names only the staged file; its chain through a helper module must still be found."""
    pytest.importorskip("pre_commit")
    rev = hook_repository(tmp_path / "hook")
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "helpers.py").write_text("import time\n\n\ndef nap():\n    time.sleep(1)\n")
    (project / "app" / "routes.py").write_text("from .helpers import nap\n\n\nasync def handler():\n    nap()\n")
    (project / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {tmp_path / 'hook'}\n    rev: {rev}\n    hooks:\n      - id: fake-async-lint\n"
    )
    git(project, "init", "-q")
    git(project, "add", ".pre-commit-config.yaml", "pyproject.toml", "app/__init__.py", "app/helpers.py")
    git(project, "commit", "-q", "-m", "base")
    (project / "app" / "routes.py").write_text("from .helpers import nap\n\n\nasync def handler():\n    nap()\n")
    git(project, "add", "app/routes.py")  # the only staged file
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    out = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert (
        "app/routes.py:5:5: FAS300 blocking sleep time.sleep() via nap() in coroutine 'handler'; "
        "make nap() async and use `await asyncio.sleep(...)`, or `await asyncio.to_thread(nap, ...)` "
        "where no native API exists"
    ) in out.stdout.splitlines(), out.stdout
    assert "Found 1 finding in 1 file." in out.stdout
