"""AsyncHTTPClient against a real local server: pooling, limits, errors, lifecycle."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fake_async_lint.client import (
    AsyncHTTPClient,
    ClientClosedError,
    HTTPClientError,
    HTTPStatusError,
    HTTPTimeoutError,
    HTTPTransportError,
)

REPO = Path(__file__).resolve().parents[2]


def test_backend_is_the_one_asked_for(backend: Any) -> None:
    assert AsyncHTTPClient(backend=backend).backend == backend


def test_auto_prefers_httpx2_when_installed() -> None:
    pytest.importorskip("httpx2")
    assert AsyncHTTPClient().backend == "httpx2"


def test_base_url_default_headers_and_params(server: Any, backend: Any) -> None:
    async def main() -> Any:
        async with AsyncHTTPClient(
            base_url=server.url, headers={"X-Team": "core", "X-Over": "client"}, backend=backend
        ) as http:
            return await http.get_json("/echo", params={"table": "users"}, headers={"X-Over": "call"})

    echoed = asyncio.run(main())
    assert echoed["path"] == "/echo"
    assert echoed["query"] == {"table": "users"}
    assert echoed["headers"]["x-team"] == "core"
    assert echoed["headers"]["x-over"] == "call"
    assert echoed["headers"]["accept"] == "application/json"


def test_post_json_put_patch_delete_head_options(server: Any, backend: Any) -> None:
    async def main() -> list[Any]:
        async with AsyncHTTPClient(base_url=server.url, backend=backend) as http:
            posted = await http.post_json("/echo", {"name": "ada"})
            put = (await http.put("/echo", content=b"raw")).json()
            patched = (await http.patch("/echo", data={"a": "1"})).json()
            deleted = (await http.delete("/echo")).json()
            head = await http.head("/ok")
            options = (await http.options("/echo")).json()
            return [posted, put, patched, deleted, head.status_code, options]

    posted, put, patched, deleted, head_status, options = asyncio.run(main())
    assert posted["method"] == "POST" and posted["body"] == '{"name":"ada"}'
    assert put["method"] == "PUT" and put["body"] == "raw"
    assert patched["method"] == "PATCH" and patched["body"] == "a=1"
    assert deleted["method"] == "DELETE"
    assert head_status == 200
    assert options["method"] == "OPTIONS"


def test_pool_never_opens_more_than_max_connections(server: Any, backend: Any) -> None:
    server.settle()  # so max_open_connections counts this test's connections only

    async def main() -> list[int]:
        async with AsyncHTTPClient(base_url=server.url, max_connections=10, backend=backend) as http:
            responses = await asyncio.gather(*(http.get("/delay?s=0.002") for _ in range(1000)))
            return [r.status_code for r in responses]

    statuses = asyncio.run(main())
    assert statuses == [200] * 1000
    assert server.requests == 1000
    # Counted by the server: every TCP connection it ever accepted.
    assert server.connections <= 10
    assert server.max_open_connections <= 10
    assert server.max_in_flight <= 10


def test_sequential_requests_reuse_one_connection(server: Any, backend: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, backend=backend) as http:
            for _ in range(50):
                await http.get("/ok")

    asyncio.run(main())
    assert server.connections == 1


def test_concurrency_cap_holds(server: Any, backend: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, max_concurrency=3, backend=backend) as http:
            await asyncio.gather(*(http.get("/delay?s=0.03") for _ in range(30)))

    asyncio.run(main())
    assert server.requests == 30
    assert server.max_in_flight == 3


def test_timeout_raises_our_timeout_error(server: Any, backend: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, timeout=0.2, retries=0, backend=backend) as http:
            await http.get("/delay?s=1")

    started = time.monotonic()
    with pytest.raises(HTTPTimeoutError) as caught:
        asyncio.run(main())
    assert time.monotonic() - started < 1.5
    assert isinstance(caught.value, HTTPTransportError)
    assert type(caught.value.__cause__).__name__ == "ReadTimeout"
    assert f"GET {server.url}/delay?s=1 timed out" in str(caught.value)


def test_per_call_timeout_overrides_client_timeout(server: Any, backend: Any) -> None:
    async def main() -> int:
        async with AsyncHTTPClient(base_url=server.url, timeout=0.1, retries=0, backend=backend) as http:
            with pytest.raises(HTTPTimeoutError):
                await http.get("/delay?s=0.3")
            return (await http.get("/delay?s=0.3", timeout=5)).status_code

    assert asyncio.run(main()) == 200


def test_connection_refused_names_the_url(free_port: int, backend: Any) -> None:
    url = f"http://127.0.0.1:{free_port}/users"

    async def main() -> None:
        async with AsyncHTTPClient(retries=0, backend=backend) as http:
            await http.get(url)

    with pytest.raises(HTTPTransportError) as caught:
        asyncio.run(main())
    assert not isinstance(caught.value, HTTPTimeoutError)
    assert str(caught.value).startswith(f"GET {url} failed")
    assert caught.value.url == url and caught.value.method == "GET"
    assert type(caught.value.__cause__).__name__ == "ConnectError"


def test_status_error_carries_response(server: Any, backend: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, backend=backend) as http:
            await http.get("/status/404")

    with pytest.raises(HTTPStatusError) as caught:
        asyncio.run(main())
    error = caught.value
    assert error.status_code == 404 and error.response.status_code == 404
    assert str(error) == f"GET {server.url}/status/404 returned 404 Not Found"
    assert type(error.__cause__).__name__ != "HTTPStatusError"  # raised by us, not re-wrapped


def test_raise_for_status_off_returns_the_response(server: Any, backend: Any) -> None:
    async def main() -> tuple[int, int]:
        async with AsyncHTTPClient(base_url=server.url, raise_for_status=False, backend=backend) as http:
            response = await http.get("/status/404")
            with pytest.raises(HTTPStatusError):
                await http.get("/status/404", raise_for_status=True)
        async with AsyncHTTPClient(base_url=server.url, backend=backend) as http:
            per_call = await http.get("/status/500", raise_for_status=False, retries=0)
        return response.status_code, per_call.status_code

    assert asyncio.run(main()) == (404, 500)


def test_get_json_rejects_a_body_that_is_not_json(server: Any, backend: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPClient(base_url=server.url, backend=backend) as http:
            assert await http.get_json("/json") == {"hello": "world"}
            await http.get_json("/notjson")

    with pytest.raises(HTTPClientError, match="not JSON"):
        asyncio.run(main())


def test_use_after_close_raises_and_aclose_is_idempotent(server: Any, backend: Any) -> None:
    async def main() -> AsyncHTTPClient:
        http = AsyncHTTPClient(base_url=server.url, backend=backend)
        async with http:
            await http.get("/ok")
        await http.aclose()
        await http.aclose()
        with pytest.raises(ClientClosedError):
            await http.get("/ok")
        never_used = AsyncHTTPClient(backend=backend)
        await never_used.aclose()
        with pytest.raises(ClientClosedError):
            await never_used.get(server.url + "/ok")
        return http

    assert asyncio.run(main()).is_closed
    assert _eventually(lambda: server.open_connections == 0)


def test_aclose_fails_in_flight_and_waiting_requests_clearly(server: Any, backend: Any) -> None:
    async def main() -> list[Any]:
        http = AsyncHTTPClient(base_url=server.url, max_connections=1, backend=backend)
        # The first holds the only slot; the second waits for it.
        calls = [asyncio.ensure_future(http.get("/delay?s=2")) for _ in range(2)]
        await asyncio.sleep(0.3)
        await http.aclose()
        return await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 2)

    outcomes = asyncio.run(main())
    assert [type(o) for o in outcomes] == [ClientClosedError, ClientClosedError]


def _eventually(predicate: Any, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


class _CountingClient(AsyncHTTPClient):
    builds = 0

    def _build_clients(self) -> Any:
        type(self).builds += 1
        time.sleep(0.05)  # widen the window in which other first calls arrive
        return super()._build_clients()


def test_concurrent_first_use_creates_exactly_one_pool(server: Any, backend: Any) -> None:
    _CountingClient.builds = 0

    async def main() -> int:
        # Not `async with`: that would build the pool before the first calls.
        http = _CountingClient(base_url=server.url, backend=backend)
        try:
            responses = await asyncio.gather(*(http.get("/ok") for _ in range(200)))
        finally:
            await http.aclose()
        return len(responses)

    assert asyncio.run(main()) == 200
    assert _CountingClient.builds == 1


def test_cookies_are_shared_by_every_connection(server: Any, backend: Any) -> None:
    async def main() -> list[Any]:
        async with AsyncHTTPClient(base_url=server.url, backend=backend) as http:
            await http.get("/set-cookie")
            return await asyncio.gather(*(http.get_json("/echo") for _ in range(40)))

    echoed = asyncio.run(main())
    assert all(e["headers"].get("cookie") == "session=abc123" for e in echoed)


def test_stream_holds_the_slot_until_the_block_exits(server: Any, backend: Any) -> None:
    async def main() -> int:
        async with AsyncHTTPClient(base_url=server.url, max_connections=1, backend=backend) as http:
            total = 0
            async with http.stream("GET", "/bytes?n=200000") as response:
                async for chunk in response.aiter_bytes():
                    total += len(chunk)
            # The single slot is free again.
            await asyncio.wait_for(http.get("/ok"), 2)
            with pytest.raises(HTTPStatusError):
                async with http.stream("GET", "/status/503"):
                    pass
            await asyncio.wait_for(http.get("/ok"), 2)
            return total

    assert asyncio.run(main()) == 200000
    assert server.connections == 1


def test_client_options_are_passed_through(server: Any, backend: Any) -> None:
    async def main() -> Any:
        async with AsyncHTTPClient(base_url=server.url, client_options={"params": {"v": "2"}}, backend=backend) as http:
            return await http.get_json("/echo")

    assert asyncio.run(main())["query"] == {"v": "2"}


def test_the_client_stays_bound_to_its_first_loop(server: Any, backend: Any) -> None:
    http = AsyncHTTPClient(base_url=server.url, backend=backend)
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        first.run_until_complete(http.get("/ok"))
        with pytest.raises(RuntimeError, match="event loop"):
            second.run_until_complete(http.get("/ok"))
        first.run_until_complete(http.aclose())
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_connections": 0}, "max_connections"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"retries": -1}, "retries"),
        ({"timeout": 0}, "timeout"),
        ({"client_options": {"limits": None}}, "limits"),
    ],
)
def test_bad_settings_are_rejected(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AsyncHTTPClient(**options)


def test_import_without_httpx_says_what_to_install() -> None:
    code = "import sys\nsys.modules['httpx'] = None\nsys.modules['httpx2'] = None\nimport fake_async_lint.client\n"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO)
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert "pip install 'fake-async-lint[client]'" in done.stderr
