"""A throwaway git repository holding this working tree's package: what pre-commit and pip install from."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def package_repository(dest: Path, *extra: str) -> str:
    """A one-commit git repository holding the package as it is in this working tree (plus `extra`
    top-level files); its sha."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", *extra):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "fake_async_lint", dest / "fake_async_lint", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    git(dest, "init", "-q")
    git(dest, "add", ".")
    git(dest, "commit", "-q", "-m", "package")
    return git(dest, "rev-parse", "HEAD")
