"""Unsafe fixes (`fix --unsafe-fixes`): migrate fake async to native awaits.

Each rewrite is planned from a finding the engine reported (so imports and aliases are
already resolved) plus this module's own reading of the syntax tree around it, and is made
only where the result sends and returns the same for the common arguments; otherwise the
finding is skipped with the reason. Rewrites are text edits on character ranges, so the rest
of the file (formatting, comments, the comments inside a rewritten argument list) is kept.

Kinds (the names `fix --show-fixes` and the corpus counts use):
  requests-call      `requests.get(url, ...)` in a coroutine -> `await _http.get(url, ...)`
  thread-hop         `await loop.run_in_executor(ex, requests.get, url)`, lambda, partial,
                     `asyncio.to_thread` -> `await _http.get(url)`
  thread-pool        `ThreadPoolExecutor(max_workers=N)` whose hops all migrated ->
                     `AsyncHTTPClient.per_loop(..., max_concurrency=N)`
  nested-loop        `asyncio.run(c())` / `loop.run_until_complete(c())` in a coroutine -> `await c()`
  subprocess         `subprocess.run([...])` / `subprocess.call([...])` -> `await (await
                     asyncio.create_subprocess_exec(...)).wait()`
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

from ..findings import Finding
from ..source import line_starts
from .edits import char_range

_NEWLINE = re.compile(r"\r\n|\r|\n")
VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_BODY_VERBS = frozenset({"post", "put", "patch"})
# requests keyword -> the reference client's keyword (None: same name)
_KEYWORDS: dict[str, Optional[str]] = {
    "params": None,
    "headers": None,
    "json": None,
    "data": None,
    "timeout": None,
    "auth": None,
    "allow_redirects": "follow_redirects",
}
# what a requests.Response and the backend's Response share, used as in requests
_SAME_ATTRS = frozenset({"status_code", "text", "content", "headers", "json"})
#: The options that make the reference client behave like `requests` at a call site: no raise on
#: 4xx/5xx, redirects followed, no retries, no timeout unless the call gives one.
CLIENT_OPTIONS = "raise_for_status=False, follow_redirects=True, retries=0, timeout=None"
_TIGHT_PARENTS = (ast.Attribute, ast.Subscript, ast.Call, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOP_GETTERS = frozenset({"get_event_loop", "get_running_loop"})


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


@dataclass
class Rewrite:
    kind: str
    edits: list[Edit]
    finding: Optional[Finding] = None


@dataclass
class Plan:
    rewrites: list[Rewrite] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)


class Text:
    """Character offsets for ast positions (columns there are UTF-8 bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)

    def _line(self, lineno: int) -> str:
        end = self.starts[lineno] if lineno < len(self.starts) else len(self.text)
        return self.text[self.starts[lineno - 1] : end]

    def offset(self, lineno: int, col: int) -> int:
        line = self._line(lineno)
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def src(self, node: ast.AST) -> str:
        return self.text[self.start(node) : self.end(node)]

    def finding_span(self, f: Finding) -> Optional[tuple[int, int]]:
        return char_range(f, self.starts)

    def statement_lines(self, stmt: ast.stmt) -> Optional[tuple[int, int]]:
        """The whole lines of a statement that is alone on them (for deletion), else None."""
        start, end = self.start(stmt), self.end(stmt)
        line_start = self.starts[stmt.lineno - 1]
        if self.text[line_start:start].strip():
            return None
        rest = self.text[end:]
        m = re.match(r"[ \t]*(#[^\r\n]*)?(\r\n|\r|\n|$)", rest)
        if m is None or m.group(1):
            return None
        return line_start, end + m.end()


def _names(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.alias):
            out.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
    return out


