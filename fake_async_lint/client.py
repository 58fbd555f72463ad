"""The reference async HTTP client that fake-async-lint's HTTP findings point to.

``AsyncHTTPClient`` is a thin, production-minded layer over ``httpx2.AsyncClient``
(or ``httpx.AsyncClient`` where httpx2 is not installed) that replaces the
"``ThreadPoolExecutor`` + ``requests``" pattern in one line::

    async with AsyncHTTPClient(base_url="https://api.example.com", max_connections=100) as http:
        users = await http.get_json("/users", params={"active": "true"})

What it adds over a bare ``AsyncClient`` (see ``docs/client.md``):

* an ``asyncio.Semaphore(max_connections)`` in front of the connection pool, so
  requests wait in asyncio (cheap) and never queue inside the httpx pool (whose
  bookkeeping per pool event grows with the queue and the pool size);
* the pool split into small shards behind that semaphore, for the same reason;
* a small keep-alive pool (default 20, capped at ``max_connections``);
* retries with exponential backoff, full jitter and ``Retry-After``, for
  idempotent methods unless the caller opts in;
* an optional concurrency cap (``max_concurrency``) separate from the pool;
* ``raise_for_status`` by default and a small exception hierarchy of our own;
* lazy creation inside the running loop (the CA bundle is read in a thread), an
  idempotent ``aclose()`` and ``async with``.

Responses are the backend's own ``Response`` objects (``httpx2.Response`` or
``httpx.Response``), already read: ``.status_code``, ``.headers``, ``.json()``,
``.text`` and ``.content`` work without awaiting. The client is asyncio-only.

This module is the only part of fake-async-lint that imports httpx; the linter
itself does not need it. Install with ``pip install 'fake-async-lint[client]'``.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import enum
import http.cookiejar
import importlib
import math
import random
import ssl
import time
import urllib.parse
import weakref
from collections.abc import AsyncIterator, Collection, Mapping
from datetime import timezone
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Literal, Union, cast

if TYPE_CHECKING:
    import httpx
    import httpx2  # type: ignore[import-not-found, unused-ignore]
    from typing_extensions import Self

    #: What every request method returns: the backend's response, body read.
    Response = Union[httpx.Response, httpx2.Response]

__all__ = [
    "DEFAULT_RETRY_STATUSES",
    "IDEMPOTENT_METHODS",
    "AsyncHTTPClient",
    "ClientClosedError",
    "HTTPClientError",
    "HTTPStatusError",
    "HTTPTimeoutError",
    "HTTPTransportError",
    "PerLoopClient",
]

_INSTALL_HINT = (
    "fake_async_lint.client needs an HTTP backend: "
    "pip install 'fake-async-lint[client]' (installs httpx, and httpx2 on Python >= 3.11)"
)

BackendName = Literal["auto", "httpx", "httpx2"]


def _import_backend(name: BackendName) -> ModuleType:
    """Import the backend module; ``auto`` prefers httpx2 (maintained, faster pool)."""
    candidates = ("httpx2", "httpx") if name == "auto" else (name,)
    last_error: ImportError | None = None
    for candidate in candidates:
        try:
            return importlib.import_module(candidate)
        except ImportError as exc:
            last_error = exc
    if name == "auto":
        raise ImportError(_INSTALL_HINT) from last_error
    raise ImportError(
        f"backend {name!r} is not installed: pip install {name} (or use backend='auto'; httpx2 needs Python >= 3.11)"
    ) from last_error


# Fail at import time, with the install hint, rather than on the first request.
_import_backend("auto")


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
DEFAULT_RETRY_STATUSES = frozenset({429, 502, 503, 504})


class _Unset(enum.Enum):
    TOKEN = 0


#: Marks "not given" where ``None`` already means something (no timeout).
_UNSET = _Unset.TOKEN


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class HTTPClientError(Exception):
    """Base of every error raised by :class:`AsyncHTTPClient`.

    ``method`` and ``url`` name the request; the backend's exception, when
    there is one, is kept as ``__cause__``.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class HTTPStatusError(HTTPClientError):
    """The server answered with a 4xx/5xx status and ``raise_for_status`` was on."""

    def __init__(self, message: str, *, method: str, url: str, response: Response) -> None:
        super().__init__(message, method=method, url=url)
        self.response = response
        self.status_code: int = response.status_code


