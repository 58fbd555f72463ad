"""The pipeline every front end calls: read -> parse -> model -> rules -> noqa/selection."""

from __future__ import annotations

import ast
import functools
import gc
import json
from pathlib import Path
from typing import Callable, Mapping, Optional

from .catalog.loader import Catalog, default_catalog
from .config import Settings
from .findings import Finding
from .index.summaries import Linked, header_of, index_for, summarise
from .model.module import ModuleModel
from .results import FileResult
from .rules import FAMILIES, Context, transitive
from .source import SourceError, decode, parse, read_bytes
from .suppress import NOQA, apply_noqa

DEFAULT_SETTINGS = Settings()
# A file without this word has no coroutine: nothing in it can be reported.
ASYNC_MARK = b"async"


def catalog_for(settings: Settings) -> Catalog:
    if not settings.extra_blocking and not settings.safe and not settings.extra_hops:
        return default_catalog()
    extra = json.dumps(dict(settings.extra_blocking), sort_keys=True)
    return _extended(extra, settings.safe, json.dumps(dict(settings.extra_hops), sort_keys=True))


@functools.lru_cache(maxsize=8)
def _extended(extra_json: str, safe: tuple[str, ...], hops_json: str) -> Catalog:
    return default_catalog().extended(json.loads(extra_json), safe, hops=json.loads(hops_json))


def module_context(model: ModuleModel, source: str, settings: Settings) -> Context:
    """What every checker of one module needs besides the model."""
    return Context(
        path=model.path,
        source=source,
        library=settings.async_library or model.async_library(),
        max_depth=settings.max_depth,
    )


def unanalysable(path: str, err: SourceError, settings: Settings) -> list[Finding]:
    """FAS001 for a file that cannot be analysed, if FAS001 is selected."""
    return [error_finding(path, err)] if settings.selection.enabled("FAS001") else []


def internal_error(exc: Exception) -> SourceError:
    """A bug of ours, reported as FAS001 so it never hides the other files' findings."""
    return SourceError(f"internal error: {type(exc).__name__}: {exc}")


def error_finding(path: str, err: SourceError) -> Finding:
    return Finding(
        path=path,
        line=err.line,
        col=err.col,
        code="FAS001",
        message=f"cannot analyse this file: {err.reason}",
        end_line=err.line,
        end_col=err.col,
    )


def analyse_tree(
    tree: ast.Module,
    source: str,
    path: str,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    model: Optional[ModuleModel] = None,
    facts: Optional[dict[str, object]] = None,
) -> list[Finding]:
    """Run the enabled rules on a parsed module (no noqa applied: flake8 does its own).

    With `facts` (a dict to fill), also export the module's facts for the project phase."""
    selection = settings.selection
    findings: list[Finding] = []
    try:
        # the model's visitor recurses too: a tree that parses can still be too deep for it
        if model is None:
            model = ModuleModel(tree, catalog_for(settings), path)
        ctx = module_context(model, source, settings)
        for family in FAMILIES:
            if not any(selection.enabled(c) for c in family.codes):
                continue
            findings.extend(f for f in family.check(model, ctx) if selection.enabled(f.code))
        if facts is not None:
            facts.update(transitive.facts(model, ctx))
    except RecursionError:
        if facts is not None:
            facts.clear()
        return [error_finding(path, SourceError("too deeply nested to analyse"))]
    return sorted(set(findings), key=lambda f: f.sort_key)


def check_source(
    source: str | bytes,
    path: str = "<string>",
    settings: Settings = DEFAULT_SETTINGS,
    *,
    buffers: Optional[Mapping[str, bytes]] = None,
) -> list[Finding]:
    """Analyse one module's source, and its chains through the modules of its project (`path` places
    it; "<string>": the current directory); `# noqa` and selection applied. `buffers`: the current
    text of other modules by path, where it differs from their files (an editor's unsaved edits)."""
    return check_module(source, path, settings, buffers=buffers)[0]


def check_module(
    source: str | bytes,
    path: str = "<string>",
    settings: Settings = DEFAULT_SETTINGS,
    *,
    buffers: Optional[Mapping[str, bytes]] = None,
) -> tuple[list[Finding], list[str]]:
    """`check_source`, and the other modules its chains read (an editor re-checks it when one changes)."""
    result = analyse_source(source, path, settings)
    if result.facts is None:
        return result.findings, []
    linked = link([result], settings, anchor=path, buffers=buffers)
    return sorted(result.findings + linked.findings, key=lambda f: f.sort_key), linked.consulted


