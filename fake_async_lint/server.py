"""`fake-async-lint server`: a Language Server over stdio (pygls), a thin adapter over the engine.

A document is analysed like `check --stdin-filename PATH`: the configuration is found from its
directory, `exclude` and `per-file-ignores` apply, `# noqa` too. Diagnostics come on open, on every
unsaved change, on save; they are cleared on close. An edit after a pause is analysed at once; edits
in quick succession are debounced (the latest text wins; a run whose text has changed meanwhile is
dropped, one not started yet is cancelled). Code actions: each fix, "add `# noqa: CODE`", "explain
CODE"; hover shows a finding's message, chain and replacement.
"""

from __future__ import annotations

import asyncio
import bisect
import io
import logging
import os
import re
import sys
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import PositionCodec

from . import __version__, config
from .config import ConfigError, Settings, drop_ignored
from .discovery import named_excluder
from .docs import rule_url
from .engine import check_module, error_finding, internal_error
from .findings import ChainStep, Finding
from .report.common import applicability, call_name
from .rules import ALL_RULES
from .source import line_starts
from .suppress import NOQA

NAME = "fake-async-lint"
EXPLAIN_COMMAND = "fake-async-lint.explain"
DEFAULT_DEBOUNCE_MS = 150
ERROR_CODES = frozenset({"FAS001"})  # a file that was not analysed; every pattern is a warning
# a pool's rewrite is right only together with its hops': offered in the whole-file rewrite only
POOL_CODES = frozenset({"FAS201"})
FIX_ALL_KIND = "source.fixAll.fake-async-lint"

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- analysis (no LSP in here)


def settings_for(path: str) -> Settings:
    """The settings the command would use for `path`: the nearest pyproject.toml with our table."""
    return config.resolve([path])


def analyse(
    source: str, path: str, settings: Settings, buffers: Optional[dict[str, bytes]] = None
) -> tuple[list[Finding], list[str]]:
    """What `check --stdin-filename path` reports for `source` (excludes, noqa, per-file-ignores), with
    `buffers` (other open documents' text) read instead of their files; and the modules its chains read."""
    if named_excluder(settings).excluded(path):
        return [], []
    consulted: list[str] = []
    try:
        findings, consulted = check_module(source, path, settings, buffers=buffers)
    except Exception as exc:  # a bug of ours: say so where the user looks, keep the session
        log.exception("analysis of %s failed", path)
        findings = [error_finding(path, internal_error(exc))]
    return sorted(drop_ignored(findings, settings), key=lambda f: f.sort_key), consulted


def split_lines(source: str) -> list[str]:
    """Lines as Python and LSP count them (\\n, \\r\\n, lone \\r; not form feeds)."""
    return io.StringIO(source, newline=None).readlines()


def fix_applicability(finding: Finding) -> str:
    """ "safe" or "unsafe" ("" without a fix)."""
    return applicability(finding.fix) if finding.fix is not None else ""


Span = tuple[int, int, str]  # character offsets in a text and what replaces them


def merge_edits(text: str, edits: Sequence[Span]) -> list[Span]:
    """Edits that touch or overlap (an insertion where a replacement starts) merged into one, as
    LSP requires; applied in (start, end) order, the way the fixer applies them."""
    groups: list[tuple[int, int, list[Span]]] = []
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if groups and start <= groups[-1][1]:
            gs, ge, members = groups[-1]
            groups[-1] = (gs, max(ge, end), members + [(start, end, new)])
        else:
            groups.append((start, end, [(start, end, new)]))
    merged = []
    for gs, ge, members in groups:
        parts, pos = [], gs
        for start, end, new in members:
            parts += [text[pos:start], new]
            pos = max(pos, end)
        parts.append(text[pos:ge])
        merged.append((gs, ge, "".join(parts)))
    return merged


