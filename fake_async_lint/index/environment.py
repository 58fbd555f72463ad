"""The target environment: which interpreter's installed libraries the analysis reads.

As type checkers do, the interpreter is `--python PATH` (config `python`), else
`$VIRTUAL_ENV`, else a `.venv` or `venv` directory in the project root, else
the interpreter running the tool. Its library roots (site-packages and the
directories that static `.pth` lines add) are found without executing
anything the environment holds:

- a virtual environment is read from disk: `pyvenv.cfg`, `lib/pythonX.Y/
  site-packages` (`Lib/site-packages` on Windows), the `.pth` files in it;
  the standard library is its base interpreter's;
- any other interpreter is asked once, with `-I -S` (isolated, without the
  `site` module, so no `.pth` file and no code of the project or of a library
  runs) for its prefix, version and standard paths; the answer is cached on
  disk, keyed by the interpreter's path, size and modification time;
- the running interpreter answers in-process.

`.pth` lines that start with `import` are code and are skipped: only path lines count.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .. import config
from ..config import ConfigError, Settings
from .resolver import project_root
from .store import replace_file

SOURCES = ("--python", "$VIRTUAL_ENV", ".venv", "venv", "running interpreter")
VENV_DIRS = (".venv", "venv")
INTERPRETERS_FILE = "interpreters.json"
ASK_TIMEOUT = 20.0
# what an interpreter is asked: standard paths only, with the site module off (no .pth, no sitecustomize)
_ASK = (
    "import json, site, sys, sysconfig\n"
    "p = sysconfig.get_paths()\n"
    "print(json.dumps({'prefix': sys.prefix, 'base_prefix': sys.base_prefix,"
    " 'version': '%d.%d' % sys.version_info[:2], 'path': sys.path,"
    " 'stdlib': [p.get('stdlib', ''), p.get('platstdlib', '')],"
    " 'site_packages': site.getsitepackages(),"
    " 'user_site': site.getusersitepackages() if site.check_enableusersite() is not False else ''}))\n"
)


@dataclass(frozen=True)
class Environment:
    python: str  # the interpreter's path as found (not resolved through symlinks)
    source: str  # why this one: one of SOURCES
    prefix: str  # the environment's directory (the venv, or the installation's prefix)
    version: str  # "3.11"; "" when it could not be told
    library_roots: tuple[str, ...]  # site-packages and other non-stdlib sys.path dirs, in sys.path order
    stdlib_roots: tuple[str, ...]
    is_venv: bool = False
    asked: bool = False  # whether an interpreter was run (or its cached answer used) to find the paths

    def to_dict(self) -> dict[str, Any]:
        return {
            "python": self.python,
            "source": self.source,
            "prefix": self.prefix,
            "version": self.version,
            "virtualenv": self.is_venv,
            "library_roots": list(self.library_roots),
            "stdlib_roots": list(self.stdlib_roots),
        }


def find_environment(
    python: Optional[str] = None,
    project_root: Optional[str] = None,
    *,
    cache_dir: Optional[str] = None,
    origin: str = "--python",
    environ: Optional[dict[str, str]] = None,
) -> Environment:
    """The environment whose libraries are followed; `ConfigError` for a `python` that is not one.

    `origin` names where `python` came from in error messages; `cache_dir` is where answers
    of asked interpreters are kept (None: not kept)."""
    env = os.environ if environ is None else environ
    if python is not None:
        exe = _interpreter(python, origin)
        return _describe(exe, "--python", cache_dir, origin)
    virtual_env = env.get("VIRTUAL_ENV", "").strip()
    if virtual_env:
        exe_or_none = _venv_interpreter(Path(virtual_env))
        if exe_or_none is not None:  # a stale $VIRTUAL_ENV (deleted venv) is passed over
            return _describe(exe_or_none, "$VIRTUAL_ENV", cache_dir, "$VIRTUAL_ENV")
    if project_root is not None:
        for name in VENV_DIRS:
            d = Path(project_root) / name
            if (d / "pyvenv.cfg").is_file():
                exe_or_none = _venv_interpreter(d)
                if exe_or_none is not None:
                    return _describe(exe_or_none, name, cache_dir, str(d))
    return _running()


# ---------------------------------------------------------------- which interpreter


def _venv_interpreter(directory: Path) -> Optional[str]:
    for rel in ("bin/python", "bin/python3", "Scripts/python.exe", "python.exe"):
        candidate = directory / rel
        if candidate.is_file():
            return str(candidate)
    return None


def _interpreter(text: str, origin: str) -> str:
    """`text` as an interpreter path: a file, a virtual environment's directory, or a command on PATH."""
    path = Path(text)
    if not path.exists() and os.sep not in text and "/" not in text:
        found = shutil.which(text)
        if found is None:
            raise ConfigError(f"{origin} {text}: no such file, and no command of that name on PATH")
        return found
    if not path.exists():
        raise ConfigError(f"{origin} {text}: no such file or directory")
    if path.is_dir():
        exe = _venv_interpreter(path)
        if exe is None:
            raise ConfigError(
                f"{origin} {text}: a directory without bin/python: give a Python interpreter or a virtual environment"
            )
        return exe
    if not os.access(path, os.X_OK):
        raise ConfigError(f"{origin} {text}: not an executable file: give a Python interpreter")
    return str(path)


