"""Environment discovery as type checkers do it: which interpreter, why, and its library roots;
the settings keys and flags that choose it (python, follow-imports, cache-dir)."""

from __future__ import annotations

import argparse
import os
import site
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from libenv import LibraryVenv

from fake_async_lint import config
from fake_async_lint.cli import main
from fake_async_lint.config import ConfigError, Settings
from fake_async_lint.flake8_plugin import Plugin
from fake_async_lint.index.environment import INTERPRETERS_FILE, clear_cache, find_environment

VERSION = "%d.%d" % sys.version_info[:2]
BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def fake_venv(directory: Path, *, system_site: bool = False) -> Path:
    """A virtual environment as `python -m venv` lays it out (the interpreter a symlink), made without running it."""
    bindir = directory / ("Scripts" if os.name == "nt" else "bin")
    bindir.mkdir(parents=True)
    (directory / "pyvenv.cfg").write_text(
        f"home = {os.path.dirname(BASE_PYTHON)}\n"
        f"include-system-site-packages = {'true' if system_site else 'false'}\n"
        f"version = {sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}\n"
    )
    (bindir / "python").symlink_to(BASE_PYTHON)
    sp = directory / "lib" / f"python{VERSION}" / "site-packages"
    sp.mkdir(parents=True)
    return sp


def no_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}


# ---------------------------------------------------------------- which interpreter


def test_python_flag_path_of_a_venv_interpreter(tmp_path: Path) -> None:
    sp = fake_venv(tmp_path / "env")
    env = find_environment(str(tmp_path / "env" / "bin" / "python"), None, environ=no_env())
    assert (env.source, env.is_venv, env.version, env.asked) == ("--python", True, VERSION, False)
    assert env.library_roots == (str(sp),)
    assert env.prefix == str(tmp_path / "env")
    assert any(Path(r, "os.py").is_file() for r in env.stdlib_roots)


def test_python_flag_may_name_the_venv_directory(tmp_path: Path) -> None:
    sp = fake_venv(tmp_path / "env")
    env = find_environment(str(tmp_path / "env"), None, environ=no_env())
    assert env.python == str(tmp_path / "env" / "bin" / "python") and env.library_roots == (str(sp),)


def test_order_python_then_virtual_env_then_dot_venv_then_running(tmp_path: Path) -> None:
    flag_sp = fake_venv(tmp_path / "flag")
    active_sp = fake_venv(tmp_path / "active")
    project = tmp_path / "project"
    project_sp = fake_venv(project / ".venv")
    environ = {**no_env(), "VIRTUAL_ENV": str(tmp_path / "active")}
    python = str(tmp_path / "flag" / "bin" / "python")
    assert find_environment(python, str(project), environ=environ).library_roots == (str(flag_sp),)
    env = find_environment(None, str(project), environ=environ)
    assert (env.source, env.library_roots) == ("$VIRTUAL_ENV", (str(active_sp),))
    env = find_environment(None, str(project), environ=no_env())
    assert (env.source, env.library_roots) == (".venv", (str(project_sp),))
    env = find_environment(None, None, environ=no_env())
    assert env.source == "running interpreter" and env.python == sys.executable


def test_a_venv_directory_named_venv(tmp_path: Path) -> None:
    sp = fake_venv(tmp_path / "venv")
    env = find_environment(None, str(tmp_path), environ=no_env())
    assert (env.source, env.library_roots) == ("venv", (str(sp),))


def test_a_stale_virtual_env_is_passed_over(tmp_path: Path) -> None:
    sp = fake_venv(tmp_path / ".venv")
    env = find_environment(None, str(tmp_path), environ={**no_env(), "VIRTUAL_ENV": str(tmp_path / "deleted")})
    assert (env.source, env.library_roots) == (".venv", (str(sp),))


def test_a_directory_without_pyvenv_cfg_is_not_a_project_venv(tmp_path: Path) -> None:
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    assert find_environment(None, str(tmp_path), environ=no_env()).source == "running interpreter"


def test_running_interpreter_roots_are_its_site_packages() -> None:
    env = find_environment(None, None, environ=no_env())
    sites = [p for p in site.getsitepackages() if os.path.isdir(p)]
    assert sites and env.library_roots[: len(sites)] == tuple(sites) or set(sites) <= set(env.library_roots)
    assert not set(env.library_roots) & set(env.stdlib_roots)
    for root in env.stdlib_roots:  # never a directory that holds site-packages
        assert not any(lib.startswith(root + os.sep) for lib in env.library_roots)


# ---------------------------------------------------------------- .pth and system site-packages


def test_static_pth_path_lines_follow_their_site_dir_and_import_lines_never_run(tmp_path: Path) -> None:
    sp = fake_venv(tmp_path / "env")
    (tmp_path / "src").mkdir()
    (tmp_path / "abs").mkdir()
    marker = tmp_path / "ran"
    (sp / "b-project.pth").write_text(f"# a comment\n../../../../src\n{tmp_path / 'abs'}\n/does/not/exist\n")
    (sp / "a-hook.pth").write_text(f"import os; open({str(marker)!r}, 'w')\n")
    env = find_environment(str(tmp_path / "env"), None, environ=no_env())
    assert env.library_roots == (str(sp), str(tmp_path / "src"), str(tmp_path / "abs"))
    assert not marker.exists()


