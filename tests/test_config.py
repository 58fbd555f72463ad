"""[tool.fake-async-lint] in pyproject.toml: every key, how the file is found, precedence, every error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint.cli import main
from fake_async_lint.config import DEFAULT_EXCLUDE, Settings, resolve

APP = "import requests, time\n\n\nasync def handler(url):\n    time.sleep(1)\n    return requests.get(url)\n"
SLEEP = "./app.py:5:5: FAS101 blocking sleep time.sleep() in coroutine 'handler'; use `await asyncio.sleep(...)`"
HTTP = (
    "./app.py:6:12: FAS100 blocking HTTP call requests.get() in coroutine 'handler'; "
    "use `await client.get(...)` on a shared httpx.AsyncClient (fake_async_lint.client.AsyncHTTPClient)"
)


def run(cwd: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = main(["check", "--no-cache", *args])
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def project(tmp_path: Path, table: str, files: dict[str, str] | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.fake-async-lint]\n{table}\n")
    for name, text in (files or {"app.py": APP}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


# ---------------------------------------------------------------- every key


def test_no_table_means_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text(APP)
    assert run(tmp_path, ".", capsys=capsys) == (1, [SLEEP, HTTP], "Found 2 findings in 1 file.\n")


def test_select(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'select = ["FAS101"]')
    assert run(tmp_path, ".", capsys=capsys)[:2] == (1, [SLEEP])


def test_select_lower_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'select = ["fas101", "FAS100"]')
    assert run(tmp_path, ".", capsys=capsys)[:2] == (1, [SLEEP, HTTP])


def test_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'ignore = ["FAS100"]')
    assert run(tmp_path, ".", capsys=capsys)[:2] == (1, [SLEEP])


def test_extend_select(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'select = ["FAS100"]\nextend-select = ["FAS101"]')
    assert run(tmp_path, ".", capsys=capsys)[:2] == (1, [SLEEP, HTTP])


def test_exclude_replaces_the_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'exclude = ["legacy"]', {"legacy/old.py": APP, "build/gen.py": APP})
    assert run(tmp_path, ".", "--select", "FAS101", capsys=capsys)[:2] == (
        1,
        [SLEEP.replace("./app.py", "./build/gen.py")],
    )


def test_extend_exclude_keeps_the_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'extend-exclude = ["legacy", "src/gen_*.py"]', {"legacy/old.py": APP, "build/gen.py": APP})
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "gen_a.py").write_text(APP)
    (tmp_path / "src" / "app.py").write_text(APP)
    code, out, err = run(tmp_path, ".", "--select", "FAS101", capsys=capsys)
    assert (code, out, err) == (1, [SLEEP.replace("./app.py", "./src/app.py")], "Found 1 finding in 1 file.\n")


def test_exclude_is_relative_to_the_config_file_and_applies_to_named_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project(tmp_path, 'extend-exclude = ["src/legacy"]', {"src/legacy/old.py": APP, "src/new.py": APP})
    # run from a sub-directory, naming the excluded file as pre-commit would
    code, out, err = run(tmp_path / "src", "legacy/old.py", "new.py", "--select", "FAS101", capsys=capsys)
    assert (code, out, err) == (1, [SLEEP.replace("./app.py", "new.py")], "Found 1 finding in 1 file.\n")


def test_per_file_ignores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = '[tool.fake-async-lint.per-file-ignores]\n"tests/*" = ["FAS101"]\n"scripts/*.py" = ["FAS100", "FAS101"]'
    project(tmp_path, table, {"tests/test_a.py": APP, "scripts/run.py": APP, "app.py": APP})
    code, out, _ = run(tmp_path, ".", capsys=capsys)
    assert (code, out) == (1, [SLEEP, HTTP, HTTP.replace("./app.py", "./tests/test_a.py")])


def test_per_file_ignores_are_relative_to_the_config_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = '[tool.fake-async-lint.per-file-ignores]\n"pkg/app.py" = ["FAS100"]\n"test_*.py" = ["FAS"]'
    project(tmp_path, table, {"pkg/app.py": APP, "pkg/test_x.py": APP})
    code, out, _ = run(tmp_path / "pkg", ".", capsys=capsys)
    assert (code, out) == (1, [SLEEP])


def test_extra_blocking_string_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = (
        "[tool.fake-async-lint.extra-blocking]\n"
        '"mycorp.db.query" = "mycorp.db.aquery"\n'
        '"mycorp.db.connect" = { code = "FAS102", replacement = "use `await mycorp.db.aconnect()`", '
        'returns = "mycorp.db.Conn" }\n'
        '"mycorp.db.Conn.fetch" = { code = "FAS102", replacement = "mycorp.db.AConn.fetch" }\n'
    )
    src = "import mycorp.db\n\n\nasync def f():\n    mycorp.db.query()\n    c = mycorp.db.connect()\n    c.fetch()\n"
    project(tmp_path, table, {"app.py": src})
    assert run(tmp_path, ".", capsys=capsys)[:2] == (
        1,
        [
            "./app.py:5:5: FAS106 blocking SDK call mycorp.db.query() in coroutine 'f'; use `await mycorp.db.aquery(...)`",
            "./app.py:6:9: FAS102 blocking database call mycorp.db.connect() in coroutine 'f'; "
            "use `await mycorp.db.aconnect()`",
            "./app.py:7:5: FAS102 blocking database call mycorp.db.Conn.fetch() in coroutine 'f'; "
            "use `await mycorp.db.AConn.fetch(...)`",
        ],
    )


def test_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'safe = ["time.sleep"]')
    assert run(tmp_path, ".", capsys=capsys)[:2] == (1, [HTTP])


@pytest.mark.parametrize(("library", "advice"), [("trio", "trio.sleep"), ("anyio", "anyio.sleep")])
def test_async_library(tmp_path: Path, capsys: pytest.CaptureFixture[str], library: str, advice: str) -> None:
    project(tmp_path, f'async-library = "{library}"')
    assert run(tmp_path, ".", "--select", "FAS101", capsys=capsys)[:2] == (
        1,
        [SLEEP.replace("asyncio.sleep", advice)],
    )


def test_max_depth_is_read(tmp_path: Path) -> None:
    project(tmp_path, "max-depth = 2")
    assert resolve([str(tmp_path)]).max_depth == 2


def test_resolve_fills_every_field(tmp_path: Path) -> None:
    project(
        tmp_path,
        'select = ["FAS1"]\nextend-select = ["FAS001"]\nignore = ["FAS109"]\nexclude = ["a"]\n'
        'extend-exclude = ["./b/"]\nsafe = ["time.sleep"]\nasync-library = "auto"\nmax-depth = 7\n'
        '[tool.fake-async-lint.per-file-ignores]\n"t/*" = ["FAS1"]\n'
        '[tool.fake-async-lint.extra-blocking]\n"m.f" = "m.af"\n',
    )
    assert resolve([str(tmp_path / "app.py")]) == Settings(
        select=("FAS1",),
        extend_select=("FAS001",),
        ignore=("FAS109",),
        exclude=("a",),
        extend_exclude=("b",),
        per_file_ignores=(("t/*", ("FAS1",)),),
        extra_blocking={"m.f": "m.af"},
        safe=("time.sleep",),
        async_library=None,
        max_depth=7,
        root=str(tmp_path),
        config_file=str(tmp_path / "pyproject.toml"),
    )


# ---------------------------------------------------------------- finding the file, precedence


def test_nearest_pyproject_with_the_table_wins_and_ones_without_are_skipped(tmp_path: Path) -> None:
    project(tmp_path, 'select = ["FAS101"]')
    sub = tmp_path / "packages" / "lib"
    sub.mkdir(parents=True)
    (sub / "pyproject.toml").write_text("[project]\nname = 'lib'\n")
    assert resolve([str(sub)]).select == ("FAS101",)
    (sub / "pyproject.toml").write_text("[tool.fake-async-lint]\nselect = ['FAS100']\n")
    assert resolve([str(sub)]).select == ("FAS100",)
    assert resolve([str(sub)]).root == str(sub)


def test_only_the_first_path_finds_the_config(tmp_path: Path) -> None:
    project(tmp_path / "a", 'select = ["FAS101"]')
    project(tmp_path / "b", 'select = ["FAS100"]')
    assert resolve([str(tmp_path / "b" / "app.py"), str(tmp_path / "a")]).select == ("FAS100",)


def test_config_flag_overrides_discovery_and_isolated_ignores_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project(tmp_path, 'select = ["FAS101"]')
    other = tmp_path / "other.toml"
    other.write_text('[tool.fake-async-lint]\nselect = ["FAS100"]\n')
    assert run(tmp_path, ".", "--config", "other.toml", capsys=capsys)[:2] == (1, [HTTP])
    assert run(tmp_path, ".", "--isolated", capsys=capsys)[:2] == (1, [SLEEP, HTTP])


def test_flags_win_over_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'select = ["FAS101"]\nasync-library = "trio"\nsafe = ["requests.get"]')
    assert run(tmp_path, ".", "--select", "FAS1", "--async-library", "auto", "--safe", "", capsys=capsys)[:2] == (
        1,
        [SLEEP, HTTP],
    )


def test_unrelated_pyproject_sections_are_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n[tool.fake-async-lint]\n")
    (tmp_path / "app.py").write_text(APP)
    assert run(tmp_path, ".", capsys=capsys)[0] == 1


def test_default_exclude_is_kept_without_a_file() -> None:
    assert Settings().exclude == DEFAULT_EXCLUDE


# ---------------------------------------------------------------- errors: exit 2, one clear line


def _error(tmp_path: Path, table: str, capsys: pytest.CaptureFixture[str]) -> str:
    project(tmp_path, table)
    code, out, err = run(tmp_path, ".", capsys=capsys)
    assert (code, out) == (2, [])
    return err


P = "{p}: [tool.fake-async-lint]"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("selct = []", P + " selct: unknown key; did you mean 'select'?"),
        ("extend_select = []", P + " extend_select: unknown key; did you mean 'extend-select'?"),
        (
            "colour = 1",
            P + " colour: unknown key; expected one of: async-library, cache-dir, exclude, extend-exclude, "
            "extend-select, extra-blocking, extra-hops, follow-imports, ignore, max-depth, per-file-ignores, python, "
            "safe, select, src",
        ),
        (
            'select = ["FAS999"]',
            P + " select: 'FAS999' is not a rule code or prefix (`fake-async-lint rules` lists them)",
        ),
        ('ignore = ["E501"]', P + " ignore: 'E501' is not a rule code or prefix (`fake-async-lint rules` lists them)"),
        (
            'extend-select = [""]',
            P + " extend-select: '' is not a rule code or prefix (`fake-async-lint rules` lists them)",
        ),
        ("select = 5", P + " select: expected a list of strings, got an integer"),
        ("select = [1]", P + " select: expected a list of strings, got an integer in the list"),
        ('select = "FAS1"', P + ' select: expected a list of strings, got a string; write ["FAS1"]'),
        ('extend-select = "FAS204"', P + ' extend-select: expected a list of strings, got a string; write ["FAS204"]'),
        (
            'ignore = "FAS100, FAS101"',
            P + ' ignore: expected a list of strings, got a string; write ["FAS100", "FAS101"]',
        ),
        ('exclude = "build"', P + ' exclude: expected a list of strings, got a string; write ["build"]'),
        ('extend-exclude = "tests"', P + ' extend-exclude: expected a list of strings, got a string; write ["tests"]'),
        ("extend-exclude = [1]", P + " extend-exclude: expected a list of strings, got an integer in the list"),
        ("extend-exclude = [[]]", P + " extend-exclude: expected a list of strings, got a list in the list"),
        ('src = "src"', P + ' src: expected a list of strings, got a string; write ["src"]'),
        ("src = [1]", P + " src: expected a list of strings, got an integer in the list"),
        ('src = [" "]', P + " src: expected a list of folder names, got an empty name"),
        ('per-file-ignores = ["x"]', P + " per-file-ignores: expected a table of glob = [codes], got a list"),
        (
            '[tool.fake-async-lint.per-file-ignores]\n"tests/*" = ["FAS1", "X1"]',
            P + " per-file-ignores: 'tests/*': 'X1' is not a rule code or prefix (`fake-async-lint rules` lists them)",
        ),
        (
            '[tool.fake-async-lint.per-file-ignores]\n"tests/*" = 3',
            P + " per-file-ignores: 'tests/*': expected a list of strings, got an integer",
        ),
        (
            '[tool.fake-async-lint.per-file-ignores]\n"tests/*" = "FAS1"',
            P + " per-file-ignores: 'tests/*': expected a list of strings, got a string; write [\"FAS1\"]",
        ),
        ('extra-blocking = "x"', P + " extra-blocking: expected a table of qualified name = replacement, got a string"),
        (
            '[tool.fake-async-lint.extra-blocking]\n"my corp.q" = "x"',
            P + " extra-blocking: 'my corp.q' is not a qualified name like 'package.module.function'",
        ),
        (
            '[tool.fake-async-lint.extra-blocking]\n"m.q" = 3',
            P + " extra-blocking: m.q: expected a replacement string or a table",
        ),
        (
            '[tool.fake-async-lint.extra-blocking]\n"m.q" = { code = "FAS200", replacement = "m.aq" }',
            P + " extra-blocking: m.q: code 'FAS200' is not one of FAS100, FAS101, FAS102, FAS103, FAS104, FAS105, "
            "FAS106, FAS107, FAS108, FAS109",
        ),
        (
            '[tool.fake-async-lint.extra-blocking]\n"m.q" = { replacement = "" }',
            P + " extra-blocking: m.q: 'replacement' must be a non-empty string",
        ),
        (
            '[tool.fake-async-lint.extra-blocking]\n"m.q" = { replacement = "m.aq", return = "T" }',
            P + " extra-blocking: m.q: unknown key(s) return",
        ),
        (
            '[tool.fake-async-lint.extra-blocking]\n"m.q" = { replacement = "m.aq", returns = 1 }',
            P + " extra-blocking: m.q: 'returns' must be a string",
        ),
        ('safe = "time.sleep"', P + ' safe: expected a list of strings, got a string; write ["time.sleep"]'),
        ('safe = ["time.sleep", 1]', P + " safe: expected a list of strings, got an integer in the list"),
        ("safe = 1", P + " safe: expected a list of strings, got an integer"),
        ('safe = ["a b"]', P + " safe: 'a b' is not a qualified name like 'package.module.function'"),
        (
            'async-library = "curio"',
            P + " async-library: expected one of 'asyncio', 'anyio', 'trio', 'auto', got 'curio'",
        ),
        ("async-library = 1", P + " async-library: expected one of 'asyncio', 'anyio', 'trio', 'auto', got an integer"),
        ("max-depth = 0", P + " max-depth: expected an integer >= 1, got 0"),
        ("max-depth = true", P + " max-depth: expected an integer >= 1, got a boolean"),
        ("max-depth = 2.5", P + " max-depth: expected an integer >= 1, got a float"),
        ('max-depth = "deep"', P + " max-depth: expected an integer >= 1, got 'deep'"),
    ],
)
def test_bad_values(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str | None) -> None:
    project(tmp_path, table)
    code, out, err = run(tmp_path, ".", capsys=capsys)
    if message is None:
        assert code == 1
        return
    assert (code, out, err) == (2, [], f"fake-async-lint: {message.format(p=tmp_path / 'pyproject.toml')}\n")


def test_malformed_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fake-async-lint]\nselect = [\n")
    (tmp_path / "app.py").write_text(APP)
    code, out, err = run(tmp_path, ".", capsys=capsys)
    assert (code, out) == (2, [])
    assert err == f"fake-async-lint: {tmp_path / 'pyproject.toml'}: invalid TOML: Invalid value (at end of document)\n"


def test_malformed_pyproject_without_our_table_still_stops_the_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")
    (tmp_path / "app.py").write_text(APP)
    code, out, err = run(tmp_path, ".", capsys=capsys)
    assert (code, out, err) == (
        2,
        [],
        f"fake-async-lint: {tmp_path / 'pyproject.toml'}: invalid TOML: "
        "Expected ']' at the end of a table declaration (at line 1, column 9)\n",
    )


def test_table_that_is_not_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool]\n"fake-async-lint" = 3\n')
    (tmp_path / "app.py").write_text(APP)
    code, out, err = run(tmp_path, ".", capsys=capsys)
    assert (code, out, err) == (
        2,
        [],
        f"fake-async-lint: {tmp_path / 'pyproject.toml'}: [tool.fake-async-lint] must be a table, got an integer\n",
    )


def test_config_flag_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "other.toml").write_text("[tool.black]\n")
    assert run(tmp_path, "--config", "missing.toml", capsys=capsys) == (
        2,
        [],
        "fake-async-lint: missing.toml: cannot read config file: no such file\n",
    )
    assert run(tmp_path, "--config", "other.toml", capsys=capsys) == (
        2,
        [],
        "fake-async-lint: other.toml: no [tool.fake-async-lint] table\n",
    )
    assert run(tmp_path, "--config", ".", capsys=capsys) == (
        2,
        [],
        "fake-async-lint: .: cannot read config file: it is a directory\n",
    )


def test_non_utf8_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.fake-async-lint]\nselect = ['\xff']\n")
    (tmp_path / "app.py").write_text(APP)
    assert run(tmp_path, ".", capsys=capsys) == (
        2,
        [],
        f"fake-async-lint: {tmp_path / 'pyproject.toml'}: invalid TOML: not UTF-8 text\n",
    )


def test_config_errors_never_show_a_traceback_in_the_real_command(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fake-async-lint]\nmax-depth = -1\n")
    (tmp_path / "app.py").write_text(APP)
    proc = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2,
        "",
        f"fake-async-lint: {tmp_path / 'pyproject.toml'}: [tool.fake-async-lint] max-depth: "
        "expected an integer >= 1, got -1\n",
    )


# ---------------------------------------------------------------- the documented examples work as written

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def _block(lang: str) -> str:
    text = DOC.read_text()
    start = text.index(f"```{lang}\n") + len(lang) + 4
    return text[start : text.index("```", start)]


def test_documented_pyproject_example_is_valid(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(_block("toml"))
    settings = resolve([str(tmp_path)])
    assert (settings.extend_select, settings.ignore, settings.safe, settings.async_library, settings.max_depth) == (
        ("FAS204",),
        ("FAS109",),
        ("time.sleep",),
        "anyio",
        4,
    )
    assert settings.per_file_ignores == (("tests/*", ("FAS101", "FAS104")), ("scripts/*.py", ("FAS1",)))
    assert sorted(settings.extra_blocking) == ["mycorp.db.Connection.fetch", "mycorp.db.connect", "mycorp.db.query"]


def test_documented_flake8_example_is_valid(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(_block("ini"))
    (tmp_path / "app.py").write_text(
        "import mycorp.db\n\n\nasync def f(x):\n    await x\n    c = mycorp.db.connect()\n    c.fetch()\n"
    )
    proc = subprocess.run([sys.executable, "-m", "flake8", "app.py"], cwd=tmp_path, capture_output=True, text=True)
    assert [line for line in proc.stdout.splitlines() if ": FAS" in line] == [
        "app.py:6:9: FAS102 blocking database call mycorp.db.connect() in coroutine 'f'; "
        "use `await mycorp.db.aconnect()`",
        "app.py:7:5: FAS102 blocking database call mycorp.db.Connection.fetch() in coroutine 'f'; "
        "use `await mycorp.db.AsyncConnection.fetch(...)`",
    ]
    assert proc.stderr == ""
