"""Name resolution as RULES.md promises it: exact (code, line, col) for every form it lists.

Each case is a small module; the expectation is the complete list of findings
(default selection, `# noqa` applied), so a missing finding, an extra one or a
shifted position all fail.
"""

from __future__ import annotations

import textwrap
from typing import Optional

import pytest

from fake_async_lint import Settings, check_source

Hit = tuple[str, int, int]


def found(source: str, settings: Optional[Settings] = None) -> list[Hit]:
    findings = check_source(textwrap.dedent(source), "mod.py", settings or Settings())
    return [(f.code, f.line, f.col) for f in findings]


# ---------------------------------------------------------------- positives
POSITIVE: list[tuple[str, str, list[Hit]]] = [
    (
        "import-as",
        """\
        import requests as r

        async def f(url):
            return r.get(url)
        """,
        [("FAS100", 4, 12)],
    ),
    (
        "from-import-as",
        """\
        from requests import get as fetch

        async def f(url):
            return fetch(url)
        """,
        [("FAS100", 4, 12)],
    ),
    (
        "from-urllib-request-import-urlopen",
        """\
        from urllib.request import urlopen

        async def f(url):
            return urlopen(url).read()
        """,
        [("FAS100", 4, 12)],
    ),
    (
        "import-dotted-as",
        """\
        import urllib.request as ur
        import os.path as osp

        async def f(url):
            ur.urlopen(url)
            return osp.exists(url)
        """,
        [("FAS100", 5, 5), ("FAS109", 6, 12)],
    ),
    (
        "import-dotted-binds-top-package",
        """\
        import urllib.request
        import os.path

        async def f(url):
            urllib.request.urlopen(url)
            return os.path.getsize(url)
        """,
        [("FAS100", 5, 5), ("FAS109", 6, 12)],
    ),
    (
        "from-package-import-submodule",
        """\
        from os import path

        async def f(p):
            return path.isdir(p)
        """,
        [("FAS109", 4, 12)],
    ),
    (
        "import-inside-the-coroutine",
        """\
        async def f():
            import time
            time.sleep(1)
        """,
        [("FAS101", 3, 5)],
    ),
    (
        "module-level-session",
        """\
        import requests

        s = requests.Session()

        async def f(url):
            return s.get(url)
        """,
        [("FAS100", 6, 12)],
    ),
    (
        "local-session",
        """\
        import requests

        async def f(url):
            s = requests.Session()
            s.headers.update({"a": "b"})
            return s.post(url)
        """,
        [("FAS100", 6, 12)],
    ),
    (
        "session-chained",
        """\
        import requests

        async def f(url):
            return requests.Session().get(url)
        """,
        [("FAS100", 4, 12)],
    ),
    (
        "with-session-as",
        """\
        import requests

        async def f(url):
            with requests.Session() as s, open(url) as fh:
                s.get(url)
                fh.write("x")
        """,
        [("FAS104", 4, 35), ("FAS100", 5, 9), ("FAS104", 6, 9)],
    ),
    (
        "tuple-assignment",
        """\
        import requests

        async def f(url):
            a, b = requests.Session(), 1
            return a.get(url)
        """,
        [("FAS100", 5, 12)],
    ),
    (
        "walrus",
        """\
        import requests

        async def f(url):
            if (s := requests.Session()) is not None:
                s.get(url)
        """,
        [("FAS100", 5, 9)],
    ),
    (
        "global-declared-in-coroutine-reads-module-value",
        """\
        import requests

        s = requests.Session()

        async def f(url):
            global s
            s.get(url)
        """,
        [("FAS100", 7, 5)],
    ),
    (
        "closure-variable",
        """\
        import requests

        async def f(url):
            s = requests.Session()

            async def inner():
                return s.get(url)

            def later():
                return s.get(url)

            return await inner(), later
        """,
        [("FAS100", 7, 16)],
    ),
    (
        "self-attribute-from-init",
        """\
        import httpx

        class Api:
            def __init__(self):
                self.http = httpx.Client()

            async def fetch(self, url):
                return self.http.get(url)
        """,
        [("FAS100", 8, 16)],
    ),
    (
        "self-attribute-from-another-method",
        """\
        import httpx

        class Api:
            def __init__(self):
                self.http = None

            def connect(self):
                self.http = httpx.Client()

            async def fetch(self, url):
                return self.http.get(url)
        """,
        [("FAS100", 11, 16)],
    ),
    (
        "self-attribute-other-self-name-and-classmethod",
        """\
        import httpx

        class Api:
            def __init__(this):
                this.http = httpx.Client()

            @classmethod
            def setup(cls):
                cls.shared = httpx.Client()

            async def fetch(me, url):
                me.http.get(url)
                return me.shared.post(url)
        """,
        [("FAS100", 12, 9), ("FAS100", 13, 16)],
    ),
    (
        "self-attribute-annotated-in-init",
        """\
        import requests

        class Api:
            def __init__(self, factory):
                self.s: requests.Session = factory()

            async def fetch(self, url):
                return self.s.get(url)
        """,
        [("FAS100", 8, 16)],
    ),
    (
        "self-attribute-from-annotated-parameter",
        """\
        import requests

        class Api:
            def __init__(self, session: requests.Session):
                self.session = session

            async def fetch(self, url):
                return self.session.get(url)
        """,
        [("FAS100", 8, 16)],
    ),
    (
        "class-attribute-assigned",
        """\
        import httpx

        class Api:
            http = httpx.Client()

            async def fetch(self, url):
                self.http.get(url)
                return Api.http.get(url)
        """,
        [("FAS100", 7, 9), ("FAS100", 8, 16)],
    ),
    (
        "class-attribute-annotated-only",
        """\
        from dataclasses import dataclass
        import httpx

        @dataclass
        class Api:
            http: httpx.Client
            other: "httpx.Client"

            async def fetch(self, url):
                self.http.get(url)
                return self.other.get(url)
        """,
        [("FAS100", 10, 9), ("FAS100", 11, 16)],
    ),
    (
        "local-class-instance",
        """\
        import httpx

        class Api:
            def __init__(self):
                self.http = httpx.Client()

        api = Api()

        async def fetch(url):
            api.http.get(url)
            return Api().http.get(url)
        """,
        [("FAS100", 10, 5), ("FAS100", 11, 12)],
    ),
    (
        "inherited-self-attribute",
        """\
        import httpx

        class Base:
            def __init__(self):
                self.http = httpx.Client()

        class Middle(Base):
            pass

        class Child(Middle):
            async def fetch(self, url):
                return self.http.get(url)
        """,
        [("FAS100", 12, 16)],
    ),
    (
        "annotated-parameters",
        """\
        import requests
        import httpx as hx

        async def f(a: requests.Session, b: "requests.Session", c: hx.Client, *, d: "hx.Client"):
            a.get("1")
            b.get("2")
            c.get("3")
            d.get("4")
        """,
        [("FAS100", 5, 5), ("FAS100", 6, 5), ("FAS100", 7, 5), ("FAS100", 8, 5)],
    ),
    (
        "annotated-local-variables",
        """\
        import requests

        async def f(make):
            s: requests.Session = make()
            t: "requests.Session"
            t = make()
            s.get("1")
            t.get("2")
        """,
        [("FAS100", 7, 5), ("FAS100", 8, 5)],
    ),
    (
        "annotated-module-variable",
        """\
        import httpx

        client: httpx.Client

        async def f(url):
            return client.get(url)
        """,
        [("FAS100", 6, 12)],
    ),
    (
        "optional-forms",
        """\
        from typing import Optional, Union
        import typing as t
        import httpx

        async def f(
            a: Optional[httpx.Client],
            b: httpx.Client | None,
            c: Union[httpx.Client, None],
            d: Union[None, httpx.Client],
            e: "Optional[httpx.Client]",
            g: "httpx.Client | None",
            h: t.Optional["httpx.Client"],
            i: None | httpx.Client,
        ):
            a.get("a")
            b.get("b")
            c.get("c")
            d.get("d")
            e.get("e")
            g.get("g")
            h.get("h")
            i.get("i")
        """,
        [("FAS100", line, 5) for line in range(15, 23)],
    ),
    (
        "annotation-wrappers-and-aliases",
        """\
        from typing import Annotated, ClassVar
        import requests

        Session = requests.Session

        class Api:
            shared: ClassVar[requests.Session]

            async def f(self, s: Annotated[requests.Session, "doc"], t: Session):
                s.get("1")
                t.get("2")
                self.shared.get("3")
        """,
        [("FAS100", 10, 9), ("FAS100", 11, 9), ("FAS100", 12, 9)],
    ),
    (
        "derived-psycopg2-cursor",
        """\
        import psycopg2

        async def f():
            conn = psycopg2.connect("dsn")
            cur = conn.cursor()
            cur.execute("select 1")
            return cur.fetchone()
        """,
        [("FAS102", 4, 12), ("FAS102", 6, 5), ("FAS102", 7, 12)],
    ),
    (
        "derived-sqlalchemy-connection",
        """\
        import sqlalchemy

        engine = sqlalchemy.create_engine("sqlite://")

        async def f():
            conn = engine.connect()
            conn.execute("select 1")
            with engine.begin() as tx:
                tx.execute("select 2")
        """,
        [("FAS102", 6, 12), ("FAS102", 7, 5), ("FAS102", 8, 10), ("FAS102", 9, 9)],
    ),
    (
        "derived-cursor-in-with",
        """\
        import psycopg2

        conn = psycopg2.connect("dsn")

        async def f():
            with conn.cursor() as cur:
                cur.execute("select 1")
        """,
        [("FAS102", 7, 9)],
    ),
    (
        # regression: the body of an S3 object is read over the network
        "derived-s3-object-body",
        """\
        import boto3

        s3 = boto3.client("s3")

        async def f(key):
            obj = s3.get_object(Bucket="b", Key=key)
            meta = obj["Metadata"].get("owner")
            return obj["Body"].read(), meta
        """,
        [("FAS106", 6, 11), ("FAS106", 8, 12)],
    ),
    (
        # ... but an awaited call on one receiver says nothing about another receiver of that type
        "awaited-receiver-does-not-excuse-other-receivers",
        """\
        from slack_sdk import WebClient

        class Notifier:
            def __init__(self, client: WebClient, legacy: WebClient):
                self._client = client
                self._legacy = legacy

            async def send(self, text):
                await self._client.chat_postMessage(channel="a", text=text)
                self._legacy.chat_postMessage(channel="b", text=text)
        """,
        [("FAS106", 10, 9)],
    ),
    (
        "sync-factory-function",
        """\
        import requests

        def make_session():
            s = requests.Session()
            s.headers["x"] = "y"
            return s

        async def f(url):
            s = make_session()
            s.get(url)
            return make_session().post(url)
        """,
        [("FAS100", 10, 5), ("FAS100", 11, 12)],
    ),
    (
        # regression: a return annotation was ignored when the body did not say
        "sync-factory-return-annotation",
        """\
        import requests

        def make_session() -> "requests.Session":
            return build_from_settings()

        async def f(url):
            return make_session().get(url)
        """,
        [("FAS100", 7, 12)],
    ),
    (
        # regression: `self.http` read through a @property was unknown
        "property-returning-a-client",
        """\
        import functools
        import httpx

        class Api:
            def __init__(self):
                self._http = httpx.Client()

            @property
            def http(self):
                return self._http

            @functools.cached_property
            def other(self) -> httpx.Client:
                return build()

            async def fetch(self, url):
                self.http.get(url)
                return self.other.get(url)
        """,
        [("FAS100", 17, 9), ("FAS100", 18, 16)],
    ),
    (
        "try-import-except-none",
        """\
        try:
            import requests
        except ImportError:
            requests = None

        async def f(url):
            return requests.get(url)
        """,
        [("FAS100", 7, 12)],
    ),
    (
        "coroutine-parts-that-do-run-inside",
        """\
        import time

        async def f(items):
            a = [time.sleep(0) for _ in items]
            b = f"{time.sleep(0)}"
            c = await g(time.sleep(0))
            d = lambda x=time.sleep(0): x
            return a, b, c, d
        """,
        [("FAS101", 4, 10), ("FAS101", 5, 12), ("FAS101", 6, 17), ("FAS101", 7, 18)],
    ),
    (
        "decorators-of-a-nested-def-run-in-the-coroutine",
        """\
        import time

        async def f():
            @register(time.sleep(1))
            def handler():
                time.sleep(2)

            return handler
        """,
        [("FAS101", 4, 15)],
    ),
    (
        "star-import-does-not-hide-explicit-imports",
        """\
        from helpers import *
        import requests

        async def f(url):
            return requests.get(url)
        """,
        [("FAS100", 5, 12)],
    ),
    (
        "class-scope-name-is-not-visible-in-methods",
        """\
        import requests

        class Api:
            requests = object()

            async def f(self, url):
                return requests.get(url)
        """,
        [("FAS100", 7, 16)],
    ),
]


