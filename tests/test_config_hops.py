"""`extra-hops`: teams declare their own thread-hop helpers; FAS200 then judges what they wrap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

APP = """import requests
import hashlib
from mycorp import pool


class Svc:
    async def fetch(self, url):
        return await self.run_blocking(requests.get, url)

    async def digest(self, data):
        return await self.run_blocking(hashlib.sha256, data)


async def other(url):
    return await pool.offload("x", requests.post, url)
"""
ADVICE = "on a shared httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient) instead of a thread"


def run(tmp_path: Path, config: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "app.py").write_text(APP)
    return subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "--no-cache", "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def test_extra_hops_are_judged_like_builtin_ones(tmp_path: Path) -> None:
    out = run(tmp_path, '[tool.fake-async-lint.extra-hops]\n".run_blocking" = 0\n"mycorp.pool.offload" = 1\n')
    assert out.stdout.splitlines() == [
        "app.py:8:22: FAS200 thread hop run_blocking() wraps blocking HTTP call requests.get() in coroutine "
        f"'fetch'; use `await client.get(...)` {ADVICE}",
        "app.py:15:18: FAS200 thread hop mycorp.pool.offload() wraps blocking HTTP call requests.post() in "
        f"coroutine 'other'; use `await client.post(...)` {ADVICE}",
    ]
    assert out.returncode == 1


def test_without_the_key_nothing_is_guessed(tmp_path: Path) -> None:
    out = run(tmp_path, "[tool.fake-async-lint]\n")
    assert (out.returncode, out.stdout) == (0, "")


def test_bad_hop_is_a_clear_error(tmp_path: Path) -> None:
    out = run(tmp_path, '[tool.fake-async-lint.extra-hops]\n".run_blocking" = "zero"\n')
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"fake-async-lint: {tmp_path / 'pyproject.toml'}: [tool.fake-async-lint] extra-hops: "
        ".run_blocking: expected the wrapped callable's position or a table"
    )
    assert "Traceback" not in out.stderr
