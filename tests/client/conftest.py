"""A real HTTP/1.1 server on 127.0.0.1 for the client tests (no mocks).

It runs on its own event loop in a background thread and records what a test
needs to check from the server's side: TCP connections accepted, requests in
flight at once, attempts per path. Responses can be scripted per path.

Routes:
    /ok                  200 "ok"
    /echo                200, JSON: method, path, query, headers, body
    /json, /notjson      a JSON body, a text body
    /delay?s=0.2         200 after a non-blocking sleep
    /status/<code>       that status
    /script/<key>        the next scripted reply for <key>, then 200 when the script runs out
    /set-cookie          200 with a Set-Cookie header
    /bytes?n=100000      n bytes of "x"
    /redirect?to=/echo   302 to that path
    /rest/v1/<table>     a one-row JSON list echoing the request (PostgREST-shaped)
"""

from __future__ import annotations

import asyncio
import collections
import importlib.util
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

_REASONS = {
    200: "OK",
    302: "Found",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Reply:
    """A scripted reply; status 0 drops the connection without answering."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class LocalServer:
    """The test server; thread-safe accessors for the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, collections.deque[Reply]] = {}
        self.open_connections = 0  # a live gauge, never reset
        self.reset()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="client-test-server", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("test server did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    # -- test-side API ----------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.connections = 0
            self.max_open_connections = self.open_connections
            self.requests = 0
            self.in_flight = 0
            self.max_in_flight = 0
            self.attempts: collections.Counter[str] = collections.Counter()
            self._scripts.clear()

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until earlier tests' connections are gone, then reset."""
        deadline = time.monotonic() + timeout
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)
        self.reset()

    def script(self, key: str, *replies: int | tuple[int, dict[str, str]]) -> str:
        """Queue replies (a status, or a status and headers) for ``/script/<key>``.

        Status 0 drops the connection unanswered. Returns the path to request.
        """
        queue: collections.deque[Reply] = collections.deque()
        for reply in replies:
            status, headers = (reply, {}) if isinstance(reply, int) else reply
            queue.append(Reply(status, dict(headers), b"scripted %d" % status))
        with self._lock:
            self._scripts[key] = queue
        return f"/script/{key}"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # -- server side ------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024))
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            # Finish every handler (some may still be in a /delay) before the
            # loop closes, or they die later with "Event loop is closed".
            server.close()
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(server.wait_closed())
            self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.connections += 1
            self.open_connections += 1
            self.max_open_connections = max(self.max_open_connections, self.open_connections)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                with self._lock:
                    self.requests += 1
                    self.in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    reply = await self._route(method, target, headers, body)
                finally:
                    with self._lock:
                        self.in_flight -= 1
                if reply.status == 0:
                    return  # drop the connection: the client sees a protocol error
                reason = _REASONS.get(reply.status, "Status")
                out = [f"HTTP/1.1 {reply.status} {reason}", f"Content-Length: {len(reply.body)}"]
                out += [f"{k}: {v}" for k, v in reply.headers.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + reply.body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except ConnectionError:
            return
        finally:
            with self._lock:
                self.open_connections -= 1
            writer.close()

    async def _route(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urllib.parse.urlsplit(target)
        path, query = parts.path, dict(urllib.parse.parse_qsl(parts.query))
        with self._lock:
            self.attempts[path] += 1
        if path == "/ok":
            return Reply(200, body=b"ok")
        if path == "/echo":
            payload = {
                "method": method,
                "path": path,
                "query": query,
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
            }
            return Reply(200, {"Content-Type": "application/json"}, json.dumps(payload).encode())
        if path == "/json":
            return Reply(200, {"Content-Type": "application/json"}, b'{"hello": "world"}')
        if path == "/notjson":
            return Reply(200, {"Content-Type": "text/plain"}, b"<html>not json</html>")
        if path == "/delay":
            await asyncio.sleep(float(query.get("s", "0.1")))
            return Reply(200, body=b"late")
        if path.startswith("/status/"):
            return Reply(int(path.rsplit("/", 1)[1]), body=b"status")
        if path.startswith("/script/"):
            with self._lock:
                queue = self._scripts.get(path.rsplit("/", 1)[1])
                reply = queue.popleft() if queue else Reply(200, body=b"done")
            return reply
        if path == "/set-cookie":
            return Reply(200, {"Set-Cookie": "session=abc123; Path=/"}, b"set")
        if path.startswith("/rest/v1/"):
            # Enough PostgREST for the Supabase examples: echo what was asked.
            row = {"table": path[len("/rest/v1/") :], "method": method, "query": query, "body": body.decode()}
            return Reply(200, {"Content-Type": "application/json"}, json.dumps([row]).encode())
        if path == "/redirect":
            return Reply(302, {"Location": query.get("to", "/ok")}, b"moved")
        if path == "/bytes":
            return Reply(200, body=b"x" * int(query.get("n", "100000")))
        return Reply(404, body=b"no route")


@pytest.fixture(scope="session")
def _server_instance() -> Iterator[LocalServer]:
    server = LocalServer()
    yield server
    server.stop()


@pytest.fixture
def server(_server_instance: LocalServer) -> LocalServer:
    """The shared local server with counters and scripts reset for this test."""
    _server_instance.reset()
    return _server_instance


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@pytest.fixture(
    params=[
        "httpx",
        pytest.param(
            "httpx2",
            marks=pytest.mark.skipif(not _installed("httpx2"), reason="httpx2 not installed (needs Python >= 3.11)"),
        ),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    """Each client test runs once per installed backend."""
    return str(request.param)


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
