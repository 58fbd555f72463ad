"""Calls into installed libraries: the index follows them into site-packages, read, never imported.

The libraries here are small packages written into a throwaway venv's site-packages (the real
packages from the index are in test_library_e2e.py): a sync SDK doing HTTP, the same SDK's async
twin, a sync-only SDK, a library that reads a config file, a library hop.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from fake_async_lint.config import Settings
from fake_async_lint.scan import check_paths

LIBS = {
    "paysdk/__init__.py": "from .client import PayClient, AsyncPayClient\n",
    "paysdk/client.py": (
        "import requests\n"
        "\n"
        "\n"
        "class PayClient:\n"
        "    def __init__(self, key):\n"
        "        self.key = key\n"
        "\n"
        "    def _post(self, path, body):\n"
        "        return requests.post('https://pay.example.com' + path, json=body).json()\n"
        "\n"
        "    def charge(self, card):\n"
        "        return self._post('/charge', card)\n"
        "\n"
        "\n"
        "class AsyncPayClient:\n"
        "    def __init__(self, key):\n"
        "        self.key = key\n"
        "\n"
        "    async def charge(self, card):\n"
        "        return card\n"
    ),
    "legacysdk/__init__.py": (
        "import json\n"
        "import urllib.request\n"
        "\n"
        "\n"
        "def fetch_rates():\n"
        "    return json.load(urllib.request.urlopen('https://rates.example.com'))\n"
        "\n"
        "\n"
        "def load_config():\n"
        "    with open('/etc/legacysdk.json') as f:\n"
        "        return json.load(f)\n"
    ),
    "threadkit/__init__.py": (
        "import asyncio\n"
        "\n"
        "\n"
        "async def in_thread(fn, *args):\n"
        "    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)\n"
    ),
}

APP = (
    "import asyncio\n"  # 1
    "\n"
    "import legacysdk\n"
    "import paysdk\n"
    "from threadkit import in_thread\n"  # 5
    "\n"
    "\n"
    "def rates_helper():\n"
    "    return legacysdk.fetch_rates()\n"
    "\n"  # 10
    "\n"
    "async def pay(card):\n"
    "    client = paysdk.PayClient('k')\n"
    "    return client.charge(card)\n"
    "\n"  # 15
    "\n"
    "async def rates():\n"
    "    return legacysdk.fetch_rates()\n"
    "\n"
    "\n"  # 20
    "async def config():\n"
    "    return legacysdk.load_config()\n"
    "\n"
    "\n"
    "async def offloaded(card):\n"  # 25
    "    await asyncio.to_thread(legacysdk.fetch_rates)\n"
    "    await asyncio.to_thread(rates_helper)\n"
    "    await in_thread(legacysdk.fetch_rates)\n"
    "    await asyncio.to_thread(paysdk.PayClient('k').charge, card)\n"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("libproject")
    venv.EnvBuilder(with_pip=False).create(root / ".venv")
    [site] = (root / ".venv" / "lib").glob("python3*/site-packages")
    for name, text in LIBS.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (root / "app.py").write_text(APP, encoding="utf-8")
    return root


def findings(project: Path, follow: str = "all") -> list[tuple[int, int, str, str]]:
    settings = Settings(python=str(project / ".venv" / "bin" / "python"), follow_imports=follow)
    report = check_paths([str(project / "app.py")], settings)
    return [(f.line, f.col, f.code, f.message) for f in report.findings]


def test_library_chains_twins_and_legitimate_threads(project: Path) -> None:
    got = findings(project)
    assert [(line, col, code) for line, col, code, _ in got] == [
        (14, 12, "FAS300"),  # the SDK's sync client: its own async twin is the fix
        (18, 12, "FAS300"),  # a sync-only SDK: no twin, a thread is the advice
        (29, 11, "FAS200"),  # a thread over the SDK's sync call when the SDK has an async twin
    ]
    pay, rates, hop = (m for _, _, _, m in got)
    assert pay == (
        "blocking HTTP call reached through PayClient.charge() -> PayClient._post() -> requests.post() in "
        "coroutine 'pay'; use `await client.charge(...)` on `paysdk.AsyncPayClient`"
    )
    assert rates.startswith(
        "blocking HTTP call reached through fetch_rates() -> urllib.request.urlopen() in coroutine 'rates'; "
        "`await asyncio.to_thread(legacysdk.fetch_rates, ...)` (the library has no async form of it)"
    )
    assert hop.startswith("thread hop asyncio.to_thread() wraps PayClient.charge() -> PayClient._post()")
    # line 22: file I/O inside a library (config loading) is not followed;
    # lines 26-28: a thread over a sync-only SDK, directly, through a project helper or a library hop, is right


def test_follow_imports_project_and_none_do_not_read_libraries(project: Path) -> None:
    assert findings(project, "project") == []
    assert findings(project, "none") == []


def test_the_command_and_flake8_agree(project: Path) -> None:
    python = str(project / ".venv" / "bin" / "python")
    cmd = [sys.executable, "-m", "fake_async_lint", "check", "--python", python, "app.py"]
    out = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    flake8 = subprocess.run(
        [
            sys.executable,
            "-m",
            "flake8",
            "--select",
            "FAS1,FAS200,FAS201,FAS202,FAS203,FAS3",
            "--fas-python",
            python,
            "app.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
    )
    positions = [line.split(": ")[0] for line in out.stdout.splitlines() if line.startswith("app.py:")]
    assert positions == ["app.py:14:12", "app.py:18:12", "app.py:29:11"], out.stdout + out.stderr
    assert [line.split(": ")[0] for line in flake8.stdout.splitlines()] == positions, flake8.stderr