def unsafe_rewrites(source: str, findings: Sequence[Finding]) -> tuple[dict[int, tuple[str, list[Span]]], list[Span]]:
    """The fixer's unsafe rewrites for a document: by finding (its `id`), the kind and the edits it needs
    (its own and the module's: imports, a shared client), merged; and all of them together."""
    from .fix.unsafe import plan_unsafe  # on the first code action, not at start-up

    try:
        plan = plan_unsafe(source, list(findings))
        shared = [(e.start, e.end, e.text) for r in plan.rewrites if r.finding is None for e in r.edits]
        every = [(e.start, e.end, e.text) for r in plan.rewrites for e in r.edits]
        by_finding = {
            id(r.finding): (str(r.kind), merge_edits(source, [(e.start, e.end, e.text) for e in r.edits] + shared))
            for r in plan.rewrites
            if r.finding is not None and r.edits
        }
    except Exception:  # a bug of the fixer: no unsafe fix offered, the session goes on
        log.exception("unsafe fixes could not be planned")
        return {}, []
    return by_finding, merge_edits(source, every) if len(by_finding) > 1 else []


def noqa_insertion(source: str, line: int, code: str) -> tuple[int, int, str]:
    """Where and what to insert so that `# noqa` silences `code` at 1-based `line`:
    (0-based line, column in characters, text). An existing `# noqa: X` on the line gets `, CODE`;
    otherwise `  # noqa: CODE` goes at the end of the line (of the last line, for a statement that
    `# noqa` reads as one, such as a multi-line string)."""
    lines = split_lines(source)
    lo, hi = len(lines) + 2, -1
    comments: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(iter(lines).__next__):
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            lo, hi = min(lo, tok.start[0]), max(hi, tok.end[0])
            if tok.type == tokenize.COMMENT:
                comments.append(tok)
            if tok.type in (tokenize.NL, tokenize.NEWLINE):
                if lo <= line <= hi:
                    return _merge_or_append(comments, tok.start[0] - 1, tok.start[1], code)
                lo, hi, comments = len(lines) + 2, -1, []
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    index = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[index].rstrip("\r\n") if lines else ""
    return index, len(text), f"  # noqa: {code}"


def _merge_or_append(comments: Sequence[tokenize.TokenInfo], row: int, col: int, code: str) -> tuple[int, int, str]:
    for tok in comments:
        m = NOQA.search(tok.string)
        if m is not None and m.group("codes"):
            codes = m.group("codes")
            end = m.start("codes") + len(codes.rstrip(", \t"))
            return tok.start[0] - 1, tok.start[1] + end, f", {code}"
    return row, col, f"  # noqa: {code}"


def _rel(path: str, root: Optional[str]) -> str:
    try:
        rel = os.path.relpath(path, root or os.getcwd())
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _step_text(step: ChainStep, root: Optional[str]) -> str:
    """`path:line:col`, a link to the place where the path is a file (`#L` is the line, as editors read it)."""
    text = f"{_rel(step.path, root)}:{step.line}:{step.col}"
    uri = from_fs_path(step.path) if os.path.isabs(step.path) else None
    return f"[{text}]({uri}#L{step.line})" if uri else text


def _step_label(finding: Finding, i: int, step: ChainStep) -> str:
    """A related location's text: a hop of a chain, or the thread pool a pool finding is about."""
    if finding.code in POOL_CODES:
        return f"thread pool {step.name}"
    what = "calls" if i < len(finding.chain) else "blocks in"
    return f"hop {i}: {what} {call_name(step)}"


def hover_markdown(finding: Finding, root: Optional[str] = None) -> str:
    """A finding as markdown: message, chain (one hop a line), replacement, link to the rule page."""
    rule = ALL_RULES.get(finding.code)
    title = f"{finding.code} ({rule.name})" if rule else finding.code
    parts = [f"**{title}** {finding.message}"]
    if finding.chain:
        if finding.code in POOL_CODES:  # the pool, made in another module
            hops = [f"- thread pool `{s.name}` at {_step_text(s, root)}" for s in finding.chain]
            parts.append("\n".join(hops))
        else:
            hops = [f"{i}. `{call_name(s)}` at {_step_text(s, root)}" for i, s in enumerate(finding.chain, 1)]
            parts.append("Chain:\n\n" + "\n".join(hops))
    if finding.coroutines:
        names = ", ".join(f"`{c}`" for c in finding.coroutines)
        parts.append(f"Coroutines: {names}")
    if finding.fix is not None:
        unsafe = " (unsafe: review it)" if fix_applicability(finding) == "unsafe" else ""
        parts.append(f"Fix{unsafe}:\n\n```python\n{finding.fix.replacement}\n```")
    elif finding.replacement:
        parts.append(f"Instead: {finding.replacement}")
    parts.append(f"[{finding.code} documentation]({rule_url(finding.code)})")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- positions


