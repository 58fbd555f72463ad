"""Module name -> file, and file -> module name, without importing anything.

Search roots, in this order (the first that has the top-level name wins, as on `sys.path`):
1. the project's source roots: the config key `src` (relative to the config file), else the
   project root (the nearest directory above the checked files holding pyproject.toml,
   setup.cfg, setup.py or .git) and its `src/` folder when there is one;
2. the importing file's base: the folder above its top-level package (mypy's crawl-up: the
   folder its package is imported from);
3. the target environment's library roots (site-packages; see index/environment.py), when
   `follow-imports = all`;
4. last, the importing file's own directory (a script's `sys.path[0]`), and for a file outside
   any package (tests/, scripts/), that folder's parent (where such files are run from).
Every root but the first kind depends only on the importing file, never on which other files
were named, so a file resolves its imports alike in every mode.

A top-level name that is a regular package or module in one root is looked up in that root
only. A name found only as namespace-package folders is followed when exactly one of its
portions holds the module (else it is ambiguous: not followed). Only `.py` sources are
returned: a compiled module or a stub has no body to summarise. Every answer is cached.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def project_root(start: str) -> str:
    """The nearest directory at or above `start` (a file or folder) with a project marker; without one,
    the current directory when `start` is inside it (where the tools run), else `start`'s folder."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    probe = here
    while True:
        if any(os.path.exists(os.path.join(probe, m)) for m in PROJECT_MARKERS):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            cwd = os.getcwd()
            return cwd if here == cwd or here.startswith(cwd + os.sep) else here
        probe = parent


def default_source_roots(root: str) -> list[str]:
    """The project root, and its `src/` folder when it has one (ruff's default `src = [".", "src"]`)."""
    roots = [root]
    src = os.path.join(root, "src")
    if os.path.isdir(src):
        roots.append(src)
    return roots


@dataclass(frozen=True)
class ModuleFile:
    """Where a module's source is, and which kind of root it came from."""

    path: str
    name: str
    is_package: bool
    library: bool  # found under a library root (site-packages), not the project


