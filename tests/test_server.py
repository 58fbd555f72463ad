"""The language server, driven by a real LSP client session over stdio.

`LspSession` is a small JSON-RPC client (Content-Length framing, a reader thread) talking to
`python -m fake_async_lint server` in a subprocess; every test speaks the protocol as an editor does.
No wall-clock assertions: waits only bound how long a test may hang.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

pytest.importorskip("pygls")

from fake_async_lint.docs import rule_url  # noqa: E402
from fake_async_lint.server import noqa_insertion  # noqa: E402

TIMEOUT = 60.0
ROOT = Path(__file__).resolve().parents[1]


class LspError(Exception):
    pass


class LspSession:
    """An editor's side of a session: requests, notifications, and the server's messages as they come."""

    def __init__(self, cwd: Path, init_options: Optional[dict[str, Any]] = None, show_document: bool = True) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fake_async_lint", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(cwd),
            env=env,
        )
        self.inbox: queue.Queue[Optional[dict[str, Any]]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self.responses: dict[int, dict[str, Any]] = {}
        self.next_id = 0
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr = b""
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.init_result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": cwd.as_uri(),
                "initializationOptions": init_options or {},
                "capabilities": {
                    "workspace": {
                        "workspaceEdit": {"documentChanges": True},
                        "applyEdit": True,
                        "didChangeWatchedFiles": {"dynamicRegistration": True},
                    },
                    "window": {"showDocument": {"support": show_document}},
                    "textDocument": {
                        "publishDiagnostics": {"relatedInformation": True, "codeDescriptionSupport": True},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                    },
                },
            },
        )
        self.notify("initialized", {})

    # -- wire

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = None
                while True:
                    header = out.readline()
                    if not header:
                        return
                    header = header.strip()
                    if not header:
                        break
                    name, _, value = header.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                assert length is not None
                self.inbox.put(json.loads(out.read(length)))
        finally:
            self.inbox.put(None)

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _pump(self) -> None:
        """Handle one message from the server (waiting for it)."""
        try:
            msg = self.inbox.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError("the server sent nothing for a minute") from None
        if msg is None:
            raise AssertionError(f"the server closed its output; stderr: {self.stderr.decode(errors='replace')}")
        if "id" in msg and "method" in msg:  # a request to the client
            self.server_requests.append(msg)
            result: Any = None
            if msg["method"] == "window/showDocument":
                result = {"success": True}
            elif msg["method"] == "workspace/configuration":
                result = [None for _ in msg["params"]["items"]]
            self.send({"id": msg["id"], "result": result})
        elif "id" in msg:
            self.responses[msg["id"]] = msg
        else:
            self.notifications.append(msg)

    def wait(self, ready: Callable[[], Any]) -> Any:
        while True:
            value = ready()
            if value:
                return value
            self._pump()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        reply = self.wait(lambda: self.responses.pop(rid, None))
        if "error" in reply:
            raise LspError(reply["error"])
        return reply.get("result")

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    # -- editor actions

    def open(self, path: Path, text: Optional[str] = None) -> str:
        uri = path.as_uri()
        self.texts[uri] = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        item = {"uri": uri, "languageId": "python", "version": 1, "text": self.texts[uri]}
        self.notify("textDocument/didOpen", {"textDocument": item})
        return uri

    def change(self, uri: str, text: str) -> None:
        """An unsaved edit: the whole new text, as a client with full sync sends it."""
        self.versions[uri] += 1
        self.texts[uri] = text
        doc = {"uri": uri, "version": self.versions[uri]}
        self.notify("textDocument/didChange", {"textDocument": doc, "contentChanges": [{"text": text}]})

    def change_range(self, uri: str, rng: dict[str, Any], new_text: str) -> None:
        """An unsaved incremental edit of one range."""
        self.versions[uri] += 1
        self.texts[uri] = apply_edits(self.texts[uri], [{"range": rng, "newText": new_text}])
        doc = {"uri": uri, "version": self.versions[uri]}
        change = {"range": rng, "text": new_text}
        self.notify("textDocument/didChange", {"textDocument": doc, "contentChanges": [change]})

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        """The diagnostics published for the document's current version (waits for them)."""
        version = self.versions[uri]

        def found() -> Optional[list[dict[str, Any]]]:
            for note in reversed(self.notifications):
                p = note["params"]
                if note["method"] == "textDocument/publishDiagnostics" and p["uri"] == uri:
                    if p.get("version") == version:
                        return [p["diagnostics"]]
            return None

        return list(self.wait(found)[0])

    def code_actions(self, uri: str, diagnostic: dict[str, Any]) -> list[dict[str, Any]]:
        params = {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        }
        return list(self.request("textDocument/codeAction", params) or [])

    def apply(self, edit: dict[str, Any]) -> None:
        """What an editor does with a WorkspaceEdit: edit the buffer, send the change."""
        for change in edit.get("documentChanges", []):
            uri = change["textDocument"]["uri"]
            assert change["textDocument"]["version"] == self.versions[uri]
            self.change(uri, apply_edits(self.texts[uri], change["edits"]))
        for uri, edits in (edit.get("changes") or {}).items():
            self.change(uri, apply_edits(self.texts[uri], edits))

    def close(self) -> int:
        self.request("shutdown", None)
        self.notify("exit", None)
        return self.proc.wait(timeout=TIMEOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _offset(text: str, pos: dict[str, int]) -> int:
    """An LSP position (UTF-16 units) -> an index into `text`."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: pos["line"]])
    if pos["line"] >= len(lines):
        return len(text)
    units = 0
    for i, ch in enumerate(lines[pos["line"]]):
        if units >= pos["character"]:
            return offset + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return offset + len(lines[pos["line"]].rstrip("\r\n"))


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    spans = sorted(
        ((_offset(text, e["range"]["start"]), _offset(text, e["range"]["end"]), e["newText"]) for e in edits)
    )
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def _rng(line: int, start: int, end_line: int, end: int) -> dict[str, Any]:
    return {"start": {"line": line, "character": start}, "end": {"line": end_line, "character": end}}


def engine_message(path: Path, code: str) -> str:
    """What the engine says for `code` in the file, as the command would."""
    from fake_async_lint import config
    from fake_async_lint.engine import check_source

    found = check_source(path.read_text(encoding="utf-8"), str(path), config.resolve([str(path)]))
    return [f.message for f in found if f.code == code][0]


def summary(diags: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(d["code"], d["range"]) for d in diags]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lsp")
    (root / "pyproject.toml").write_text("[tool.fake-async-lint]\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def session(shared: Path):  # type: ignore[no-untyped-def]
    """One server for the tests that only open their own documents (starting one takes a second)."""
    s = LspSession(shared)
    yield s
    s.kill()


@pytest.fixture
def project(shared: Path, request: pytest.FixtureRequest) -> Path:
    """A directory of its own for a test's documents, under the shared project's pyproject.toml."""
    d = shared / request.node.name.replace("[", "_").replace("]", "_")
    d.mkdir()
    return d


def publications(s: LspSession, uri: str, since: int = 0) -> list[dict[str, Any]]:
    return [
        n["params"]
        for n in s.notifications[since:]
        if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri
    ]


APP = textwrap.dedent(
    """\
    import asyncio
    import time

    import requests


    def helper():
        time.sleep(1)


    def outer():
        helper()


    async def main(url):
        time.sleep(1)
        outer()
        await asyncio.sleep(0)
        return requests.get(url)
    """
)


def test_initialize_advertises_the_features(session: LspSession) -> None:
    caps = session.init_result["capabilities"]
    assert session.init_result["serverInfo"]["name"] == "fake-async-lint"
    assert caps["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll.fake-async-lint"]
    assert caps["hoverProvider"]
    assert caps["executeCommandProvider"]["commands"] == ["fake-async-lint.explain"]
    assert caps["textDocumentSync"]["openClose"] is True


def test_diagnostics_on_open(session: LspSession, project: Path) -> None:
    (project / "app.py").write_text(APP, encoding="utf-8")
    uri = session.open(project / "app.py")
    diags = session.diagnostics(uri)
    assert summary(diags) == [
        ("FAS101", _rng(15, 4, 15, 17)),
        ("FAS300", _rng(16, 4, 16, 11)),
        ("FAS100", _rng(18, 11, 18, 28)),
    ]
    first = diags[0]
    assert first["severity"] == 2  # warning
    assert first["source"] == "fake-async-lint"
    assert first["codeDescription"] == {"href": rule_url("FAS101")}
    assert first["message"] == engine_message(project / "app.py", "FAS101")  # the command's words, unchanged
    assert "relatedInformation" not in first


def test_related_information_for_every_hop_of_a_chain(session: LspSession, project: Path) -> None:
    (project / "app.py").write_text(APP, encoding="utf-8")
    uri = session.open(project / "app.py")
    fas300 = [d for d in session.diagnostics(uri) if d["code"] == "FAS300"][0]
    hops = [(r["location"]["uri"], r["location"]["range"]["start"], r["message"]) for r in fas300["relatedInformation"]]
    assert hops == [
        (uri, {"line": 16, "character": 4}, "hop 1: calls outer()"),
        (uri, {"line": 11, "character": 4}, "hop 2: calls helper()"),
        (uri, {"line": 7, "character": 4}, "hop 3: blocks in time.sleep()"),
    ]


def test_related_information_for_a_chain_across_modules(session: LspSession, project: Path) -> None:
    pkg = project / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "services.py").write_text("import time\n\n\ndef charge_card():\n    time.sleep(2)\n", encoding="utf-8")
    view = "from shop.services import charge_card\n\n\nasync def checkout():\n    charge_card()\n"
    (pkg / "views.py").write_text(view, encoding="utf-8")
    uri = session.open(pkg / "views.py")
    diags = session.diagnostics(uri)
    assert summary(diags) == [("FAS300", _rng(4, 4, 4, 17))]
    hops = [(r["location"]["uri"], r["location"]["range"]["start"]) for r in diags[0]["relatedInformation"]]
    assert hops == [
        (uri, {"line": 4, "character": 4}),
        ((pkg / "services.py").as_uri(), {"line": 4, "character": 4}),
    ]


def test_a_chain_goes_through_the_unsaved_text_of_another_open_module(session: LspSession, project: Path) -> None:
    pkg = project / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    saved = "import time\n\n\ndef charge_card():\n    return 1\n"
    (pkg / "services.py").write_text(saved, encoding="utf-8")
    view = "from shop.services import charge_card\n\n\nasync def checkout():\n    charge_card()\n"
    (pkg / "views.py").write_text(view, encoding="utf-8")
    views = session.open(pkg / "views.py")
    assert session.diagnostics(views) == []
    services = session.open(pkg / "services.py")
    assert session.diagnostics(services) == []

    def views_published(since: int) -> list[dict[str, Any]]:
        return session.wait(lambda: publications(session, views, since))[-1]["diagnostics"]  # type: ignore[no-any-return]

    # the helper starts to block in its buffer only: the open view that calls it is re-checked
    since = len(session.notifications)
    session.change(services, saved.replace("return 1", "time.sleep(2)"))
    diags = views_published(since)
    assert summary(diags) == [("FAS300", _rng(4, 4, 4, 17))]
    assert diags[0]["relatedInformation"][1]["location"]["uri"] == services
    assert (pkg / "services.py").read_text(encoding="utf-8") == saved
    # and stops again, still unsaved
    since = len(session.notifications)
    session.change(services, saved)
    assert views_published(since) == []


def test_a_pool_made_in_another_module_is_a_related_location(session: LspSession, project: Path) -> None:
    pkg = project / "api"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    pools = "from concurrent.futures import ThreadPoolExecutor\n\nPOOL = ThreadPoolExecutor(max_workers=3)\n"
    (pkg / "pools.py").write_text(pools, encoding="utf-8")
    views = (
        "import asyncio\nimport requests\n\nfrom api.pools import POOL\n\n\nasync def select(url):\n"
        "    loop = asyncio.get_running_loop()\n    return await loop.run_in_executor(POOL, requests.get, url)\n"
    )
    (pkg / "views.py").write_text(views, encoding="utf-8")
    uri = session.open(pkg / "views.py")
    [pool] = [d for d in session.diagnostics(uri) if d["code"] == "FAS201"]
    assert pool["range"]["start"] == {"line": 8, "character": 17}
    related, coroutine = pool["relatedInformation"]
    assert related["location"] == {"uri": (pkg / "pools.py").as_uri(), "range": _rng(2, 7, 2, 7)}
    assert related["message"] == "thread pool POOL"
    assert coroutine["location"]["uri"] == uri  # the coroutine it caps, in this document


def test_quick_fix_applied_makes_the_document_clean(session: LspSession, project: Path) -> None:
    text = "import asyncio\nimport time\n\n\nasync def tick():\n    time.sleep(1)\n    await asyncio.sleep(0)\n"
    (project / "tick.py").write_text(text, encoding="utf-8")
    uri = session.open(project / "tick.py")
    [diag] = session.diagnostics(uri)
    assert (diag["code"], diag["range"]) == ("FAS101", _rng(5, 4, 5, 17))
    actions = session.code_actions(uri, diag)
    assert [a["title"] for a in actions] == [
        "Replace with `await asyncio.sleep(1)`",
        "Add `# noqa: FAS101`",
        "Explain FAS101",
    ]
    fix = actions[0]
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "FAS101"
    session.apply(fix["edit"])
    assert session.texts[uri].splitlines()[5] == "    await asyncio.sleep(1)"
    assert session.diagnostics(uri) == []


def test_fix_all_applies_every_safe_fix(session: LspSession, project: Path) -> None:
    text = (
        "import asyncio\nimport time\n\n\nasync def tick():\n    time.sleep(1)\n"
        "    loop = asyncio.get_event_loop()\n    time.sleep(2)\n    await asyncio.sleep(0)\n"
    )
    (project / "tick.py").write_text(text, encoding="utf-8")
    uri = session.open(project / "tick.py")
    diags = session.diagnostics(uri)
    assert [d["code"] for d in diags] == ["FAS101", "FAS202", "FAS101"]
    # next to a finding's quick fixes too, since it does more than that one
    assert [a["title"] for a in session.code_actions(uri, diags[1])][-1] == "Apply every safe fake-async-lint fix"
    params = {
        "textDocument": {"uri": uri},
        "range": _rng(0, 0, 0, 0),
        "context": {"diagnostics": [], "only": ["source.fixAll"]},
    }
    [fix_all] = session.request("textDocument/codeAction", params)
    assert (fix_all["title"], fix_all["kind"]) == (
        "Apply every safe fake-async-lint fix",
        "source.fixAll.fake-async-lint",
    )
    session.apply(fix_all["edit"])
    assert session.texts[uri].splitlines()[5:8] == [
        "    await asyncio.sleep(1)",
        "    loop = asyncio.get_running_loop()",
        "    await asyncio.sleep(2)",
    ]
    assert session.diagnostics(uri) == []
    # a client asking for quick fixes only gets no fix-all, and the other way round
    params["context"]["only"] = ["quickfix"]
    assert session.request("textDocument/codeAction", params) == []


def test_noqa_action_silences_the_finding(session: LspSession, project: Path) -> None:
    text = "import time\n\n\nasync def tick():\n    time.sleep(1)  # keep\n"
    (project / "tick.py").write_text(text, encoding="utf-8")
    uri = session.open(project / "tick.py")
    [diag] = session.diagnostics(uri)
    noqa = [a for a in session.code_actions(uri, diag) if a["title"] == "Add `# noqa: FAS101`"][0]
    session.apply(noqa["edit"])
    assert session.texts[uri].splitlines()[4] == "    time.sleep(1)  # keep  # noqa: FAS101"
    assert session.diagnostics(uri) == []


def test_noqa_action_merges_with_an_existing_noqa(session: LspSession, project: Path) -> None:
    text = "import time\n\n\nasync def tick():\n    time.sleep(1)  # noqa: E501 -- long line\n"
    (project / "tick.py").write_text(text, encoding="utf-8")
    uri = session.open(project / "tick.py")
    [diag] = session.diagnostics(uri)
    noqa = [a for a in session.code_actions(uri, diag) if a["title"].startswith("Add `# noqa")][0]
    session.apply(noqa["edit"])
    assert session.texts[uri].splitlines()[4] == "    time.sleep(1)  # noqa: E501, FAS101 -- long line"
    assert session.diagnostics(uri) == []


def test_unsaved_change_removes_a_finding(session: LspSession, project: Path) -> None:
    (project / "app.py").write_text(APP, encoding="utf-8")
    uri = session.open(project / "app.py")
    assert [d["code"] for d in session.diagnostics(uri)] == ["FAS101", "FAS300", "FAS100"]
    # delete line 16 (`    time.sleep(1)`), incrementally; the file on disk keeps it
    session.change_range(uri, _rng(15, 0, 16, 0), "")
    assert summary(session.diagnostics(uri)) == [
        ("FAS300", _rng(15, 4, 15, 11)),
        ("FAS100", _rng(17, 11, 17, 28)),
    ]
    assert "time.sleep(1)\n    outer()" in (project / "app.py").read_text(encoding="utf-8")


def test_the_latest_text_wins(session: LspSession, project: Path) -> None:
    text = "import time\n\n\nasync def tick():\n    pass\n"
    (project / "tick.py").write_text(text, encoding="utf-8")
    uri = session.open(project / "tick.py")
    assert session.diagnostics(uri) == []
    for n in range(1, 6):  # typing: each version adds a call; only the last one counts
        session.change(uri, text + "".join(f"    time.sleep({i})\n" for i in range(n)))
    diags = session.diagnostics(uri)
    assert [d["range"]["start"]["line"] for d in diags] == [5, 6, 7, 8, 9]
    assert publications(session, uri)[-1]["version"] == session.versions[uri]


def test_close_clears_the_diagnostics(session: LspSession, project: Path) -> None:
    (project / "app.py").write_text(APP, encoding="utf-8")
    uri = session.open(project / "app.py")
    assert session.diagnostics(uri)
    since = len(session.notifications)
    session.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert session.wait(lambda: publications(session, uri, since)) == [{"uri": uri, "diagnostics": []}]


def test_save_reanalyses(session: LspSession, project: Path) -> None:
    (project / "app.py").write_text(APP, encoding="utf-8")
    uri = session.open(project / "app.py")
    session.diagnostics(uri)
    since = len(session.notifications)
    session.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    [published] = session.wait(lambda: publications(session, uri, since))
    assert [d["code"] for d in published["diagnostics"]] == ["FAS101", "FAS300", "FAS100"]


def test_hover_shows_message_chain_and_replacement(session: LspSession, project: Path) -> None:
    (project / "app.py").write_text(APP, encoding="utf-8")
    uri = session.open(project / "app.py")
    session.diagnostics(uri)
    hover = session.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 16, "character": 6}}
    )
    assert hover["contents"]["kind"] == "markdown"
    assert hover["range"] == _rng(16, 4, 16, 11)
    value = hover["contents"]["value"]
    assert value.startswith(f"**FAS300 (blocking-via-helper)** {engine_message(project / 'app.py', 'FAS300')}\n\n")
    where = f"{project.name}/app.py"
    assert (
        f"1. `outer()` at [{where}:17:5]({uri}#L17)\n"
        f"2. `helper()` at [{where}:12:5]({uri}#L12)\n"
        f"3. `time.sleep()` at [{where}:8:5]({uri}#L8)"
    ) in value
    assert "Instead: use `await asyncio.sleep(...)`" in value
    assert f"[FAS300 documentation]({rule_url('FAS300')})" in value
    fix_hover = session.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 15, "character": 4}}
    )
    assert "Fix:\n\n```python\nawait asyncio.sleep(1)\n```" in fix_hover["contents"]["value"]
    nothing = session.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
    )
    assert nothing is None


def test_explain_opens_the_rule_page(session: LspSession, project: Path) -> None:
    (project / "app.py").write_text(APP, encoding="utf-8")
    uri = session.open(project / "app.py")
    diag = session.diagnostics(uri)[2]
    explain = [a for a in session.code_actions(uri, diag) if a["title"] == "Explain FAS100"][0]
    assert explain["command"] == {
        "title": "Explain FAS100",
        "command": "fake-async-lint.explain",
        "arguments": ["FAS100"],
    }
    session.request("workspace/executeCommand", {"command": "fake-async-lint.explain", "arguments": ["FAS100"]})
    shown = session.wait(lambda: [r for r in session.server_requests if r["method"] == "window/showDocument"])
    assert shown[0]["params"] == {"uri": rule_url("FAS100"), "external": True}


def test_explain_without_show_document_shows_a_message(project: Path) -> None:
    s = LspSession(project, show_document=False)
    try:
        s.request("workspace/executeCommand", {"command": "fake-async-lint.explain", "arguments": ["fas101"]})
        note = s.wait(lambda: [n for n in s.notifications if n["method"] == "window/showMessage"])
        assert note[0]["params"]["message"].startswith("FAS101 (blocking-sleep): ")
        assert note[0]["params"]["message"].endswith(rule_url("FAS101"))
    finally:
        s.kill()


def test_workspace_configuration_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fake-async-lint]\nignore = ["FAS100"]\nper-file-ignores = { "legacy/*" = ["FAS101"] }\n',
        encoding="utf-8",
    )
    (tmp_path / "legacy").mkdir()
    for path in (tmp_path / "app.py", tmp_path / "legacy" / "old.py"):
        path.write_text(APP, encoding="utf-8")
    s = LspSession(tmp_path / "legacy")  # the server's directory does not matter: the document's does
    try:
        assert [d["code"] for d in s.diagnostics(s.open(tmp_path / "app.py"))] == ["FAS101", "FAS300"]
        assert [d["code"] for d in s.diagnostics(s.open(tmp_path / "legacy" / "old.py"))] == ["FAS300"]
    finally:
        s.kill()


def test_broken_configuration_is_shown_and_nothing_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fake-async-lint]\nselect = ["NOPE"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    s = LspSession(tmp_path)
    try:
        uri = s.open(tmp_path / "app.py")
        assert s.diagnostics(uri) == []
        note = s.wait(lambda: [n for n in s.notifications if n["method"] == "window/showMessage"])
        assert note[0]["params"]["type"] == 1
        assert note[0]["params"]["message"].startswith("fake-async-lint: ")
        assert "pyproject.toml" in note[0]["params"]["message"]
        # fixing the file and saving it takes effect without a restart
        (tmp_path / "pyproject.toml").write_text('[tool.fake-async-lint]\nselect = ["FAS1"]\n', encoding="utf-8")
        since = len(s.notifications)
        s.notify("textDocument/didSave", {"textDocument": {"uri": (tmp_path / "pyproject.toml").as_uri()}})
        [published] = s.wait(lambda: publications(s, uri, since))
        assert [d["code"] for d in published["diagnostics"]] == ["FAS101", "FAS100"]
    finally:
        s.kill()


def test_configuration_changes_on_disk_are_picked_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fake-async-lint]\nignore = ["FAS100"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    s = LspSession(tmp_path)
    try:
        uri = s.open(tmp_path / "app.py")
        assert [d["code"] for d in s.diagnostics(uri)] == ["FAS101", "FAS300"]
        [reg] = s.wait(lambda: [r for r in s.server_requests if r["method"] == "client/registerCapability"])
        [watch] = reg["params"]["registrations"]
        assert watch["method"] == "workspace/didChangeWatchedFiles"
        assert watch["registerOptions"] == {"watchers": [{"globPattern": "**/pyproject.toml"}]}
        # the file is rewritten outside the editor: the next analysis reads it
        (tmp_path / "pyproject.toml").write_text("[tool.fake-async-lint]\n", encoding="utf-8")
        s.change(uri, s.texts[uri] + "\n")
        assert [d["code"] for d in s.diagnostics(uri)] == ["FAS101", "FAS300", "FAS100"]
        # a closer pyproject.toml appears (the client reports it): every open document is checked again
        (tmp_path / "pkg").mkdir()
        (tmp_path / "pkg" / "mod.py").write_text(APP, encoding="utf-8")
        mod = s.open(tmp_path / "pkg" / "mod.py")
        assert [d["code"] for d in s.diagnostics(mod)] == ["FAS101", "FAS300", "FAS100"]
        (tmp_path / "pkg" / "pyproject.toml").write_text(
            '[tool.fake-async-lint]\nselect = ["FAS101"]\n', encoding="utf-8"
        )
        since = len(s.notifications)
        change = {"uri": (tmp_path / "pkg" / "pyproject.toml").as_uri(), "type": 1}
        s.notify("workspace/didChangeWatchedFiles", {"changes": [change]})
        [published] = s.wait(lambda: publications(s, mod, since))
        assert [d["code"] for d in published["diagnostics"]] == ["FAS101"]
    finally:
        s.kill()


def test_unparsable_document_gives_fas001_and_the_session_goes_on(session: LspSession, project: Path) -> None:
    (project / "bad.py").write_text("", encoding="utf-8")
    uri = session.open(project / "bad.py", "async def f(:\n    pass\n")
    [diag] = session.diagnostics(uri)
    assert diag["code"] == "FAS001"
    assert diag["severity"] == 1
    assert diag["range"]["start"]["line"] == 0
    assert diag["message"].startswith("cannot analyse this file: ")
    assert [a["title"] for a in session.code_actions(uri, diag)] == ["Explain FAS001"]
    session.change(uri, "\x00\x01 async def \udcff\n")
    assert [d["code"] for d in session.diagnostics(uri)] == ["FAS001"]
    session.change(uri, "import time\n\n\nasync def f():\n    time.sleep(1)\n")
    assert [d["code"] for d in session.diagnostics(uri)] == ["FAS101"]


def test_columns_are_utf16_code_units(session: LspSession, project: Path) -> None:
    text = 'import asyncio\nimport time\n\n\nasync def tick():\n    x = "\U0001f600é"; time.sleep(1)\n'
    (project / "tick.py").write_text(text, encoding="utf-8")
    uri = session.open(project / "tick.py")
    [diag] = session.diagnostics(uri)
    # `    x = "😀é"; ` is 14 characters, 15 UTF-16 units (the emoji takes two)
    assert diag["range"] == _rng(5, 15, 5, 28)
    session.apply([a for a in session.code_actions(uri, diag) if a["title"].startswith("Replace")][0]["edit"])
    assert session.texts[uri].splitlines()[5] == '    x = "\U0001f600é"; await asyncio.sleep(1)'
    assert session.diagnostics(uri) == []


def test_untitled_document(session: LspSession) -> None:
    uri = "untitled:Untitled-1"
    session.versions[uri] = 1
    session.texts[uri] = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    item = {"uri": uri, "languageId": "python", "version": 1, "text": session.texts[uri]}
    session.notify("textDocument/didOpen", {"textDocument": item})
    assert [d["code"] for d in session.diagnostics(uri)] == ["FAS101"]


def test_only_python_documents_are_analysed(session: LspSession, project: Path) -> None:
    toml = project / "pyproject.toml"
    toml.write_text("[tool.other]\nx = 1\n", encoding="utf-8")
    item = {"uri": toml.as_uri(), "languageId": "toml", "version": 1, "text": toml.read_text(encoding="utf-8")}
    session.notify("textDocument/didOpen", {"textDocument": item})
    (project / "app.py").write_text(APP, encoding="utf-8")
    session.diagnostics(session.open(project / "app.py"))
    assert publications(session, toml.as_uri()) == []


def test_edits_are_offered_only_for_the_analysed_text(project: Path) -> None:
    (project / "tick.py").write_text("import time\n\n\nasync def tick():\n    time.sleep(1)\n", encoding="utf-8")
    s = LspSession(project, init_options={"debounceMs": 10_000})
    try:
        uri = s.open(project / "tick.py")
        [diag] = s.diagnostics(uri)
        assert [a["title"] for a in s.code_actions(uri, diag)] == ["Add `# noqa: FAS101`", "Explain FAS101"]
        s.change(uri, s.texts[uri] + "\n")  # analysed at once: the first edit after a pause
        [diag] = s.diagnostics(uri)
        s.change(uri, "\n" + s.texts[uri])  # typing: waits for a 10 s pause, so not analysed yet
        # the diagnostics are those of the text before: no edit computed on it, only the explanation
        assert [a["title"] for a in s.code_actions(uri, diag)] == ["Explain FAS101"]
    finally:
        s.kill()


def test_shutdown_and_exit(project: Path) -> None:
    s = LspSession(project)
    try:
        assert s.close() == 0
    finally:
        s.kill()


# -- the pure helpers, on the cases a session does not reach


@pytest.mark.parametrize(
    ("source", "line", "expected"),
    [
        ("x = 1\n", 1, (0, 5, "  # noqa: FAS101")),
        ("x = 1  # noqa:FAS100\n", 1, (0, 20, ", FAS101")),
        ("x = 1  # NOQA: FAS100,FAS102  \n", 1, (0, 28, ", FAS101")),
        ('x = f("""\n  a\n""")\n', 1, (2, 4, "  # noqa: FAS101")),
        ("x = f(\n    1)\n", 1, (0, 6, "  # noqa: FAS101")),
        ("x = (\n", 1, (0, 5, "  # noqa: FAS101")),
        ("x = 1", 1, (0, 5, "  # noqa: FAS101")),
    ],
)
def test_noqa_insertion(source: str, line: int, expected: tuple[int, int, str]) -> None:
    assert noqa_insertion(source, line, "FAS101") == expected


def test_server_subcommand_is_in_the_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert "server" in out


def test_without_pygls_the_command_says_what_to_install() -> None:
    # an environment without the `server` extra: the imports fail as they would there
    code = (
        "import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None; "
        "from fake_async_lint.cli import main; sys.exit(main(['server']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=TIMEOUT)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("fake-async-lint: the language server needs pygls (")
    assert "pip install 'fake-async-lint[server]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_saving_a_module_rechecks_the_other_open_documents(session: LspSession, project: Path) -> None:
    (project / "a.py").write_text(APP, encoding="utf-8")
    (project / "b.py").write_text(APP, encoding="utf-8")
    a, b = session.open(project / "a.py"), session.open(project / "b.py")
    session.diagnostics(a), session.diagnostics(b)
    since = len(session.notifications)
    session.notify("textDocument/didSave", {"textDocument": {"uri": b}})
    session.wait(lambda: publications(session, a, since) and publications(session, b, since))


UNSAFE = """\
import asyncio
import requests


async def fetch(url):
    r = requests.get(url, timeout=5)
    await asyncio.sleep(0)
    return r.json()
"""


def test_unsafe_fix_is_marked_and_brings_every_edit_it_needs(session: LspSession, project: Path) -> None:
    pytest.importorskip("fake_async_lint.fix.unsafe", reason="the fixer's unsafe rewrites")
    (project / "fetch.py").write_text(UNSAFE, encoding="utf-8")
    uri = session.open(project / "fetch.py")
    [diag] = session.diagnostics(uri)
    assert (diag["code"], diag["range"]) == ("FAS100", _rng(5, 8, 5, 36))
    actions = session.code_actions(uri, diag)
    assert [a["title"] for a in actions] == [
        "Rewrite as native async (requests-call) (unsafe)",
        "Add `# noqa: FAS100`",
        "Explain FAS100",
    ]
    assert actions[0]["isPreferred"] is False
    session.apply(actions[0]["edit"])
    assert session.texts[uri] == (
        "import asyncio\n"
        "import requests\n"
        "from fake_async_lint.client import AsyncHTTPClient\n"
        "\n"
        "_http = AsyncHTTPClient.per_loop(raise_for_status=False, follow_redirects=True, retries=0, timeout=None)\n"
        "\n"
        "\n"
        "async def fetch(url):\n"
        "    r = await _http.get(url, timeout=5)\n"
        "    await asyncio.sleep(0)\n"
        "    return r.json()\n"
    )
    assert session.diagnostics(uri) == []


POOL = """\
import asyncio, requests
from concurrent.futures import ThreadPoolExecutor

class Api:
    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=3)

    async def select(self, url):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, requests.get, url)

    async def insert(self, url, row):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: requests.post(url, json=row))
