"""The project, not the file list, is the unit of analysis: every front end gives a file the same findings.

One multi-module project (a src/ layout, absolute and relative imports, a helper class made in
another module, memoised helpers as negatives, event loops run by helpers of another module) is checked whole, file by file, through stdin, through
the Python API and through real flake8 one file at a time; each file's findings must be identical.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint.config import Settings
from fake_async_lint.engine import check_source
from fake_async_lint.scan import check_paths
from fake_async_lint.stdin import check_stdin

SETTINGS = Settings()

PROJECT = {
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "src/shop/__init__.py": "",
    "src/shop/services.py": (
        "import requests\n\n\ndef charge_card(card):\n    return requests.post('https://pay.example.com', json=card)\n"
    ),
    "src/shop/repo.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "class Repo:\n"
        "    def __init__(self):\n"
        "        self.path = 'shop.db'\n"
        "\n"
        "    def load(self, key):\n"
        "        return sqlite3.connect(self.path).execute('select 1').fetchall()\n"
    ),
    "src/shop/util.py": (
        "import functools\n"
        "import json\n"
        "\n"
        "_CONFIG = None\n"
        "\n"
        "\n"
        "@functools.cache\n"
        "def settings():\n"
        "    with open('settings.json') as f:\n"
        "        return json.load(f)\n"
        "\n"
        "\n"
        "def config():\n"
        "    global _CONFIG\n"
        "    if _CONFIG is None:\n"
        "        with open('config.json') as f:\n"
        "            _CONFIG = json.load(f)\n"
        "    return _CONFIG\n"
        "\n"
        "\n"
        "def dump(data):\n"
        "    with open('dump.json', 'w') as f:\n"
        "        json.dump(data, f)\n"
    ),
    "src/shop/compat.py": (
        "import asyncio\n"
        "\n"
        "import asyncer\n"
        "\n"
        "make_async = asyncer.asyncify\n"
        "run_sync = asyncio.to_thread\n"
        "\n"
        "\n"
        "async def call_sync_safely(fn, *args):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    return await loop.run_in_executor(None, fn, *args)\n"
    ),
    "src/shop/refunds.py": (
        "import asyncio\n"
        "import functools\n"
        "\n"
        "import requests\n"
        "\n"
        "from shop import services, util\n"
        "from shop.compat import call_sync_safely, make_async, run_sync\n"
        "\n"
        "\n"
        "async def refund(card):\n"
        "    await asyncio.to_thread(services.charge_card, card)\n"
        "    await call_sync_safely(services.charge_card, card)\n"
        "    await call_sync_safely(requests.get, 'https://example.com')\n"
        "    await run_sync(functools.partial(services.charge_card, card))\n"
        "    await make_async(services.charge_card)(card)\n"
        "    await asyncio.get_running_loop().run_in_executor(None, lambda: services.charge_card(card))\n"
        "\n"
        "\n"
        "async def legit(data):\n"
        "    await asyncio.to_thread(util.dump, data)\n"
        "    await call_sync_safely(util.dump, data)\n"
        "    await call_sync_safely(sorted, data)\n"
    ),
    "src/shop/pools.py": (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "\n"
        "EXECUTOR = ThreadPoolExecutor(max_workers=4)\n"
        "SINGLE = ThreadPoolExecutor(1)\n"
        "\n"
        "\n"
        "class Service:\n"
        "    def __init__(self):\n"
        "        self.pool = ThreadPoolExecutor(8)\n"
    ),
    "src/shop/workers.py": (
        "import asyncio\n"
        "\n"
        "import requests\n"
        "\n"
        "from . import pools\n"
        "from .pools import EXECUTOR, SINGLE, Service\n"
        "\n"
        "\n"
        "async def fetch(url):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await loop.run_in_executor(EXECUTOR, requests.get, url)\n"
        "    await loop.run_in_executor(SINGLE, requests.get, url)\n"
        "    await loop.run_in_executor(Service().pool, requests.get, url)\n"
        "\n"
        "\n"
        "async def other(url):\n"
        "    await asyncio.get_running_loop().run_in_executor(pools.EXECUTOR, requests.get, url)\n"
        "    await asyncio.get_running_loop().run_in_executor(pools.EXECUTOR, sorted, url)\n"
    ),
    "src/shop/loops.py": (
        "import asyncio\n"
        "\n"
        "\n"
        "def run_sync(coro):\n"
        "    return asyncio.get_event_loop().run_until_complete(coro)\n"
        "\n"
        "\n"
        "def careful(coro):\n"
        "    try:\n"
        "        asyncio.get_running_loop()\n"
        "    except RuntimeError:\n"
        "        return asyncio.run(coro)\n"
        "    raise RuntimeError('called from a coroutine')\n"
        "\n"
        "\n"
        "def refresh():\n"
        "    return run_sync(fetch())\n"
        "\n"
        "\n"
        "async def fetch():\n"
        "    return 1\n"
        "\n"
        "\n"
        "async def inside():\n"
        "    refresh()\n"
    ),
    "src/shop/jobs.py": (
        "from shop import loops\n"
        "from shop.loops import refresh\n"
        "\n"
        "\n"
        "async def job():\n"
        "    refresh()\n"
        "    loops.careful(loops.fetch())\n"
        "    loops.run_sync(loops.fetch())  # noqa: FAS203\n"
        "    loops.run_sync(loops.fetch())\n"
    ),
    "src/shop/routes.py": (
        "from shop import util\n"
        "from shop.repo import Repo\n"
        "\n"
        "from .services import charge_card\n"
        "\n"
        "\n"
        "async def pay(card):\n"
        "    return charge_card(card)\n"
        "\n"
        "\n"
        "async def item(key):\n"
        "    return Repo().load(key)\n"
        "\n"
        "\n"
        "async def cached():\n"
        "    return util.settings(), util.config()\n"
        "\n"
        "\n"
        "async def save(data):\n"
        "    util.dump(data)\n"
    ),
}

# (file, line, col, code, the chain's last step)
EXPECTED = {
    "src/shop/refunds.py": [
        (11, 11, "FAS200", "requests.post"),
        (12, 11, "FAS200", "requests.post"),
        (13, 11, "FAS200", "requests.get"),
        (14, 11, "FAS200", "requests.post"),
        (15, 11, "FAS200", "requests.post"),
        (16, 11, "FAS200", "requests.post"),
    ],
    "src/shop/workers.py": [
        (11, 11, "FAS200", ""),
        (11, 11, "FAS201", "EXECUTOR"),
        (12, 11, "FAS200", ""),
        (13, 11, "FAS200", ""),
        (13, 11, "FAS201", "Service().pool"),
        (17, 11, "FAS200", ""),
    ],
    "src/shop/loops.py": [(25, 5, "FAS203", "loop.run_until_complete")],
    "src/shop/jobs.py": [
        (6, 5, "FAS203", "loop.run_until_complete"),
        (9, 5, "FAS203", "loop.run_until_complete"),
    ],
    "src/shop/routes.py": [
        (8, 12, "FAS300", "requests.post"),
        (12, 12, "FAS300", "sqlite3.Cursor.fetchall"),
        (20, 5, "FAS300", "open"),
    ],
}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _shape(findings: list) -> list[tuple[int, int, str, str]]:  # type: ignore[type-arg]
    return [(f.line, f.col, f.code, f.chain[-1].name if f.chain else "") for f in findings]


def _expected(name: str) -> list[tuple[int, int, str, str]]:
    return EXPECTED.get(name, [])


def test_whole_project(project: Path) -> None:
    report = check_paths(["."], SETTINGS)
    by_file: dict[str, list] = {}  # type: ignore[type-arg]
    for f in report.findings:
        by_file.setdefault(Path(f.path).as_posix().removeprefix("./"), []).append(f)
    assert {k: _shape(v) for k, v in by_file.items()} == EXPECTED


@pytest.mark.parametrize("name", [n for n in PROJECT if n.endswith(".py")])
def test_file_by_file(project: Path, name: str) -> None:
    assert _shape(check_paths([name], SETTINGS).findings) == _expected(name)


@pytest.mark.parametrize("name", [n for n in PROJECT if n.endswith(".py")])
def test_stdin_and_api(project: Path, name: str) -> None:
    data = (project / name).read_bytes()
    assert _shape(check_stdin(data, name, SETTINGS).findings) == _expected(name)
    assert _shape(check_source(data, name, SETTINGS)) == _expected(name)


def test_a_pool_of_another_module_is_reported_once_per_file_with_every_coroutine(project: Path) -> None:
    [pool] = [f for f in check_paths(["src/shop/workers.py"], SETTINGS).findings if f.chain and f.code == "FAS201"][:1]
    assert pool.message.startswith(
        "thread pool EXECUTOR (pools.py:3, ThreadPoolExecutor(max_workers=4)) caps coroutines fetch, other at 4 "
        "operations at once; "
    )
    assert [(Path(s.path).name, s.line, s.col) for s in pool.chain] == [("pools.py", 3, 12)]
    assert (pool.coroutine, pool.coroutines) == ("fetch", ("fetch", "other"))


def test_cross_module_hop_message_names_the_chain(project: Path) -> None:
    hop = check_paths(["src/shop/refunds.py"], SETTINGS).findings[0]
    assert hop.message == (
        "thread hop asyncio.to_thread() wraps charge_card() -> requests.post() (blocking HTTP call) in coroutine "
        "'refund'; use `await client.post(...)` on a shared httpx.AsyncClient "
        "(fake_async_lint.client.AsyncHTTPClient) instead of a thread"
    )


def test_chain_steps_name_their_files(project: Path) -> None:
    [pay, item, save] = check_paths(["src/shop/routes.py"], SETTINGS).findings
    assert [(Path(s.path).name, s.line, s.name) for s in pay.chain] == [
        ("routes.py", 8, "charge_card"),
        ("services.py", 5, "requests.post"),
    ]
    assert [(Path(s.path).name, s.line, s.name) for s in item.chain] == [
        ("routes.py", 12, "Repo.load"),
        ("repo.py", 9, "sqlite3.Cursor.fetchall"),
    ]
    assert [(Path(s.path).name, s.line, s.name) for s in save.chain] == [
        ("routes.py", 20, "dump"),
        ("util.py", 22, "open"),
    ]


@pytest.mark.parametrize("name", [n for n in PROJECT if n.endswith(".py")])
def test_flake8_one_file_at_a_time(project: Path, name: str) -> None:
    out = subprocess.run(
        # `--select FAS` turns on the opt-in rules too (flake8's semantics): keep to the default ones
        [sys.executable, "-m", "flake8", "--select", "FAS", "--extend-ignore", "FAS204,FAS400,FAS401", name],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in out.stderr, out.stderr
    got = []
    for line in out.stdout.splitlines():
        _, row, col, rest = line.split(":", 3)
        got.append((int(row), int(col), rest.split()[0]))
    assert got == [(line, col, code) for line, col, code, _ in _expected(name)]


def test_editing_a_helper_changes_a_file_not_edited(project: Path) -> None:
    assert len(check_paths(["src/shop/routes.py"], SETTINGS).findings) == 3
    (project / "src/shop/services.py").write_text("def charge_card(card):\n    return card\n", encoding="utf-8")
    assert _shape(check_paths(["src/shop/routes.py"], SETTINGS).findings) == [
        (12, 12, "FAS300", "sqlite3.Cursor.fetchall"),
        (20, 5, "FAS300", "open"),
    ]
    (project / "src/shop/repo.py").unlink()
    assert _shape(check_paths(["src/shop/routes.py"], SETTINGS).findings) == [(20, 5, "FAS300", "open")]


def test_follow_imports_none_links_only_named_files(project: Path) -> None:
    import dataclasses

    none = dataclasses.replace(SETTINGS, follow_imports="none")
    assert check_paths(["src/shop/routes.py"], none).findings == []
    # every module named: the same as following imports
    assert check_paths(["src/shop"], none).findings == check_paths(["src/shop"], SETTINGS).findings


def test_src_setting_names_the_source_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package under a folder that is neither the project root nor src/ is found through `src`."""
    from fake_async_lint import config

    (tmp_path / "pyproject.toml").write_text('[tool.fake-async-lint]\nsrc = ["lib"]\n', encoding="utf-8")
    (tmp_path / "lib" / "billing").mkdir(parents=True)
    (tmp_path / "lib" / "billing" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "lib" / "billing" / "gateway.py").write_text(
        "import requests\n\n\ndef charge(card):\n    return requests.post('https://pay.example.com', json=card)\n",
        encoding="utf-8",
    )
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "web.py").write_text(
        "from billing.gateway import charge\n\n\nasync def pay(card):\n    return charge(card)\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    settings = config.resolve(["apps/web.py"])
    assert settings.src == ("lib",)
    assert _shape(check_paths(["apps/web.py"], settings).findings) == [(5, 12, "FAS300", "requests.post")]
    assert check_paths(["apps/web.py"], config.resolve(["apps/web.py"], isolated=True)).findings == []
    flake8 = subprocess.run(
        # `--select FAS` turns on the opt-in rules too (flake8's semantics): keep to the default ones
        [sys.executable, "-m", "flake8", "--select", "FAS", "--extend-ignore", "FAS204,FAS400,FAS401", "apps/web.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert [line.split(": ")[0] for line in flake8.stdout.splitlines()] == ["apps/web.py:5:12"], flake8.stderr


def test_a_hop_wrapper_that_runs_its_argument_through_a_closure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """langchain's `run_in_executor(config, func, *args)`: the hop runs `partial(ctx.run, wrapper)`,
    and `wrapper` calls `func`; a call of it is a hop over its second argument."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "compat.py").write_text(
        "import asyncio\n"
        "from contextvars import copy_context\n"
        "from functools import partial\n"
        "\n"
        "\n"
        "async def run_in_executor(executor_or_config, func, *args, **kwargs):\n"
        "    def wrapper():\n"
        "        return func(*args, **kwargs)\n"
        "\n"
        "    if executor_or_config is None:\n"
        "        return await asyncio.get_running_loop().run_in_executor(None, partial(copy_context().run, wrapper))\n"
        "    return await asyncio.get_running_loop().run_in_executor(executor_or_config, wrapper)\n",
        encoding="utf-8",
    )
    (tmp_path / "app" / "emb.py").write_text(
        "import requests\n"
        "\n"
        "from app.compat import run_in_executor\n"
        "\n"
        "\n"
        "class Emb:\n"
        "    def embed_query(self, text):\n"
        "        return requests.post('https://api.example.com', json={'t': text}).json()\n"
        "\n"
        "    def tokens(self, text):\n"
        "        return text.split()\n"
        "\n"
        "    async def aembed_query(self, text):\n"
        "        return await run_in_executor(None, self.embed_query, text)\n"
        "\n"
        "    async def atokens(self, text):\n"
        "        return await run_in_executor(None, self.tokens, text)\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    [hop] = check_paths(["app/emb.py"], SETTINGS).findings
    assert (hop.line, hop.col, hop.code) == (14, 22, "FAS200")
    assert hop.message.startswith("thread hop run_in_executor() wraps Emb.embed_query() -> requests.post()")


def test_a_sync_runner_in_another_module_runs_the_callable_it_is_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`self.retry.call_with_retry(lambda: self._send(...))`: the retry helper runs its argument now,
    so the chain goes on through `_send`; a runner that only stores the callable is not followed.
    The package is named `asyncio` inside another package: not the runtime's own source."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    pkg = tmp_path / "kv" / "asyncio"
    pkg.mkdir(parents=True)
    (tmp_path / "kv" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "kv" / "retry.py").write_text(
        "class Retry:\n"
        "    def call_with_retry(self, do, fail):\n"
        "        return do()\n"
        "\n"
        "    def later(self, do):\n"
        "        self.pending = do\n",
        encoding="utf-8",
    )
    (tmp_path / "kv" / "http.py").write_text(
        "import urllib.request\n"
        "\n"
        "from kv.retry import Retry\n"
        "\n"
        "\n"
        "class HttpClient:\n"
        "    def __init__(self):\n"
        "        self.retry = Retry()\n"
        "\n"
        "    def _send(self, url):\n"
        "        return urllib.request.urlopen(url).read()\n"
        "\n"
        "    def get(self, url):\n"
        "        return self.retry.call_with_retry(lambda: self._send(url), print)\n"
        "\n"
        "    def queue(self, url):\n"
        "        return self.retry.later(lambda: self._send(url))\n",
        encoding="utf-8",
    )
    (pkg / "client.py").write_text(
        "import asyncio\n"
        "\n"
        "from kv.http import HttpClient\n"
        "\n"
        "\n"
        "class AsyncClient:\n"
        "    def __init__(self, client: HttpClient):\n"
        "        self.client = client\n"
        "\n"
        "    async def get(self, url):\n"
        "        return await asyncio.get_running_loop().run_in_executor(None, self.client.get, url)\n"
        "\n"
        "    async def queue(self, url):\n"
        "        return await asyncio.get_running_loop().run_in_executor(None, self.client.queue, url)\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    [hop] = check_paths(["kv/asyncio/client.py"], SETTINGS).findings
    assert (hop.line, hop.col, hop.code) == (11, 22, "FAS200")
    assert [s.name for s in hop.chain] == ["HttpClient.get", "HttpClient._send", "urllib.request.urlopen"]
