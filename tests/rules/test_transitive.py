"""FAS300 within one module (what the flake8 plugin and `check_source` see).

Every case asserts the complete list of FAS300 findings: position, and the
chain (the helper at the call, then each call down to the blocking API).
"""

from __future__ import annotations

import textwrap

import pytest

from fake_async_lint import Finding, Settings, check_source

Hit = tuple[int, int, str]


def findings(source: str, **options: object) -> list[Finding]:
    settings = Settings(select=("FAS300",), **options)  # type: ignore[arg-type]
    return check_source(textwrap.dedent(source), "mod.py", settings)


def hits(source: str, **options: object) -> list[Hit]:
    return [(f.line, f.col, " -> ".join(f"{s.name}()" for s in f.chain)) for f in findings(source, **options)]


CHAINS = """\
import requests


def _get_json(url):
    return requests.get(url).json()


def load_user(uid):
    return _get_json(f"/users/{uid}")


def page(uid):
    return load_user(uid)


async def handler(uid):
    a = _get_json("/x")
    b = load_user(uid)
    return page(uid), a, b
"""


def test_depth_one_two_three() -> None:
    assert hits(CHAINS) == [
        (17, 9, "_get_json() -> requests.get()"),
        (18, 9, "load_user() -> _get_json() -> requests.get()"),
        (19, 12, "page() -> load_user() -> _get_json() -> requests.get()"),
    ]


def test_chain_steps_are_the_calls_in_order() -> None:
    f = findings(CHAINS)[2]
    assert [(s.name, s.path, s.line, s.col) for s in f.chain] == [
        ("page", "mod.py", 19, 12),
        ("load_user", "mod.py", 13, 12),
        ("_get_json", "mod.py", 9, 12),
        ("requests.get", "mod.py", 5, 12),
    ]
    assert (f.code, f.api, f.coroutine) == ("FAS300", "requests.get", "handler")
    assert (f.end_line, f.end_col) == (19, 21)


def test_message_names_chain_coroutine_and_fix() -> None:
    f = findings(CHAINS)[1]
    assert f.message == (
        "blocking HTTP call requests.get() via load_user() -> _get_json() in coroutine 'handler'; "
        "make load_user() async and use `await client.get(...)` on a shared httpx.AsyncClient "
        "(fake_async_lint.client.AsyncHTTPClient), or `await asyncio.to_thread(load_user, ...)` "
        "where no native API exists"
    )
    assert f.replacement.startswith("use `await client.get(...)`")


def test_thread_advice_of_the_api_names_the_helper() -> None:
    src = """\
    def read_config(path):
        with open(path) as f:
            return f.read()

    async def main():
        return read_config("app.toml")
    """
    (f,) = findings(src)
    assert f.message.endswith(
        "make read_config() async and use aiofiles or anyio.open_file / anyio.Path, "
        "or `await asyncio.to_thread(read_config, ...)` where no native API exists"
    )


def test_trio_module_gets_trio_advice() -> None:
    src = """\
    import time
    import trio

    def pause():
        time.sleep(1)

    async def main():
        pause()
    """
    (f,) = findings(src)
    assert "use `await trio.sleep(...)`, or `await trio.to_thread.run_sync(pause, ...)`" in f.message


def test_methods_through_self_cls_and_local_instances() -> None:
    src = """\
    import sqlite3

    class Base:
        def connect(self):
            return sqlite3.connect("app.db")

    class Repo(Base):
        def load(self, key):
            return self.connect()

        @classmethod
        def open_default(cls):
            return cls().load("x")

        @staticmethod
        def wipe():
            return sqlite3.connect("app.db")

        async def get(self, key):
            return self.load(key)

    async def handler():
        Repo.open_default()
        Repo.wipe()
        return Repo().load("k")
    """
    assert hits(src) == [
        (20, 16, "Repo.load() -> Base.connect() -> sqlite3.connect()"),
        (23, 5, "Repo.open_default() -> Repo.load() -> Base.connect() -> sqlite3.connect()"),
        (24, 5, "Repo.wipe() -> sqlite3.connect()"),
        (25, 12, "Repo.load() -> Base.connect() -> sqlite3.connect()"),
    ]