@dataclass
class Analysis:
    """The last published result for a document: the text it was computed from and its findings."""

    version: Optional[int]
    source: str
    lines: list[str]
    findings: list[Finding]
    root: Optional[str]
    consulted: frozenset[str] = frozenset()  # other modules its chains read (absolute paths)
    # the diagnostic published for each finding (by `id`), which its code actions refer to
    published: dict[int, types.Diagnostic] = field(default_factory=dict)
    _unsafe: Optional[tuple[dict[int, tuple[str, list[Span]]], list[Span]]] = None
    _offsets: Optional[list[int]] = None

    def unsafe(self) -> tuple[dict[int, tuple[str, list[Span]]], list[Span]]:
        """The unsafe rewrites of this text, planned when a code action first asks."""
        if self._unsafe is None:
            self._unsafe = unsafe_rewrites(self.source, self.findings)
        return self._unsafe

    def position(self, offset: int) -> tuple[int, int]:
        """A character offset in the source -> 1-based line and column."""
        if self._offsets is None:
            self._offsets = line_starts(self.source)
        row = bisect.bisect_right(self._offsets, offset) - 1
        return row + 1, offset - self._offsets[row] + 1


def _client_position(lines: Sequence[str], codec: PositionCodec, line: int, col: int) -> types.Position:
    """1-based line and character column -> an LSP position in the client's units, clamped to the text."""
    row = max(line - 1, 0)
    if not lines:
        return types.Position(line=0, character=0)
    if row >= len(lines):
        row = len(lines) - 1
        col = len(lines[row].rstrip("\r\n")) + 1
    text = lines[row].rstrip("\r\n")
    char = min(max(col - 1, 0), len(text))
    return codec.position_to_client_units(lines, types.Position(line=row, character=char))


def finding_range(finding: Finding, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    start = _client_position(lines, codec, finding.line, finding.col)
    if finding.end_line:
        end = _client_position(lines, codec, finding.end_line, finding.end_col)
    else:
        end = start
    if (end.line, end.character) <= (start.line, start.character):  # e.g. FAS001: to the end of the line
        row = min(max(finding.line - 1, 0), max(len(lines) - 1, 0))
        width = len(lines[row].rstrip("\r\n")) + 1 if lines else 1
        end = _client_position(lines, codec, row + 1, width)
        if (end.line, end.character) < (start.line, start.character):
            end = start
    return types.Range(start=start, end=end)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line,
        b.start.character,
    ) <= (a.end.line, a.end.character)


def _mtime(path: Optional[str]) -> Optional[int]:
    if path is None:
        return None
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


# ---------------------------------------------------------------- the server


class FakeAsyncLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(NAME, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.analyses: dict[str, Analysis] = {}
        self.open_documents: set[str] = set()
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._last_change: dict[str, float] = {}
        # one analysis at a time, off the event loop so that requests keep being read meanwhile
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fake-async-lint")
        self._settings: dict[str, tuple[Settings, Optional[int]]] = {}
        self._shown_errors: set[str] = set()
        self._other_lines: dict[str, list[str]] = {}

    # -- configuration

    def settings_for_document(self, path: Optional[str]) -> Settings:
        """Settings by directory, kept while their config file is unchanged on disk; a pyproject.toml
        saved, created or deleted (as the client reports) drops them all."""
        start = os.path.dirname(path) if path else (self.workspace.root_path or os.getcwd())
        cached = self._settings.get(start)
        if cached is not None and _mtime(cached[0].config_file) == cached[1]:
            return cached[0]
        settings = settings_for(path or os.path.join(start, "-"))
        self._settings[start] = (settings, _mtime(settings.config_file))
        return settings

    def forget_settings(self) -> None:
        self._settings.clear()
        self._shown_errors.clear()

    def show_error_once(self, message: str) -> None:
        if message in self._shown_errors:
            return
        self._shown_errors.add(message)
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))

    # -- scheduling

    def schedule(self, uri: str, delay: float) -> None:
        """(Re)analyse `uri` after `delay` seconds; a newer request replaces a pending one."""
        old = self._pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self._pending[uri] = asyncio.get_running_loop().create_task(self._run(uri, delay))

    def changed(self, uri: str) -> None:
        """An unsaved edit. The first one after a pause is analysed at once; while edits keep
        coming (typing), each waits for a pause of `debounce` seconds, so only the latest text
        is analysed. Open documents whose chains read this module are re-checked after a pause."""
        now = asyncio.get_running_loop().time()
        last = self._last_change.get(uri)
        self._last_change[uri] = now
        typing = last is not None and now - last < self.debounce
        self.schedule(uri, self.debounce if typing else 0)
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path is None:
            return
        edited = os.path.abspath(path)
        for other in self.open_documents:
            analysis = self.analyses.get(other)
            if other != uri and analysis is not None and edited in analysis.consulted:
                self.schedule(other, self.debounce)

    def _unsaved(self, uri: str) -> dict[str, bytes]:
        """The text of the other open documents, by path: their chains are judged on what the user
        sees, saved or not."""
        out: dict[str, bytes] = {}
        for other in self.open_documents:
            if other == uri or not other.startswith("file:"):
                continue
            path = to_fs_path(other)
            if path:
                out[path] = self.workspace.get_text_document(other).source.encode("utf-8", "surrogateescape")
        return out

    def forget(self, uri: str) -> None:
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.open_documents.discard(uri)
        self.analyses.pop(uri, None)
        self._last_change.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def _run(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if uri not in self.open_documents:
                return
            doc = self.workspace.get_text_document(uri)
            version, source = doc.version, doc.source
            path = to_fs_path(uri) if uri.startswith("file:") else None
            loop = asyncio.get_running_loop()
            result, error = await loop.run_in_executor(
                self._executor, self._analyse, source, path, uri, self._unsaved(uri)
            )
            if error:
                self.show_error_once(error)
            if uri not in self.open_documents:
                return
            if self.workspace.get_text_document(uri).version != version:
                return  # the text changed meanwhile: a newer run is scheduled
            result.version = version
            self.analyses[uri] = result
            self.publish(uri, result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug of ours: say so once, keep the session
            log.exception("cannot report on %s", uri)
            self.show_error_once(f"{NAME}: internal error: {type(exc).__name__}: {exc}")
        finally:
            task = asyncio.current_task()
            if self._pending.get(uri) is task:
                del self._pending[uri]

    def _analyse(
        self, source: str, path: Optional[str], uri: str, buffers: Optional[dict[str, bytes]] = None
    ) -> tuple[Analysis, str]:
        """Runs in the worker thread: the analysis and, if the configuration is broken, its error."""
        display = path or uri
        try:
            settings = self.settings_for_document(path)
        except ConfigError as e:
            # the command refuses to run: so do we, rather than report what the file means to silence
            return Analysis(None, source, split_lines(source), [], None), f"{NAME}: {e}"
        here = os.path.abspath(display)
        found, consulted = analyse(source, display, settings, buffers)
        # findings are the document's own (a chain's other modules appear as its related locations)
        findings = [f for f in found if os.path.abspath(f.path) == here]
        read = frozenset(os.path.abspath(p) for p in consulted)
        return Analysis(None, source, split_lines(source), findings, settings.root, read), ""

    # -- diagnostics

    @property
    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    def uri_for(self, path: str, uri: str, finding: Finding) -> str:
        if path == finding.path:
            return uri
        return from_fs_path(os.path.abspath(path)) or uri

    def diagnostic(self, uri: str, finding: Finding, analysis: Analysis) -> types.Diagnostic:
        related: list[types.DiagnosticRelatedInformation] = []
        for i, step in enumerate(finding.chain, 1):
            step_uri = self.uri_for(step.path, uri, finding)
            lines = analysis.lines if step_uri == uri else self._lines_of(step_uri)
            pos = _client_position(lines, self.codec, step.line, step.col)
            related.append(
                types.DiagnosticRelatedInformation(
                    location=types.Location(uri=step_uri, range=types.Range(start=pos, end=pos)),
                    message=_step_label(finding, i, step),
                )
            )
        for co in finding.coroutines:
            where = self._coroutine_location(co, uri, analysis)
            if where is not None:
                related.append(types.DiagnosticRelatedInformation(location=where, message=f"backs coroutine {co}"))
        return types.Diagnostic(
            range=finding_range(finding, analysis.lines, self.codec),
            message=finding.message,
            severity=types.DiagnosticSeverity.Error
            if finding.code in ERROR_CODES
            else types.DiagnosticSeverity.Warning,
            code=finding.code,
            code_description=types.CodeDescription(href=rule_url(finding.code)),
            source=NAME,
            related_information=related or None,
        )

    def _lines_of(self, uri: str) -> list[str]:
        """Another document's lines (to place a hop in it): the buffer if it is open, else the file."""
        cached = self._other_lines.get(uri)
        if cached is None:
            cached = self._other_lines[uri] = self._read_lines(uri)
        return cached

    def _read_lines(self, uri: str) -> list[str]:
        if uri in self.open_documents:
            return split_lines(self.workspace.get_text_document(uri).source)
        path = to_fs_path(uri)
        try:
            with open(path or "", encoding="utf-8", errors="replace") as f:
                return split_lines(f.read())
        except OSError:
            return []

    def _coroutine_location(self, co: str, uri: str, analysis: Analysis) -> Optional[types.Location]:
        """Where a pool's coroutine (a name) is defined in this document."""
        name = co.rsplit(".", 1)[-1]
        pattern = re.compile(rf"^\s*async\s+def\s+{re.escape(name)}\s*\(")
        for row, text in enumerate(analysis.lines):
            if pattern.match(text):
                pos = _client_position(analysis.lines, self.codec, row + 1, len(text) - len(text.lstrip()) + 1)
                return types.Location(uri=uri, range=types.Range(start=pos, end=pos))
        return None

    def publish(self, uri: str, analysis: Analysis) -> None:
        self._other_lines.clear()  # read once per publication, anew for the next
        diagnostics = [self.diagnostic(uri, f, analysis) for f in analysis.findings]
        analysis.published = {id(f): d for f, d in zip(analysis.findings, diagnostics)}
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=analysis.version)
        )

    # -- requests

    def findings_in(self, uri: str, rng: types.Range) -> list[tuple[Finding, types.Range]]:
        analysis = self.analyses.get(uri)
        if analysis is None:
            return []
        found = []
        for f in analysis.findings:
            r = finding_range(f, analysis.lines, self.codec)
            if _overlaps(r, rng):
                found.append((f, r))
        return found

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        self._other_lines.clear()
        uri = params.text_document.uri
        analysis = self.analyses.get(uri)
        if analysis is None:
            return []
        only = [str(getattr(k, "value", k)) for k in params.context.only or ()]

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(k + ".") for k in only)

        # edits are computed on the analysed text: offered only while it is the buffer's text, and
        # versioned, so that a client applies none to a text they were not computed for
        current = analysis.version == self.workspace.get_text_document(uri).version
        actions: list[types.CodeAction] = []
        if wanted(types.CodeActionKind.QuickFix.value):
            actions += self._quick_fixes(uri, params.range, analysis, current)
        fix_all = self._fix_all(uri, analysis) if current and wanted(FIX_ALL_KIND) else None
        # asked for by kind (on save), or next to the quick fixes when it does more than one of them
        if fix_all is not None and (only or fix_all[1] > 1):
            actions.append(fix_all[0])
        return actions

    def _fix_all(self, uri: str, analysis: Analysis) -> Optional[tuple[types.CodeAction, int]]:
        """Every safe fix of the document at once (what an editor runs as "fix all" on save)."""
        edits: list[types.TextEdit] = []
        last: Optional[types.Position] = None
        for f in sorted(analysis.findings, key=lambda f: f.sort_key):
            if f.fix is None or fix_applicability(f) == "unsafe":
                continue
            rng = finding_range(f, analysis.lines, self.codec)
            if last is not None and (rng.start.line, rng.start.character) < (last.line, last.character):
                continue  # inside an earlier fix's range: the next check offers it again
            edits.append(types.TextEdit(range=rng, new_text=f.fix.replacement))
            last = rng.end
        if not edits:
            return None
        action = types.CodeAction(
            title="Apply every safe fake-async-lint fix",
            kind=FIX_ALL_KIND,
            edit=self._edit(uri, analysis.version, edits),
        )
        return action, len(edits)

    def _quick_fixes(self, uri: str, where: types.Range, analysis: Analysis, current: bool) -> list[types.CodeAction]:
        actions: list[types.CodeAction] = []
        explained: set[str] = set()
        rewrite_all_offered = False
        for f, rng in self.findings_in(uri, where):
            # the published diagnostic: building it anew would read the chain's other files again,
            # on every cursor move
            published = analysis.published.get(id(f))
            diag = [published if published is not None else self.diagnostic(uri, f, analysis)]
            if f.fix is not None and current and fix_applicability(f) != "unsafe":
                first = f.fix.replacement.strip().splitlines()[0] if f.fix.replacement.strip() else ""
                actions.append(
                    types.CodeAction(
                        title=f"Replace with `{first}`",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=diag,
                        is_preferred=True,
                        edit=self._edit(uri, analysis.version, [types.TextEdit(range=rng, new_text=f.fix.replacement)]),
                    )
                )
            # an unsafe fix changes more than the finding's range (an import, a shared client): it is
            # offered with every edit the fixer plans for it, never as a bare replacement
            rewrite = analysis.unsafe()[0].get(id(f)) if current and f.fix is None else None
            if rewrite is not None and f.code not in POOL_CODES:
                kind, spans = rewrite
                actions.append(
                    types.CodeAction(
                        title=f"Rewrite as native async ({kind}) (unsafe)",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=diag,
                        is_preferred=False,
                        edit=self._edit(uri, analysis.version, self._text_edits(analysis, spans)),
                    )
                )
            every = analysis.unsafe()[1] if rewrite is not None else []
            if every and not rewrite_all_offered:
                rewrite_all_offered = True
                actions.append(
                    types.CodeAction(
                        title="Rewrite every finding of this file as native async (unsafe)",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=diag,
                        is_preferred=False,
                        edit=self._edit(uri, analysis.version, self._text_edits(analysis, every)),
                    )
                )
            if f.code not in ERROR_CODES and current:
                row, col, text = noqa_insertion(analysis.source, f.line, f.code)
                at = _client_position(analysis.lines, self.codec, row + 1, col + 1)
                actions.append(
                    types.CodeAction(
                        title=f"Add `# noqa: {f.code}`",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=diag,
                        edit=self._edit(
                            uri, analysis.version, [types.TextEdit(range=types.Range(start=at, end=at), new_text=text)]
                        ),
                    )
                )
            if f.code not in explained:
                explained.add(f.code)
                actions.append(
                    types.CodeAction(
                        title=f"Explain {f.code}",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=diag,
                        command=types.Command(title=f"Explain {f.code}", command=EXPLAIN_COMMAND, arguments=[f.code]),
                    )
                )
        return actions

    def _text_edits(self, analysis: Analysis, spans: Sequence[Span]) -> list[types.TextEdit]:
        edits = []
        for start, end, new in spans:
            a = _client_position(analysis.lines, self.codec, *analysis.position(start))
            b = _client_position(analysis.lines, self.codec, *analysis.position(end))
            edits.append(types.TextEdit(range=types.Range(start=a, end=b), new_text=new))
        return edits

    def _edit(self, uri: str, version: Optional[int], edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        caps = self.client_capabilities.workspace
        versioned = bool(caps and caps.workspace_edit and caps.workspace_edit.document_changes)
        if versioned:
            ident = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            return types.WorkspaceEdit(
                document_changes=[types.TextDocumentEdit(text_document=ident, edits=list(edits))]
            )
        return types.WorkspaceEdit(changes={uri: list(edits)})

    def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        uri = params.text_document.uri
        analysis = self.analyses.get(uri)
        if analysis is None:
            return None
        # a finding overlaps the empty range at the cursor when the cursor is inside it
        hits = self.findings_in(uri, types.Range(start=params.position, end=params.position))
        if not hits:
            return None
        text = "\n---\n\n".join(hover_markdown(f, analysis.root) for f, _ in hits)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=hits[0][1],
        )

    def explain(self, code: str) -> None:
        code = code.strip().upper()
        rule = ALL_RULES.get(code)
        if rule is None:
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"unknown rule {code!r}")
            )
            return
        url = rule_url(code)
        window = self.client_capabilities.window
        if window is not None and window.show_document is not None and window.show_document.support:
            self.window_show_document(types.ShowDocumentParams(uri=url, external=True))
        else:
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Info, message=f"{code} ({rule.name}): {rule.summary} {url}"
                )
            )