class Planner:
    """Plans the unsafe rewrites of one module from its findings."""

    def __init__(self, text: str, tree: ast.Module, findings: Sequence[Finding]) -> None:
        self.t = Text(text)
        self.tree = tree
        self.parents: dict[ast.AST, ast.AST] = {}
        self.calls: dict[tuple[int, int], ast.Call] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            if isinstance(node, ast.Call):
                self.calls.setdefault((self.t.start(node), self.t.end(node)), node)
        self.names = _names(tree)
        self._client: Optional[str] = None
        self._client_class: Optional[str] = None
        self.module_edits: list[Edit] = []

    # -- helpers ---------------------------------------------------------------------------
    def call_at(self, f: Finding) -> Optional[ast.Call]:
        span = self.t.finding_span(f)
        return self.calls.get(span) if span is not None else None

    def scope_of(self, node: ast.AST) -> Optional[ast.AST]:
        """The nearest enclosing function, lambda, class or generator expression."""
        cur = self.parents.get(node)
        while cur is not None and not isinstance(cur, _SCOPES + (ast.GeneratorExp, ast.Module)):
            cur = self.parents.get(cur)
        return cur

    def await_problem(self, node: ast.AST) -> Optional[str]:
        scope = self.scope_of(node)
        if isinstance(scope, ast.GeneratorExp):
            return "inside a generator expression (`await` would make it an async generator)"
        if not isinstance(scope, ast.AsyncFunctionDef):
            return "not directly in the coroutine's body (a nested function or lambda)"
        return None

    def in_try(self, node: ast.AST, fn: ast.AST) -> bool:
        cur = self.parents.get(node)
        while cur is not None and cur is not fn:
            if isinstance(cur, ast.Try) and cur.handlers:
                return True
            cur = self.parents.get(cur)
        return False

    def awaited(self, text: str, node: ast.AST) -> str:
        parent = self.parents.get(node)
        return f"(await {text})" if isinstance(parent, _TIGHT_PARENTS) else f"await {text}"

    def append_arguments(self, last: ast.AST, extras: list[str]) -> Edit:
        """Arguments added after `last`: on a line of their own when the call ends with a trailing comma."""
        end = self.t.end(last)
        m = re.match(r",[ \t]*(\r\n|\r|\n)", self.t.text[end:])
        if m is not None:
            line = self.t.text[self.t.starts[last.lineno - 1] :]  # type: ignore[attr-defined]
            indent = line[: len(line) - len(line.lstrip(" "))]
            at = end + m.end()
            return Edit(at, at, f"{indent}{', '.join(extras)},{m.group(1)}")
        return Edit(end, end, ", " + ", ".join(extras))

    def client(self) -> str:
        """The module client's name, declared once (reused if an earlier run declared it)."""
        if self._client is not None:
            return self._client
        cls = self.client_class()
        for stmt in self.tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and self.t.src(stmt.value) == f"{cls}.per_loop({CLIENT_OPTIONS})"
            ):
                self._client = stmt.targets[0].id
                return self._client
        self._client = self.fresh("_http", "_http_client", "_async_http")
        self.declare(f"{self._client} = {cls}.per_loop({CLIENT_OPTIONS})")
        return self._client

    def client_class(self) -> str:
        if self._client_class is not None:
            return self._client_class
        for stmt in self.tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "fake_async_lint.client" and stmt.level == 0:
                for a in stmt.names:
                    if a.name == "AsyncHTTPClient":
                        self._client_class = a.asname or a.name
                        return self._client_class
        name = "AsyncHTTPClient" if "AsyncHTTPClient" not in self.names else self.fresh("_AsyncHTTPClient")
        alias = "" if name == "AsyncHTTPClient" else f" as {name}"
        self.add_import(f"from fake_async_lint.client import AsyncHTTPClient{alias}")
        self._client_class = name
        return name

    def fresh(self, *candidates: str) -> str:
        for c in candidates:
            if c not in self.names:
                self.names.add(c)
                return c
        n = 2
        while f"{candidates[0]}_{n}" in self.names:
            n += 1
        self.names.add(f"{candidates[0]}_{n}")
        return f"{candidates[0]}_{n}"

    def _import_anchor(self) -> int:
        """Where new imports go: after the module's leading imports (or its docstring)."""
        anchor: Optional[ast.stmt] = None
        for i, stmt in enumerate(self.tree.body):
            if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                anchor = stmt
                continue
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                anchor = stmt
                continue
            break
        if anchor is None:
            # after a shebang, an encoding cookie and header comments: they must stay on top
            m = re.match(r"(?:[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n))*", self.t.text)
            return m.end() if m else 0
        span = self.t.statement_lines(anchor)
        return span[1] if span is not None else self.t.end(anchor)

    def _newline(self) -> str:
        m = _NEWLINE.search(self.t.text)
        return m.group(0) if m else "\n"

    def add_import(self, line: str) -> None:
        at = self._import_anchor()
        nl = self._newline()
        before = "" if at == 0 or self.t.text[at - 1 : at] in ("\n", "\r") else nl
        self.module_edits.append(Edit(at, at, f"{before}{line}{nl}"))

    def declare(self, line: str) -> None:
        at = self._import_anchor()
        nl = self._newline()
        before = "" if at == 0 or self.t.text[at - 1 : at] in ("\n", "\r") else nl
        self.module_edits.append(Edit(at, at, f"{before}{nl}{line}{nl}"))

    def asyncio_name(self) -> Optional[str]:
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Import):
                for a in stmt.names:
                    if a.name == "asyncio":
                        return a.asname or "asyncio"
        if "asyncio" in self.names:
            return None
        self.add_import("import asyncio")
        self.names.add("asyncio")
        return "asyncio"


# -- requests ---------------------------------------------------------------------------
@dataclass
class HttpCall:
    """A requests call taken apart: verb, arguments (as ast nodes), and where they are."""

    verb: str  # get ... or "request"
    method: Optional[ast.expr]  # requests.request's method argument
    args: list[ast.expr]
    keywords: list[ast.keyword]


def _verb_of(api: str) -> Optional[str]:
    parts = api.split(".")
    if len(parts) == 2 and parts[0] == "requests" and (parts[1] in VERBS or parts[1] == "request"):
        return parts[1]
    if len(parts) == 3 and parts[:2] == ["requests", "api"] and (parts[2] in VERBS or parts[2] == "request"):
        return parts[2]
    return None


def _session(api: str) -> bool:
    return api.startswith("requests.Session.") or api.startswith("requests.sessions.Session.")


