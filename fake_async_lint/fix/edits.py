"""Apply the safe fixes that findings carry to one module's text, with ast-grep.

Each fix replaces exactly one syntax node (found by the finding's range), so the
rest of the file keeps its bytes: formatting, comments, newlines. A result that
no longer parses is refused as a whole, never returned.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from ..findings import Finding
from ..source import line_starts

INSTALL_HINT = "the fix command needs ast-grep-py: pip install 'fake-async-lint[fix]'"
# an `await` inserted here would bind to the wrong operand: `(await x).attr`, not `await x.attr`
_TIGHTER_THAN_AWAIT = frozenset({"attribute", "subscript", "call"})
_SCOPE_KINDS = frozenset({"function_definition", "lambda", "class_definition", "module"})


class FixUnavailable(RuntimeError):
    """ast-grep-py (the `fix` extra) is not installed."""


def load_sgroot() -> Any:
    try:
        from ast_grep_py import SgRoot
    except ImportError:
        raise FixUnavailable(INSTALL_HINT) from None
    return SgRoot


Applied = tuple[Finding, str, str]  # a finding, its fix's applicability ("safe"/"unsafe"), the kind of rewrite


@dataclass
class Outcome:
    """What fixing one text did: the new text, the findings fixed, and why others were not."""

    text: str
    fixed: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    # set when the edited text would not parse: nothing was applied
    refused: Optional[str] = None
    applied: list[Applied] = field(default_factory=list)
    available: list[Applied] = field(default_factory=list)  # unsafe fixes not applied
    kinds: list[str] = field(default_factory=list)  # one entry per unsafe rewrite and clean-up made

    @property
    def changed(self) -> bool:
        return bool(self.fixed) or bool(self.kinds)


def char_range(f: Finding, starts: list[int]) -> Optional[tuple[int, int]]:
    """A finding's [start, end) as character offsets (its columns are 1-based characters)."""
    if not (1 <= f.line <= len(starts)) or not (1 <= f.end_line <= len(starts)) or f.end_col < 1:
        return None
    return starts[f.line - 1] + f.col - 1, starts[f.end_line - 1] + f.end_col - 1


def _node_at(root: Any, start: int, end: int) -> Any:
    """The outermost node spanning exactly [start, end), walking down from the root."""
    node = root
    while True:
        r = node.range()
        if r.start.index == start and r.end.index == end and node.kind() != "module":
            return node
        for child in node.children():
            cr = child.range()
            if cr.start.index <= start and end <= cr.end.index:
                node = child
                break
        else:
            return None


def _await_context(node: Any) -> Optional[str]:
    """Why inserting `await` at `node` would be unsafe, or None."""
    parent = node.parent()
    if parent is not None and parent.kind() == "await":
        return "already awaited"
    for anc in node.ancestors():
        kind = anc.kind()
        if kind == "generator_expression":
            # `await` would turn a lazy generator into an async generator: callers would break
            return "inside a generator expression"
        if kind in _SCOPE_KINDS:
            break
    return None


def _keeping_comments(node: Any, replacement: str, rule: str) -> str:
    """A template's `($$$ARGS)` filled with the call's own argument list, as written: the
    comments and line breaks inside it survive (the finding's replacement joins bare arguments)."""
    if "($$$ARGS)" not in rule or rule.count("$$$ARGS") != 1:
        return replacement
    while node.kind() != "call":  # the outermost node at the range may be the statement around it
        children = [c for c in node.children() if c.range() == node.range()]
        if not children:
            return replacement
        node = children[0]
    arguments = node.field("arguments")
    if arguments is None or arguments.kind() != "argument_list" or "#" not in arguments.text():
        return replacement
    return rule.replace("($$$ARGS)", arguments.text())


def apply_fixes(text: str, findings: Sequence[Finding]) -> Outcome:
    """Apply every finding's `fix` that is safe here; refuse the lot if the result would not parse."""
    sgroot = load_sgroot()
    out = Outcome(text)
    candidates = [f for f in findings if f.fix is not None]
    if not candidates:
        return out
    root = sgroot(text, "python").root()
    starts = line_starts(text)
    edits: list[Any] = []
    taken: list[tuple[int, int]] = []
    for f in sorted(candidates, key=lambda f: (f.line, f.col, f.code)):
        assert f.fix is not None
        span = char_range(f, starts)
        node = _node_at(root, *span) if span is not None else None
        if span is None or node is None:
            out.skipped.append((f, "no syntax node at the finding's range"))
            continue
        if any(span[0] < e and s < span[1] for s, e in taken):
            out.skipped.append((f, "overlaps another fix"))
            continue
        replacement = _keeping_comments(node, f.fix.replacement, f.fix.rule)
        if replacement.startswith("await "):
            why = _await_context(node)
            if why is not None:
                out.skipped.append((f, f"`await` cannot go there ({why})"))
                continue
            parent = node.parent()
            if parent is not None and parent.kind() in _TIGHTER_THAN_AWAIT:
                replacement = f"({replacement})"
        edits.append(node.replace(replacement))
        taken.append(span)
        out.fixed.append(f)
    if not edits:
        return out
    new_text = root.commit_edits(edits)
    reason = breaks(text, new_text)
    if reason is not None:
        return Outcome(text, skipped=[(f, "the result would not parse") for f in candidates], refused=reason)
    out.text = new_text
    return out


def _problem(text: str, *, full: bool) -> Optional[str]:
    try:
        if full:  # the compiler also checks what the parser lets through (`await` outside async)
            compile(text, "<fix>", "exec", dont_inherit=True)
        else:
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        return getattr(e, "msg", None) or str(e) or type(e).__name__
    return None


def breaks(before: str, after: str) -> Optional[str]:
    """Why `after` is worse than `before`: it does not parse, or no longer compiles."""
    problem = _problem(after, full=False)
    if problem is None and _problem(before, full=True) is None:
        problem = _problem(after, full=True)
    return problem