@pytest.mark.parametrize(("source", "expected"), [pytest.param(s, e, id=i) for i, s, e in POSITIVE])
def test_resolves(source: str, expected: list[Hit]) -> None:
    assert found(source) == expected


# ---------------------------------------------------------------- negatives
NEGATIVE: list[tuple[str, str]] = [
    (
        "nested-def-lambda-class",
        """\
        import requests

        async def f(url):
            def inner():
                return requests.get(url)

            g = lambda: requests.get(url)

            class C:
                r = requests.get(url)

                def m(self):
                    return requests.get(url)

            return inner, g, C
        """,
    ),
    ("shadow-parameter", "import requests\n\nasync def f(requests, url):\n    return requests.get(url)\n"),
    (
        "shadow-local",
        "import requests\n\nasync def f(url):\n    requests = make()\n    return requests.get(url)\n",
    ),
    (
        "shadow-global-reassigned",
        """\
        import requests

        def install(fake):
            global requests
            requests = fake

        async def f(url):
            return requests.get(url)
        """,
    ),
    (
        "shadow-module-reassigned",
        "import time\n\ntime = Clock()\n\nasync def f():\n    time.sleep(1)\n",
    ),
    (
        "shadow-global-statement-in-coroutine",
        "import requests\n\nasync def f(url):\n    global requests\n    requests = make()\n    requests.get(url)\n",
    ),
    ("shadow-for-target", "import requests\n\nasync def f(xs):\n    for requests in xs:\n        requests.get('u')\n"),
    (
        "shadow-except-as",
        "import requests\n\nasync def f():\n    try:\n        pass\n    except Exception as requests:\n        requests.get('u')\n",
    ),
    (
        "shadow-comprehension-variable",
        "import requests\n\nasync def f(xs):\n    return [requests.get('u') for requests in xs]\n",
    ),
    ("shadow-with-as", "import requests\n\nasync def f(cm):\n    with cm as requests:\n        requests.get('u')\n"),
    ("shadow-def", "import requests\n\nasync def f():\n    def requests():\n        pass\n    requests.get('u')\n"),
    (
        "native-async-clients",
        """\
        import aiohttp
        import httpx
        import redis.asyncio as aredis
        from redis import asyncio as aredis2
        from redis.asyncio import Redis

        async def f(url):
            async with aiohttp.ClientSession() as s:
                await s.get(url)
            c = httpx.AsyncClient()
            await c.get(url)
            async with httpx.AsyncClient() as c2:
                await c2.post(url)
            await aredis.Redis().get("k")
            await aredis2.from_url("redis://").get("k")
            await Redis().set("k", 1)
        """,
    ),
    (
        "async-client-on-self",
        """\
        import httpx

        class Api:
            def __init__(self):
                self.http = httpx.AsyncClient()

            async def fetch(self, url):
                return await self.http.get(url)
        """,
    ),
    (
        "child-overrides-base-attribute-with-async-client",
        """\
        import httpx

        class Base:
            def __init__(self):
                self.http = httpx.Client()

        class Child(Base):
            def __init__(self):
                super().__init__()
                self.http = httpx.AsyncClient()

            async def fetch(self, url):
                return await self.http.get(url)
        """,
    ),
    (
        "property-returning-an-async-client",
        """\
        import httpx

        class Api:
            @property
            def http(self) -> httpx.AsyncClient:
                return httpx.Client()

            def plain(self):
                return httpx.Client()

            async def fetch(self, url):
                self.http.get(url)  # the annotation wins over the body
                return self.plain.get(url)
        """,
    ),
    (
        # regression (Home Assistant's slack notify): a client made with `run_async=True`, typed as
        # the sync class; the module awaits its methods, so its other calls return awaitables too
        "receiver-whose-methods-are-awaited-elsewhere",
        """\
        import asyncio
        from slack import WebClient

        class Notifier:
            def __init__(self, client: WebClient):
                self._client = client

            async def upload(self, path):
                await self._client.files_upload(file=path)

            async def send(self, targets, text):
                tasks = {t: self._client.chat_postMessage(channel=t, text=text) for t in targets}
                return await asyncio.gather(*tasks.values())
        """,
    ),
    (
        "time-and-asyncio",
        "import time, asyncio\n\nasync def f():\n    time.time()\n    time.monotonic()\n    await asyncio.sleep(1)\n",
    ),
    ("bare-names-without-import", "async def f(url):\n    get(url)\n    sleep(1)\n    urlopen(url)\n"),
    (
        "star-import-of-a-module-whose-open-is-async",
        "from aiofiles import *\n\nasync def f(p):\n    return open(p)\n",
    ),
    (
        "relative-imports-unresolved-in-single-file-mode",
        """\
        from . import requests
        from .http import get
        from .. import time

        async def f(url):
            requests.get(url)
            get(url)
            time.sleep(1)
        """,
    ),
    (
        "conditionally-conflicting-bindings",
        """\
        import httpx

        async def f(x, url):
            c = httpx.Client() if x else httpx.AsyncClient()
            c.get(url)
            d = httpx.Client()
            if x:
                d = httpx.AsyncClient()
            d.get(url)
        """,
    ),
    (
        "conflicting-self-attribute",
        """\
        import httpx

        class Api:
            def __init__(self):
                self.http = httpx.Client()

            def upgrade(self):
                self.http = httpx.AsyncClient()

            async def fetch(self, url):
                return self.http.get(url)
        """,
    ),
    (
        "union-of-two-types",
        """\
        from typing import Union
        import httpx

        async def f(a: Union[httpx.Client, httpx.AsyncClient], b: "httpx.Client | httpx.AsyncClient"):
            a.get("x")
            b.get("x")
        """,
    ),
    (
        "parameter-defaults-and-decorators-of-the-coroutine",
        """\
        import time
        import requests

        @retry(time.sleep(0))
        async def f(a=requests.get("u"), *, b=time.sleep(1), s: requests.Session = requests.Session()):
            return a
        """,
    ),
    (
        "untyped-parameter-not-guessed",
        "async def f(session, url):\n    return session.get(url)\n",
    ),
    (
        "attribute-of-a-client-is-not-a-call-on-it",
        "import requests\n\nasync def f(s: requests.Session):\n    s.headers.update({'a': 'b'})\n    return s.cookies.get('k')\n",
    ),
    (
        "references-are-not-calls",
        """\
        import asyncio, functools, time, requests

        async def f(url):
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, time.sleep, 1)
            await asyncio.to_thread(requests.get, url)
            return functools.partial(requests.get, url)
        """,
    ),
    (
        "generic-container-annotation",
        "from typing import List\nimport requests\n\nasync def f(a: List[requests.Session], b: list[requests.Session]):\n"
        "    a.get('x')\n    b.get('x')\n",
    ),
]