class RequestsMigration:
    """Plans requests calls and thread hops over them onto the module's reference client."""

    def __init__(self, p: Planner, plan: Plan) -> None:
        self.p = p
        self.plan = plan
        self.pool_hops: dict[str, list[tuple[Finding, ast.Call, HttpCall, ast.Await, str, list[Edit]]]] = {}
        self.pools: dict[str, tuple[ast.Call, ast.AST]] = {}  # key -> (ThreadPoolExecutor call, its binding)
        self.session_calls: dict[str, list[tuple[Finding, ast.Call, list[Edit]]]] = {}
        self.sessions: dict[str, tuple[ast.Call, ast.AST]] = {}

    # shared checks -------------------------------------------------------------------------
    def check_args(self, call: HttpCall) -> Optional[str]:
        n_pos = 2 if call.verb == "request" else 1
        if len(call.args) != n_pos or any(isinstance(a, ast.Starred) for a in call.args):
            return "positional arguments other than the URL (and method) are not mapped"
        for kw in call.keywords:
            if kw.arg is None:
                return "`**kwargs` cannot be checked argument by argument"
            if kw.arg not in _KEYWORDS:
                return f"`{kw.arg}=` has no equivalent in the reference client"
            value = kw.value
            if kw.arg == "timeout" and not (
                isinstance(value, ast.Constant) and (value.value is None or isinstance(value.value, (int, float)))
            ):
                return "`timeout=` is not a number (a (connect, read) tuple has no equivalent)"
            if kw.arg == "auth" and not (isinstance(value, ast.Tuple) and len(value.elts) == 2):
                return "`auth=` is not a (user, password) tuple (requests auth objects are not httpx auth)"
            if kw.arg == "data":
                if call.verb not in _BODY_VERBS and call.verb != "request":
                    return f"a `data=` body on {call.verb.upper()} is not mapped"
                if not isinstance(value, (ast.Dict, ast.Constant, ast.JoinedStr)) or (
                    isinstance(value, ast.Constant) and not isinstance(value.value, (str, bytes))
                ):
                    return "`data=` may be a form dict or a raw body: they map to different client arguments"
            if kw.arg == "json" and call.verb not in _BODY_VERBS and call.verb != "request":
                return f"a `json=` body on {call.verb.upper()} is not mapped"
        return None

    def keyword_text(self, kw: ast.keyword) -> str:
        """One keyword argument as the client takes it."""
        assert kw.arg is not None
        value = self.p.t.src(kw.value)
        name = _KEYWORDS[kw.arg] or kw.arg
        if kw.arg == "data" and not isinstance(kw.value, ast.Dict):
            name = "content"
        return f"{name}={value}"

    def renames(self, call: HttpCall) -> list[Edit]:
        """In-place edits of keyword names (`allow_redirects` -> `follow_redirects`, raw `data` -> `content`)."""
        out = []
        for kw in call.keywords:
            assert kw.arg is not None
            new = _KEYWORDS[kw.arg]
            if kw.arg == "data" and not isinstance(kw.value, ast.Dict):
                new = "content"
            if new is not None:
                start = self.p.t.start(kw)
                out.append(Edit(start, start + len(kw.arg), new))
        return out

    def extras(self, call: HttpCall) -> list[str]:
        given = {kw.arg for kw in call.keywords}
        if call.verb == "head" and "allow_redirects" not in given:
            return ["follow_redirects=False"]  # requests does not follow redirects for HEAD
        return []

    def uses(self, value: ast.AST, fn: ast.AST) -> tuple[Optional[str], list[Edit], bool]:
        """Whether the response (the value of `value`) is used only in ways the client's response
        shares: (why not, the edits the uses need, whether a raise_for_status() was absorbed)."""
        p = self.p
        parent = p.parents.get(value)
        if isinstance(parent, ast.Expr):
            return None, [], False
        if isinstance(parent, ast.Attribute):
            return self._attribute_use(parent, value)
        if not (
            isinstance(parent, ast.Assign)
            and parent.value is value
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
        ):
            return (
                "the response leaves the expression (returned, passed on or stored) as a requests.Response",
                [],
                False,
            )
        name = parent.targets[0].id
        edits: list[Edit] = []
        absorbed = False
        for node in ast.walk(fn):
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return f"`{name}` is declared global or nonlocal", [], False
            if not isinstance(node, ast.Name) or node.id != name or node is parent.targets[0]:
                continue
            if not isinstance(node.ctx, ast.Load):
                return f"`{name}` is assigned more than once in the coroutine", [], False
            if isinstance(p.scope_of(node), (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
                p.scope_of(node) is not fn
            ):
                return f"`{name}` is used in a nested function", [], False
            use = p.parents.get(node)
            if isinstance(use, ast.Attribute) and use.attr == "raise_for_status":
                stmt = p.parents.get(p.parents.get(use) or use)
                if not self._follows(stmt, parent) or not isinstance(p.parents.get(use), ast.Call):
                    return f"`{name}.raise_for_status()` does not directly follow the request", [], False
                assert isinstance(stmt, ast.stmt)
                lines = p.t.statement_lines(stmt)
                if lines is None:
                    return f"`{name}.raise_for_status()` shares its line with other code", [], False
                edits.append(Edit(lines[0], lines[1], ""))
                absorbed = True
                continue
            if not isinstance(use, ast.Attribute):
                return f"`{name}` is used as a whole (requests.Response and the client's response differ)", [], False
            why, more, _ = self._attribute_use(use, node)
            if why is not None:
                return why, [], False
            edits += more
        return None, edits, absorbed

    def _follows(self, stmt: Optional[ast.AST], assign: ast.Assign) -> bool:
        if not isinstance(stmt, ast.Expr):
            return False
        block = self.p.parents.get(assign)
        for body in ("body", "orelse", "finalbody"):
            seq = getattr(block, body, None)
            if isinstance(seq, list) and assign in seq:
                i = seq.index(assign)
                return i + 1 < len(seq) and seq[i + 1] is stmt
        return False

    def _attribute_use(self, attr: ast.Attribute, value: ast.AST) -> tuple[Optional[str], list[Edit], bool]:
        p = self.p
        if attr.attr == "ok":
            # requests' `ok` is "not 4xx/5xx"; httpx's is_success is 2xx only
            text = f"{p.t.src(value)}.status_code < 400"
            parent = p.parents.get(attr)
            if not isinstance(parent, (ast.Return, ast.Assign, ast.AnnAssign, ast.Expr, ast.If, ast.While)):
                text = f"({text})"
            elif isinstance(parent, (ast.If, ast.While)) and parent.test is not attr:
                text = f"({text})"
            return None, [Edit(p.t.start(attr), p.t.end(attr), text)], False
        if attr.attr not in _SAME_ATTRS:
            return (
                f"`.{attr.attr}` of a requests.Response has no same-named equivalent on the client's response",
                [],
                False,
            )
        if attr.attr == "json":
            call = p.parents.get(attr)
            if not (isinstance(call, ast.Call) and call.func is attr and not call.args and not call.keywords):
                return "`.json(...)` with arguments is not mapped", [], False
        return None, [], False

    # direct calls --------------------------------------------------------------------------
    def direct(self, f: Finding) -> None:
        p = self.p
        call = p.call_at(f)
        if call is None:
            self.plan.skipped.append((f, "no call at the finding's range"))
            return
        session_key: Optional[str] = None
        if _session(f.api):
            verb_name = f.api.rsplit(".", 1)[1]
            verb = verb_name if verb_name in VERBS or verb_name == "request" else None
            key = self._session_key(call)
            if key.startswith("!"):
                self.plan.skipped.append((f, key[1:]))
                return
            session_key = key
        else:
            verb = _verb_of(f.api)
        if verb is None:
            self.plan.skipped.append((f, f"{f.api}() is not a requests verb function"))
            return
        why = p.await_problem(call)
        if why is not None:
            self.plan.skipped.append((f, f"`await` cannot go there ({why})"))
            return
        fn = p.scope_of(call)
        assert fn is not None
        hc = HttpCall(verb, call.args[0] if verb == "request" and call.args else None, list(call.args), call.keywords)
        why = self.check_args(hc) or (
            "the call sits in a try block whose handlers expect requests' exceptions" if p.in_try(call, fn) else None
        )
        if why is None:
            why, use_edits, absorbed = self.uses(call, fn)
        if why is not None:
            self.plan.skipped.append((f, why))
            return
        t = p.t
        extras = self.extras(hc) + (["raise_for_status=True"] if absorbed else [])
        edits = self.renames(hc) + use_edits
        if session_key is None:  # the session's own calls keep their receiver
            edits.append(Edit(t.start(call.func), t.end(call.func), f"{p.client()}.{verb}"))
        if extras:
            edits.append(p.append_arguments((call.args + [k for k in call.keywords])[-1], extras))
        start, end = t.start(call), t.end(call)
        if isinstance(p.parents.get(call), _TIGHT_PARENTS):
            edits += [Edit(start, start, "(await "), Edit(end, end, ")")]
        else:
            edits.append(Edit(start, start, "await "))
        if session_key is not None:
            self.session_calls.setdefault(session_key, []).append((f, call, edits))
            return
        self.plan.rewrites.append(Rewrite("requests-call", edits, f))

    # sessions ---------------------------------------------------------------------------------
    def _session_key(self, call: ast.Call) -> str:
        """A key for the session a method is called on, when this module makes it once, plainly
        (`S = requests.Session()` at module level, or `self.s = requests.Session()` in its class);
        "!reason" otherwise."""
        p = self.p
        if not isinstance(call.func, ast.Attribute):
            return "!the session is not a name or an attribute of self"
        recv = call.func.value
        made: list[ast.Assign] = []
        if isinstance(recv, ast.Name):
            key = f"name:{recv.id}"
            scope: ast.AST = p.tree
            for stmt in p.tree.body:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == recv.id for t in stmt.targets
                ):
                    made.append(stmt)
        elif isinstance(recv, ast.Attribute) and isinstance(recv.value, ast.Name) and recv.value.id == "self":
            cls = p.parents.get(p.scope_of(call) or call)
            if not isinstance(cls, ast.ClassDef):
                return "!the session is not made by this class"
            key = f"attr:{cls.name}.{recv.attr}"
            scope = cls
            for node in ast.walk(cls):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute)
                    and t.attr == recv.attr
                    and isinstance(t.value, ast.Name)
                    and t.value.id == "self"
                    for t in node.targets
                ):
                    made.append(node)
        else:
            return "!a requests.Session carries state (headers, cookies, auth, adapters) the module client does not"
        if len(made) != 1 or len(made[0].targets) != 1:
            return "!the session is not made once in this module (a parameter, or assigned again)"
        value = made[0].value
        if not (
            isinstance(value, ast.Call)
            and _call_name(value.func) == "Session"
            and not value.args
            and not value.keywords
        ):
            return "!the session is not a plain `requests.Session()`"
        self.sessions[key] = (value, scope)
        return key

    def finish_sessions(self) -> None:
        """A session used only by migrated calls becomes a per-loop client (it keeps a cookie jar)."""
        p = self.p
        for key, calls in self.session_calls.items():
            construct, scope = self.sessions[key]
            receivers = {id(c.func.value) for _, c, _ in calls if isinstance(c.func, ast.Attribute)}
            other = self._other_use(key, scope, receivers)
            if other is not None:
                why = f"the session is also used at line {other} (configured, closed or passed on): its state would be lost"
                for f, _, _ in calls:
                    self.plan.skipped.append((f, why))
                continue
            new = f"{p.client_class()}.per_loop({CLIENT_OPTIONS})"
            span = (p.t.start(construct), p.t.end(construct))
            self.plan.rewrites.append(Rewrite("requests-session", [Edit(*span, new)]))
            for f, _, edits in calls:
                self.plan.rewrites.append(Rewrite("requests-call", edits, f))

    # thread hops -----------------------------------------------------------------------------
    def hop(self, f: Finding) -> None:
        p = self.p
        hop = p.call_at(f)
        if hop is None:
            self.plan.skipped.append((f, "no call at the finding's range"))
            return
        if _session(f.api):
            reason = "a requests.Session carries state (headers, cookies, auth, adapters) the module client does not"
            self.plan.skipped.append((f, reason))
            return
        verb = _verb_of(f.api)
        if verb is None:
            self.plan.skipped.append((f, f"{f.api}() is not a requests verb function"))
            return
        awaited = p.parents.get(hop)
        if not isinstance(awaited, ast.Await):
            self.plan.skipped.append((f, "the hop's future is not awaited where it is made"))
            return
        why = p.await_problem(hop)
        if why is not None:
            self.plan.skipped.append((f, f"not migrated ({why})"))
            return
        fn = p.scope_of(hop)
        assert fn is not None
        name = _call_name(hop.func)
        if name == "run_in_executor" and len(hop.args) >= 2 and not hop.keywords:
            executor, target, extra_args, extra_kw = hop.args[0], hop.args[1], hop.args[2:], []
        elif name in ("to_thread", "run_in_threadpool") and hop.args:  # fn, *args, **kwargs
            executor, target, extra_args, extra_kw = None, hop.args[0], hop.args[1:], list(hop.keywords)
        elif name == "async_add_executor_job" and hop.args and not hop.keywords:  # Home Assistant: fn, *args
            executor, target, extra_args, extra_kw = None, hop.args[0], hop.args[1:], []
        else:
            self.plan.skipped.append((f, f"the hop {name or 'call'}() is not a form the migration knows"))
            return
        parts = self._target(target, extra_args, extra_kw, verb)
        if isinstance(parts, str):
            self.plan.skipped.append((f, parts))
            return
        pos, kws, inner = parts
        hc = HttpCall(verb, pos[0] if verb == "request" and pos else None, pos, kws)
        why = self.check_args(hc) or (
            "the hop sits in a try block whose handlers expect requests' exceptions" if p.in_try(hop, fn) else None
        )
        if why is None:
            why, use_edits, absorbed = self.uses(awaited, fn)
        if why is not None:
            self.plan.skipped.append((f, why))
            return
        extras = self.extras(hc) + (["raise_for_status=True"] if absorbed else [])
        args_text = self._args_text(inner, hc, pos, kws, extras, hop)
        key = self._pool_key(executor, fn)
        if isinstance(key, str) and key.startswith("!"):
            self.plan.skipped.append((f, key[1:]))
            return
        receiver = p.client() if key is None else p.t.src(executor) if executor is not None else ""
        edit = Edit(p.t.start(hop), p.t.end(hop), f"{receiver}.{verb}{args_text}")
        if key is None:
            self.plan.rewrites.append(Rewrite("thread-hop", [edit] + use_edits, f))
        else:
            self.pool_hops.setdefault(key, []).append((f, hop, hc, awaited, verb, [edit] + use_edits))

    def _is_api(self, expr: ast.expr, verb: str) -> bool:
        """Whether `expr` names requests' own `verb` function through this module's imports
        (`requests.get`, `rq.get`, `get` from `from requests import get`); not a helper of ours."""
        modules: set[str] = set()
        functions: set[str] = set()
        for node in ast.walk(self.p.tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in ("requests", "requests.api"):
                        modules.add(a.asname or "requests")
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in ("requests", "requests.api"):
                for a in node.names:
                    if a.name == verb:
                        functions.add(a.asname or a.name)
                    elif a.name == "api" and node.module == "requests":
                        modules.add(a.asname or "api")
        if isinstance(expr, ast.Name):
            return expr.id in functions
        if isinstance(expr, ast.Attribute) and expr.attr == verb:
            base = expr.value
            if isinstance(base, ast.Name):
                return base.id in modules
            return isinstance(base, ast.Attribute) and base.attr == "api" and _dotted_base(base.value) == "requests"
        return False

    def _target(
        self, target: ast.expr, extra_args: list[ast.expr], extra_kw: list[ast.keyword], verb: str
    ) -> str | tuple[list[ast.expr], list[ast.keyword], Optional[ast.Call]]:
        """The wrapped call's positional and keyword arguments; `inner` when they are one call's, as written."""
        helper = "the wrapped callable is not requests' own function (a helper: make it async, see `plan`)"
        if isinstance(target, ast.Lambda):
            a = target.args
            if a.args or a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg or extra_args or extra_kw:
                return "the lambda takes arguments"
            body = target.body
            if not isinstance(body, ast.Call):
                return "the lambda does more than one requests call"
            if any(isinstance(n, ast.Await) for n in ast.walk(body)):
                return "the lambda awaits"
            if not self._is_api(body.func, verb):
                return helper
            return list(body.args), list(body.keywords), body
        if isinstance(target, ast.Call):
            func = target.func
            fname = _call_name(func)
            if fname != "partial" or not target.args:
                return "the wrapped callable is not requests' function, a lambda or functools.partial"
            if not self._is_api(target.args[0], verb):
                return helper
            return list(target.args[1:]) + extra_args, list(target.keywords) + extra_kw, None
        if isinstance(target, (ast.Name, ast.Attribute)):
            if not self._is_api(target, verb):
                return helper
            return extra_args, extra_kw, None
        return "the wrapped callable is not requests' function, a lambda or functools.partial"

    def _args_text(
        self,
        inner: Optional[ast.Call],
        hc: HttpCall,
        pos: list[ast.expr],
        kws: list[ast.keyword],
        extras: list[str],
        hop: ast.Call,
    ) -> str:
        """The new call's parenthesised arguments. One call's (a lambda's) are kept as written,
        comments and layout included, keywords renamed and dedented to where the hop was."""
        t = self.p.t
        items: list[ast.AST] = [*pos, *kws]
        if inner is None or not items:
            texts = [t.src(a) for a in pos] + [self.keyword_text(k) for k in kws] + extras
            return "(" + ", ".join(texts) + ")"
        start, end = t.end(inner.func), t.end(inner)
        edits = self.renames(hc)
        if extras:
            edits.append(self.p.append_arguments(items[-1], extras))
        text = apply_edits(t.text[start:end], [Edit(e.start - start, e.end - start, e.text) for e in edits])
        shift = _indent(t, inner.lineno) - _indent(t, hop.lineno)
        if shift > 0 and inner.lineno != inner.end_lineno:
            lines = text.splitlines(True)
            pad = " " * shift
            text = lines[0] + "".join(ln[shift:] if ln.startswith(pad) else ln for ln in lines[1:])
        return text

    def _pool_key(self, executor: Optional[ast.expr], fn: ast.AST) -> Optional[str]:
        """None: the default executor (the module client); a key for a pool this module makes;
        or "!reason" when the executor is something else."""
        if executor is None or (isinstance(executor, ast.Constant) and executor.value is None):
            return None
        p = self.p
        if isinstance(executor, ast.Name):
            for stmt in p.tree.body:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == executor.id for t in stmt.targets
                ):
                    if self._is_pool(stmt.value) and len(stmt.targets) == 1:
                        self.pools[f"name:{executor.id}"] = (stmt.value, p.tree)  # type: ignore[assignment]
                        return f"name:{executor.id}"
            return "!the executor is not a ThreadPoolExecutor made at module level here"
        if isinstance(executor, ast.Attribute) and isinstance(executor.value, ast.Name) and executor.value.id == "self":
            cls = p.parents.get(fn)
            if not isinstance(cls, ast.ClassDef):
                return "!the executor is not a ThreadPoolExecutor this class makes"
            made = []
            for node in ast.walk(cls):
                if isinstance(node, ast.Assign):
                    for tgt in node.targets:
                        if (
                            isinstance(tgt, ast.Attribute)
                            and tgt.attr == executor.attr
                            and isinstance(tgt.value, ast.Name)
                            and tgt.value.id == "self"
                        ):
                            made.append(node)
            if len(made) == 1 and len(made[0].targets) == 1 and self._is_pool(made[0].value):
                key = f"attr:{cls.name}.{executor.attr}"
                self.pools[key] = (made[0].value, cls)  # type: ignore[assignment]
                return key
            return "!the executor is not a ThreadPoolExecutor this class makes once"
        return "!the executor is not a ThreadPoolExecutor this module makes"

    @staticmethod
    def _is_pool(value: ast.expr) -> bool:
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        name = _call_name(func)
        if name != "ThreadPoolExecutor":
            return False
        return all(kw.arg in ("max_workers", "thread_name_prefix") for kw in value.keywords) and len(value.args) <= 1

    def finish_pools(self, pool_findings: dict[tuple[int, int], Finding]) -> None:
        """A pool whose every use is a migrated hop becomes a per-loop client with its cap."""
        p = self.p
        for key, hops in self.pool_hops.items():
            pool_call, scope = self.pools[key]
            hop_executors = {id(h[1].args[0]) for h in hops}
            other = self._other_use(key, scope, hop_executors)
            if other is not None:
                for f, *_ in hops:
                    self.plan.skipped.append(
                        (f, f"the thread pool is also used at line {other}: its cap would be lost")
                    )
                continue
            cap = (
                pool_call.args[0]
                if pool_call.args
                else next((k.value for k in pool_call.keywords if k.arg == "max_workers"), None)
            )
            opts = CLIENT_OPTIONS + (f", max_concurrency={p.t.src(cap)}" if cap is not None else "")
            new = f"{p.client_class()}.per_loop({opts})"
            indent = _indent(p.t, pool_call.lineno)
            line_start = p.t.starts[pool_call.lineno - 1]
            if p.t.start(pool_call) - line_start + len(new) > 100:
                new = f"{p.client_class()}.per_loop(\n{' ' * (indent + 4)}{opts}\n{' ' * indent})"
            span = (p.t.start(pool_call), p.t.end(pool_call))
            self.plan.rewrites.append(Rewrite("thread-pool", [Edit(*span, new)], pool_findings.get(span)))
            for f, _hop, _hc, _aw, _verb, edits in hops:
                self.plan.rewrites.append(Rewrite("thread-hop", edits, f))

    def _other_use(self, key: str, scope: ast.AST, hop_executors: set[int]) -> Optional[int]:
        kind, _, name = key.partition(":")
        for node in ast.walk(scope):
            if kind == "name" and isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                if id(node) not in hop_executors:
                    return node.lineno
            if (
                kind == "attr"
                and isinstance(node, ast.Attribute)
                and node.attr == name.split(".", 1)[1]
                and isinstance(node.ctx, ast.Load)
                and id(node) not in hop_executors
            ):
                return node.lineno
        if kind == "name":  # a module-level pool may be imported elsewhere: only local uses are seen
            for node in ast.walk(self.p.tree):
                if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                    return node.lineno
        return None


