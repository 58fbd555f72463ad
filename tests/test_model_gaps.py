"""The model gaps of issue 11, each closed at the root: a case that must be reported (exact code,
line, column) next to the tricky case that must not be.

Family 1 only (`--select FAS1`): these are questions about what a name is, not about hops.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Optional

import pytest

from fake_async_lint import Settings, check_source
from fake_async_lint.catalog.loader import default_catalog
from fake_async_lint.model.imports import star_exports
from fake_async_lint.model.module import ModuleModel

Hit = tuple[str, int, int]
FAS1 = Settings(select=("FAS1",))


def found(source: str, settings: Optional[Settings] = None) -> list[Hit]:
    findings = check_source(textwrap.dedent(source), "mod.py", settings or FAS1)
    return [(f.code, f.line, f.col) for f in findings]


def messages(source: str) -> list[str]:
    return [f.message for f in check_source(textwrap.dedent(source), "mod.py", FAS1)]


CASES: list[tuple[str, str, list[Hit]]] = [
    # ------------------------------------------------ 1. star imports and builtins
    (
        "star-import-of-a-project-module-keeps-builtins",
        """\
        from pkg.types import *

        async def f(p):
            data = open(p).read()
            return input(data)
        """,
        [("FAS104", 4, 12), ("FAS104", 4, 12), ("FAS108", 5, 12)],
    ),
    (
        "relative-star-import-keeps-builtins",
        """\
        from .models import *

        async def f(p):
            return open(p)
        """,
        [("FAS104", 4, 12)],
    ),
    (
        "star-import-of-a-stdlib-module-without-open-keeps-builtins",
        """\
        from asyncio import *

        async def f(p):
            await sleep(1)
            return open(p)
        """,
        [("FAS104", 5, 12)],
    ),
    (
        "star-import-of-os-shadows-open-not-input",
        # os exports its own open() (an fd-level call, not the builtin): not judged as builtins.open
        """\
        from os import *

        async def f(p):
            fd = open(p, O_RDONLY)
            return input(fd)
        """,
        [("FAS108", 5, 12)],
    ),
    (
        "star-import-of-fileinput-shadows-input",
        """\
        from fileinput import *

        async def f(p):
            return input(p), open(p)
        """,
        [("FAS104", 4, 22)],
    ),
    (
        "star-import-of-aiofiles-shadows-open",
        """\
        from aiofiles import *

        async def f(p):
            async with open(p) as fh:
                return await fh.read()
        """,
        [],
    ),
    (
        "star-import-local-binding-still-wins",
        """\
        from pkg.types import *

        async def f(p, open):
            return open(p)
        """,
        [],
    ),
    # ------------------------------------------------ 2. annotations that are not the value's type
    (
        "final-keeps-the-value",
        """\
        from typing import Any, Final
        import boto3

        S3: Final = boto3.client("s3")
        S3B: Final[Any] = boto3.client("s3")
        OBJ: object = boto3.client("s3")

        async def f(key):
            S3.get_object(Bucket="b", Key=key)
            S3B.get_object(Bucket="b", Key=key)
            OBJ.get_object(Bucket="b", Key=key)
        """,
        [("FAS106", 9, 5), ("FAS106", 10, 5), ("FAS106", 11, 5)],
    ),
    (
        "class-attribute-with-classvar-and-optional-any",
        """\
        from typing import Any, ClassVar, Optional
        import requests

        class Api:
            http: ClassVar[Optional[Any]] = requests.Session()

            def __init__(self):
                self.alt: Optional[Any] = requests.Session()

            async def get(self, url):
                self.http.get(url)
                return self.alt.get(url)
        """,
        [("FAS100", 11, 9), ("FAS100", 12, 16)],
    ),
    (
        "annotation-used-when-the-value-is-unknown",
        """\
        import requests

        async def f(url, make):
            s: requests.Session = make()
            t: requests.Session = ...
            s.get(url)
            t.get(url)
        """,
        [("FAS100", 6, 5), ("FAS100", 7, 5)],
    ),
    (
        "declared-type-answers-when-the-reaching-value-is-unknown",
        # `sess: Session | None = None` declares sess for the whole function
        """\
        from sqlalchemy.orm import Session

        async def f(make):
            sess: Session | None = None
            sess = make()
            sess.execute("select 1")
        """,
        [("FAS102", 6, 5)],
    ),
    (
        "final-none-stays-unknown",
        """\
        from typing import Any, Final, Optional

        CLIENT: Final[Optional[Any]] = None

        async def f(url):
            return CLIENT.get(url)
        """,
        [],
    ),
    # ------------------------------------------------ 3. rebinding in statement order
    (
        "rebinding-after-use-keeps-the-earlier-use",
        """\
        from pathlib import Path

        async def f(name, items):
            path = Path(name)
            info = path.stat()
            for path, t in items:
                path.touch(t)
            return info
        """,
        [("FAS109", 5, 12)],
    ),
    (
        "parameter-rebound-to-a-path",
        """\
        from pathlib import Path

        async def f(path: str):
            path = Path(path)
            if path.exists():
                return path.read_text()
        """,
        [("FAS109", 5, 8), ("FAS104", 6, 16)],
    ),
    (
        "rebinding-before-use-hides-the-path",
        """\
        from pathlib import Path

        async def f(name, store):
            path = Path(name)
            path = store.key(name)
            return path.exists()
        """,
        [],
    ),
    (
        "name-rebound-by-a-nested-function",
        # `nonlocal conn` rebinds it whenever connect() runs: statement order says nothing
        """\
        import sqlite3

        async def f(path):
            conn = None

            def connect():
                nonlocal conn
                conn = sqlite3.connect(path)

            connect()
            return conn.execute("select 1")
        """,
        [("FAS102", 11, 12)],
    ),
    (
        "loop-rebinding-comes-back-to-the-loop-head",
        # the second iteration sees the client bound at the end of the first: unknown, not reported
        """\
        import requests

        async def f(urls, pick):
            s = requests.Session()
            for url in urls:
                s.get(url)
                s = pick(url)
        """,
        [],
    ),
    (
        "rebound-in-every-branch-before-the-use",
        """\
        import requests

        async def f(url, client, fast):
            s = requests.Session()
            if fast:
                s = client
            else:
                s = client.fallback
            return s.get(url)
        """,
        [],
    ),
    (
        "return-ends-the-path",
        """\
        import io

        async def f(p, buffered):
            out = open(p, "wb")
            if buffered:
                out = io.BytesIO()
                return out.write(b"x")
            out.write(b"y")
        """,
        [("FAS104", 4, 11), ("FAS104", 8, 5)],
    ),
    # ------------------------------------------------ 4. a file on one branch
    (
        "file-on-one-branch",
        """\
        import io

        async def save(p, chunks, dry):
            if dry:
                f = io.BytesIO()
            else:
                f = open(p, "wb")
            for chunk in chunks:
                f.write(chunk)
        """,
        [("FAS104", 7, 13), ("FAS104", 9, 9)],
    ),
    (
        "file-from-try-or-except",
        """\
        import io

        async def load(p):
            try:
                fh = open(p, "rb")
            except OSError:
                fh = io.BytesIO(b"")
            return fh.read()
        """,
        [("FAS104", 5, 14), ("FAS104", 8, 12)],
    ),
    (
        "parameter-or-file-is-not-judged",
        # one path is a parameter: nothing says what it is, so no claim is made
        """\
        async def f(p, out=None):
            if out is None:
                out = io_buffer()
            out.write(p)
        """,
        [],
    ),
    (
        "client-on-one-branch-is-not-judged",
        # only types marked on_any_path (files) are reported on one path
        """\
        import requests

        async def f(url, other):
            s = other
            if url:
                s = requests.Session()
            return s.get(url)
        """,
        [],
    ),
    # ------------------------------------------------ 5. types from return annotations and results
    (
        "method-returning-a-path",
        """\
        from pathlib import Path

        class Store:
            def get_dir(self) -> Path:
                return self.root

            async def save(self, name, data):
                (self.get_dir() / name).write_bytes(data)

        async def g(store: Store, name):
            return (store.get_dir() / name).exists()
        """,
        [("FAS104", 8, 9), ("FAS109", 11, 12)],
    ),
    (
        "awaited-local-coroutine-returning-a-path",
        """\
        from pathlib import Path

        class Store:
            async def get_dir(self) -> Path:
                return self.root

            async def fetch(self) -> bytes:
                return b""

            async def save(self, name):
                data = await self.fetch()
                (await self.get_dir() / name).write_bytes(data)
                data.strip()
        """,
        [("FAS104", 12, 9)],
    ),
    (
        "glob-iterdir-rglob-yield-paths",
        """\
        from pathlib import Path

        async def f(root: Path):
            sizes = [p.stat().st_size for p in root.glob("*.py")]
            for child in sorted(root.iterdir()):
                child.unlink()
            for i, sub in enumerate(Path("x").rglob("*")):
                sub.touch()
            return sizes
        """,
        [
            ("FAS109", 4, 14),
            ("FAS109", 4, 40),
            ("FAS109", 5, 25),
            ("FAS109", 6, 9),
            ("FAS109", 7, 29),
            ("FAS109", 8, 9),
        ],
    ),
    (
        "mapping-annotation-types-items-keys-values",
        """\
        from pathlib import Path

        async def f(times: dict[Path, float], files: list[Path]):
            for path, t in times.items():
                path.touch()
            for path in times.keys():
                path.unlink()
            for f in files:
                f.read_text()
        """,
        [("FAS109", 5, 9), ("FAS109", 7, 9), ("FAS104", 9, 9)],
    ),
    (
        "mapping-values-are-not-the-keys",
        """\
        from pathlib import Path

        async def f(times: dict[Path, float], names: dict[str, Path]):
            for t in times.values():
                t.touch()
            for name in names:
                name.unlink()
        """,
        [],
    ),
    # ------------------------------------------------ 6. catalog rows and derived objects
    (
        "plainly-missing-rows",
        """\
        import io, os, shutil

        async def f(src, dst, argv):
            shutil.copyfileobj(src, dst)
            io.open_code(argv[0])
            os.posix_spawn(argv[0], argv, {})
            os.posix_spawnp(argv[0], argv, {})
        """,
        [("FAS104", 4, 5), ("FAS104", 5, 5), ("FAS103", 6, 5), ("FAS103", 7, 5)],
    ),
    (
        "bounded-queue-whatever-the-annotation",
        """\
        from queue import Queue

        class Pump:
            def __init__(self):
                self._q: "Queue[bytes]" = Queue(maxsize=10)
                self._free: "Queue[bytes]" = Queue()

            async def push(self, data):
                self._q.put(data)
                self._free.put(data)
        """,
        [("FAS107", 9, 9)],
    ),
    (
        "cursor-consumed-on-the-loop",
        """\
        from pymongo import MongoClient

        db = MongoClient().app

        async def f(since):
            cursor = db.events.find({"t": {"$gt": since}}).sort("t").limit(10)
            first = next(cursor)
            rows = list(cursor)
            for row in db.users.find():
                print(row)
            names = [u["name"] for u in db.users.find().skip(5)]
            for i, doc in enumerate(cursor):
                print(i, doc)
            return first, rows, names
        """,
        [("FAS102", 7, 13), ("FAS102", 8, 12), ("FAS102", 9, 16), ("FAS102", 11, 33), ("FAS102", 12, 29)],
    ),
    (
        "path-walk-blocks-where-it-is-iterated",
        """\
        from pathlib import Path

        async def f(root: Path):
            gen = root.walk()
            for top, dirs, files in root.walk():
                print(top)
            return next(gen)
        """,
        [("FAS109", 5, 29), ("FAS109", 7, 12)],
    ),
    (
        "cursor-consumed-through-a-generator-expression",
        """\
        from pymongo import MongoClient

        db = MongoClient().app

        async def f():
            return sum(e["n"] for e in db.events.find())
        """,
        [("FAS102", 6, 12)],
    ),
    (
        "cursor-built-not-consumed-or-consumed-elsewhere",
        # a generator expression handed to a thread iterates there, not on the loop
        """\
        import asyncio
        from pymongo import MongoClient

        db = MongoClient().app

        async def f(since):
            cursor = db.events.find({"t": {"$gt": since}}).sort("t")
            async for row in aiter_of(cursor):
                print(row)
            rows = (dict(r) for r in db.users.find())
            await asyncio.to_thread(list, rows)
            return cursor
        """,
        [],
    ),
]


@pytest.mark.parametrize("source, expected", [pytest.param(s, e, id=i) for i, s, e in CASES])
def test_model_gap(source: str, expected: list[Hit]) -> None:
    assert sorted(found(source)) == sorted(expected)


def test_branch_finding_names_the_file_binding() -> None:
    source = """\
        import io

        async def save(p, chunk, dry):
            if dry:
                f = io.BytesIO()
            else:
                f = open(p, "wb")
            f.write(chunk)
        """
    write = [m for m in messages(source) if "write" in m]
    assert len(write) == 1
    assert "when f is the file from open() at line 7" in write[0]
    assert write[0].endswith("where no native API exists")


def test_cursor_iteration_message_names_the_cursor() -> None:
    source = """\
        from pymongo import MongoClient

        async def f():
            for row in MongoClient().app.users.find():
                print(row)
        """
    (message,) = messages(source)
    assert message.startswith(
        "blocking database call iterating pymongo.cursor.Cursor (each step waits for I/O) in coroutine 'f'; use "
    )


def test_closure_returned_by_a_factory_is_the_nested_def() -> None:
    source = textwrap.dedent(
        """\
        import asyncio

        def make_reader(path):
            def reader():
                with open(path) as fh:
                    return fh.read()
            return reader

        async def f(path):
            reader = make_reader(path)
            return await asyncio.to_thread(reader)
        """
    )
    model = ModuleModel(ast.parse(source), default_catalog())
    (hop,) = [c for f in model.coroutines for c in f.calls if ast.unparse(c.func) == "asyncio.to_thread"]
    value = model.value_in(hop.args[0], hop)
    assert value is not None and getattr(value, "node", None) is not None
    assert value.node.name == "reader"  # type: ignore[union-attr]


def test_stdlib_star_exports_are_read_not_imported() -> None:
    assert "open" in (star_exports("io") or ())
    assert "open" in (star_exports("os") or ())
    assert "input" in (star_exports("fileinput") or ())
    assert "open" not in (star_exports("asyncio") or ())
    assert star_exports("pkg.types") is None  # not the standard library: unknown


def test_a_2000_coroutine_file_is_fixed_without_rescanning_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """The FAS101 fix used to call ast.get_source_segment (which splits the whole source) per
    finding: quadratic in file size. Context.segment uses line offsets computed once."""
    calls = 0
    real = ast.get_source_segment

    def counting(source: str, node: ast.AST, *, padded: bool = False) -> Optional[str]:
        nonlocal calls
        calls += 1
        return real(source, node, padded=padded)

    monkeypatch.setattr(ast, "get_source_segment", counting)
    body = "".join(f"async def f{i}():\n    time.sleep({i})\n" for i in range(2000))
    source = "import asyncio\nimport time\n\n" + body
    findings = check_source(source, "big.py", Settings(select=("FAS101",)))
    fixed = [f for f in findings if f.fix is not None]
    assert len(findings) == 2000 == len(fixed)
    assert fixed[-1].fix is not None and fixed[-1].fix.replacement == "await asyncio.sleep(1999)"
    assert calls == 0


def test_closure_returned_by_a_factory_is_judged_by_fas200() -> None:
    source = """\
        import asyncio

        import requests


        def make_fetcher(url):
            def fetch():
                return requests.get(url)

            return fetch


        async def f(url):
            fetch = make_fetcher(url)
            return await asyncio.to_thread(fetch)


        def make_counter():
            def count():
                return 1

            return count


        async def g():
            counter = make_counter()
            return await asyncio.to_thread(counter)
        """
    assert found(source, Settings(select=("FAS200",))) == [("FAS200", 15, 18)]