@pytest.mark.parametrize("source", [pytest.param(s, id=i) for i, s in NEGATIVE])
def test_not_reported(source: str) -> None:
    # family 1 only: a hop such as `to_thread(requests.get, url)` is FAS200's business
    assert found(source, Settings(select=("FAS1",))) == []


# ---------------------------------------------------------------- noqa (command side; flake8 agreement in test_flake8_e2e)
NOQA_SOURCE = """\
import requests


async def f(u):
    requests.get(u)  # noqa
    requests.get(u)  # noqa: FAS100
    requests.get(u)  # noqa: FAS101
    requests.get(u)  # noqa: FAS1
    requests.get(u)  # noqa:FAS101,FAS100
    requests.get(u)  # NOQA: E501 FAS100
    requests.get(
        u,
    )  # noqa: FAS100
    requests.post(u, data='''
    body
    ''')  # noqa: FAS100
    requests.get(u)  # noqa: FAS1000
    requests.get(u)  # noqa:fas100
    requests.get(u)  {malformed1}
    requests.get(u)  {malformed2}
""".format(malformed1="#" + "noqa", malformed2="# no" + "qa : FAS101")  # (built so linters do not read them)


def test_noqa_semantics_follow_flake8() -> None:
    # line 7: other code; 11: a multi-line call is not covered by a noqa on its last
    # line (only a multi-line *string* token joins lines); 17: FAS1000 is not a prefix
    # of FAS100; 18: codes are case-sensitive; 19: a noqa without the space after `#` is not one;
    # 20: a colon after a space makes it a bare noqa (the code list does not parse)
    assert found(NOQA_SOURCE) == [
        ("FAS100", 7, 5),
        ("FAS100", 11, 5),
        ("FAS100", 17, 5),
        ("FAS100", 18, 5),
        ("FAS100", 19, 5),
    ]