def _indent(t: Text, lineno: int) -> int:
    line = t.text[t.starts[lineno - 1] :].split("\n", 1)[0]
    return len(line) - len(line.lstrip(" "))


def _dotted_base(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _call_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


# -- nested loops and subprocesses ---------------------------------------------------------
def nested_loop(p: Planner, plan: Plan, f: Finding) -> None:
    call = p.call_at(f)
    if call is None or f.chain:
        plan.skipped.append((f, "the nested loop is in a sync helper: make the helper async first"))
        return
    why = p.await_problem(call)
    if why is not None:
        plan.skipped.append((f, f"`await` cannot go there ({why})"))
        return
    name = _call_name(call.func)
    if name not in ("run", "run_until_complete") or len(call.args) != 1 or call.keywords:
        plan.skipped.append((f, f"{f.api}() with other arguments than one coroutine is not mapped"))
        return
    if isinstance(call.args[0], ast.Starred):
        plan.skipped.append((f, "a starred argument is not mapped"))
        return
    text = p.awaited(p.t.src(call.args[0]), call)
    plan.rewrites.append(Rewrite("nested-loop", [Edit(p.t.start(call), p.t.end(call), text)], f))


def subprocess_call(p: Planner, plan: Plan, f: Finding) -> None:
    call = p.call_at(f)
    if call is None:
        plan.skipped.append((f, "no call at the finding's range"))
        return
    if f.api not in ("subprocess.run", "subprocess.call"):
        plan.skipped.append((f, f"{f.api}() has no one-to-one asyncio form"))
        return
    why = p.await_problem(call)
    if why is not None:
        plan.skipped.append((f, f"`await` cannot go there ({why})"))
        return
    if len(call.args) != 1 or not isinstance(call.args[0], (ast.List, ast.Tuple)):
        plan.skipped.append((f, "the command is not a literal list (shell strings and variables are not mapped)"))
        return
    if any(isinstance(e, ast.Starred) for e in call.args[0].elts) or not call.args[0].elts:
        plan.skipped.append((f, "the command list has starred or no items"))
        return
    for kw in call.keywords:
        if not (kw.arg == "check" and isinstance(kw.value, ast.Constant) and kw.value.value is False):
            plan.skipped.append((f, f"`{kw.arg or '**'}=` changes what the process gets or returns: not mapped"))
            return
    node: ast.AST = call
    parent = p.parents.get(call)
    if f.api == "subprocess.run":
        if isinstance(parent, ast.Attribute) and parent.attr == "returncode":
            node = parent
        elif not isinstance(parent, ast.Expr):
            plan.skipped.append((f, "the CompletedProcess is used: only a discarded result or `.returncode` maps"))
            return
    aio = p.asyncio_name()
    if aio is None:
        plan.skipped.append((f, "`asyncio` is bound to something else in this module"))
        return
    args = ", ".join(p.t.src(e) for e in call.args[0].elts)
    text = p.awaited(f"(await {aio}.create_subprocess_exec({args})).wait()", node)
    plan.rewrites.append(Rewrite("subprocess", [Edit(p.t.start(node), p.t.end(node), text)], f))


# -- the plan --------------------------------------------------------------------------------
def plan_unsafe(text: str, findings: Sequence[Finding]) -> Plan:
    """The unsafe rewrites for one module's text and the findings reported on it. A bug of ours
    (an exception) plans nothing for the module and says so on each candidate, never a traceback."""
    try:
        return _plan_unsafe(text, findings)
    except RecursionError:
        reason = "too deeply nested to migrate"
    except Exception as exc:  # pragma: no cover - a bug of ours must not stop the other files
        reason = f"internal error in the migration ({type(exc).__name__}: {exc}); please report it"
    plan = Plan()
    plan.skipped = [(f, reason) for f in findings if f.code in ("FAS100", "FAS200", "FAS203", "FAS103")]
    return plan


def _plan_unsafe(text: str, findings: Sequence[Finding]) -> Plan:
    plan = Plan()
    candidates = [f for f in findings if f.fix is None and f.code in ("FAS100", "FAS200", "FAS203", "FAS103")]
    if not candidates:
        return plan
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return plan
    p = Planner(text, tree, findings)
    http = RequestsMigration(p, plan)
    other_loop = _other_event_loop(tree)
    for f in sorted(candidates, key=lambda f: (f.line, f.col, f.code)):
        if f.code in ("FAS100", "FAS200") and f.api.startswith("requests.") and other_loop:
            plan.skipped.append((f, f"the module uses {other_loop}; the reference client is asyncio only"))
        elif f.code == "FAS100" and f.api.startswith("requests."):
            http.direct(f)
        elif f.code == "FAS200" and f.api.startswith("requests."):
            http.hop(f)
        elif f.code == "FAS203":
            nested_loop(p, plan, f)
        elif f.code == "FAS103":
            subprocess_call(p, plan, f)
    pools = {}
    for f in findings:
        if f.code == "FAS201":
            span = p.t.finding_span(f)
            if span is not None:
                pools[span] = f
    http.finish_pools(pools)
    http.finish_sessions()
    if plan.rewrites:
        plan.rewrites.append(Rewrite("module", p.module_edits))
    return plan


def _other_event_loop(tree: ast.Module) -> Optional[str]:
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module.split(".")[0]]
        for name in names:
            if name in ("trio", "anyio", "curio", "twisted", "gevent"):
                return name
    return None


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[pos : e.start])
        out.append(e.text)
        pos = max(pos, e.end)
    out.append(text[pos:])
    return "".join(out)