def test_include_system_site_packages_adds_the_base_site_packages_after(tmp_path: Path) -> None:
    sp = fake_venv(tmp_path / "env", system_site=True)
    env = find_environment(str(tmp_path / "env"), None, environ=no_env())
    base = [p for p in site.getsitepackages([sys.base_prefix]) if os.path.isdir(p)]
    assert env.library_roots[0] == str(sp)
    assert base and all(b in env.library_roots for b in base)


# ---------------------------------------------------------------- asking an interpreter once


def logging_interpreter(path: Path, log: Path) -> Path:
    """A non-venv interpreter: a script that records each start, then runs the real base interpreter."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho started >> "{log}"\nexec "{BASE_PYTHON}" "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.skipif(os.name == "nt", reason="a shell script interpreter")
def test_a_plain_interpreter_is_asked_once_and_the_answer_cached(tmp_path: Path) -> None:
    log = tmp_path / "log"
    exe = logging_interpreter(tmp_path / "inst" / "bin" / "python3", log)
    cache = tmp_path / "cache"
    first = find_environment(str(exe), None, cache_dir=str(cache), environ=no_env())
    assert first.asked and not first.is_venv and first.version == VERSION
    assert set(first.library_roots) >= {p for p in site.getsitepackages([sys.base_prefix]) if os.path.isdir(p)}
    assert log.read_text().count("started") == 1
    assert (cache / INTERPRETERS_FILE).is_file()
    again = find_environment(str(exe), None, cache_dir=str(cache), environ=no_env())
    assert again == first and log.read_text().count("started") == 1  # this process's answer
    clear_cache()
    again = find_environment(str(exe), None, cache_dir=str(cache), environ=no_env())
    assert again == first and log.read_text().count("started") == 1  # the answer cached on disk
    os.utime(exe, ns=(exe.stat().st_atime_ns, exe.stat().st_mtime_ns + 10**9))  # an upgrade in place
    find_environment(str(exe), None, cache_dir=str(cache), environ=no_env())
    assert log.read_text().count("started") == 2


@pytest.mark.skipif(os.name == "nt", reason="a shell script interpreter")
def test_a_corrupt_answer_cache_is_a_miss(tmp_path: Path) -> None:
    log = tmp_path / "log"
    exe = logging_interpreter(tmp_path / "inst" / "bin" / "python3", log)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / INTERPRETERS_FILE).write_text("{not json")
    env = find_environment(str(exe), None, cache_dir=str(tmp_path / "cache"), environ=no_env())
    assert env.asked and log.read_text().count("started") == 1


def test_a_bare_command_name_is_looked_up_on_path() -> None:
    name = os.path.basename(sys.executable)
    env = find_environment(name, None, environ=no_env())
    assert env.source == "--python"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: str(p / "missing" / "python"), "no such file or directory"),
        (lambda p: "no-such-python-command-here", "no such file, and no command of that name on PATH"),
        (lambda p: (p / "d").mkdir() or str(p / "d"), "a directory without bin/python"),
        (lambda p: (p / "f").write_text("x") and str(p / "f"), "not an executable file"),
    ],
)
def test_not_an_interpreter(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    target = make(tmp_path)
    with pytest.raises(ConfigError) as e:
        find_environment(target, None, environ=no_env())
    assert str(e.value) == f"--python {target}: {message}" or str(e.value).startswith(f"--python {target}: {message}")


@pytest.mark.skipif(os.name == "nt", reason="a shell script")
def test_an_executable_that_is_not_python(tmp_path: Path) -> None:
    exe = tmp_path / "fake"
    exe.write_text("#!/bin/sh\necho hello\n")
    exe.chmod(0o755)
    with pytest.raises(ConfigError, match=r"not a Python interpreter"):
        find_environment(str(exe), None, environ=no_env())


def test_cli_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    missing = str(tmp_path / "nope")
    assert main(["libraries", "--isolated", "--python", missing, str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"fake-async-lint: --python {missing}: no such file or directory\n"


# ---------------------------------------------------------------- settings: keys, flags, flake8 options


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.fake-async-lint]\n{table}\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    return tmp_path


def test_defaults() -> None:
    s = Settings()
    assert (s.python, s.follow_imports, s.cache_dir) == (None, "all", None)


def test_keys_from_the_file_paths_relative_to_it(tmp_path: Path) -> None:
    root = project(tmp_path, 'python = ".venv"\nfollow-imports = "Project"\ncache-dir = "cache"')
    (root / ".venv").mkdir()
    s = config.resolve([str(root / "app.py")])
    assert s.python == str(root / ".venv") and s.follow_imports == "project" and s.cache_dir == str(root / "cache")
    assert config.store_dir(s) == root / "cache" / "summaries"


def test_a_bare_command_name_in_the_file_stays_a_command(tmp_path: Path) -> None:
    root = project(tmp_path, 'python = "python3"')
    assert config.resolve([str(root)]).python == "python3"


@pytest.mark.parametrize(
    "line, message",
    [
        ('follow-imports = "some"', "follow-imports: expected one of 'all', 'project', 'none', got 'some'"),
        ("follow-imports = true", "follow-imports: expected one of 'all', 'project', 'none', got a boolean"),
        ("python = 3", "python: expected the path of a Python interpreter or a virtual environment, got an integer"),
        ('python = ""', "python: expected the path of a Python interpreter or a virtual environment, got ''"),
        ("cache-dir = []", "cache-dir: expected the path of a directory, got a list"),
        ('follow_imports = "all"', "follow_imports: unknown key; did you mean 'follow-imports'?"),
    ],
)
def test_bad_values_name_the_key_and_the_file(tmp_path: Path, line: str, message: str) -> None:
    root = project(tmp_path, line)
    with pytest.raises(ConfigError) as e:
        config.resolve([str(root)])
    assert str(e.value) == f"{root / 'pyproject.toml'}: [tool.fake-async-lint] {message}"


def test_store_dir_default_is_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FAKE_ASYNC_LINT_STORE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.store_dir(Settings()) == tmp_path / "xdg" / "fake-async-lint" / "summaries"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config.store_dir(Settings()) == tmp_path / "home" / ".cache" / "fake-async-lint" / "summaries"
    assert config.store_dir(Settings(cache_dir="/x/y")) == Path("/x/y/summaries")


def test_flags_beat_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fake_async_lint import cli

    root = project(tmp_path, 'python = "/from/file"\nfollow-imports = "project"\ncache-dir = "c"')
    monkeypatch.delenv("FAKE_ASYNC_LINT_CACHE_DIR", raising=False)
    args = cli._parser().parse_args(["check", "--python", "/flag", "--follow-imports", "none", "--cache-dir", "d"])
    s = cli._settings(args, [str(root)])
    assert (s.python, s.follow_imports, s.cache_dir) == ("/flag", "none", "d")
    args = cli._parser().parse_args(["check"])
    s = cli._settings(args, [str(root)])
    assert (s.python, s.follow_imports, s.cache_dir) == ("/from/file", "project", str(root / "c"))
    monkeypatch.setenv("FAKE_ASYNC_LINT_CACHE_DIR", "/env/cache")  # the environment variable beats the file
    assert cli._settings(args, [str(root)]).cache_dir == "/env/cache"


def test_bad_flag_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["check", "--follow-imports", "libs"])
    assert e.value.code == 2
    assert "argument --follow-imports: expected one of 'all', 'project', 'none', got 'libs'" in capsys.readouterr().err


def test_check_accepts_the_new_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    code = main(
        ["check", "--isolated", "--no-cache", "--follow-imports", "none", "--python", sys.executable, str(tmp_path)]
    )
    assert code == 1 and "FAS101" in capsys.readouterr().out


def test_flake8_options_parsed() -> None:
    Plugin.parse_options(argparse.Namespace(fas_python=f" {sys.executable} ", fas_follow_imports="PROJECT"))
    assert (Plugin.settings.python, Plugin.settings.follow_imports) == (sys.executable, "project")
    Plugin.parse_options(argparse.Namespace())
    assert (Plugin.settings.python, Plugin.settings.follow_imports) == (None, "all")


def test_flake8_bad_option_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "setup.cfg").write_text("[flake8]\nfas-follow-imports = everything\n")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FAS", "app.py"], cwd=tmp_path, capture_output=True, text=True
    )
    output = proc.stdout + proc.stderr  # flake8 prints its critical errors on stdout
    assert proc.returncode != 0 and "Traceback" not in output
    assert (
        "fake-async-lint: --fas-follow-imports (or fas-follow-imports in the config file): "
        "expected one of 'all', 'project', 'none', got 'everything'" in output
    )


def test_flake8_bad_interpreter_stops_flake8_once(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    (tmp_path / "setup.cfg").write_text(f"[flake8]\nfas-python = {tmp_path / 'nope'}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FAS", "app.py"], cwd=tmp_path, capture_output=True, text=True
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in output and "FAS001" not in output
    assert (
        f"fake-async-lint: --fas-python (or fas-python in the config file): python {tmp_path / 'nope'}: "
        "no such file or directory" in output
    )


# ---------------------------------------------------------------- a real venv


@pytest.mark.slow
def test_real_venv_found_statically(library_venv: LibraryVenv, tmp_path: Path) -> None:
    env = find_environment(str(library_venv.python), None, cache_dir=str(tmp_path), environ=no_env())
    assert env.library_roots == (str(library_venv.site_packages),)
    assert (env.is_venv, env.asked, env.version) == (True, False, VERSION)
    assert not (tmp_path / INTERPRETERS_FILE).exists()  # nothing was run
    active = find_environment(None, None, environ={**no_env(), "VIRTUAL_ENV": str(library_venv.prefix)})
    assert active.source == "$VIRTUAL_ENV" and active.library_roots == env.library_roots