def is_python(uri: str, language_id: str) -> bool:
    """A Python document: by the client's language id, else by the file name (a client attached to
    every file must not get TOML reported as a syntax error)."""
    if language_id:
        return language_id.lower() == "python"
    return uri.rsplit("?", 1)[0].endswith((".py", ".pyi", ".pyw"))


def _debounce_option(options: Any) -> Optional[float]:
    """`initializationOptions.debounceMs` (a number >= 0), if given."""
    if not isinstance(options, dict):
        return None
    value = options.get("debounceMs")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 10_000:
        return float(value) / 1000
    return None


def create_server() -> FakeAsyncLanguageServer:
    server = FakeAsyncLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: FakeAsyncLanguageServer, params: types.InitializeParams) -> None:
        debounce = _debounce_option(params.initialization_options)
        if debounce is not None:
            ls.debounce = debounce

    @server.feature(types.INITIALIZED)
    async def initialized(ls: FakeAsyncLanguageServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps else None
        if watched is not None and watched.dynamic_registration:
            # hear about pyproject.toml files created, changed or deleted outside the editor
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
            )
            registration = types.Registration(
                id="fake-async-lint-config",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
            except Exception:  # a client that refuses: saves from the editor still reload
                log.warning("the client did not accept a file watcher for pyproject.toml")

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: FakeAsyncLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        if is_python(item.uri, item.language_id):
            ls.open_documents.add(item.uri)
            ls.schedule(item.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: FakeAsyncLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.open_documents:
            ls.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: FakeAsyncLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.rsplit("/", 1)[-1] == "pyproject.toml":
            ls.forget_settings()
        elif uri not in ls.open_documents:
            return
        # the saved file may be a helper that another open module's chains go through
        for other in sorted(ls.open_documents, key=lambda u: u != uri):
            ls.schedule(other, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: FakeAsyncLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: FakeAsyncLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(c.uri.endswith("pyproject.toml") for c in params.changes):
            ls.forget_settings()
            for other in list(ls.open_documents):
                ls.schedule(other, 0)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=False,
        ),
    )
    def code_action(ls: FakeAsyncLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: FakeAsyncLanguageServer, params: types.HoverParams) -> Optional[types.Hover]:
        return ls.hover(params)

    @server.command(EXPLAIN_COMMAND)
    def explain(ls: FakeAsyncLanguageServer, *args: Any) -> None:
        codes = [a for a in _flat(args) if isinstance(a, str)]
        if codes:
            ls.explain(codes[0])

    return server


def _flat(args: Iterable[Any]) -> Iterable[Any]:
    for a in args:
        if isinstance(a, (list, tuple)):
            yield from a
        else:
            yield a


def serve() -> int:
    """Run the server on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="fake-async-lint server: %(levelname)s: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # the protocol owns stdout: a stray print must not corrupt it
    create_server().start_io(stdin, stdout)
    return 0