class Resolver:
    """Resolves dotted module names to source files through ordered search roots."""

    def __init__(self, project_roots: Optional[Sequence[str]], library_roots: Sequence[str] = ()) -> None:
        """`project_roots`: the configured source roots (the `src` setting); None: each file's own
        project (its nearest marker folder, and that folder's src/), so that where a name resolves
        depends on the importing file alone, never on which path a run started from."""
        self.fixed_roots = None if project_roots is None else tuple(_unique(os.path.abspath(r) for r in project_roots))
        self.library_roots = tuple(
            _unique(r for r in (os.path.abspath(x) for x in library_roots) if r not in (self.fixed_roots or ()))
        )
        self._found: dict[tuple[str, str], Optional[ModuleFile]] = {}
        self._searched: dict[tuple[str, tuple[str, ...], bool], tuple[Optional[ModuleFile], bool]] = {}
        self._names: dict[str, Optional[tuple[str, bool]]] = {}
        self._isfile: dict[str, bool] = {}
        self._isdir: dict[str, bool] = {}
        self._extensions: dict[str, frozenset[str]] = {}  # root -> top-level names of compiled modules
        self._crawled: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._projects: dict[str, tuple[str, ...]] = {}

    def project_roots(self, path: Optional[str]) -> tuple[str, ...]:
        """The source roots that apply to a file: the configured ones, else its own project's."""
        if self.fixed_roots is not None:
            return self.fixed_roots
        if path is None:
            return ()
        folder = os.path.dirname(os.path.abspath(path))
        found = self._projects.get(folder)
        if found is None:
            if any(folder == lib or folder.startswith(lib + os.sep) for lib in self.library_roots):
                found = ()  # an installed library is no project: it imports through the library roots
            else:
                found = tuple(default_source_roots(project_root(folder)))
            self._projects[folder] = found
        return found

    # -- name -> file -----------------------------------------------------------------
    def find(self, module: str, importer: Optional[str] = None) -> Optional[ModuleFile]:
        """The source file of `module` (None: not found, not Python source, or ambiguous).

        `importer`: the importing file, whose base and own folder are searched too."""
        full = os.path.abspath(importer) if importer is not None else ""
        folder = os.path.dirname(full)
        # every root below depends on the importer's folder only, so files of one folder share answers
        key = (module, folder)
        if key in self._found:
            return self._found[key]
        base = self._crawl_up(full)[0] if full else ""
        project = self.project_roots(importer)
        # a name a root decided (found, compiled, ambiguous) is never taken from a later one
        found, decided = self._search(module, project, False)
        if not decided and base and base not in project:
            found, decided = self._search(module, (base,), False)
        if not decided and self.library_roots:
            found, decided = self._search(module, self.library_roots, True)
        if not decided and folder and folder != base:
            found, decided = self._search(module, (folder,), False)
        if not decided and folder and folder == base:
            # a loose folder (tests/, scripts/) beside the package it imports: run from its parent
            found, decided = self._search(module, (os.path.dirname(folder),), False)
        if found is not None and self.library_roots and not found.library and self._under_library(found.path, project):
            # a library module importing its own package finds it through its base: still a library's
            found = ModuleFile(found.path, found.name, found.is_package, True)
        self._found[key] = found
        return found

    def _under_library(self, path: str, project: Sequence[str]) -> bool:
        return any(path.startswith(root + os.sep) for root in self.library_roots) and not any(
            path.startswith(root + os.sep) and len(root) > len(lib)
            for root in project
            for lib in self.library_roots
            if path.startswith(lib + os.sep)
        )

    def _search(self, module: str, roots: tuple[str, ...], library: bool) -> tuple[Optional[ModuleFile], bool]:
        """(the file, whether these roots hold the top-level name at all)."""
        key = (module, roots, library)
        found = self._searched.get(key)
        if found is None:
            found = self._searched[key] = self._search_roots(module, roots, library)
        return found

    def _search_roots(self, module: str, roots: tuple[str, ...], library: bool) -> tuple[Optional[ModuleFile], bool]:
        parts = module.split(".")
        if not all(p.isidentifier() for p in parts):
            return None, True
        portions: list[str] = []
        for root in roots:
            top = os.path.join(root, parts[0])
            if self._file(top + ".py") or self._file(os.path.join(top, "__init__.py")):
                return self._within(root, parts, library), True  # a regular package or module: this root only
            if self._compiled(root, parts[0]):
                return None, True
            if self._dir(top):
                portions.append(root)
        hits = [m for m in (self._within(r, parts, library) for r in portions) if m is not None]
        return (hits[0] if len(hits) == 1 else None), bool(portions)

    def _within(self, root: str, parts: list[str], library: bool) -> Optional[ModuleFile]:
        base = os.path.join(root, *parts)
        init = os.path.join(base, "__init__.py")
        if self._file(init):
            return ModuleFile(init, ".".join(parts), True, library)
        if self._file(base + ".py"):
            return ModuleFile(base + ".py", ".".join(parts), False, library)
        return None

    def _compiled(self, root: str, name: str) -> bool:
        """A top-level extension module (`name.cpython-311-x86_64-linux-gnu.so`): found, but no source."""
        if not self._dir(root):
            return False
        found = self._extensions.get(root)
        if found is None:
            try:
                entries = os.listdir(root)
            except OSError:
                entries = []
            found = self._extensions[root] = frozenset(
                e.partition(".")[0] for e in entries if e.endswith((".so", ".pyd"))
            )
        return name in found

    def _file(self, path: str) -> bool:
        known = self._isfile.get(path)
        if known is None:
            known = self._isfile[path] = os.path.isfile(path)
        return known

    def _dir(self, path: str) -> bool:
        known = self._isdir.get(path)
        if known is None:
            known = self._isdir[path] = os.path.isdir(path)
        return known

    # -- file -> name -----------------------------------------------------------------
    def module_of(self, path: str) -> Optional[tuple[str, bool]]:
        """(dotted name, is a package) of a source file: by its packages (folders with `__init__.py`,
        mypy's crawl-up), or, where those sit below a source root through namespace folders, from
        that root."""
        full = os.path.abspath(path)
        if full in self._names:
            return self._names[full]
        base, parts = self._crawl_up(full)
        named = _name_from(parts)
        best = ""
        for root in self.project_roots(full) + self.library_roots:
            if (base == root or base.startswith(root + os.sep)) and len(root) > len(best):
                best = root
        if best:
            from_root = _name_from(os.path.relpath(full, best).split(os.sep))
            if from_root is not None:
                named = from_root
        self._names[full] = named
        return named

    def _crawl_up(self, full: str) -> tuple[str, list[str]]:
        """(the folder above the file's top-level package, the path parts below it)."""
        folder, base = os.path.split(full)
        found = self._crawled.get(folder)
        if found is None:
            directory = folder
            packages: list[str] = []
            while self._file(os.path.join(directory, "__init__.py")):
                parent, name = os.path.split(directory)
                if parent == directory:
                    break
                packages.insert(0, name)
                directory = parent
            found = self._crawled[folder] = (directory, tuple(packages))
        return found[0], [*found[1], base]


def _name_from(parts: list[str]) -> Optional[tuple[str, bool]]:
    if not parts or not parts[-1].endswith(".py"):
        return None
    stem = parts[-1][:-3]
    package = parts[:-1]
    if not all(p.isidentifier() for p in package):
        return None
    if stem == "__init__":
        return (".".join(package), True) if package else None
    if not stem.isidentifier():
        return None
    return ".".join(package + [stem]), False


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