def test_constructor_that_blocks() -> None:
    src = """\
    import socket

    class Client:
        def __init__(self, host):
            self.sock = socket.create_connection((host, 80))

    async def handler():
        return Client("example.com")
    """
    assert hits(src) == [(8, 12, "Client.__init__() -> socket.create_connection()")]


def test_recursion_and_mutual_recursion_terminate_with_one_finding_per_call() -> None:
    src = """\
    import time

    def ping(n):
        if n:
            return pong(n - 1)
        time.sleep(1)

    def pong(n):
        return ping(n)

    def spin(n):
        return spin(n - 1) if n else 0

    async def handler():
        pong(3)
        ping(3)
        spin(5)
    """
    assert hits(src) == [
        (15, 5, "pong() -> ping() -> time.sleep()"),
        (16, 5, "ping() -> time.sleep()"),
    ]


def test_shortest_chain_wins_then_the_earliest_call() -> None:
    src = """\
    import time

    def slow():
        time.sleep(1)

    def a():
        slow()

    def both():
        a()
        slow()
        time.sleep(2)

    def two():
        a()
        slow()

    async def handler():
        both()
        two()
    """
    assert hits(src) == [(19, 5, "both() -> time.sleep()"), (20, 5, "two() -> slow() -> time.sleep()")]


@pytest.mark.parametrize(
    ("title", "source"),
    [
        (
            "the helper offloads to a thread: it passes a reference",
            """\
            import asyncio, requests

            def fetch(url):
                return requests.get(url)

            def schedule(url):
                return asyncio.get_running_loop().run_in_executor(None, fetch, url)

            async def handler(url):
                return await schedule(url)
            """,
        ),
        (
            "the coroutine offloads the helper",
            """\
            import asyncio, requests

            def fetch(url):
                return requests.get(url)

            async def handler(url):
                return await asyncio.to_thread(fetch, url)
            """,
        ),
        (
            "an async helper is judged by FAS1xx",
            """\
            import requests

            async def fetch(url):
                return requests.get(url)

            async def handler(url):
                return await fetch(url)
            """,
        ),
        (
            "a generator helper does not run when called",
            """\
            import time

            def ticks():
                while True:
                    time.sleep(1)
                    yield

            async def handler():
                return ticks()
            """,
        ),
        (
            "a decorator that may move the body elsewhere",
            """\
            import requests
            from mylib import in_thread

            @in_thread
            def fetch(url):
                return requests.get(url)

            async def handler(url):
                return await fetch(url)
            """,
        ),
        (
            "unresolvable calls are ignored",
            """\
            from helpers import load

            async def handler(repo, url):
                repo.load(url)
                load(url)
                getattr(repo, "load")(url)
            """,
        ),
        (
            "a nested def that is only returned",
            """\
            import requests

            async def handler(url):
                def fetch():
                    return requests.get(url)
                return fetch
            """,
        ),
        (
            "a helper that blocks only in a nested def",
            """\
            import requests

            def make(url):
                def fetch():
                    return requests.get(url)
                return fetch

            async def handler(url):
                return make(url)
            """,
        ),
        (
            "a helper whose only blocking call is non-blocking by its arguments",
            """\
            import queue

            q = queue.Queue()

            def poll():
                return q.get(block=False)

            async def handler():
                return poll()
            """,
        ),
    ],
)
def test_not_reported(title: str, source: str) -> None:
    assert hits(source) == [], title


def test_transparent_decorators_are_followed() -> None:
    src = """\
    import abc, functools, time

    @abc.abstractmethod
    def settle():
        time.sleep(1)

    async def handler():
        settle()
    """
    assert hits(src) == [(8, 5, "settle() -> time.sleep()")]


@pytest.mark.parametrize(
    "decorator", ["@functools.lru_cache(maxsize=None)", "@functools.cache", "@functools.lru_cache", "@cache"]
)
def test_memoised_helpers_block_once_so_no_chain_runs_through_them(decorator: str) -> None:
    src = f"""\
    import functools, time
    from functools import cache

    {decorator}
    def settle():
        time.sleep(1)

    def outer():
        return settle()

    async def handler():
        settle()
        outer()
    """
    assert hits(src) == []


