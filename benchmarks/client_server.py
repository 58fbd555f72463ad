"""Loopback HTTP/1.1 server for ``client_bench.py``.

Every request is answered after a fixed delay scheduled with
``loop.call_later``: the server never blocks and holds no thread per request,
so with thousands of open requests it is still not the bottleneck. It counts
the TCP connections that carried requests, so the benchmark can show which
client reuses them.

Run as ``python benchmarks/client_server.py --delay 0.05``; it prints
``PORT <n>`` on its first line and serves until killed. ``GET /__stats``
returns and resets the counters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

_RESPONSE = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


class _Stats:
    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def snapshot_and_reset(self) -> bytes:
        body = json.dumps(
            {
                "connections": self.connections,
                "requests": self.requests,
                "max_in_flight": self.max_in_flight,
            }
        ).encode()
        self.connections = self.requests = self.max_in_flight = 0
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"Content-Length: %d\r\n\r\n" % len(body) + body
        )


class _Handler(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float, stats: _Stats) -> None:
        self._loop = loop
        self._delay = delay
        self._stats = stats
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buf += data
        while True:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buf[:end]).lower()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            total = end + 4 + length
            if len(self._buf) < total:
                return
            del self._buf[:total]
            if head.startswith(b"get /__stats"):
                self._write(self._stats.snapshot_and_reset(), counted=False)
                continue
            if not self._counted:
                # Counted on its first real request, so the connection that
                # reads the stats is not in them.
                self._counted = True
                self._stats.connections += 1
            self._stats.requests += 1
            self._stats.in_flight += 1
            self._stats.max_in_flight = max(self._stats.max_in_flight, self._stats.in_flight)
            # Responses on one connection stay in order because every
            # request on it waits the same fixed delay.
            self._loop.call_later(self._delay, self._write, _RESPONSE, True)

    def _write(self, payload: bytes, counted: bool) -> None:
        if counted:
            self._stats.in_flight -= 1
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(payload)


async def _serve(host: str, port: int, delay: float) -> None:
    loop = asyncio.get_running_loop()
    stats = _Stats()
    # A deep backlog: the thread-per-request variant connects 1000 sockets
    # at once and a dropped SYN would cost a 1 s retransmit, not the client.
    server = await loop.create_server(lambda: _Handler(loop, delay, stats), host, port, backlog=4096)
    sock_port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {sock_port}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per response")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args.host, args.port, args.delay))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
