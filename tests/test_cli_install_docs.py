"""The install commands the docs show work today: pip from a git URL pinned to a commit (a local `git+file`
URL stands in for the host), with an extra, in a throwaway venv; the docs say what changes once published."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from package_repo import package_repository

ROOT = Path(__file__).resolve().parents[1]


PLACEHOLDER = "git+https://github.com/<org>/fake-async-lint@<commit-sha>"


def test_docs_show_the_pinned_git_url_and_no_unpublished_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for text in (readme, index):
        assert f'pip install "fake-async-lint @ {PLACEHOLDER}"' in text
        assert "rev: <commit-sha>" in text
        assert "Once the package is" in text and "published" in text
        assert "rev: v0.1.0" not in text
    # `pip install fake-async-lint` only where the text says it is for after the release
    for line in readme.splitlines():
        if re.search(r"pip install ['\"]?fake-async-lint(\[\w+\])?['\"]?(?!\s*@)(\s|$)", line):
            assert "published" in line or "Once" in line, line
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "rev: <commit-sha>" in hooks


@pytest.mark.slow
def test_pip_installs_from_a_git_url_pinned_to_a_commit(tmp_path: Path) -> None:
    sha = package_repository(tmp_path / "repo")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    # file://localhost/...: pip takes a `name @ git+file:///...` requirement for a local path and refuses it
    url = f"fake-async-lint @ git+file://localhost{(tmp_path / 'repo').as_posix()}@{sha}"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", url], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    run = subprocess.run(
        [str(python), "-m", "fake_async_lint", "check", "--isolated", "--no-cache", "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("app.py:5:5: FAS101 ")
