"""FAS300 across the modules of a scan: facts per file, linking in the project phase.

Trees are written to tmp_path and checked through `check_paths` (the engine
every front end uses); one case runs the real CLI and one real flake8, each in
a subprocess. Every assertion is the complete list of FAS300 findings, with
the chain as `name()@file:line:col` steps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fake_async_lint import Finding, Settings
from fake_async_lint.cache import Cache
from fake_async_lint.engine import FileResult, analyse_file, link
from fake_async_lint.model.project import FACTS_VERSION
from fake_async_lint.scan import check_paths

SETTINGS = Settings(select=("FAS300",))


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def rel(root: Path, path: str) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def steps(root: Path, f: Finding) -> str:
    return " -> ".join(f"{s.name}()@{rel(root, s.path)}:{s.line}:{s.col}" for s in f.chain)


def scan(root: Path, settings: Settings = SETTINGS, **kwargs: object) -> list[tuple[str, int, int, str]]:
    report = check_paths([root], settings, **kwargs)  # type: ignore[arg-type]
    return [(rel(root, f.path), f.line, f.col, steps(root, f)) for f in report.findings if f.code == "FAS300"]


REPO = """\
import requests


def _get_json(url):
    return requests.get(url).json()


def load_user(uid):
    return _get_json(f"/users/{uid}")


class Repo:
    def __init__(self, dsn):
        self.dsn = dsn

    def load(self, key):
        return load_user(key)

    @classmethod
    def default(cls):
        return cls("db").load("me")


def offload(uid):
    import asyncio

    return asyncio.get_running_loop().run_in_executor(None, load_user, uid)


async def aload(uid):
    return load_user(uid)
"""

HANDLERS = """\
import app.repo as r
import app.repo
from app.repo import load_user, Repo
from .. import repo
from ..repo import load_user as lu
from app import load_user as via_init
from ..util import fetch


async def handler(uid, repo_obj: Repo):
    load_user(uid)
    r.load_user(uid)
    app.repo.load_user(uid)
    repo.load_user(uid)
    lu(uid)
    via_init(uid)
    Repo("x").load(uid)
    rp = Repo("y")
    rp.load(uid)
    repo_obj.load(uid)
    Repo.default()
    fetch()


async def not_reported(uid):
    await repo.offload(uid)
    await repo.aload(uid)
    Repo("z")
    r.missing(uid)
