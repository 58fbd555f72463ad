"""A throwaway virtual environment with small real packages from the package index, pinned.

Installed with `--no-deps`: the analysis reads files and never imports them, and the
blocking APIs these SDKs end in (requests, httpx) are the catalog's. Each pin has a role:
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# name==version: why it is here
LIBRARY_PINS = {
    "pycoingecko==3.2.0": "a sync SDK doing HTTP through requests, with no async twin",
    "ipinfo==5.1.1": "a sync SDK (requests) with an Async* twin class in a sibling module: Handler / AsyncHandler",
    "ollama==0.4.7": "a sync SDK (httpx.Client) with an Async* twin class in the same module: Client / AsyncClient",
    "langchain-core==0.3.63": "a-prefixed async methods (invoke / ainvoke, embed_query / aembed_query)",
    "aiolimiter==1.2.1": "a pure-async library",
    "asyncer==0.0.8": "a library thread hop (asyncify)",
}

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class LibraryVenv:
    prefix: Path
    python: Path
    site_packages: Path


def site_packages_of(prefix: Path) -> Path:
    found = sorted(prefix.glob("lib/python3*/site-packages")) or sorted(prefix.glob("Lib/site-packages"))
    assert found, f"no site-packages under {prefix}"
    return found[0]


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
