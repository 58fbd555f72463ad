"""Per-module summaries on demand, and the project phase that links them.

A module's *summary* is its facts (model/project.py): which sync functions block and through
what calls, its classes, re-exports and coroutine call sites. Summaries of modules that were not
named are computed only when a checked file's chain reaches them, then kept in the store by
content, so the next file, the next run, flake8's workers and the language server reuse them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence

from ..config import Settings
from ..model.module import ModuleModel
from ..model.project import FACTS_VERSION, Project
from ..source import SourceError, decode, parse
from .resolver import Resolver
from .store import Store, default_store_dir, key_of, tool_fingerprint

if TYPE_CHECKING:
    from ..catalog.loader import Catalog
    from ..findings import Finding
    from ..results import FileResult

# a batch analyser for files a chain needs (the runner's worker processes in a scan)
Batch = Callable[[list[str]], list["FileResult"]]
FOLLOW = ("all", "project", "none")


def summarise(data: bytes, path: str, settings: Settings, catalog: Catalog) -> Optional[dict[str, Any]]:
    """A module's full facts plus its header, from its bytes (None: it cannot be analysed)."""
    from ..engine import module_context
    from ..rules import transitive

    try:
        text = decode(data)
        tree = parse(text, path)
        model = ModuleModel(tree, catalog, path)
        facts = transitive.facts(model, module_context(model, text, settings))
    except (SourceError, RecursionError):
        return None
    except Exception:  # a bug of ours: the chains through this file are missed, nothing else
        return None
    facts.update(header_of(data, catalog))
    return facts


def header_of(data: bytes, catalog: Catalog) -> dict[str, Any]:
    """What the project phase needs before deciding to analyse a module: its imports and whether it
    may block by itself (from the bytes, no parsing)."""
    from ..rules import transitive

    lazy = transitive.lazy_facts(data, catalog)
    return {"pb": lazy["pb"], "imp": lazy["imp"]}


class Index:
    """Everything outside the current file for one run: the resolver, the store, and linking."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        resolver: Resolver,
        store: Store,
        follow: str,
        buffers: Optional[Mapping[str, bytes]] = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.resolver = resolver
        self.store = store
        self.follow = follow
        self._settings_key = key_of(tool_fingerprint(), json.dumps(settings.analysis_key(), sort_keys=True))
        self._headers: dict[str, Optional[dict[str, Any]]] = {}
        self.analysed: dict[str, bool] = {}  # module files summarised this run -> found in the store
        # an editor's unsaved text of other modules (absolute path -> bytes): read instead of the file
        self.buffers = {os.path.abspath(p): data for p, data in (buffers or {}).items()}

    # -- what other modules say ------------------------------------------------------
    def _read(self, path: str) -> Optional[bytes]:
        """A module's bytes: the editor's unsaved text when there is one, else the file (None: unreadable)."""
        full = os.path.abspath(path)
        if full in self.buffers:
            return self.buffers[full]
        try:
            with open(full, "rb") as f:
                return f.read()
        except OSError:
            return None

    def _library_key(self, path: str) -> Optional[tuple[str, str]]:
        """(store key, library root) for a file under a library root: keyed by its place and stat
        signature (an installed file changes only with a reinstall), so a warm run reads no library file."""
        full = os.path.abspath(path)
        if full in self.buffers:
            return None  # an open, edited file: keyed by its content like a project module
        for root in self.resolver.library_roots:
            if full.startswith(root + os.sep):
                try:
                    st = os.stat(full)
                except OSError:
                    return None
                return key_of(self._settings_key, "lib", full, str(st.st_size), str(st.st_mtime_ns)), root
        return None

    def header(self, path: str) -> Optional[dict[str, Any]]:
        """The lazy facts of a module that was not named (None: unreadable)."""
        full = os.path.abspath(path)
        if full not in self._headers:
            library = self._library_key(full)
            stored = self.store.get("h" + library[0]) if library is not None else None
            if isinstance(stored, dict):
                self._headers[full] = stored
            else:
                data = self._read(full)
                self._headers[full] = None if data is None else header_of(data, self.catalog)
                if library is not None and data is not None:
                    self.store.put("h" + library[0], self._headers[full])
        return self._headers[full]

    def summaries(self, paths: Sequence[str], batch: Optional[Batch] = None) -> dict[str, Optional[dict[str, Any]]]:
        """Each module's summary, from the store (by distribution and version for an installed library,
        else by content), else computed (by `batch` when given) and stored."""
        out: dict[str, Optional[dict[str, Any]]] = {}
        missing: dict[str, tuple[str, bytes]] = {}
        libraries: dict[str, str] = {}
        for path in paths:
            library = self._library_key(path)
            if library is not None:
                stored = self.store.get(library[0])
                if isinstance(stored, dict) and stored.get("v") == FACTS_VERSION:
                    out[path] = stored
                    self.analysed[path] = True
                    continue
                libraries[path] = library[1]
            data = self._read(path)
            if data is None:
                out[path] = None
                continue
            key = library[0] if library is not None else key_of(self._settings_key, _digest(data))
            stored = self.store.get(key) if library is None else None
            if isinstance(stored, dict) and stored.get("v") == FACTS_VERSION:
                out[path] = stored
                self.analysed[path] = True
            else:
                missing[path] = (key, data)
        # a batch reads files from disk: a module with unsaved text is summarised here, from that text
        on_disk = [p for p in missing if os.path.abspath(p) not in self.buffers] if batch is not None else []
        computed = {r.path: r.facts for r in batch(on_disk)} if batch is not None and on_disk else {}
        for p, (_, d) in missing.items():
            if p not in computed:
                computed[p] = summarise(d, p, self.settings, self.catalog)
        for path, (key, data) in missing.items():
            facts = computed.get(path)
            if facts is not None and "pb" not in facts:
                facts = {**facts, **header_of(data, self.catalog)}
            out[path] = facts
            self.analysed[path] = False
            if facts is not None:
                self.store.put(key, facts)
                if path in libraries:
                    self._record(path, libraries[path], facts)
        return out

    def _record(self, path: str, root: str, facts: dict[str, Any]) -> None:
        """Count what was summarised of a distribution (what `fake-async-lint libraries` shows)."""
        from .distributions import owner

        found = owner(path, [root])
        if found is None:
            return
        key = key_of(self._settings_key, "manifest", found.key)
        manifest = self.store.get(key)
        modules = dict(manifest.get("modules", {})) if isinstance(manifest, dict) else {}
        body = json.loads(facts.get("data", "{}")) if isinstance(facts.get("data"), str) else {}
        fns = body.get("fns", [])
        rel = os.path.relpath(os.path.abspath(path), root)
        modules[rel] = [len(fns), sum(1 for f in fns if f[2] is not None), len(body.get("hopfns", {}))]
        self.store.put(key, {"dist": found.key, "modules": modules})

    def manifest(self, dist: str) -> Optional[dict[str, Any]]:
        found = self.store.get(key_of(self._settings_key, "manifest", dist))
        return found if isinstance(found, dict) else None

    # -- the project phase ---------------------------------------------------------------
    def project(self, results: Sequence[FileResult]) -> Project:
        header = None if self.follow == "none" else self.header
        return Project(((r.path, r.facts) for r in results), self.settings.max_depth, self.resolver, header)

    def complete(self, results: list[FileResult], batch: Optional[Batch] = None) -> tuple[list[FileResult], Project]:
        """Analyse, pass after pass, the lazy modules a checked file's chain reaches: named files without
        `async` (their richer result replaces the lazy one) and modules reached on demand."""
        from ..results import FileResult

        results = list(results)
        position = {os.path.abspath(r.path): i for i, r in enumerate(results)}
        project = self.project(results)
        while True:
            more = project.pending()
            if not more:
                return results, project
            for path, facts in self.summaries(more, batch).items():
                i = position.get(os.path.abspath(path))
                if i is not None and facts is not None:
                    results[i] = FileResult(results[i].path, results[i].findings, facts)
                project.update(path, facts)

    def link(self, results: list[FileResult], batch: Optional[Batch] = None) -> Linked:
        """FAS300 (and the cross-module hop findings) for the checked files, from their facts and the
        summaries of every module their chains reach."""
        from ..rules import transitive

        results, project = self.complete(results, batch)
        findings = transitive.linked_findings(project, self.catalog)
        consulted = sorted(project.paths[i] for i in project.external)
        return Linked(results, findings, consulted)


@dataclass
class Linked:
    """What the project phase gives back: the checked files' results (lazy ones completed), the
    findings only the project can settle, and the files it read that were not named."""

    results: list[FileResult]
    findings: list[Finding]
    consulted: list[str]


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def source_roots(settings: Settings) -> Optional[list[str]]:
    """The configured source roots (`src`, relative to the config file); None: each file's own project
    root and its src/ (see the resolver)."""
    if not settings.src:
        return None
    base = settings.root or os.getcwd()
    return [os.path.join(base, r) for r in settings.src]


def library_roots(settings: Settings, anchor: str) -> list[str]:
    """The target environment's library roots (site-packages), for `follow-imports = all`."""
    from .environment import environment_for

    return list(environment_for(settings, [anchor]).library_roots)


