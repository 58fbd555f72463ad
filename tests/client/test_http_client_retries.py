"""Retries: which failures, which methods, how long to wait."""

from __future__ import annotations

import asyncio
import email.utils
import time
from typing import Any

import pytest

from fake_async_lint.client import AsyncHTTPClient, HTTPStatusError, HTTPTransportError, _parse_retry_after

# Small backoff so retry tests stay fast; Retry-After tests set their own.
FAST: dict[str, Any] = {"backoff_factor": 0.01}


def test_503_then_200_is_retried(server: Any, backend: Any) -> None:
    path = server.script("flaky", 503, 200)

    async def main() -> int:
        async with AsyncHTTPClient(base_url=server.url, backend=backend, **FAST) as http:
            return (await http.get(path)).status_code

    assert asyncio.run(main()) == 200
    assert server.attempts[path] == 2


def test_exhausted_retries_raise_with_the_last_status(server: Any, backend: Any) -> None:
    path = server.script("down", 503, 502, 504, 200)

    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, retries=2, backend=backend, **FAST) as http:
            await http.get(path)

    with pytest.raises(HTTPStatusError) as caught:
        asyncio.run(main())
    assert caught.value.status_code == 504
    assert "returned 504" in str(caught.value) and "after 3 attempts" in str(caught.value)
    assert server.attempts[path] == 3


def test_status_not_in_the_retry_list_is_not_retried(server: Any, backend: Any) -> None:
    path = server.script("broken", 500, 200)

    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, backend=backend, **FAST) as http:
            await http.get(path)

    with pytest.raises(HTTPStatusError):
        asyncio.run(main())
    assert server.attempts[path] == 1


def test_retry_after_seconds_is_honoured_on_429(server: Any, backend: Any) -> None:
    path = server.script("limited", (429, {"Retry-After": "1"}), 200)

    async def main() -> float:
        # backoff_factor=0: any wait comes from Retry-After alone.
        async with AsyncHTTPClient(base_url=server.url, backoff_factor=0, backend=backend) as http:
            await http.get("/ok")  # connect first, so only the wait is timed
            started = time.monotonic()
            assert (await http.get(path)).status_code == 200
            return time.monotonic() - started

    elapsed = asyncio.run(main())
    assert 0.95 <= elapsed < 3
    assert server.attempts[path] == 2


def test_retry_after_is_capped_by_max_backoff(server: Any, backend: Any) -> None:
    path = server.script("slow-down", (503, {"Retry-After": "120"}), 200)

    async def main() -> float:
        async with AsyncHTTPClient(base_url=server.url, max_backoff=0.2, backend=backend) as http:
            started = time.monotonic()
            await http.get(path)
            return time.monotonic() - started

    assert 0.19 <= asyncio.run(main()) < 2


def test_post_is_not_retried_by_default(server: Any, backend: Any) -> None:
    path = server.script("post-once", 503, 200)

    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, backend=backend, **FAST) as http:
            await http.post(path, json={"n": 1})

    with pytest.raises(HTTPStatusError):
        asyncio.run(main())
    assert server.attempts[path] == 1


def test_post_is_retried_when_the_call_opts_in(server: Any, backend: Any) -> None:
    path = server.script("post-call", 503, 503, 200)

    async def main() -> int:
        async with AsyncHTTPClient(base_url=server.url, backend=backend, **FAST) as http:
            return (await http.post(path, json={"n": 1}, retries=2)).status_code

    assert asyncio.run(main()) == 200
    assert server.attempts[path] == 3


def test_post_is_retried_when_the_client_opts_in(server: Any, backend: Any) -> None:
    path = server.script("post-client", 503, 200)

    async def main() -> int:
        async with AsyncHTTPClient(base_url=server.url, retry_non_idempotent=True, backend=backend, **FAST) as http:
            return (await http.post(path, content=b"x")).status_code

    assert asyncio.run(main()) == 200
    assert server.attempts[path] == 2


def test_per_call_retries_zero_disables_retries(server: Any, backend: Any) -> None:
    path = server.script("no-retry", 503, 200)

    async def main() -> int:
        async with AsyncHTTPClient(base_url=server.url, raise_for_status=False, backend=backend, **FAST) as http:
            return (await http.get(path, retries=0)).status_code

    assert asyncio.run(main()) == 503
    assert server.attempts[path] == 1


def test_dropped_connection_is_retried_for_get(server: Any, backend: Any) -> None:
    path = server.script("dropped", 0, 200)

    async def main() -> int:
        async with AsyncHTTPClient(base_url=server.url, backend=backend, **FAST) as http:
            return (await http.get(path)).status_code

    assert asyncio.run(main()) == 200
    assert server.attempts[path] == 2


def test_dropped_connection_is_not_retried_for_post(server: Any, backend: Any) -> None:
    path = server.script("dropped-post", 0, 200)

    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, backend=backend, **FAST) as http:
            await http.post(path, json={})

    with pytest.raises(HTTPTransportError) as caught:
        asyncio.run(main())
    assert type(caught.value.__cause__).__name__ == "RemoteProtocolError"
    assert server.attempts[path] == 1


def test_connection_refused_is_retried_then_reported(free_port: int, backend: Any) -> None:
    url = f"http://127.0.0.1:{free_port}/"

    async def main() -> None:
        async with AsyncHTTPClient(retries=2, backend=backend, **FAST) as http:
            await http.get(url)

    with pytest.raises(HTTPTransportError, match="after 3 attempts"):
        asyncio.run(main())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        (" 0.25 ", 0.25),
        ("-5", 0.0),
        ("nan", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert _parse_retry_after(value, time.time()) == expected


def test_parse_retry_after_http_date_in_the_future() -> None:
    now = time.time()
    header = email.utils.formatdate(now + 30, usegmt=True)
    waited = _parse_retry_after(header, now)
    assert waited is not None and 28 < waited <= 30