# ---------------------------------------------------------------- --select / --ignore prefixes
SELECT_SOURCE = """\
import requests, time, os


async def f(u):
    requests.get(u)
    time.sleep(1)
    os.path.exists(u)
"""


@pytest.mark.parametrize(
    ("settings", "codes"),
    [
        pytest.param(Settings(), ["FAS100", "FAS101", "FAS109"], id="default"),
        pytest.param(Settings(select=("FAS1",)), ["FAS100", "FAS101", "FAS109"], id="select-prefix"),
        pytest.param(Settings(select=("FAS100",)), ["FAS100"], id="select-code"),
        pytest.param(Settings(select=("FAS10",), ignore=("FAS109",)), ["FAS100", "FAS101"], id="ignore-code"),
        pytest.param(Settings(select=("FAS100",), ignore=("FAS1",)), ["FAS100"], id="longer-select-wins"),
        pytest.param(Settings(select=("FAS1",), ignore=("FAS10",)), [], id="longer-ignore-wins"),
        pytest.param(Settings(select=("FAS100",), ignore=("FAS100",)), [], id="tie-goes-to-ignore"),
        pytest.param(Settings(ignore=("FAS",)), [], id="ignore-all"),
        pytest.param(Settings(select=("E",)), [], id="foreign-prefix"),
        pytest.param(Settings(select=("FAS101",), extend_select=("FAS109",)), ["FAS101", "FAS109"], id="extend"),
    ],
)
def test_selection_prefix_semantics(settings: Settings, codes: list[str]) -> None:
    assert [c for c, _, _ in found(SELECT_SOURCE, settings)] == codes