"""

TREE = {
    "app/__init__.py": "from .repo import load_user\n",
    "app/repo.py": REPO,
    "app/util.py": "from .repo import load_user as _load\n\n\ndef fetch():\n    return _load(0)\n",
    "app/web/__init__.py": "",
    "app/web/handlers.py": HANDLERS,
}

LOAD_USER = "_get_json()@app/repo.py:9:12 -> requests.get()@app/repo.py:5:12"


def test_absolute_relative_reexported_and_class_imports(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    h = "app/web/handlers.py"
    assert scan(tmp_path) == [
        # repo.py has a coroutine too: its in-module chain comes from the per-file phase
        ("app/repo.py", 31, 12, f"load_user()@app/repo.py:31:12 -> {LOAD_USER}"),
        (h, 11, 5, f"load_user()@{h}:11:5 -> {LOAD_USER}"),
        (h, 12, 5, f"load_user()@{h}:12:5 -> {LOAD_USER}"),
        (h, 13, 5, f"load_user()@{h}:13:5 -> {LOAD_USER}"),
        (h, 14, 5, f"load_user()@{h}:14:5 -> {LOAD_USER}"),
        (h, 15, 5, f"load_user()@{h}:15:5 -> {LOAD_USER}"),
        (h, 16, 5, f"load_user()@{h}:16:5 -> {LOAD_USER}"),
        (h, 17, 5, f"Repo.load()@{h}:17:5 -> load_user()@app/repo.py:17:16 -> {LOAD_USER}"),
        (h, 19, 5, f"Repo.load()@{h}:19:5 -> load_user()@app/repo.py:17:16 -> {LOAD_USER}"),
        (h, 20, 5, f"Repo.load()@{h}:20:5 -> load_user()@app/repo.py:17:16 -> {LOAD_USER}"),
        (
            h,
            21,
            5,
            f"Repo.default()@{h}:21:5 -> Repo.load()@app/repo.py:21:16 -> load_user()@app/repo.py:17:16 -> {LOAD_USER}",
        ),
        (h, 22, 5, f"fetch()@{h}:22:5 -> load_user()@app/util.py:5:12 -> {LOAD_USER}"),
    ]


def test_message_and_fields_of_a_cross_module_finding(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    f = next(f for f in check_paths([tmp_path], SETTINGS).findings if f.line == 12)
    assert f.message == (
        "blocking HTTP call requests.get() via load_user() -> _get_json() in coroutine 'handler'; "
        "make load_user() async and use `await client.get(...)` on a shared httpx.AsyncClient "
        "(fake_async_lint.client.AsyncHTTPClient), or `await asyncio.to_thread(r.load_user, ...)` "
        "where no native API exists"
    )
    assert (f.api, f.coroutine, f.end_line, f.end_col) == ("requests.get", "handler", 12, 21)


def test_src_layout_and_scan_from_the_root(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "",  # the project root: its src/ is a source root for every file in it
            "src/svc/__init__.py": "",
            "src/svc/io.py": "import time\n\n\ndef nap():\n    time.sleep(1)\n",
            "src/svc/main.py": "from svc.io import nap\n\n\nasync def main():\n    nap()\n",
            "scripts/tool.py": "import svc.io\n\n\nasync def run():\n    svc.io.nap()\n",
        },
    )
    assert scan(tmp_path) == [
        ("scripts/tool.py", 5, 5, "nap()@scripts/tool.py:5:5 -> time.sleep()@src/svc/io.py:5:5"),
        ("src/svc/main.py", 5, 5, "nap()@src/svc/main.py:5:5 -> time.sleep()@src/svc/io.py:5:5"),
    ]


def test_chain_through_a_local_helper_and_several_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import step_b\n\n\ndef step_a():\n    return step_b()\n",
            "pkg/b.py": "from pkg import c\n\n\ndef step_b():\n    return c.step_c()\n",
            "pkg/c.py": "import subprocess\n\n\ndef step_c():\n    subprocess.run(['ls'])\n",
            "pkg/main.py": "from .a import step_a\n\n\ndef local():\n    step_a()\n\n\nasync def main():\n    local()\n",
        },
    )
    expected = (
        "local()@pkg/main.py:9:5 -> step_a()@pkg/main.py:5:5 -> step_b()@pkg/a.py:5:12 "
        "-> step_c()@pkg/b.py:5:12 -> subprocess.run()@pkg/c.py:5:5"
    )
    assert scan(tmp_path) == [("pkg/main.py", 9, 5, expected)]
    # the chain has 4 sync functions: a depth limit of 3 stops it
    assert scan(tmp_path, Settings(select=("FAS300",), max_depth=3)) == []
    assert len(scan(tmp_path, Settings(select=("FAS300",), max_depth=4))) == 1


def test_recursion_across_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/__init__.py": "",
            "m/ping.py": "from . import pong\n\n\ndef ping(n):\n    return pong.pong(n - 1) if n else 0\n",
            "m/pong.py": (
                "import time\nfrom .ping import ping\n\n\ndef pong(n):\n    time.sleep(0.1)\n    return ping(n)\n\n\n"
                "def quiet(n):\n    return ping(n)\n"
            ),
            "m/loop.py": "from . import loop2\n\n\ndef spin():\n    return loop2.spin2()\n",
            "m/loop2.py": "from .loop import spin\n\n\ndef spin2():\n    return spin()\n",
            "m/main.py": (
                "from .ping import ping\nfrom .loop import spin\n\n\nasync def main():\n    ping(3)\n    ping(4)\n    spin()\n"
            ),
        },
    )
    assert scan(tmp_path) == [
        ("m/main.py", 6, 5, "ping()@m/main.py:6:5 -> pong()@m/ping.py:5:12 -> time.sleep()@m/pong.py:6:5"),
        ("m/main.py", 7, 5, "ping()@m/main.py:7:5 -> pong()@m/ping.py:5:12 -> time.sleep()@m/pong.py:6:5"),
    ]


def test_unresolvable_and_ambiguous_names_are_ignored(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            # two scan roots that both define `common.io`: the name is not guessed
            "one/common/__init__.py": "",
            "one/common/io.py": "import time\n\n\ndef nap():\n    time.sleep(1)\n",
            "two/common/__init__.py": "",
            "two/common/io.py": "def nap():\n    return 0\n",
            "svc/main.py": (
                "from common.io import nap\nfrom elsewhere import helper\nfrom . import sibling\n\n\n"
                "async def main(obj):\n    nap()\n    helper()\n    sibling.run()\n    obj.nap()\n"
            ),
        },
    )
    assert scan(tmp_path) == []


# ---------------------------------------------------------------- noqa
def noqa_tree(helper_comment: str = "", site_comment: str = "") -> dict[str, str]:
    return {
        "lib/__init__.py": "",
        "lib/net.py": (
            f"import requests, time\n\n\ndef fetch(url):\n    return requests.get(url){helper_comment}\n\n\n"
            "def nap():\n    time.sleep(1)\n\n\ndef both(url):\n    fetch(url)\n    nap()\n"
        ),
        "lib/api.py": (
            f"from .net import fetch, both\n\n\nasync def handler(url):\n    fetch(url){site_comment}\n    both(url)\n"
        ),
    }


FETCH = "fetch()@lib/api.py:5:5 -> requests.get()@lib/net.py:5:12"
BOTH_FETCH = "both()@lib/api.py:6:5 -> fetch()@lib/net.py:13:5 -> requests.get()@lib/net.py:5:12"
BOTH_NAP = "both()@lib/api.py:6:5 -> nap()@lib/net.py:14:5 -> time.sleep()@lib/net.py:9:5"


@pytest.mark.parametrize(
    ("helper_comment", "site_comment", "expected"),
    [
        ("", "", [FETCH, BOTH_FETCH]),
        ("  # noqa: FAS100", "", [BOTH_NAP]),
        ("  # noqa", "", [BOTH_NAP]),
        ("  # noqa: FAS1", "", [BOTH_NAP]),
        ("  # noqa: E501", "", [FETCH, BOTH_FETCH]),
        ("", "  # noqa: FAS300", [BOTH_FETCH]),
        ("", "  # noqa", [BOTH_FETCH]),
        ("", "  # noqa: F401", [FETCH, BOTH_FETCH]),
    ],
)
def test_noqa_across_modules(tmp_path: Path, helper_comment: str, site_comment: str, expected: list[str]) -> None:
    write(tmp_path, noqa_tree(helper_comment, site_comment))
    assert [hit[3] for hit in scan(tmp_path)] == expected


def test_per_file_ignores_apply_to_linked_findings(tmp_path: Path) -> None:
    write(tmp_path, noqa_tree())
    settings = Settings(select=("FAS300",), per_file_ignores=(("*/api.py", ("FAS3",)),))
    assert scan(tmp_path, settings) == []


# ---------------------------------------------------------------- the phases
def test_files_without_async_are_parsed_only_when_a_chain_needs_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "p/__init__.py": "",
            "p/used.py": "import time\n\n\ndef nap():\n    time.sleep(1)\n",
            "p/unused.py": "import time\n\n\ndef nap():\n    time.sleep(1)\n",
            "p/broken.py": "def nap(:\n",
            "p/main.py": "from .used import nap\nfrom . import broken\n\n\nasync def main():\n    nap()\n    broken.nap()\n",
        },
    )
    paths = sorted(str(p) for p in tmp_path.rglob("*.py"))
    first = [analyse_file(p, SETTINGS) for p in paths]
    by_name = {Path(r.path).name: r for r in first}
    assert by_name["used.py"].facts == {"v": FACTS_VERSION, "lazy": True, "pb": True, "imp": ""}
    assert by_name["broken.py"].facts == {"v": FACTS_VERSION, "lazy": True, "pb": False, "imp": ""}
    assert by_name["main.py"].facts is not None and by_name["main.py"].facts["sites"] == 2
    linked = link(first, SETTINGS)
    done = {Path(r.path).name: r for r in linked.results}
    assert done["used.py"].facts is not None and done["used.py"].facts["fns"] == 1  # analysed: a chain needs it
    assert done["unused.py"].facts == by_name["unused.py"].facts  # never parsed
    assert done["broken.py"].facts == by_name["broken.py"].facts  # cannot block: never parsed, no FAS001
    assert all(not r.findings for r in done.values())
    [finding] = linked.findings
    assert (Path(finding.path).name, finding.line, finding.col) == ("main.py", 6, 5)
    assert link(list(done.values()), SETTINGS).findings == [finding]


def test_link_works_from_json_facts_alone(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    paths = sorted(str(p) for p in tmp_path.rglob("*.py"))
    results = link([analyse_file(p, SETTINGS) for p in paths], SETTINGS).results
    restored = [FileResult(r.path, r.findings, json.loads(json.dumps(r.facts))) for r in results]
    assert link(restored, SETTINGS).findings == link(results, SETTINGS).findings
    assert len(link(restored, SETTINGS).findings) == 11


def test_the_project_codes_ignored_means_no_facts_and_no_link(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    settings = Settings(ignore=("FAS300", "FAS200", "FAS201", "FAS203"))
    results = [analyse_file(str(p), settings) for p in sorted(tmp_path.rglob("*.py"))]
    assert all(r.facts is None for r in results)
    assert link(results, settings).findings == []


def test_jobs_and_cache_give_the_same_findings(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, TREE)
    expected = scan(root)
    cache = Cache(tmp_path / "cache", SETTINGS)
    assert scan(root, cache=cache) == expected
    assert scan(root, cache=Cache(tmp_path / "cache", SETTINGS)) == expected  # warm
    assert scan(root, jobs=2) == expected


# ---------------------------------------------------------------- front ends
def test_cli_text_and_json_show_the_chain(tmp_path: Path) -> None:
    write(tmp_path, noqa_tree())
    cmd = [sys.executable, "-m", "fake_async_lint", "check", "--isolated", "--no-cache", "--select", "FAS300", "lib"]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split(": FAS300 ")[0] for line in lines] == ["lib/api.py:5:5", "lib/api.py:6:5"]
    assert "requests.get() via both() -> fetch() in coroutine 'handler'" in lines[1]

    out = subprocess.run(cmd + ["--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    data = json.loads(out.stdout)
    assert data[1]["chain"] == [
        {"name": "both", "path": "lib/api.py", "line": 6, "col": 5},
        {"name": "fetch", "path": "lib/net.py", "line": 13, "col": 5},
        {"name": "requests.get", "path": "lib/net.py", "line": 5, "col": 12},
    ]


def test_flake8_follows_calls_into_other_modules_like_the_command(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/net.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n",
            "lib/api.py": (
                "import time\nfrom .net import fetch\n\n\ndef nap():\n    time.sleep(1)\n\n\n"
                "async def handler(url):\n    fetch(url)\n    nap()\n"
            ),
        },
    )
    flake8 = [sys.executable, "-m", "flake8", "--isolated", "--select", "FAS300", "lib"]
    out = subprocess.run(flake8, cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout.splitlines() == [
        "lib/api.py:10:5: FAS300 blocking HTTP call requests.get() via fetch() in coroutine "
        "'handler'; make fetch() async and use `await client.get(...)` on a shared httpx.AsyncClient "
        "(fake_async_lint.client.AsyncHTTPClient), or `await asyncio.to_thread(fetch, ...)` where no native API exists",
        "lib/api.py:11:5: FAS300 blocking sleep time.sleep() via nap() in coroutine 'handler'; "
        "make nap() async and use `await asyncio.sleep(...)`, or `await asyncio.to_thread(nap, ...)` "
        "where no native API exists",
    ], out.stderr
    # the standalone command gives the same
    assert [hit[:3] for hit in scan(tmp_path)] == [("lib/api.py", 10, 5), ("lib/api.py", 11, 5)]