def _check(source: str | bytes, path: str, settings: Settings, facts: Optional[dict[str, object]]) -> list[Finding]:
    raw = source if isinstance(source, bytes) else None
    try:
        if isinstance(source, bytes):
            if ASYNC_MARK not in source:
                _lazy(facts, source, settings)
                return []
            source = decode(source)
        elif "async" not in source:
            _lazy(facts, source.encode("utf-8", "replace"), settings)
            return []
        tree = parse(source, path)
    except SourceError as err:
        return unanalysable(path, err, settings)
    try:
        findings = analyse_tree(tree, source, path, settings, facts=facts)
        if facts:  # the header, from the bytes as for every module: relevance is judged alike in every mode
            facts.update(
                header_of(raw if raw is not None else source.encode("utf-8", "surrogateescape"), catalog_for(settings))
            )
    except Exception as exc:  # a bug of ours must not hide the other files' findings
        if facts is not None:
            facts.clear()
        return [error_finding(path, internal_error(exc))]
    if not findings or NOQA.search(source) is None:
        return findings  # nothing to silence: no need to tokenize
    return apply_noqa(findings, source)


def _lazy(facts: Optional[dict[str, object]], data: bytes, settings: Settings) -> None:
    """No coroutine here, so no finding; the project phase may still need its sync helpers
    (FAS300) and asks for the few it needs afterwards (`complete_helpers`), rather than every
    such file being parsed now. Its lazy facts come from a scan of its bytes."""
    if facts is not None:
        facts.update(transitive.lazy_facts(data, catalog_for(settings)))


def wants_facts(settings: Settings) -> bool:
    """Whether the per-file phase exports facts for the project phase (chains of FAS300 and FAS203, hops and
    pools of FAS200/FAS201)."""
    return any(settings.selection.enabled(code) for code in (transitive.CODE, "FAS200", "FAS201", "FAS203"))


def helper_facts(source: str | bytes, path: str, settings: Settings = DEFAULT_SETTINGS) -> Optional[dict[str, object]]:
    """The facts of a file the project phase asked for: no rules run, since a file without `async`
    has nothing to report; a file that cannot be analysed adds nothing."""
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogateescape")
    return summarise(data, path, settings, catalog_for(settings))


def analyse_lines(tree: ast.Module, source: str, path: str, settings: Settings) -> list[Finding]:
    """flake8's way in: a tree it parsed, its own noqa later; the project phase still runs, so a
    file's chains through other modules are found as by the command."""
    facts: Optional[dict[str, object]] = {} if wants_facts(settings) else None
    findings = analyse_tree(tree, source, path, settings, facts=facts)
    if not facts:
        return findings
    facts.update(header_of(source.encode("utf-8", "surrogateescape"), catalog_for(settings)))
    linked = link([FileResult(path, findings, facts)], settings, anchor=path)
    return sorted(set(findings + linked.findings), key=lambda f: f.sort_key)


def check_file(path: str | Path, settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    display = str(path)
    try:
        data = read_bytes(path)
    except SourceError as err:
        return unanalysable(display, err, settings)
    return check_source(data, display, settings)


def analyse_source(
    source: str | bytes, path: str, settings: Settings = DEFAULT_SETTINGS, *, helper: bool = False
) -> FileResult:
    """The per-file phase on source already read (the runner reads once to hash for its cache).

    `helper=True`: the second pass for a file the project phase asked for (see
    `complete_helpers`); its result replaces the lazy one and is a valid result
    for the same content in later runs."""
    # A module's model is full of reference cycles (scopes <-> bindings), so it is freed by the
    # cycle collector. Left alone, that collector runs full passes over everything a scan keeps
    # (results, caches) again and again while files are analysed; instead, collect once per
    # file, just the young objects: linear in the file (measured: ~15% of a scan's CPU).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if helper:
            return FileResult(path, [], helper_facts(source, path, settings))
        facts: Optional[dict[str, object]] = {} if wants_facts(settings) else None
        findings = _check(source, path, settings, facts)
        return FileResult(path, findings, facts or None)
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)


def analyse_file(path: str, settings: Settings = DEFAULT_SETTINGS, *, helper: bool = False) -> FileResult:
    """The per-file phase: read, parse, model, rules, noqa. Never raises."""
    try:
        data = read_bytes(path)
    except SourceError as err:
        if helper:
            return FileResult(path)
        return FileResult(path, unanalysable(path, err, settings))
    return analyse_source(data, path, settings, helper=helper)


def link(
    results: list[FileResult],
    settings: Settings,
    *,
    anchor: Optional[str] = None,
    batch: Optional[Callable[[list[str]], list[FileResult]]] = None,
    buffers: Optional[Mapping[str, bytes]] = None,
) -> Linked:
    """The project phase for the checked files: chains through named modules and through modules
    the index finds on demand (`anchor`: a checked path, whose project is searched; `batch`: how
    the modules a chain needs are analysed when not in the store, e.g. in worker processes)."""
    if not wants_facts(settings):
        return Linked(results, [], [])
    where = anchor or (results[0].path if results else ".")
    index = index_for(settings, catalog_for(settings), where, buffers=buffers)
    done = index.link(results, batch)
    done.findings = [f for f in done.findings if settings.selection.enabled(f.code)]
    return done
