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
    # a sync API that runs the library's own coroutine on a new event loop
    "loopsdk/__init__.py": (
        "import asyncio\n"
        "\n"
        "\n"
        "class Client:\n"
        "    def fetch(self, url):\n"
        "        return asyncio.run(self.afetch(url))\n"
        "\n"
        "    async def afetch(self, url):\n"
        "        return url\n"
        "\n"
        "\n"
        "def fetch(url):\n"
        "    return asyncio.run(Client().afetch(url))\n"
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
    dist = site / "paysdk-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: paysdk\nVersion: 1.0\n", encoding="utf-8")
    (dist / "RECORD").write_text("paysdk/__init__.py,,\npaysdk/client.py,,\n", encoding="utf-8")
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
        "blocking HTTP call requests.post() via PayClient.charge() -> PayClient._post() in "
        "coroutine 'pay'; use `await client.charge(...)` on `paysdk.AsyncPayClient`"
    )
    assert rates.startswith(
        "blocking HTTP call urllib.request.urlopen() via fetch_rates() in coroutine 'rates'; "
        "`await asyncio.to_thread(legacysdk.fetch_rates, ...)` (the library has no async form of it)"
    )
    assert hop.startswith("thread hop asyncio.to_thread() wraps PayClient.charge() -> PayClient._post()")
    assert hop.endswith("use `await pay_client.charge(...)` on `paysdk.AsyncPayClient` instead of a thread")
    # line 22: file I/O inside a library (config loading) is not followed;
    # lines 26-28: a thread over a sync-only SDK, directly, through a project helper or a library hop, is right


LOOPS_APP = "import loopsdk\n\n\nasync def view(url):\n    loopsdk.Client().fetch(url)\n    loopsdk.fetch(url)\n"


def test_a_library_that_runs_its_own_loop_is_fas203_with_its_twin(project: Path) -> None:
    (project / "loops_app.py").write_text(LOOPS_APP, encoding="utf-8")
    settings = Settings(python=str(project / ".venv" / "bin" / "python"))
    got = [(f.line, f.col, f.code, f.message) for f in check_paths([str(project / "loops_app.py")], settings).findings]
    assert got == [
        (
            5,
            5,
            "FAS203",
            "nested event loop reached through Client.fetch() -> asyncio.run() in coroutine 'view'; "
            "use `await loopsdk.Client().afetch(...)`",
        ),
        (
            6,
            5,
            "FAS203",
            "nested event loop reached through fetch() -> asyncio.run() in coroutine 'view'; "
            "`await asyncio.to_thread(loopsdk.fetch, ...)` (the library runs an event loop of its own there)",
        ),
    ]


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


def test_library_summaries_are_kept_by_distribution_and_listed(project: Path, tmp_path: Path) -> None:
    import json
    import os

    python = str(project / ".venv" / "bin" / "python")
    env = {**os.environ, "FAKE_ASYNC_LINT_STORE_DIR": str(tmp_path / "store")}
    cmd = [sys.executable, "-m", "fake_async_lint"]
    subprocess.run(
        [*cmd, "check", "--no-cache", "--python", python, "app.py"], cwd=project, env=env, capture_output=True
    )
    out = subprocess.run(
        [*cmd, "libraries", "--python", python, "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.stdout)
    [paysdk] = [d for d in report["distributions"] if d["name"] == "paysdk"]
    assert paysdk["analysed"] == {"modules": 2, "functions": 2, "blocking": 1, "hops": 0, "awaitable": 0}
    # a second run takes the library's summaries from the store without reading its files
    client = next((project / ".venv" / "lib").glob("python3*/site-packages/paysdk/client.py"))
    client.chmod(0)
    try:
        again = subprocess.run(
            [*cmd, "check", "--no-cache", "--python", python, "app.py"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        client.chmod(0o644)
    assert "app.py:14:12: FAS300" in again.stdout, again.stdout + again.stderr
