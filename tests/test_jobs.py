"""--jobs N: the same findings, in the same order, as one process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint.config import Settings
from fake_async_lint.runner import MIN_PARALLEL, default_jobs, run_files

SOURCES = {
    "sleep": "import time\n\n\nasync def f{i}():\n    time.sleep({i})\n",
    "http": "import requests\n\n\nasync def g{i}(url):\n    return requests.get(url)  # {i}\n",
    "clean": "def plain{i}():\n    return {i}\n",
    "noqa": "import time\n\n\nasync def h{i}():\n    time.sleep(1)  # noqa: FAS101\n",
    "broken": "async def b{i}(:\n    pass\n",
}


HELPERS = MIN_PARALLEL + 12


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    kinds = list(SOURCES)
    for i in range(3 * MIN_PARALLEL):
        kind = kinds[i % len(kinds)]
        sub = root / f"pkg{i % 7}" / ("deep" if i % 3 else "")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{kind}_{i:03d}.py").write_text(SOURCES[kind].format(i=i))
    (root / "latin1.py").write_bytes(b"async def f():\n    s = '\xe9'\n")
    # FAS300 across modules: sync helpers (no `async` in them) reached from coroutines elsewhere,
    # enough of them for the project phase's helper pass to run in processes too
    for package in ("helpers", "callers"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    for i in range(HELPERS):
        (root / "helpers" / f"h{i:02d}.py").write_text(
            f"import requests\n\n\ndef fetch{i}(url):\n    return requests.get(url)\n"
        )
        (root / "callers" / f"c{i:02d}.py").write_text(
            f"from helpers.h{i:02d} import fetch{i}\n\n\nasync def call{i}(url):\n    return fetch{i}(url)\n"
        )
    return root


def check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", ".", *args],
        cwd=root,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_two_jobs_print_what_one_prints(big_tree: Path, fmt: str) -> None:
    one = check(big_tree, "--jobs", "1", "--no-cache", "--format", fmt)
    two = check(big_tree, "--jobs", "2", "--no-cache", "--format", fmt)
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    assert one.stderr == f"Found {87 + HELPERS} findings in {145 + 2 * HELPERS + 2} files.\n"


def test_report_shape(big_tree: Path) -> None:
    lines = check(big_tree, "--jobs", "2", "--no-cache").stdout.splitlines()
    assert lines[HELPERS : HELPERS + 6] == [
        "./latin1.py:2:10: FAS001 cannot analyse this file: cannot decode as utf-8: invalid byte 0xe9",
        "./pkg0/broken_084.py:1:15: FAS001 cannot analyse this file: syntax error: invalid syntax",
        "./pkg0/deep/broken_014.py:1:15: FAS001 cannot analyse this file: syntax error: invalid syntax",
        "./pkg0/deep/broken_049.py:1:15: FAS001 cannot analyse this file: syntax error: invalid syntax",
        "./pkg0/deep/broken_119.py:1:16: FAS001 cannot analyse this file: syntax error: invalid syntax",
        "./pkg0/deep/http_056.py:5:12: FAS100 blocking HTTP call requests.get() in coroutine 'g56'; "
        "use `await client.get(...)` on a shared httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient)",
    ]
    assert len(lines) == 87 + HELPERS
    assert lines[0] == (
        "./callers/c00.py:5:12: FAS300 blocking HTTP call requests.get() via fetch0() in coroutine "
        "'call0'; make fetch0() async and use `await client.get(...)` on a shared httpx.AsyncClient "
        "(fake_async_lint.client.AsyncHTTPClient), or `await asyncio.to_thread(fetch0, ...)` where no native API exists"
    )
    assert lines == sorted(lines, key=lambda s: (s.split(":")[0], int(s.split(":")[1]), int(s.split(":")[2])))


def test_two_jobs_through_the_cache_cold_and_warm(big_tree: Path, tmp_path: Path) -> None:
    baseline = check(big_tree, "--jobs", "1", "--no-cache")
    cache = str(tmp_path / "cache")
    cold = check(big_tree, "--jobs", "2", "--cache-dir", cache)
    warm = check(big_tree, "--jobs", "2", "--cache-dir", cache)
    assert cold.stdout == warm.stdout == baseline.stdout
    assert cold.stderr == warm.stderr == baseline.stderr


def test_run_files_keeps_the_input_order(big_tree: Path) -> None:
    files = sorted(str(p) for p in big_tree.rglob("*.py"))[::-1]  # not the order discovery uses
    serial = run_files(files, Settings(), jobs=1)
    parallel = run_files(files, Settings(), jobs=2)
    assert [r.path for r in parallel] == files
    assert parallel == serial


def test_helper_pass_in_processes_matches_one_process(big_tree: Path) -> None:
    helpers = sorted(str(p) for p in (big_tree / "helpers").glob("h*.py"))
    serial = run_files(helpers, Settings(), jobs=1, helper=True)
    parallel = run_files(helpers, Settings(), jobs=2, helper=True)
    assert parallel == serial
    assert all(r.findings == [] and r.facts for r in parallel)


def test_progress_is_reported_up_to_the_total(big_tree: Path) -> None:
    files = sorted(str(p) for p in big_tree.rglob("*.py"))
    seen: list[tuple[int, int]] = []
    run_files(files, Settings(), jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(files), len(files))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_default_jobs_is_at_least_one() -> None:
    assert default_jobs() >= 1