def _pyvenv_cfg(exe: str) -> Optional[Path]:
    """The pyvenv.cfg that makes `exe` a virtual environment's interpreter (PEP 405 places it above bin/)."""
    here = Path(os.path.abspath(exe)).parent
    for d in (here.parent, here):
        if (d / "pyvenv.cfg").is_file():
            return d / "pyvenv.cfg"
    return None


def _read_cfg(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return values
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


# ---------------------------------------------------------------- paths


def _describe(exe: str, source: str, cache_dir: Optional[str], origin: str) -> Environment:
    if _same_file(exe, sys.executable) and _pyvenv_cfg(exe) == _pyvenv_cfg(sys.executable):
        running = _running()
        return Environment(
            exe, source, running.prefix, running.version, running.library_roots, running.stdlib_roots, running.is_venv
        )
    cfg = _pyvenv_cfg(exe)
    if cfg is not None:
        return _venv(exe, source, cfg, cache_dir, origin)
    answer = _ask(exe, cache_dir, origin)
    return _from_answer(exe, source, answer, asked=True)


def _running() -> Environment:
    """The interpreter running the tool: its own standard paths, no subprocess."""
    # sys.path's entries under the base installation; not sysconfig's platstdlib, which in a venv is
    # the venv's lib/pythonX.Y, the parent of its site-packages
    stdlib = _existing([p for p in sys.path if _is_stdlib_entry(p)])
    sites: list[str] = []
    if site.ENABLE_USER_SITE:
        sites.append(site.getusersitepackages())
    sites.extend(site.getsitepackages())
    roots = _with_pth(_existing(sites), stdlib)
    is_venv = sys.prefix != sys.base_prefix
    version = "%d.%d" % sys.version_info[:2]
    return Environment(sys.executable, "running interpreter", sys.prefix, version, roots, stdlib, is_venv)


def _is_stdlib_entry(entry: str) -> bool:
    """A sys.path entry of the standard library (python3X.zip, lib/python3.X, lib-dynload)."""
    if not entry:
        return False
    base = os.path.normcase(os.path.abspath(entry))
    for prefix in {sys.base_prefix, sys.base_exec_prefix}:
        p = os.path.normcase(os.path.abspath(prefix))
        if base.startswith(p + os.sep) and "site-packages" not in base and "dist-packages" not in base:
            return True
    return False


def _venv(exe: str, source: str, cfg: Path, cache_dir: Optional[str], origin: str) -> Environment:
    prefix = cfg.parent
    values = _read_cfg(cfg)
    version = _short_version(values.get("version_info") or values.get("version") or "")
    sites = _venv_site_packages(prefix, version)
    if not version and sites:
        version = _short_version(Path(sites[0]).parent.name.replace("python", ""))
    base = _base_environment(values, version, cache_dir, origin)
    stdlib = base.stdlib_roots if base is not None else ()
    if values.get("include-system-site-packages", "false").lower() == "true" and base is not None:
        sites.extend(r for r in base.library_roots if r not in sites)
    roots = _with_pth(sites, stdlib)
    return Environment(
        exe, source, str(prefix), version, roots, stdlib, is_venv=True, asked=base.asked if base is not None else False
    )


def _venv_site_packages(prefix: Path, version: str) -> list[str]:
    found: list[str] = []
    for lib in ("lib", "lib64"):
        d = prefix / lib
        names = [f"python{version}"] if version else []
        if not names and d.is_dir():
            names = sorted(n.name for n in d.iterdir() if n.name.startswith("python"))
        for name in names:
            sp = d / name / "site-packages"
            if sp.is_dir() and not any(_same_file(str(sp), f) for f in found):
                found.append(str(sp))
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir() and not any(_same_file(str(windows), f) for f in found):
        found.append(str(windows))
    return found


def _base_environment(
    values: dict[str, str], version: str, cache_dir: Optional[str], origin: str
) -> Optional[Environment]:
    """The interpreter a venv was made from (pyvenv.cfg `home`): its stdlib and, if asked for, its site-packages."""
    home = values.get("home", "")
    if not home:
        return None
    candidates = (
        [f"python{version}", "python3", "python", "python.exe"] if version else ["python3", "python", "python.exe"]
    )
    for name in candidates:
        exe = Path(home) / name
        if exe.is_file():
            break
    else:
        return None
    if _same_file(str(exe), sys.executable) or _same_file(str(exe), getattr(sys, "_base_executable", "")):
        if "%d.%d" % sys.version_info[:2] == version or not version:
            running = _running_base()
            if running is not None:
                return running
    # a static guess first: <home>/../lib/pythonX.Y is the standard library of a posix installation
    if version:
        base_prefix = Path(home).parent
        stdlib_dir = base_prefix / "lib" / f"python{version}"
        if (stdlib_dir / "os.py").is_file():
            stdlib = _existing(
                [
                    str(base_prefix / "lib" / f"python{version.replace('.', '')}.zip"),
                    str(stdlib_dir),
                    str(stdlib_dir / "lib-dynload"),
                ]
            )
            sites = _existing([str(stdlib_dir / "site-packages")])
            return Environment(str(exe), "base", str(base_prefix), version, tuple(sites), stdlib)
    try:
        answer = _ask(str(exe), cache_dir, origin)
    except ConfigError:
        return None
    return _from_answer(str(exe), "base", answer, asked=True)


def _running_base() -> Optional[Environment]:
    """The running interpreter's base installation (when a venv was made from it)."""
    stdlib = _existing([p for p in sys.path if _is_stdlib_entry(p)])
    if not stdlib:
        return None
    sites = _existing(site.getsitepackages([sys.base_prefix]))
    return Environment(sys.executable, "base", sys.base_prefix, "%d.%d" % sys.version_info[:2], tuple(sites), stdlib)


def _from_answer(exe: str, source: str, answer: dict[str, Any], asked: bool) -> Environment:
    prefix = str(answer.get("prefix", ""))
    sites = [str(s) for s in answer.get("site_packages", []) if isinstance(s, str)]
    user = answer.get("user_site")
    if isinstance(user, str) and user:
        sites.insert(0, user)  # site.py puts the user site before the global one
    stdlib_given = [str(p) for p in answer.get("path", []) if isinstance(p, str) and p]
    stdlib_given += [str(p) for p in answer.get("stdlib", []) if isinstance(p, str) and p]
    stdlib = _existing(stdlib_given)
    roots = _with_pth(_existing(sites), stdlib)
    is_venv = answer.get("prefix") != answer.get("base_prefix")
    return Environment(exe, source, prefix, str(answer.get("version", "")), roots, stdlib, is_venv, asked)


def _with_pth(sites: list[str] | tuple[str, ...], stdlib: tuple[str, ...]) -> tuple[str, ...]:
    """Each site dir followed by the directories its .pth files name (alphabetical, as site.py reads them)."""
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normcase(os.path.realpath(path))
        if key not in seen and not any(_same_file(path, s) for s in stdlib):
            seen.add(key)
            out.append(path)

    for d in sites:
        add(d)
        try:
            names = sorted(n for n in os.listdir(d) if n.endswith(".pth") and not n.startswith("."))
        except OSError:
            continue
        for name in names:
            for line in _pth_lines(os.path.join(d, name)):
                full = os.path.normpath(os.path.join(d, line))
                if os.path.isdir(full):
                    add(full)
    return tuple(out)


def _pth_lines(path: str) -> list[str]:
    """The path lines of a .pth file; `import` lines are code, never run, and skipped."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return []
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith(("import ", "import\t")):
            continue
        lines.append(line)
    return lines


# ---------------------------------------------------------------- asking an interpreter, once


# answers already had in this process (flake8 and the language server build an index per file)
_ANSWERS: dict[str, dict[str, Any]] = {}


def _ask(exe: str, cache_dir: Optional[str], origin: str) -> dict[str, Any]:
    key, st = _key(exe)
    if st is not None and key in _ANSWERS:
        return _ANSWERS[key]
    answer = _ask_uncached(exe, key, st, cache_dir, origin)
    if st is not None:
        _ANSWERS[key] = answer
    return answer


def _ask_uncached(
    exe: str, key: str, st: Optional[os.stat_result], cache_dir: Optional[str], origin: str
) -> dict[str, Any]:
    store = Path(cache_dir) / INTERPRETERS_FILE if cache_dir else None
    cached = _read_answers(store).get(key) if store is not None else None
    if isinstance(cached, dict):
        return cached
    try:
        proc = subprocess.run(
            [exe, "-I", "-S", "-c", _ASK],
            capture_output=True,
            text=True,
            timeout=ASK_TIMEOUT,
            cwd=tempfile.gettempdir(),  # nothing of the project's directory is importable
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise ConfigError(f"{origin} {exe}: cannot run it as a Python interpreter: {e}") from None
    answer: Any = None
    if proc.returncode == 0:
        try:
            answer = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("path"), list):
        raise ConfigError(f"{origin} {exe}: not a Python interpreter (it did not answer `-c 'import sys'` as one)")
    if store is not None and st is not None:
        _write_answer(store, key, answer)
    return answer


def _key(exe: str) -> tuple[str, Optional[os.stat_result]]:
    real = os.path.realpath(exe)
    try:
        st = os.stat(real)
    except OSError:
        return real, None
    return f"{real}|{st.st_size}|{st.st_mtime_ns}", st


def _read_answers(store: Path) -> dict[str, Any]:
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_answer(store: Path, key: str, answer: dict[str, Any]) -> None:
    """Merge into the file and replace it atomically; a cache that cannot be written is no error."""
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        data = _read_answers(store)
        real = key.split("|", 1)[0]
        data = {k: v for k, v in data.items() if k.split("|", 1)[0] != real}  # older builds of the same path
        data[key] = answer
        replace_file(store, json.dumps(data, indent=1, sort_keys=True))
    except OSError:
        pass


def environment_for(settings: Settings, paths: list[str], *, python_from_flag: bool = True) -> Environment:
    """The run's environment: `settings.python`, else found from the project root of the first path."""
    root = project_root(paths[0] if paths else ".")
    if settings.python and not python_from_flag and settings.config_file:
        origin = f"{settings.config_file}: [{config.SECTION}] python:"
    else:
        origin = "--python"
    return find_environment(settings.python, root, cache_dir=str(config.store_dir(settings)), origin=origin)


# ---------------------------------------------------------------- small helpers


def _short_version(text: str) -> str:
    parts = text.strip().split(".")
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
        return f"{parts[0]}.{parts[1]}"
    return ""


def _existing(paths: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in paths:
        if p and os.path.exists(p) and p not in out:
            out.append(p)
    return tuple(out)


def _same_file(a: str, b: str) -> bool:
    if not a or not b:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def clear_cache() -> None:
    """Forget the answers had in this process (the on-disk cache stays)."""
    _ANSWERS.clear()