"""


def test_a_pools_coroutines_are_related_locations(session: LspSession, project: Path) -> None:
    from fake_async_lint.findings import Finding

    if "coroutines" not in getattr(Finding, "__dataclass_fields__", {}):
        pytest.skip("findings do not list a pool's coroutines yet")
    (project / "api.py").write_text(POOL, encoding="utf-8")
    uri = session.open(project / "api.py")
    [pool] = [d for d in session.diagnostics(uri) if d["code"] == "FAS201"]
    assert pool["range"]["start"] == {"line": 5, "character": 25}
    related = [(r["location"]["uri"], r["location"]["range"]["start"]) for r in pool["relatedInformation"]]
    assert related == [(uri, {"line": 7, "character": 4}), (uri, {"line": 11, "character": 4})]
    assert all(r["message"].startswith("backs coroutine ") for r in pool["relatedInformation"])


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ([(4, 8, "X")], [(4, 8, "X")]),
        # an insertion where a replacement starts: one edit, the insertion first (as the fixer applies them)
        ([(4, 8, "_http.get"), (4, 4, "await ")], [(4, 8, "await _http.get")]),
        ([(0, 0, "a\n"), (0, 0, "b\n"), (9, 10, "")], [(0, 0, "a\nb\n"), (9, 10, "")]),
        ([(2, 5, "X"), (4, 7, "Y")], [(2, 7, "XY")]),
    ],
)
def test_merge_edits(edits: list[tuple[int, int, str]], expected: list[tuple[int, int, str]]) -> None:
    from fake_async_lint.server import merge_edits

    text = "0123456789"
    assert merge_edits(text, edits) == expected


@pytest.mark.parametrize(
    ("uri", "language", "expected"),
    [
        ("file:///p/a.py", "python", True),
        ("file:///p/a.txt", "python", True),
        ("file:///p/pyproject.toml", "toml", False),
        ("file:///p/a.py", "", True),
        ("file:///p/a.pyi", "", True),
        ("file:///p/setup.cfg", "", False),
    ],
)
def test_is_python(uri: str, language: str, expected: bool) -> None:
    from fake_async_lint.server import is_python

    assert is_python(uri, language) is expected