def non_overlapping(rewrites: Sequence[Rewrite]) -> Iterator[tuple[Rewrite, bool]]:
    """Each rewrite and whether it can go in (its replaced ranges touch no earlier rewrite's)."""
    taken: list[tuple[int, int]] = []
    for r in rewrites:
        spans = [(e.start, e.end) for e in r.edits if e.end > e.start]
        ok = not any(s < te and ts < e for s, e in spans for ts, te in taken)
        if ok:
            taken += spans
        yield r, ok


# -- clean-up after fixes ---------------------------------------------------------------------
def _loads(tree: ast.AST) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def _exported(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                for node in ast.walk(stmt.value):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str):
                        out.add(node.value)
    return out


def _annotation_strings(tree: ast.AST) -> Iterator[str]:
    annotations: list[Optional[ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    for ann in annotations:
        if ann is None:
            continue
        for n in ast.walk(ann):
            if isinstance(n, ast.Constant) and isinstance(n.value, str):
                yield n.value


def remove_unused_imports(before: str, after: str) -> tuple[str, int]:
    """Drop the module-level imports that the fixes left unused (used before, unused now)."""
    try:
        old, new = ast.parse(before), ast.parse(after)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return after, 0
    used_before, used_after = _loads(old), _loads(new)
    keep = _exported(new)
    # a name still written in a string annotation ('requests.Response') is kept
    strings = " ".join(_annotation_strings(new))
    t = Text(after)
    edits: list[Edit] = []
    removed = 0
    for stmt in new.body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)) or stmt.lineno != stmt.end_lineno:
            continue
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            continue
        drop = []
        for a in stmt.names:
            bound = (a.asname or a.name).split(".")[0]
            if a.name == "*" or not used_before.get(bound, 0) or used_after.get(bound, 0) or bound in keep:
                continue
            if re.search(rf"(?<![\w.]){re.escape(bound)}\b", strings):
                continue
            drop.append(a)
        if not drop:
            continue
        lines = t.statement_lines(stmt)
        if lines is None:
            continue
        left = [a for a in stmt.names if a not in drop]
        removed += len(drop)
        if not left:
            edits.append(Edit(lines[0], lines[1], ""))
            continue
        names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in left)
        head = "import " if isinstance(stmt, ast.Import) else f"from {'.' * stmt.level}{stmt.module or ''} import "
        edits.append(Edit(t.start(stmt), t.end(stmt), head + names))
    return apply_edits(after, edits), removed