def test_load_once_global_is_not_a_chain_but_other_calls_still_are() -> None:
    src = """\
    import json, time

    _CONFIG = None

    def config():
        global _CONFIG
        if _CONFIG is None:
            with open("config.json") as f:
                _CONFIG = json.load(f)
        return _CONFIG

    def config_then_nap():
        global _CONFIG
        if not _CONFIG:
            _CONFIG = load()
        time.sleep(1)

    def load():
        with open("x") as f:
            return f.read()

    def not_once():
        global _CONFIG
        if _CONFIG is None:
            print("no config")
        with open("y") as f:
            return f.read()

    async def handler():
        config()
        config_then_nap()
        not_once()
    """
    assert hits(src) == [(31, 5, "config_then_nap() -> time.sleep()"), (32, 5, "not_once() -> open()")]


def test_nested_def_called_by_the_coroutine() -> None:
    src = """\
    import subprocess

    async def build():
        def run():
            subprocess.run(["make"])
        run()
    """
    assert hits(src) == [(6, 5, "run() -> subprocess.run()")]


def test_depth_limit() -> None:
    assert [h[:2] for h in hits(CHAINS, max_depth=2)] == [(17, 9), (18, 9)]
    assert [h[:2] for h in hits(CHAINS, max_depth=1)] == [(17, 9)]
    assert len(hits(CHAINS, max_depth=3)) == 3


# ---------------------------------------------------------------- noqa
NOQA_HELPER = """\
import requests, time


def fetch(url):
    return requests.get(url){comment}


def nap():
    time.sleep(1)


def both(url):
    fetch(url)
    nap()


async def handler(url):
    fetch(url)
    both(url)
"""


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("", [(18, 5, "fetch() -> requests.get()"), (19, 5, "both() -> fetch() -> requests.get()")]),
        ("  # noqa: FAS100", [(19, 5, "both() -> nap() -> time.sleep()")]),
        ("  # noqa", [(19, 5, "both() -> nap() -> time.sleep()")]),
        ("  # NOQA:FAS1", [(19, 5, "both() -> nap() -> time.sleep()")]),
        ("  # noqa: FAS300", [(19, 5, "both() -> nap() -> time.sleep()")]),
        ("  # noqa: E501", [(18, 5, "fetch() -> requests.get()"), (19, 5, "both() -> fetch() -> requests.get()")]),
        ("  # noqa: FAS101", [(18, 5, "fetch() -> requests.get()"), (19, 5, "both() -> fetch() -> requests.get()")]),
    ],
)
def test_noqa_at_the_blocking_line_accepts_the_call_and_its_chains(comment: str, expected: list[Hit]) -> None:
    assert hits(NOQA_HELPER.format(comment=comment)) == expected


def test_noqa_on_a_multiline_blocking_call_goes_where_its_finding_would() -> None:
    # as in flake8, a noqa comment covers its physical line (multi-line strings aside): the call's first line
    src = """\
    import requests

    def fetch(url):
        return requests.get(  # noqa: FAS100
            url,
        )

    def fetch_too(url):
        return requests.get(
            url,
        )  # noqa: FAS100

    async def handler(url):
        fetch(url)
        fetch_too(url)
    """
    assert hits(src) == [(15, 5, "fetch_too() -> requests.get()")]


@pytest.mark.parametrize("comment", ["# noqa: FAS300", "# noqa", "# noqa: FAS3", "# noqa:E501,FAS300"])
def test_noqa_at_the_call_in_the_coroutine(comment: str) -> None:
    src = NOQA_HELPER.format(comment="").replace("    both(url)\n", f"    both(url)  {comment}\n")
    assert hits(src) == [(18, 5, "fetch() -> requests.get()")]


def test_other_codes_still_reported_beside_fas300() -> None:
    src = """\
    import requests

    async def fetch(url):
        return requests.get(url)

    def load(url):
        return requests.get(url)

    async def handler(url):
        await fetch(url)
        return load(url)
    """
    found = check_source(textwrap.dedent(src), "mod.py")
    assert [(f.code, f.line, f.col) for f in found] == [("FAS100", 4, 12), ("FAS300", 11, 12)]


def test_no_traceback_on_odd_code() -> None:
    src = """\
    import requests

    class A(A):
        def m(self):
            return self.m()

    def f(*a, **k):
        return f(*a, **k)(requests.get)()

    async def g():
        A().m()
        f()()
        (lambda: requests.get("x"))()
        return [f() for _ in range(3)]
    """
    assert hits(src) == []
