"""FAS203 through sync helpers of other modules: the chain, noqa per code, selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_async_lint.config import Settings
from fake_async_lint.scan import check_paths

HELPERS = """\
import asyncio
import time


def run_sync(coro):
    return asyncio.get_event_loop().run_until_complete(coro)


def slow_and_nested(coro):
    time.sleep(1)
    return asyncio.run(coro)
"""

VIEWS = """\
from app.helpers import run_sync, slow_and_nested


async def fetch():
    return 1


async def view():
    run_sync(fetch())
    slow_and_nested(fetch())
    slow_and_nested(fetch())  # noqa: FAS300
    slow_and_nested(fetch())  # noqa: FAS203
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (pkg / "views.py").write_text(VIEWS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return pkg / "views.py"


DEFAULT = Settings()


def found(path: Path, settings: Settings = DEFAULT) -> list[tuple[int, int, str, str]]:
    report = check_paths([str(path)], settings)
    return [(f.line, f.col, f.code, " -> ".join(s.name for s in f.chain)) for f in report.findings]


def test_each_code_has_its_own_noqa(project: Path) -> None:
    assert found(project) == [
        (9, 5, "FAS203", "run_sync -> loop.run_until_complete"),
        (10, 5, "FAS203", "slow_and_nested -> asyncio.run"),
        (10, 5, "FAS300", "slow_and_nested -> time.sleep"),
        (11, 5, "FAS203", "slow_and_nested -> asyncio.run"),
        (12, 5, "FAS300", "slow_and_nested -> time.sleep"),
    ]


def test_selecting_fas203_alone_still_links(project: Path) -> None:
    assert [f[:3] for f in found(project, Settings(select=("FAS203",)))] == [
        (9, 5, "FAS203"),
        (10, 5, "FAS203"),
        (11, 5, "FAS203"),
    ]


def test_the_message_says_the_fix(project: Path) -> None:
    report = check_paths([str(project)], Settings(select=("FAS203",)))
    assert report.findings[0].message == (
        "nested event loop reached through run_sync() -> loop.run_until_complete() in coroutine 'view'; "
        "make run_sync() async and `await` the coroutine instead "
        "(run_until_complete() blocks the running loop or raises RuntimeError)"
    )