def remove_unused_loops(before: str, after: str) -> tuple[str, int]:
    """Drop `loop = asyncio.get_running_loop()` lines in coroutines the fixes left without a use."""
    try:
        old, new = ast.parse(before), ast.parse(after)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return after, 0

    def coroutines(tree: ast.AST) -> dict[tuple[str, int], ast.AsyncFunctionDef]:
        seen: dict[str, int] = {}
        out = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.AsyncFunctionDef):
                n = seen[node.name] = seen.get(node.name, 0) + 1
                out[(node.name, n)] = node
        return out

    was = coroutines(old)
    t = Text(after)
    edits = []
    for key, fn in coroutines(new).items():
        if key not in was:
            continue
        for stmt in fn.body:
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Attribute)
                and stmt.value.func.attr in _LOOP_GETTERS
                and not stmt.value.args
                and not stmt.value.keywords
                and isinstance(stmt.value.func.value, ast.Name)
            ):
                continue
            name = stmt.targets[0].id
            if _loads(fn).get(name, 0) or not _loads(was[key]).get(name, 0) or len(fn.body) == 1:
                continue
            lines = t.statement_lines(stmt)
            if lines is not None:
                edits.append(Edit(lines[0], lines[1], ""))
    return apply_edits(after, edits), len(edits)


def with_unsafe_fixes(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """The findings, each one an unsafe rewrite would fix carrying it as its `fix`
    (`applicability="unsafe"`, `rule` = the kind, `replacement` = the rewritten node's text):
    for reporters that mark fixable findings (`check --show-fixes`). Findings with a safe fix
    keep it; the rest are returned unchanged."""
    import dataclasses

    from ..findings import Fix

    plan = plan_unsafe(text, findings)
    by_id = {}
    for r in plan.rewrites:
        if r.finding is not None and r.edits:
            main = max(r.edits, key=lambda e: e.end - e.start)
            by_id[id(r.finding)] = Fix(replacement=main.text, rule=r.kind, applicability="unsafe")
    return [dataclasses.replace(f, fix=by_id[id(f)]) if id(f) in by_id else f for f in findings]