_STORES: dict[str, Store] = {}


def shared_store(directory: Optional[str] = None) -> Store:
    """One store per directory per process: its memory layer serves every index of the process (the
    language server, flake8's files); entries are keyed by content, so they never go stale."""
    path = directory or str(default_store_dir())
    found = _STORES.get(path)
    if found is None:
        found = _STORES[path] = Store(Path(path))
    return found


def index_for(
    settings: Settings,
    catalog: Catalog,
    anchor: str,
    store: Optional[Store] = None,
    buffers: Optional[Mapping[str, bytes]] = None,
) -> Index:
    """A fresh index of the project holding `anchor` (a checked path): the file system is read anew
    (files come and go between an editor's checks); summaries come from the shared store; `buffers`:
    an editor's unsaved text of other modules, by path."""
    from .. import config

    follow = settings.follow_imports
    roots = source_roots(settings)
    libs = library_roots(settings, anchor) if follow == "all" else []
    return Index(
        settings,
        catalog,
        Resolver(roots, libs),
        store or shared_store(str(config.store_dir(settings))),
        follow,
        buffers,
    )


def analysed_counts(settings: Settings, env: Any, dists: Sequence[Any]) -> dict[str, Any]:
    """Per distribution, what the store holds of it under these settings (for `fake-async-lint libraries`)."""
    from ..engine import catalog_for
    from .libraries_command import Counts

    index = Index(
        settings, catalog_for(settings), Resolver([], env.library_roots), shared_store(), settings.follow_imports
    )
    from .. import config

    index.store = shared_store(str(config.store_dir(settings)))
    out: dict[str, Any] = {}
    for dist in dists:
        manifest = index.manifest(dist.key)
        if manifest is None:
            continue
        rows = list(manifest.get("modules", {}).values())
        out[dist.key] = Counts(
            modules=len(rows),
            functions=sum(r[0] for r in rows),
            blocking=sum(r[1] for r in rows),
            hops=sum(r[2] for r in rows),
        )
    return out
