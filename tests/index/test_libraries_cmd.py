"""`fake-async-lint libraries`: the environment used and why, the distributions there, what was analysed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from libenv import FIXTURES, LIBRARY_PINS, LibraryVenv
from test_environment import VERSION, fake_venv

from fake_async_lint.cli import main
from fake_async_lint.index import libraries_command
from fake_async_lint.index.libraries_command import Counts


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a .venv holding the fixture distributions; no $VIRTUAL_ENV."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("FAKE_ASYNC_LINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("FAKE_ASYNC_LINT_STORE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "proj"
    sp = fake_venv(root / ".venv")
    shutil.rmtree(sp)
    shutil.copytree(FIXTURES / "site-packages-dists", sp)
    (root / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    (root / "app.py").write_text("x = 1\n")
    return root


@pytest.fixture
def no_source() -> Iterator[None]:
    yield
    libraries_command.set_analysed_source(None)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["libraries", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(proj))
    sp = proj / ".venv" / "lib" / f"python{VERSION}" / "site-packages"
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[0] == f"python: {proj}/.venv/bin/python (Python {VERSION}, virtual environment at {proj}/.venv)"
    assert lines[1] == "  chosen by: a .venv directory in the project root"
    assert lines[2:4] == ["library roots:", f"  {sp}"]
    assert lines[4] == "standard library (the catalog's job, not followed):"
    tail = lines[lines.index("follow-imports: all: calls into these libraries are followed") :]
    assert tail == [
        "follow-imports: all: calls into these libraries are followed",
        f"summary store: {proj.parent / 'xdg' / 'fake-async-lint' / 'summaries'}",
        "distributions: 6",
        "  alpha     1.0",
        "  legacy    0.9",
        "  nometa    1.2",
        "  nsp-one   2.0",
        "  nsp-two   3.1",
        "  Solo_Pkg  0.5",
        "analysed: 0 of 6 distributions: 0 modules, 0 functions, 0 blocking, 0 hops, 0 async",
    ]


def test_json_and_the_analysed_counts_fed_by_the_store(
    proj: Path, capsys: pytest.CaptureFixture[str], no_source: None
) -> None:
    seen = []

    def source(settings, env, dists):  # type: ignore[no-untyped-def]
        seen.append((settings.follow_imports, env.source, len(dists)))
        return {"alpha==1.0": Counts(3, 20, 4, 1, 2), "nsp-one==2.0": Counts(1, 2, 0, 0, 2)}

    libraries_command.set_analysed_source(source)
    code, out, _ = run(capsys, "--format", "json", "--follow-imports", "project", str(proj))
    data = json.loads(out)
    assert code == 0 and seen == [("project", ".venv", 6)]
    assert data["environment"]["source"] == ".venv" and data["environment"]["virtualenv"] is True
    assert data["follow_imports"] == "project" and data["followed"] is False
    alpha = data["distributions"][0]
    assert alpha == {
        "name": "alpha",
        "version": "1.0",
        "key": "alpha==1.0",
        "root": data["environment"]["library_roots"][0],
        "top_level": ["alpha"],
        "editable": None,
        "analysed": {"modules": 3, "functions": 20, "blocking": 4, "hops": 1, "awaitable": 2},
    }
    assert data["distributions"][1]["analysed"] is None
    assert data["analysed"] == {
        "distributions": 2,
        "modules": 4,
        "functions": 22,
        "blocking": 4,
        "hops": 1,
        "awaitable": 4,
    }
    code, out, _ = run(capsys, "--follow-imports", "project", str(proj))
    assert "  alpha     1.0  analysed: 3 modules, 20 functions, 4 blocking, 1 hops, 2 async" in out.splitlines()
    assert "follow-imports: project: installed libraries are not followed (follow-imports = project)" in out
    assert (
        out.splitlines()[-1] == "analysed: 2 of 6 distributions: 4 modules, 22 functions, 4 blocking, 1 hops, 4 async"
    )


def test_config_keys_are_used(proj: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other_sp = fake_venv(tmp_path / "elsewhere")
    (proj / "pyproject.toml").write_text(
        '[tool.fake-async-lint]\npython = "../elsewhere"\nfollow-imports = "none"\ncache-dir = ".cache/fal"\n'
    )
    data = json.loads(run(capsys, "--format", "json", str(proj / "app.py"))[1])
    assert data["environment"]["library_roots"] == [str(other_sp)]
    assert data["environment"]["source"] == "--python"
    assert (data["follow_imports"], data["store"]) == ("none", str(proj / ".cache/fal/summaries"))
    assert data["distributions"] == []


def test_virtual_env_and_flags(
    proj: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    active = fake_venv(tmp_path / "active")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    data = json.loads(run(capsys, "--format", "json", str(proj))[1])
    assert data["environment"]["source"] == "$VIRTUAL_ENV" and data["environment"]["library_roots"] == [str(active)]
    data = json.loads(
        run(capsys, "--format", "json", "--python", str(proj / ".venv"), "--cache-dir", "/c", str(proj))[1]
    )
    assert data["environment"]["source"] == "--python" and data["store"] == "/c/summaries"
    assert len(data["distributions"]) == 6


def test_errors_exit_2(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(proj / "missing.py")) == (
        2,
        "",
        f"fake-async-lint: {proj / 'missing.py'}: no such file or directory\n",
    )
    (proj / "pyproject.toml").write_text('[tool.fake-async-lint]\npython = "nowhere/python"\n')
    code, out, err = run(capsys, str(proj))
    assert (code, out) == (2, "")
    assert err == (
        f"fake-async-lint: {proj / 'pyproject.toml'}: [tool.fake-async-lint] python: "
        f"{proj / 'nowhere/python'}: no such file or directory\n"
    )


def test_as_a_command(proj: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    proc = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "libraries", "--isolated"],
        cwd=proj,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0 and proc.stderr == ""
    assert "  chosen by: a .venv directory in the project root" in proc.stdout


@pytest.mark.slow
def test_real_venv(library_venv: LibraryVenv, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(capsys, "--isolated", "--format", "json", "--python", str(library_venv.python))[1])
    names = {(d["name"].lower().replace("_", "-"), d["version"]) for d in data["distributions"]}
    assert {tuple(pin.split("==")) for pin in LIBRARY_PINS} <= names
    assert data["environment"]["library_roots"] == [str(library_venv.site_packages)]
