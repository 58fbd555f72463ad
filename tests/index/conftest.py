"""The session's throwaway virtual environment with small real packages from the package index (pinned)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from libenv import LIBRARY_PINS, LibraryVenv, site_packages_of


@pytest.fixture(scope="session")
def library_venv(tmp_path_factory: pytest.TempPathFactory) -> LibraryVenv:
    """A venv (no pip inside) holding LIBRARY_PINS, installed by this interpreter's pip."""
    prefix = tmp_path_factory.mktemp("library-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True, capture_output=True)
    python = prefix / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    cmd = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet"]
    cmd += ["--disable-pip-version-check", "--only-binary=:all:", *LIBRARY_PINS]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"installing the pinned test libraries failed:\n{proc.stdout}\n{proc.stderr}")
    return LibraryVenv(prefix, python, site_packages_of(prefix))
