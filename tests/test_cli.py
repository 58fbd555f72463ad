"""The standalone command, run as `python -m fake_async_lint` in a subprocess on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint.docs import rule_page
from fake_async_lint.rules import ALL_RULES

SLEEP = "FAS101 blocking sleep time.sleep() in coroutine '{}'; use `await asyncio.sleep(...)`"
HTTP = (
    "FAS100 blocking HTTP call requests.get() in coroutine '{}'; use `await client.get(...)` on a shared "
    "httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient)"
)
EXISTS = "FAS109 blocking filesystem call os.path.exists() in coroutine '{}'; use anyio.Path or aiofiles.os, or `await asyncio.to_thread(...)`"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fake_async_lint", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


BLOCKING = "import time, os, requests\n\n\nasync def {name}(u):\n    await g()\n    os.path.exists(u); time.sleep(1)\n    requests.get(u)\n"
CLEAN = "import asyncio\n\n\nasync def ok():\n    await asyncio.sleep(1)\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(tmp_path, "b.py", BLOCKING.format(name="bee"))
    write(tmp_path, "a.py", BLOCKING.format(name="ay"))
    write(tmp_path, "sub/c.py", BLOCKING.format(name="sea"))
    write(tmp_path, "clean.py", CLEAN)
    return tmp_path


def lines_for(path: str, name: str) -> list[str]:
    return [
        f"{path}:6:5: {EXISTS.format(name)}",
        f"{path}:6:24: {SLEEP.format(name)}",
        f"{path}:7:5: {HTTP.format(name)}",
    ]


def test_output_sorted_by_path_line_col_and_summary(tree: Path) -> None:
    r = run(tree, "check", "sub", "b.py", "a.py", "clean.py")
    assert r.stdout.splitlines() == lines_for("a.py", "ay") + lines_for("b.py", "bee") + lines_for("sub/c.py", "sea")
    assert r.stderr.splitlines() == ["Found 9 findings in 4 files."]
    assert r.returncode == 1


def test_default_path_is_the_current_directory(tree: Path) -> None:
    r = run(tree, "check")
    assert r.stdout.splitlines() == lines_for("./a.py", "ay") + lines_for("./b.py", "bee") + lines_for(
        "./sub/c.py", "sea"
    )
    assert r.stderr.splitlines() == ["Found 9 findings in 4 files."]


@pytest.mark.parametrize(
    ("files", "summary"),
    [
        pytest.param({"clean.py": CLEAN}, "No findings in 1 file.", id="one-clean"),
        pytest.param({"x.py": CLEAN, "y.py": "print(1)\n"}, "No findings in 2 files.", id="two-clean"),
        pytest.param({}, "No findings in 0 files.", id="nothing"),
    ],
)
def test_clean_exits_zero(tmp_path: Path, files: dict[str, str], summary: str) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    r = run(tmp_path, "check", ".")
    assert (r.stdout, r.stderr.splitlines(), r.returncode) == ("", [summary], 0)


def test_one_finding_summary_is_singular(tmp_path: Path) -> None:
    write(tmp_path, "one.py", "import time\n\n\nasync def f():\n    await g()\n    time.sleep(1)\n")
    r = run(tmp_path, "check", "one.py")
    assert r.stdout.splitlines() == [f"one.py:6:5: {SLEEP.format('f')}"]
    assert r.stderr.splitlines() == ["Found 1 finding in 1 file."]
    assert r.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["check", "--nope"], "unrecognized arguments: --nope", id="unknown-option"),
        pytest.param(["check", "--select", "1X"], "argument --select:", id="bad-select"),
        pytest.param(["check", "--select", "FAS1-"], "argument --select:", id="bad-select-punctuation"),
        pytest.param(["check", "--ignore", "!"], "argument --ignore:", id="bad-ignore"),
        pytest.param(["check", "--format", "xml"], "argument --format:", id="bad-format"),
        pytest.param(["frobnicate"], "invalid choice: 'frobnicate'", id="unknown-command"),
    ],
)
def test_usage_errors_exit_2(tree: Path, args: list[str], message: str) -> None:
    r = run(tree, *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize(
    ("flags", "codes"),
    [
        pytest.param([], ["FAS109", "FAS101", "FAS100"], id="default"),
        pytest.param(["--select", "FAS101"], ["FAS101"], id="select-code"),
        pytest.param(["--select", "fas10"], ["FAS109", "FAS101", "FAS100"], id="select-prefix-any-case"),
        pytest.param(["--ignore", "FAS109,FAS100"], ["FAS101"], id="ignore-list"),
        pytest.param(["--select", "FAS1", "--ignore", "FAS10"], [], id="longer-ignore-wins"),
        pytest.param(["--select", "FAS100", "--ignore", "FAS1"], ["FAS100"], id="longer-select-wins"),
        pytest.param(["--select", "FAS100", "--extend-select", "FAS109"], ["FAS109", "FAS100"], id="extend-select"),
    ],
)
def test_select_and_ignore(tree: Path, flags: list[str], codes: list[str]) -> None:
    r = run(tree, "check", *flags, "a.py")
    assert [line.split(": ")[1].split()[0] for line in r.stdout.splitlines()] == codes
    assert r.returncode == (1 if codes else 0)


def test_exclude_glob(tree: Path) -> None:
    write(tree, "gen_api.py", BLOCKING.format(name="gen"))
    write(tree, "sub/gen_more.py", BLOCKING.format(name="gen"))
    r = run(tree, "check", "--exclude", "gen_*.py", "--exclude", "sub", ".")
    assert r.stdout.splitlines() == lines_for("./a.py", "ay") + lines_for("./b.py", "bee")
    assert r.stderr.splitlines() == ["Found 6 findings in 3 files."]


@pytest.mark.parametrize(
    "skipped", [".git", "venv", ".venv", "build", "dist", "__pycache__", "node_modules", "pkg.egg-info"]
)
def test_default_skipped_directories(tmp_path: Path, skipped: str) -> None:
    write(tmp_path, f"{skipped}/lib/mod.py", BLOCKING.format(name="hidden"))
    write(tmp_path, f"src/{skipped}/mod.py", BLOCKING.format(name="hidden"))
    write(tmp_path, "src/app.py", BLOCKING.format(name="seen"))
    r = run(tmp_path, "check", ".")
    assert r.stdout.splitlines() == lines_for("./src/app.py", "seen")
    assert r.stderr.splitlines() == ["Found 3 findings in 1 file."]


def test_json_format(tree: Path) -> None:
    r = run(tree, "check", "--format", "json", "--select", "FAS101,FAS100", "a.py", "b.py")
    data = json.loads(r.stdout)
    assert isinstance(data, list)
    keys = ("path", "line", "col", "code", "end_line", "end_col", "api", "replacement")
    assert [tuple(d[k] for k in keys) for d in data] == [
        ("a.py", 6, 24, "FAS101", 6, 37, "time.sleep", "use `await asyncio.sleep(...)`"),
        ("a.py", 7, 5, "FAS100", 7, 20, "requests.get", HTTP.split("; ")[1]),
        ("b.py", 6, 24, "FAS101", 6, 37, "time.sleep", "use `await asyncio.sleep(...)`"),
        ("b.py", 7, 5, "FAS100", 7, 20, "requests.get", HTTP.split("; ")[1]),
    ]
    assert [d["message"] for d in data] == [
        SLEEP.format("ay")[7:],
        HTTP.format("ay")[7:],
        SLEEP.format("bee")[7:],
        HTTP.format("bee")[7:],
    ]
    assert r.stderr.splitlines() == ["Found 4 findings in 2 files."]
    assert r.returncode == 1


def test_json_format_no_findings(tmp_path: Path) -> None:
    write(tmp_path, "clean.py", CLEAN)
    r = run(tmp_path, "check", "--format", "json", "clean.py")
    assert json.loads(r.stdout) == []
    assert r.returncode == 0


def test_rules_lists_every_code(tmp_path: Path) -> None:
    r = run(tmp_path, "rules")
    assert r.returncode == 0
    listed = [line.split()[0] for line in r.stdout.splitlines()]
    assert listed == sorted(ALL_RULES)
    assert {"FAS001", *(f"FAS10{i}" for i in range(10))} <= set(listed)
    for line, rule in zip(r.stdout.splitlines(), ALL_RULES.values()):
        assert rule.name in line and rule.summary in line


@pytest.mark.parametrize("arg", ["FAS100", "fas100", " FAS100 ", "blocking-http", "Blocking_HTTP"])
def test_explain_prints_the_page(tmp_path: Path, arg: str) -> None:
    r = run(tmp_path, "explain", arg)
    assert r.returncode == 0
    assert r.stdout == rule_page(ALL_RULES["FAS100"])
    assert r.stdout.startswith("# FAS100: blocking-http\n")
    assert "import requests" in r.stdout


def test_explain_unknown_code_exits_2(tmp_path: Path) -> None:
    r = run(tmp_path, "explain", "NOPE")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.splitlines() == [
        "fake-async-lint: unknown rule 'NOPE': give a code or a name; `fake-async-lint rules` lists them"
    ]


def test_explain_accepts_the_name_rules_prints(tmp_path: Path) -> None:
    listed = run(tmp_path, "rules").stdout.splitlines()
    line = next(x for x in listed if x.startswith("FAS101 "))
    name = line.split()[1]
    assert name == "blocking-sleep"
    r = run(tmp_path, "explain", name)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == rule_page(ALL_RULES["FAS101"])


@pytest.mark.parametrize("select", [[], ["--select", "FAS1"], ["--select", "FAS300"], ["--ignore", "FAS001"]])
def test_missing_path_is_an_error_whatever_the_selection(tmp_path: Path, select: list[str]) -> None:
    write(tmp_path, "a.py", BLOCKING.format(name="ay"))
    r = run(tmp_path, "check", *select, "nope/")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.splitlines() == ["fake-async-lint: nope/: no such file or directory"]
    # one missing path among good ones: still an error, nothing is checked
    r = run(tmp_path, "check", *select, "a.py", "missing.py", "gone/")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.splitlines() == [
        "fake-async-lint: missing.py: no such file or directory; gone/: no such file or directory"
    ]


def test_module_entry_point_and_version(tmp_path: Path) -> None:
    from fake_async_lint import __version__

    r = run(tmp_path, "--version")
    assert (r.returncode, r.stdout.strip()) == (0, f"fake-async-lint {__version__}")
    r = run(tmp_path)
    assert r.returncode == 2
    assert "usage: fake-async-lint" in r.stderr


def test_fas201_json_names_every_capped_coroutine_and_the_replacement_cold_and_warm(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    cache = str(tmp_path / "cache")
    outputs = []
    for _ in range(2):  # the second run reads the cache
        r = run(tmp_path, "check", "--isolated", "--format", "json", "--cache-dir", cache, str(examples))
        assert r.returncode == 1, r.stderr
        outputs.append(r.stdout)
        (pool,) = [d for d in json.loads(r.stdout) if d["code"] == "FAS201"]
        assert pool["coroutine"] == "select"
        assert pool["coroutines"] == ["select", "insert", "update", "delete"]
        assert pool["replacement"] == (
            "use a native async client (fake_async_lint.client.AsyncHTTPClient), "
            "with an `asyncio.Semaphore` where a cap is wanted"
        )
    assert outputs[0] == outputs[1]
