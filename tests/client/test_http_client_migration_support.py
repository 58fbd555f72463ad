"""Client features the migration (`fix --unsafe-fixes`) relies on, against the real local server:
the timeout covers waiting for a free connection, per-loop module clients, per-call
`follow_redirects`/`auth` on every verb."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import pytest

from fake_async_lint.client import AsyncHTTPClient, HTTPTimeoutError, PerLoopClient


def test_timeout_covers_waiting_for_a_free_connection(server: Any, backend: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPClient(
            base_url=server.url, max_connections=1, timeout=0.3, retries=0, backend=backend
        ) as http:
            slow = asyncio.ensure_future(http.get("/delay?s=1.5", timeout=5))
            await asyncio.sleep(0.1)  # the only connection is now busy
            try:
                with pytest.raises(HTTPTimeoutError) as caught:
                    await http.get("/ok")
                assert "PoolTimeout" in str(caught.value)
                assert type(caught.value.__cause__).__name__ == "PoolTimeout"
            finally:
                assert (await slow).status_code == 200

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 3


def test_pool_wait_without_timeout_waits(server: Any, backend: Any) -> None:
    async def main() -> list[int]:
        async with AsyncHTTPClient(base_url=server.url, max_connections=1, timeout=None, backend=backend) as http:
            responses = await asyncio.gather(*(http.get("/delay?s=0.05") for _ in range(5)))
            return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 5


def test_stream_slot_wait_is_timed_too(server: Any, backend: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, max_connections=1, timeout=0.2, backend=backend) as http:
            async with http.stream("GET", "/ok") as first:
                assert first.status_code == 200
                with pytest.raises(HTTPTimeoutError):
                    async with http.stream("GET", "/ok"):
                        pass
            async with http.stream("GET", "/ok") as again:  # the slot came back
                assert again.status_code == 200

    asyncio.run(main())


def test_per_loop_client_survives_several_event_loops(server: Any, backend: Any) -> None:
    http = AsyncHTTPClient.per_loop(base_url=server.url, raise_for_status=False, backend=backend)
    assert isinstance(http, PerLoopClient)

    async def once() -> tuple[int, int]:
        first = (await http.get("/ok")).status_code
        second = (await http.get("/status/404")).status_code
        return first, second

    assert asyncio.run(once()) == (200, 404)
    assert asyncio.run(once()) == (200, 404)  # a new loop gets its own client


def test_per_loop_checks_its_options_where_it_is_declared() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        AsyncHTTPClient.per_loop(max_concurrency=0)


def test_every_verb_takes_follow_redirects_and_auth(server: Any, backend: Any) -> None:
    async def main() -> list[Any]:
        async with AsyncHTTPClient(base_url=server.url, backend=backend) as http:
            out = []
            for verb in (http.get, http.delete, http.post, http.put, http.patch, http.options):
                r = await verb("/echo", follow_redirects=False, auth=("ada", "pw"))
                out.append((r.json()["method"], r.json()["headers"].get("authorization")))
            head = await http.head("/echo", follow_redirects=False, auth=("ada", "pw"))
            out.append(head.status_code)
            return out

    token = "Basic " + base64.b64encode(b"ada:pw").decode()
    assert asyncio.run(main()) == [
        ("GET", token),
        ("DELETE", token),
        ("POST", token),
        ("PUT", token),
        ("PATCH", token),
        ("OPTIONS", token),
        200,
    ]


def test_per_loop_client_closes_its_connections_when_asyncio_run_ends(server: Any, backend: Any) -> None:
    server.settle()
    http = AsyncHTTPClient.per_loop(base_url=server.url, backend=backend)
    seen: list[AsyncHTTPClient] = []

    async def once() -> int:
        seen.append(http.current())
        return (await http.get("/ok")).status_code

    assert asyncio.run(once()) == 200
    assert seen[0].is_closed
    deadline = time.monotonic() + 2
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.open_connections == 0