class HTTPTransportError(HTTPClientError):
    """No usable response: connection refused or reset, protocol error, bad URL."""


class HTTPTimeoutError(HTTPTransportError):
    """Connecting, sending or reading took longer than the timeout."""


class ClientClosedError(HTTPClientError):
    """The client was used after ``aclose()`` (or after its ``async with`` block)."""


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        # RFC 9110 says an integer; a fraction costs nothing to honour.
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _redact(url: str) -> str:
    """Drop a password from a URL before it lands in an error message or log."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` integers that differ by at most one."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _fill(total: int, capacities: list[int]) -> list[int]:
    """``total`` poured into ``capacities`` in order: the first ones fill up."""
    out = []
    for capacity in capacities:
        share = min(total, capacity)
        out.append(share)
        total -= share
    return out


class _Pool:
    """Everything bound to the event loop: backend clients and the semaphores.

    A shard with free slots has one entry per free slot in ``warm`` (shards
    that keep connections alive) or ``cold`` (shards that close them after
    each response). Holding a ``slots`` permit guarantees one of the two
    stacks is not empty. Warm shards are taken first and the last one freed
    is reused first, so a connection is reused whenever one is open.
    """

    __slots__ = ("clients", "cold", "concurrency", "is_warm", "loop", "slots", "warm")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        clients: list[Any],
        shard_sizes: list[int] | None,
        keepalives: list[int],
        max_concurrency: int | None,
    ) -> None:
        self.loop = loop
        self.clients = clients
        self.slots: asyncio.Semaphore | None = None
        self.is_warm = [k > 0 for k in keepalives]
        self.warm: list[int] = []
        self.cold: list[int] = []
        if shard_sizes is not None:
            self.slots = asyncio.Semaphore(sum(shard_sizes))
            # Round-robin, so a burst spreads over all shards; reversed so
            # the first pops land on shard 0.
            order = [
                shard for round_ in range(max(shard_sizes)) for shard, size in enumerate(shard_sizes) if round_ < size
            ]
            for shard in reversed(order):
                (self.warm if self.is_warm[shard] else self.cold).append(shard)
        self.concurrency = asyncio.Semaphore(max_concurrency) if max_concurrency is not None else None

    def take(self) -> int:
        """A shard with a free slot; call only while holding a ``slots`` permit."""
        return self.warm.pop() if self.warm else self.cold.pop()

    def give(self, shard: int) -> None:
        (self.warm if self.is_warm[shard] else self.cold).append(shard)


# --------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------


class AsyncHTTPClient:
    """A shared, pooled, retrying async HTTP client.

    Create one per application (or per remote service) and share it between
    tasks. Constructing it opens nothing: the pool is built by ``async with``
    or by the first request, inside the running asyncio event loop, and the
    client stays bound to that loop.

    Args:
        base_url: Prefix for relative request URLs.
        headers: Headers sent with every request (per-call headers win).
        timeout: Seconds allowed for each of connect, write and read (``None``:
            no limit). Waiting for a free connection slot is not timed.
        connect_timeout: Overrides ``timeout`` for connecting.
        max_connections: Connections open at once, enforced by an
            ``asyncio.Semaphore`` in front of the pool (``None``: unlimited).
        max_keepalive_connections: Idle connections kept for reuse; default 20,
            capped at ``max_connections``.
        keepalive_expiry: Seconds an idle connection is kept.
        max_concurrency: Optional cap on requests in flight (retries and their
            backoff included), separate from the pool.
        retries: Retries after a transport error or a retryable status.
        retry_statuses: Statuses that are retried (429, 502, 503, 504).
        backoff_factor: First backoff ceiling in seconds; it doubles per retry
            and the actual wait is uniform in ``[0, ceiling]`` (full jitter).
        max_backoff: Cap on any wait, ``Retry-After`` included.
        retry_non_idempotent: Also retry POST and PATCH. Off by default: the
            server may have acted on the first attempt.
        raise_for_status: Raise :class:`HTTPStatusError` on 4xx/5xx.
        follow_redirects: Follow 3xx responses.
        verify: TLS verification: ``True``, ``False`` or an ``ssl.SSLContext``.
        trust_env: Honour ``HTTPS_PROXY``, ``SSL_CERT_FILE``, ``.netrc`` and friends.
        http2: Offer HTTP/2 (needs the backend's ``http2`` extra).
        backend: ``"auto"`` (httpx2 if installed, else httpx), ``"httpx"`` or ``"httpx2"``.
        client_options: Extra keyword arguments for each backend ``AsyncClient``
            (``auth``, ``params``, ``cookies``, ``event_hooks``, ``proxy``, ...).
    """

    # The pool is split into shards (one backend AsyncClient each) behind our
    # semaphore. Measured on loopback (docs/client.md): httpcore's pool does
    # O(connections) work per pool event, so small pools cost less CPU per
    # request. Per backend: (connections per shard, spread keep-alive evenly).
    # httpcore2 trims surplus idle connections one by one, so an even spread
    # works. httpcore 1.0 closes every idle connection of a pool that holds
    # more connections than its keep-alive limit, and can hand one idle
    # connection to two requests; one connection per shard, with keep-alive
    # given to whole shards, avoids both.
    _tuning = {"httpx2": (5, True), "httpx": (1, False)}
    _max_shards = 256

    def __init__(
        self,
        *,
        base_url: str = "",
        headers: Mapping[str, str] | None = None,
        timeout: float | None = 10.0,
        connect_timeout: float | None | _Unset = _UNSET,
        max_connections: int | None = 100,
        max_keepalive_connections: int = 20,
        keepalive_expiry: float = 5.0,
        max_concurrency: int | None = None,
        retries: int = 2,
        retry_statuses: Collection[int] = DEFAULT_RETRY_STATUSES,
        backoff_factor: float = 0.5,
        max_backoff: float = 30.0,
        retry_non_idempotent: bool = False,
        raise_for_status: bool = True,
        follow_redirects: bool = False,
        verify: bool | ssl.SSLContext = True,
        trust_env: bool = True,
        http2: bool = False,
        backend: BackendName = "auto",
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        _check(max_connections is None or max_connections >= 1, "max_connections must be >= 1 or None")
        _check(max_keepalive_connections >= 0, "max_keepalive_connections must be >= 0")
        _check(max_concurrency is None or max_concurrency >= 1, "max_concurrency must be >= 1 or None")
        _check(retries >= 0, "retries must be >= 0")
        _check(backoff_factor >= 0 and max_backoff >= 0, "backoff_factor and max_backoff must be >= 0")
        _check(timeout is None or timeout > 0, "timeout must be > 0 or None")
        # Our own keywords, and anything that would bypass the slot semaphore.
        reserved = {
            "base_url",
            "headers",
            "timeout",
            "limits",
            "transport",
            "mounts",
            "verify",
            "trust_env",
            "http2",
            "follow_redirects",
        }
        clash = reserved.intersection(client_options or {})
        _check(not clash, f"set {sorted(clash)} with the AsyncHTTPClient keywords, not client_options")

        self._bk = _import_backend(backend)
        self._backend_name: str = self._bk.__name__
        self._base_url = base_url
        self._headers = dict(headers or {})
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._max_connections = max_connections
        self._max_keepalive = (
            max_keepalive_connections if max_connections is None else min(max_keepalive_connections, max_connections)
        )
        self._keepalive_expiry = keepalive_expiry
        self._max_concurrency = max_concurrency
        self._retries = retries
        self._retry_statuses = frozenset(retry_statuses)
        self._backoff_factor = backoff_factor
        self._max_backoff = max_backoff
        self._retry_non_idempotent = retry_non_idempotent
        self._raise_for_status = raise_for_status
        self._follow_redirects = follow_redirects
        self._verify = verify
        self._trust_env = trust_env
        self._http2 = http2
        self._client_options = dict(client_options or {})
        self._rng = random.Random()

        self._pool: _Pool | None = None
        self._building: asyncio.Task[_Pool] | None = None
        self._closed = False
        self._retryable_errors: tuple[type[Exception], ...] = (
            self._bk.TimeoutException,
            self._bk.NetworkError,
            self._bk.RemoteProtocolError,
        )

    @classmethod
    def per_loop(cls, **options: Any) -> PerLoopClient:
        """A module-level client: one ``AsyncHTTPClient(**options)`` per running event loop."""
        return PerLoopClient(options)

    # -- introspection ---------------------------------------------------

    @property
    def backend(self) -> str:
        """``"httpx2"`` or ``"httpx"``: the module doing the HTTP work."""
        return self._backend_name

    @property
    def is_closed(self) -> bool:
        """True once ``aclose()`` has been called."""
        return self._closed

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(backend={self._backend_name!r}, base_url={self._base_url!r}, "
            f"max_connections={self._max_connections}, closed={self._closed})"
        )

    # -- lifecycle -------------------------------------------------------

    async def __aenter__(self) -> Self:
        # Build the pool now rather than on the first request, so the first
        # burst does not wait for the CA bundle to load.
        await self._get_pool()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection. Safe to call more than once."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.gather(*(c.aclose() for c in pool.clients), return_exceptions=True)

    async def _get_pool(self) -> _Pool:
        pool = self._pool
        if pool is None:
            if self._closed:
                raise ClientClosedError("the client is closed; create a new AsyncHTTPClient")
            # One shared task builds the pool and every early caller awaits it.
            # A Lock would also create exactly one pool, but it hands the
            # waiters over one per loop iteration: 1000 first calls trickled
            # out of it while the first requests were already running.
            if self._building is None:
                self._building = asyncio.get_running_loop().create_task(self._create_pool())
                self._building.add_done_callback(_consume_exception)
            # Shielded: a cancelled caller must not cancel the build for the others.
            pool = await asyncio.shield(self._building)
        if asyncio.get_running_loop() is not pool.loop:
            raise RuntimeError(
                "AsyncHTTPClient is bound to the event loop of its first request; create one client per event loop"
            )
        return pool

    async def _create_pool(self) -> _Pool:
        try:
            loop = asyncio.get_running_loop()
            # Loading the CA bundle is blocking file I/O (tens of ms): keep
            # it off the event loop.
            clients, shard_sizes, keepalives = await loop.run_in_executor(None, self._build_clients)
            if self._closed:  # closed while we were building
                await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)
                raise ClientClosedError("the client is closed; create a new AsyncHTTPClient")
            # Semaphores are made here, in the running loop: before Python
            # 3.10 they bind to the loop current at construction.
            self._pool = _Pool(loop, clients, shard_sizes, keepalives, self._max_concurrency)
            return self._pool
        finally:
            # On failure the next call tries again; on success _pool is set.
            self._building = None

    def _build_clients(self) -> tuple[list[Any], list[int] | None, list[int]]:
        """Build the backend clients (no I/O on sockets; runs in a thread)."""
        bk = self._bk
        verify = self._verify
        if not isinstance(verify, ssl.SSLContext):
            # One context for all shards: each would otherwise re-read the CA bundle.
            verify = bk.create_ssl_context(verify=verify, trust_env=self._trust_env)
        if self._max_connections is None:
            shard_sizes: list[int] | None = None
            sizes: list[int | None] = [None]
            keepalives = [self._max_keepalive]
        else:
            shard_size, spread = self._tuning.get(self._backend_name, (1, False))
            shards = min(self._max_shards, -(-self._max_connections // shard_size))
            shard_sizes = _split(self._max_connections, shards)
            sizes = list(shard_sizes)
            if spread:
                keepalives = [min(k, n) for k, n in zip(_split(self._max_keepalive, shards), shard_sizes)]
            else:
                keepalives = _fill(self._max_keepalive, shard_sizes)
        timeout = self._make_timeout(self._timeout)
        options = dict(self._client_options)
        # Shared so a cookie set on one shard's response is sent by all.
        options.setdefault("cookies", http.cookiejar.CookieJar())
        cookies = options.pop("cookies")
        if not isinstance(cookies, http.cookiejar.CookieJar):
            cookies = bk.Cookies(cookies).jar
        clients = [
            bk.AsyncClient(
                base_url=self._base_url,
                headers=self._headers,
                timeout=timeout,
                limits=bk.Limits(
                    max_connections=size,
                    max_keepalive_connections=keepalive,
                    keepalive_expiry=self._keepalive_expiry,
                ),
                verify=verify,
                trust_env=self._trust_env,
                http2=self._http2,
                follow_redirects=self._follow_redirects,
                cookies=cookies,
                **options,
            )
            for size, keepalive in zip(sizes, keepalives)
        ]
        return clients, shard_sizes, keepalives

    # -- sending ---------------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """Send a request and return the backend's response, body already read.

        Args:
            method: HTTP method, any case.
            url: Absolute, or relative to ``base_url``.
            params: Query parameters, merged with the URL's.
            headers: Extra headers for this request.
            content: Raw body.
            data: Form fields.
            files: Multipart files (disables retries: a file cannot be re-read).
            json: Body to send as JSON.
            timeout: Per-call timeout in seconds (``None``: no limit).
            retries: Per-call retry count. Giving it also opts this call in to
                retries when the method is not idempotent.
            raise_for_status: Per-call override of the client setting.
            follow_redirects: Per-call override of the client setting.
            auth: Per-call authentication, as the backend takes it (``(user, password)``: basic).

        Raises:
            HTTPStatusError: 4xx/5xx with ``raise_for_status`` on (after retries).
            HTTPTimeoutError: A timeout, after retries.
            HTTPTransportError: No response, after retries.
            ClientClosedError: The client is closed.
        """
        method = method.upper()
        options: dict[str, Any] = {}
        if params is not None:
            options["params"] = params
        if headers is not None:
            options["headers"] = headers
        if content is not None:
            options["content"] = content
        if data is not None:
            options["data"] = data
        if files is not None:
            options["files"] = files
        if json is not None:
            options["json"] = json
        if not isinstance(timeout, _Unset):
            options["timeout"] = self._make_timeout(timeout)
        if follow_redirects is not None:
            options["follow_redirects"] = follow_redirects

        if retries is not None:
            _check(retries >= 0, "retries must be >= 0")
            max_retries = retries
        elif self._retry_non_idempotent or method in IDEMPOTENT_METHODS:
            max_retries = self._retries
        else:
            max_retries = 0
        if files is not None:
            max_retries = 0
        check = self._raise_for_status if raise_for_status is None else raise_for_status

        if auth is not None:
            options["auth"] = auth
        wait = self._timeout if isinstance(timeout, _Unset) else timeout

        pool = await self._get_pool()
        if pool.concurrency is None:
            return await self._send(pool, method, url, options, max_retries, check, wait)
        async with pool.concurrency:
            return await self._send(pool, method, url, options, max_retries, check, wait)

    async def _send(
        self,
        pool: _Pool,
        method: str,
        url: str,
        options: dict[str, Any],
        max_retries: int,
        check: bool,
        wait: float | None = None,
    ) -> Response:
        attempt = 0
        while True:
            attempt += 1
            if self._closed:
                raise ClientClosedError(
                    f"{method} {self._show(url)}: the client is closed", method=method, url=self._show(url)
                )
            try:
                response = await self._send_once(pool, method, url, options, wait)
            except Exception as exc:
                if self._closed:
                    # Whatever the backend raised, the cause is our aclose().
                    raise ClientClosedError(
                        f"{method} {self._show(url)}: the client was closed during the request",
                        method=method,
                        url=self._show(url),
                    ) from exc
                if isinstance(exc, self._retryable_errors) and attempt <= max_retries:
                    await asyncio.sleep(self._backoff(attempt, None))
                    continue
                if isinstance(exc, (self._bk.HTTPError, self._bk.InvalidURL)):
                    raise self._wrap(exc, method, url, attempt) from exc
                raise
            status = response.status_code
            if status in self._retry_statuses and attempt <= max_retries:
                delay = self._backoff(attempt, response.headers.get("Retry-After"))
                await response.aclose()
                await asyncio.sleep(delay)
                continue
            if check and status >= 400:
                shown = _redact(str(response.request.url))
                tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                raise HTTPStatusError(
                    f"{method} {shown} returned {status} {response.reason_phrase}{tries}",
                    method=method,
                    url=shown,
                    response=response,
                )
            return cast("Response", response)

    async def _send_once(
        self, pool: _Pool, method: str, url: str, options: dict[str, Any], wait: float | None = None
    ) -> Any:
        slots = pool.slots
        if slots is None:
            return await pool.clients[0].request(method, url, **options)
        # Wait here, in asyncio, rather than inside the backend's pool; the
        # timeout covers this wait too (as the backend's pool timeout would).
        await self._acquire(slots, wait)
        shard = pool.take()
        try:
            return await pool.clients[shard].request(method, url, **options)
        finally:
            pool.give(shard)
            slots.release()

    async def _acquire(self, slots: asyncio.Semaphore, wait: float | None) -> None:
        """Take a connection slot, or raise the backend's ``PoolTimeout`` after ``wait`` seconds."""
        if wait is None or not slots.locked():
            await slots.acquire()
            return
        try:
            await asyncio.wait_for(slots.acquire(), wait)
        except asyncio.TimeoutError:
            raise self._bk.PoolTimeout(f"no free connection within {wait:g} s") from None

    def _make_timeout(self, timeout: float | None) -> Any:
        connect = timeout if isinstance(self._connect_timeout, _Unset) else self._connect_timeout
        return self._bk.Timeout(timeout, connect=connect)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before retry number ``attempt``: Retry-After, else full jitter."""
        server_says = _parse_retry_after(retry_after, time.time())
        if server_says is not None:
            return min(server_says, self._max_backoff)
        ceiling = min(self._max_backoff, self._backoff_factor * (2 ** (attempt - 1)))
        return self._rng.uniform(0.0, ceiling)

    def _show(self, url: str) -> str:
        if "://" in url or not self._base_url:
            return _redact(url)
        return _redact(self._base_url.rstrip("/") + "/" + url.lstrip("/"))

    def _wrap(self, exc: Exception, method: str, url: str, attempts: int) -> HTTPClientError:
        try:
            shown = _redact(str(exc.request.url))  # type: ignore[attr-defined]
        except (AttributeError, RuntimeError):  # httpx raises if no request is attached
            shown = self._show(url)
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        kind: type[HTTPClientError]
        if isinstance(exc, self._bk.TimeoutException):
            kind, what = HTTPTimeoutError, "timed out"
        elif isinstance(exc, (self._bk.TransportError, self._bk.InvalidURL)):
            kind, what = HTTPTransportError, "failed"
        else:
            kind, what = HTTPClientError, "failed"
        return kind(f"{method} {shown} {what}{tries} ({detail})", method=method, url=shown)

    # -- verbs -----------------------------------------------------------

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """``GET url``; see :meth:`request`."""
        return await self.request(
            "GET",
            url,
            params=params,
            headers=headers,
            timeout=timeout,
            retries=retries,
            raise_for_status=raise_for_status,
            follow_redirects=follow_redirects,
            auth=auth,
        )

    async def head(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """``HEAD url``; see :meth:`request`."""
        return await self.request(
            "HEAD",
            url,
            params=params,
            headers=headers,
            timeout=timeout,
            retries=retries,
            raise_for_status=raise_for_status,
            follow_redirects=follow_redirects,
            auth=auth,
        )

    async def options(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """``OPTIONS url``; see :meth:`request`."""
        return await self.request(
            "OPTIONS",
            url,
            params=params,
            headers=headers,
            timeout=timeout,
            retries=retries,
            raise_for_status=raise_for_status,
            follow_redirects=follow_redirects,
            auth=auth,
        )

    async def delete(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """``DELETE url``; see :meth:`request`."""
        return await self.request(
            "DELETE",
            url,
            params=params,
            headers=headers,
            timeout=timeout,
            retries=retries,
            raise_for_status=raise_for_status,
            follow_redirects=follow_redirects,
            auth=auth,
        )

    async def post(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """``POST url``; not retried unless ``retries=`` is given; see :meth:`request`."""
        return await self.request(
            "POST",
            url,
            params=params,
            headers=headers,
            content=content,
            data=data,
            files=files,
            json=json,
            timeout=timeout,
            retries=retries,
            raise_for_status=raise_for_status,
            follow_redirects=follow_redirects,
            auth=auth,
        )

    async def put(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """``PUT url``; see :meth:`request`."""
        return await self.request(
            "PUT",
            url,
            params=params,
            headers=headers,
            content=content,
            data=data,
            files=files,
            json=json,
            timeout=timeout,
            retries=retries,
            raise_for_status=raise_for_status,
            follow_redirects=follow_redirects,
            auth=auth,
        )

    async def patch(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
        raise_for_status: bool | None = None,
        follow_redirects: bool | None = None,
        auth: Any = None,
    ) -> Response:
        """``PATCH url``; not retried unless ``retries=`` is given; see :meth:`request`."""
        return await self.request(
            "PATCH",
            url,
            params=params,
            headers=headers,
            content=content,
            data=data,
            files=files,
            json=json,
            timeout=timeout,
            retries=retries,
            raise_for_status=raise_for_status,
            follow_redirects=follow_redirects,
            auth=auth,
        )

    async def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
    ) -> Any:
        """``GET url`` and decode the JSON body; 4xx/5xx always raise here.

        Raises:
            HTTPClientError: the body is not JSON (plus everything :meth:`request` raises).
        """
        response = await self.request(
            "GET",
            url,
            params=params,
            headers=_with_accept_json(headers),
            timeout=timeout,
            retries=retries,
            raise_for_status=True,
        )
        return self._decode_json("GET", response)

    async def post_json(
        self,
        url: str,
        json: Any,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None | _Unset = _UNSET,
        retries: int | None = None,
    ) -> Any:
        """``POST`` ``json`` to ``url`` and decode the JSON answer (``None`` if empty)."""
        response = await self.request(
            "POST",
            url,
            params=params,
            headers=_with_accept_json(headers),
            json=json,
            timeout=timeout,
            retries=retries,
            raise_for_status=True,
        )
        if not response.content:
            return None
        return self._decode_json("POST", response)

    @staticmethod
    def _decode_json(method: str, response: Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            shown = _redact(str(response.request.url))
            raise HTTPClientError(
                f"{method} {shown} returned {response.status_code} with a body that is not JSON "
                f"(content-type {response.headers.get('content-type', 'unset')!r})",
                method=method,
                url=shown,
            ) from exc

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        json: Any = None,
        timeout: float | None | _Unset = _UNSET,
        raise_for_status: bool | None = None,
    ) -> AsyncIterator[Response]:
        """Stream a response body; the connection slot is held until the block exits.

        Not retried: part of the body may already have been consumed. Use
        ``async with http.stream("GET", url) as r: async for chunk in r.aiter_bytes(): ...``
        """
        method = method.upper()
        options: dict[str, Any] = {}
        for key, value in (("params", params), ("headers", headers), ("content", content), ("json", json)):
            if value is not None:
                options[key] = value
        if not isinstance(timeout, _Unset):
            options["timeout"] = self._make_timeout(timeout)
        check = self._raise_for_status if raise_for_status is None else raise_for_status
        pool = await self._get_pool()
        async with contextlib.AsyncExitStack() as stack:
            if pool.concurrency is not None:
                await stack.enter_async_context(pool.concurrency)
            if self._closed:
                raise ClientClosedError(f"{method} {self._show(url)}: the client is closed")
            shard = 0
            if pool.slots is not None:
                wait = self._timeout if isinstance(timeout, _Unset) else timeout
                try:
                    await self._acquire(pool.slots, wait)
                except self._bk.PoolTimeout as exc:
                    raise self._wrap(exc, method, url, 1) from exc
                stack.callback(pool.slots.release)
                shard = pool.take()
                stack.callback(pool.give, shard)
            try:
                response = await stack.enter_async_context(pool.clients[shard].stream(method, url, **options))
            except (self._bk.HTTPError, self._bk.InvalidURL) as exc:
                raise self._wrap(exc, method, url, 1) from exc
            if check and response.status_code >= 400:
                await response.aread()
                shown = _redact(str(response.request.url))
                raise HTTPStatusError(
                    f"{method} {shown} returned {response.status_code} {response.reason_phrase}",
                    method=method,
                    url=shown,
                    response=response,
                )
            yield response


class PerLoopClient:
    """A module-level client that is safe across event loops: one :class:`AsyncHTTPClient`
    per running loop, made with the same options on first use in that loop.

    ``http = AsyncHTTPClient.per_loop(...)`` at module level, then ``await http.get(url)`` in any
    coroutine: every attribute is the current loop's client's. This is what
    ``fake-async-lint fix --unsafe-fixes`` puts where a module called ``requests``; a plain
    ``AsyncHTTPClient`` stays bound to the first loop it ran in (``asyncio.run`` twice would fail).
    """

    def __init__(self, options: dict[str, Any]) -> None:
        AsyncHTTPClient(**options)  # check the options now, where the client is declared
        self._options = options
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncHTTPClient] = (
            weakref.WeakKeyDictionary()
        )
        self._watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
            weakref.WeakKeyDictionary()
        )

    def current(self) -> AsyncHTTPClient:
        """The running loop's client (made on first use; a closed one is replaced).

        Its connections are closed when ``asyncio.run`` ends: a watcher task waits for the
        cancellation ``asyncio.run`` sends every task left at its end, then closes the client."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = self._clients[loop] = AsyncHTTPClient(**self._options)
            self._watchers[loop] = loop.create_task(_close_at_shutdown(client))
        return client

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.current(), name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._options.items())})"


async def _close_at_shutdown(client: AsyncHTTPClient) -> None:
    try:
        await asyncio.get_running_loop().create_future()  # never set: ends by cancellation
    finally:
        await client.aclose()


def _consume_exception(task: asyncio.Task[_Pool]) -> None:
    # Marks the exception retrieved when every caller was cancelled, so
    # asyncio does not log "exception was never retrieved".
    if not task.cancelled():
        task.exception()


def _with_accept_json(headers: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(headers or {})
    if not any(key.lower() == "accept" for key in merged):
        merged["Accept"] = "application/json"
    return merged


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
