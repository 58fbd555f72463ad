"""`fix --unsafe-fixes` migrations, each run before and after against the real local server.

Every rewrite: the module is fixed by the real command, then the original and the migrated
code both run against 127.0.0.1 and what the server received (method, path, query, body, the
headers the code set) and what the function returned are compared. Skipped cases: the code is
left alone and `--diff` names the reason.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import itertools
import json
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fake_async_lint import Settings, check_source
from fake_async_lint.cli import main
from fake_async_lint.fix import fix_text

_counter = itertools.count()
_KEPT_HEADERS = ("content-type", "authorization", "x-token", "prefer", "apikey", "cookie")


def _load(path: Path) -> ModuleType:
    name = f"migrated_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _normalise(value: Any) -> Any:
    """The echo route's answer without what differs by library alone (User-Agent, Accept-Encoding,
    JSON spacing): what the code asked the server for."""
    if isinstance(value, dict) and {"method", "headers", "body"} <= value.keys():
        body = value["body"]
        try:
            body = json.loads(body) if body else body
        except ValueError:
            pass
        headers = {k.lower(): v for k, v in value["headers"].items()}
        kept = {k: headers[k] for k in _KEPT_HEADERS if k in headers}
        if "content-type" in kept:
            kept["content-type"] = kept["content-type"].split(";")[0]
        return {**value, "headers": kept, "body": body}
    if isinstance(value, (list, tuple)):
        return type(value)(_normalise(v) for v in value)
    return value


def _migrate(tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, str]:
    before = tmp_path / "before.py"
    after = tmp_path / "after.py"
    before.write_text(source)
    after.write_text(source)
    code = main(["fix", "--isolated", "--unsafe-fixes", "--show-fixes", str(after)])
    _, err = capsys.readouterr()
    assert code in (0, 1), err
    return before, after, err


def _run(path: Path, url: str) -> Any:
    module = _load(path)
    try:
        return _normalise(asyncio.run(module.call(url)))
    finally:
        # the original code's requests.Sessions keep their connections open until closed or collected:
        # close them, so the server's connection gauge is back to zero for the next tests
        import requests

        for value in vars(module).values():
            if isinstance(value, requests.Session):
                value.close()
        gc.collect()


CASES = {
    "get-params-headers": """
        import requests

        async def call(base):
            r = requests.get(base + "/echo", params={"q": "1", "page": 2}, headers={"X-Token": "t"})
            return r.status_code, r.json()
    """,
    "post-json": """
        import requests

        async def call(base):
            r = requests.post(base + "/echo", json={"name": "ada", "n": [1, 2]})
            return r.json()
    """,
    "post-form-data": """
        import requests

        async def call(base):
            r = requests.post(base + "/echo", data={"a": "1", "b": "two"})
            return r.json()
    """,
    "put-raw-data": """
        import requests

        async def call(base):
            return requests.put(base + "/echo", data="raw body", headers={"Content-Type": "text/plain"}).json()
    """,
    "patch-delete-head": """
        import requests

        async def call(base):
            p = requests.patch(base + "/echo", json={"x": 1})
            d = requests.delete(base + "/echo", timeout=5)
            h = requests.head(base + "/redirect?to=/echo")
            return p.json(), d.json(), h.status_code
    """,
    "request-method": """
        import requests

        async def call(base):
            r = requests.request("OPTIONS", base + "/echo", params={"k": "v"})
            return r.json()
    """,
    "auth-tuple": """
        import requests

        async def call(base):
            r = requests.get(base + "/echo", auth=("ada", "secret"))
            return r.json()
    """,
    "redirects": """
        import requests

        async def call(base):
            followed = requests.get(base + "/redirect?to=/echo")
            kept = requests.get(base + "/redirect?to=/echo", allow_redirects=False)
            return followed.json(), kept.status_code, kept.headers["location"]
    """,
    "status-no-raise-and-ok": """
        import requests

        async def call(base):
            missing = requests.get(base + "/status/404")
            fine = requests.get(base + "/ok")
            if missing.ok:
                return "never"
            return missing.status_code, missing.ok, fine.ok, fine.text, fine.content, missing.headers["content-length"]
    """,
    "raise-for-status-absorbed": """
        import requests

        async def call(base):
            r = requests.get(base + "/status/503")
            r.raise_for_status()
            return "no error"
    """,
    "import-alias-and-comments": """
        import requests as rq

        async def call(base):
            r = rq.get(  # the comment stays
                base + "/echo",
                params={"a": "b"},  # and this one
            )
            return r.json()
    """,
    "session-module-level": """
        import requests

        HTTP = requests.Session()


        async def call(base):
            first = HTTP.get(base + "/set-cookie")
            echoed = HTTP.post(base + "/echo", json={"n": 1}).json()
            return first.status_code, echoed
    """,
    "session-on-self": """
        import requests


        class Api:
            def __init__(self, base):
                self.base = base
                self.session = requests.Session()

            async def fetch(self, q):
                r = self.session.get(self.base + "/echo", params={"q": q})
                r.raise_for_status()
                return r.json()


        async def call(base):
            api = Api(base)
            return [await api.fetch("a"), await api.fetch("b")]
    """,
    "hop-run-in-executor-function": """
        import asyncio
        import requests

        async def call(base):
            loop = asyncio.get_running_loop()
            r = await loop.run_in_executor(None, requests.get, base + "/echo")
            return r.json()
    """,
    "hop-lambda": """
        import asyncio
        import requests

        async def call(base):
            loop = asyncio.get_event_loop()
            r = await loop.run_in_executor(
                None,
                lambda: requests.post(base + "/echo", json={"k": [1]}, headers={"Prefer": "x"}),
            )
            return r.json()
    """,
    "hop-partial": """
        import asyncio
        import functools
        import requests

        async def call(base):
            r = await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(requests.get, base + "/echo", params={"p": "1"})
            )
            return r.json()
    """,
    "hop-to-thread": """
        import asyncio
        import requests

        async def call(base):
            r = await asyncio.to_thread(requests.delete, base + "/echo", params={"id": "7"})
            return r.json()
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rewrite_sends_and_returns_the_same(
    name: str, tmp_path: Path, server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    source = textwrap.dedent(CASES[name]).lstrip()
    before, after, report = _migrate(tmp_path, source, capsys)
    migrated = after.read_text()
    assert "requests" not in migrated.replace("import requests as rq", ""), migrated
    assert "fixed (unsafe" in report
    assert not [f for f in check_source(migrated, "after.py") if f.code.startswith(("FAS1", "FAS2"))], migrated
    compile(migrated, "after.py", "exec")
    if name == "raise-for-status-absorbed":
        with pytest.raises(Exception) as old:
            _run(before, server.url)
        with pytest.raises(Exception) as new:
            _run(after, server.url)
        assert type(old.value).__name__ == "HTTPError" and type(new.value).__name__ == "HTTPStatusError"
        assert "503" in str(old.value) and "503" in str(new.value)
        # the exceptions hold requests' response, whose socket stays open until it is collected
        del old, new
        gc.collect()
        return
    assert _run(after, server.url) == _run(before, server.url)
    # a second run changes nothing
    outcome, _ = fix_text(migrated, str(after), Settings(), unsafe=True)
    assert outcome.text == migrated


def test_a_session_keeps_its_cookies(tmp_path: Path, server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, after, _ = _migrate(tmp_path, textwrap.dedent(CASES["session-module-level"]).lstrip(), capsys)
    text = after.read_text()
    assert "HTTP = AsyncHTTPClient.per_loop(" in text and "first = await HTTP.get(" in text
    assert "import requests" not in text
    assert _run(after, server.url)[1]["headers"]["cookie"] == "session=abc123"


def test_comments_inside_a_migrated_call_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, after, _ = _migrate(tmp_path, textwrap.dedent(CASES["import-alias-and-comments"]).lstrip(), capsys)
    text = after.read_text()
    assert "r = await _http.get(  # the comment stays\n" in text and '"b"},  # and this one\n' in text
    assert "import requests as rq" not in text


def test_a_configured_hop_with_the_to_thread_shape_is_migrated(
    tmp_path: Path, server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    source = textwrap.dedent(
        """
        import asyncio
        import types

        import requests


        async def _job(fn, *args):
            return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


        hass = types.SimpleNamespace(async_add_executor_job=_job)  # Home Assistant's, in miniature


        async def call(base):
            r = await hass.async_add_executor_job(requests.get, base + "/echo")
            return r.json()
        """
    ).lstrip()
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.fake-async-lint.extra-hops]\n".async_add_executor_job" = 0\n')
    before, after = tmp_path / "before.py", tmp_path / "after.py"
    before.write_text(source)
    after.write_text(source)
    assert main(["fix", "--config", str(config), "--unsafe-fixes", str(after)]) == 0
    capsys.readouterr()
    assert 'r = await _http.get(base + "/echo")' in after.read_text()
    assert _run(after, server.url) == _run(before, server.url)


def test_pool_becomes_a_client_with_its_cap(tmp_path: Path, server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    source = textwrap.dedent(
        """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        import requests

        POOL = ThreadPoolExecutor(max_workers=2)


        async def one(base, i):
            loop = asyncio.get_running_loop()
            r = await loop.run_in_executor(POOL, lambda: requests.get(base + "/delay", params={"s": "0.05"}))
            return r.status_code


        async def call(base):
            return await asyncio.gather(*(one(base, i) for i in range(8)))
        """
    ).lstrip()
    before, after, _ = _migrate(tmp_path, source, capsys)
    text = after.read_text()
    assert "POOL = AsyncHTTPClient.per_loop(" in text and "max_concurrency=2\n)" in text
    assert "ThreadPoolExecutor" not in text and "loop = " not in text
    assert 'r = await POOL.get(base + "/delay", params={"s": "0.05"})' in text
    for path in (before, after):
        server.reset()
        assert _run(path, server.url) == [200] * 8
        assert server.max_in_flight == 2  # the cap is kept


@pytest.mark.filterwarnings("ignore:coroutine 'inner' was never awaited:RuntimeWarning")
def test_nested_loops_become_awaits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = textwrap.dedent(
        """
        import asyncio


        async def inner(x):
            await asyncio.sleep(0)
            return x * 2


        async def call(base):
            loop = asyncio.get_running_loop()
            a = asyncio.run(inner(1))
            b = loop.run_until_complete(inner(2))
            return a, b
        """
    ).lstrip()
    before, after, _ = _migrate(tmp_path, source, capsys)
    text = after.read_text()
    assert "    a = await inner(1)\n    b = await inner(2)\n" in text
    # before: a nested loop cannot run inside a running one
    with pytest.raises(RuntimeError):
        _run(before, "")
    gc.collect()  # the coroutine asyncio.run() refused warns when collected: here, where it is expected
    assert _run(after, "") == (2, 4)


def test_subprocess_run_becomes_create_subprocess_exec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran.txt"
    source = textwrap.dedent(
        f"""
        import subprocess
        import sys


        async def call(base):
            subprocess.run([sys.executable, "-c", "open({str(marker)!r}, 'a').write('x')"])
            code = subprocess.run([sys.executable, "-c", "raise SystemExit(3)"]).returncode
            other = subprocess.call([sys.executable, "-c", "raise SystemExit(5)"], check=False) if False else 5
            return code, other
        """
    ).lstrip()
    before, after, _ = _migrate(tmp_path, source, capsys)
    text = after.read_text()
    assert 'await (await asyncio.create_subprocess_exec(sys.executable, "-c", ' in text
    assert "import asyncio\n" in text and "import subprocess" not in text
    assert _run(before, "") == _run(after, "") == (3, 5)
    assert marker.read_text() == "xx"


SKIPS = {
    "session-configured": (
        "s = requests.Session()\ns.headers.update({'X': '1'})\n\nasync def f(u):\n    return s.get(u).json()\n",
        "the session is also used at line 4 (configured, closed or passed on): its state would be lost",
    ),
    "session-in-with": (
        "async def f(u):\n    with requests.Session() as s:\n        return s.get(u).json()\n",
        "the session is not made once in this module",
    ),
    "session-with-options": (
        "S = requests.Session\n\nasync def f(u):\n    return requests.Session().get(u).json()\n",
        "a requests.Session carries state",
    ),
    "files": ("async def f(u):\n    requests.post(u, files={'a': b'x'})\n", "`files=` has no equivalent"),
    "verify": ("async def f(u):\n    requests.get(u, verify=False)\n", "`verify=` has no equivalent"),
    "returned": (
        "async def f(u):\n    return requests.get(u)\n",
        "the response leaves the expression",
    ),
    "iter-content": (
        "async def f(u):\n    r = requests.get(u)\n    return list(r.iter_content())\n",
        "`.iter_content` of a requests.Response has no same-named equivalent",
    ),
    "timeout-tuple": ("async def f(u):\n    requests.get(u, timeout=(3, 10))\n", "`timeout=` is not a number"),
    "data-variable": (
        "async def f(u, body):\n    requests.post(u, data=body)\n",
        "`data=` may be a form dict or a raw body",
    ),
    "late-raise": (
        "async def f(u):\n    r = requests.get(u)\n    x = 1\n    r.raise_for_status()\n    return x\n",
        "does not directly follow the request",
    ),
    "try-block": (
        "async def f(u):\n    try:\n        requests.get(u)\n    except requests.RequestException:\n        pass\n",
        "try block whose handlers expect requests' exceptions",
    ),
    "positional-params": (
        "async def f(u):\n    requests.get(u, {'a': 1})\n",
        "positional arguments other than the URL",
    ),
    "kwargs": ("async def f(u, **kw):\n    requests.get(u, **kw)\n", "`**kwargs` cannot be checked"),
    "hop-not-awaited": (
        "import asyncio\nimport requests\n\nasync def f(u):\n    fut = asyncio.get_running_loop().run_in_executor(None, requests.get, u)\n"
        "    return (await fut).json()\n",
        "the hop's future is not awaited where it is made",
    ),
    "pool-used-elsewhere": (
        "import asyncio\nfrom concurrent.futures import ThreadPoolExecutor\n\nimport requests\nPOOL = ThreadPoolExecutor(4)\n\n"
        "async def f(u):\n    loop = asyncio.get_running_loop()\n"
        "    r = await loop.run_in_executor(POOL, requests.get, u)\n    POOL.submit(print)\n    return r.json()\n",
        "the thread pool is also used at line 10",
    ),
    "generator-expression": (
        "async def f(us):\n    return list(requests.get(u).status_code for u in us)\n",
        "inside a generator expression",
    ),
    "hop-over-a-helper": (
        "import asyncio\nimport requests\n\ndef get_url(u):\n    return requests.get(u, verify=False, timeout=3)\n\n"
        "async def f(u):\n    r = await asyncio.to_thread(get_url, u)\n    return r.status_code\n",
        "the wrapped callable is not requests' own function (a helper: make it async, see `plan`)",
    ),
    "lambda-over-a-helper": (
        "import asyncio\nimport requests\n\ndef get_url(u):\n    return requests.get(u, verify=False)\n\n"
        "async def f(u):\n    loop = asyncio.get_running_loop()\n"
        "    r = await loop.run_in_executor(None, lambda: get_url(u))\n    return r.status_code\n",
        "the wrapped callable is not requests' own function",
    ),
    "subprocess-shell": (
        "import subprocess\n\nasync def f(cmd):\n    subprocess.run(cmd, shell=True)\n",
        "the command is not a literal list",
    ),
    "subprocess-capture": (
        "import subprocess\n\nasync def f():\n    return subprocess.run(['ls'], capture_output=True).stdout\n",
        "`capture_output=` changes what the process gets or returns",
    ),
    "nested-loop-with-options": (
        "import asyncio\n\nasync def g():\n    return 1\n\nasync def f():\n    return asyncio.run(g(), debug=True)\n",
        "with other arguments than one coroutine is not mapped",
    ),
}


@pytest.mark.parametrize("name", sorted(SKIPS))
def test_skipped_rewrites_say_why(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body, reason = SKIPS[name]
    source = body if body.startswith("import") else "import requests\n\n" + body
    path = tmp_path / "skip.py"
    path.write_text(source)
    code = main(["fix", "--isolated", "--unsafe-fixes", "--diff", str(path)])
    out, err = capsys.readouterr()
    assert path.read_text() == source
    assert reason in err and " not fixed: " in err, err
    assert "Would fix 0 findings" in err
    assert code == 1


def test_without_unsafe_fixes_the_migrations_are_only_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.py"
    source = "import requests\n\nasync def f(u):\n    return requests.get(u).json()\n"
    path.write_text(source)
    code = main(["fix", "--isolated", "--show-fixes", str(path)])
    _, err = capsys.readouterr()
    assert path.read_text() == source and code == 1
    assert err == (
        f"{path}:4:12: FAS100 unsafe fix available (requests-call): use --unsafe-fixes\n"
        "Fixed 0 findings in 0 files (1 remaining). 1 more fix available with --unsafe-fixes.\n"
    )
