"""`fix` engine defects and the unsafe planner's text handling: comments kept, `git apply`-able
diffs from `.`, the remaining count with cross-module FAS300, names that do not clash, headers kept."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from fake_async_lint import Settings
from fake_async_lint.cli import main
from fake_async_lint.fix import diff_name, fix_text


def _fix(source: str, *, unsafe: bool = True) -> str:
    outcome, _ = fix_text(source, "m.py", Settings(), unsafe=unsafe)
    return outcome.text


def test_a_comment_inside_a_safely_fixed_call_is_kept() -> None:
    source = (
        "import asyncio\nimport time\n\n\nasync def f():\n    time.sleep(  # wait\n        1,  # one second\n    )\n"
    )
    assert _fix(source, unsafe=False) == (
        "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(  # wait\n        1,  # one second\n    )\n"
    )


def test_the_import_a_fix_left_unused_is_removed_and_a_used_one_kept() -> None:
    source = "import asyncio\nimport time\n\n\nasync def f():\n    time.sleep(1)\n"
    assert _fix(source, unsafe=False) == "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"
    still = source + "\n\ndef g():\n    return time.time()\n"
    assert "import time\n" in _fix(still, unsafe=False)


def test_an_import_named_in_a_string_annotation_is_kept() -> None:
    source = "import requests\n\n\nasync def f(u) -> 'requests.Response':\n    return requests.get(u).status_code\n"
    out = _fix(source)
    assert "await _http.get(u)" in out and "import requests\n" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_from_dot_is_accepted_by_git_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text(
        "import asyncio\n\n\nasync def f():\n    return asyncio.get_event_loop()\n"
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--isolated", "--diff", "."]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith("--- a/pkg/app.py\n+++ b/pkg/app.py\n")
    (tmp_path / "fix.patch").write_text(out)
    check = subprocess.run(["git", "apply", "--check", "fix.patch"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert "get_running_loop()" in (tmp_path / "pkg" / "app.py").read_text()


def test_diff_names() -> None:
    assert diff_name("./pkg/app.py") == "pkg/app.py"
    assert diff_name("pkg/./sub/../app.py") == "pkg/app.py"
    assert diff_name("app.py") == "app.py"


def test_remaining_counts_fas300_across_modules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "helpers.py").write_text("import requests\n\n\ndef load(u):\n    return requests.get(u)\n")
    (tmp_path / "app.py").write_text(
        "import asyncio\n\nfrom helpers import load\n\n\nasync def f(u):\n"
        "    loop = asyncio.get_event_loop()\n    return load(u), loop\n"
    )
    monkeypatch.chdir(tmp_path)
    code = main(["fix", "--isolated", "--diff", "."])
    _, err = capsys.readouterr()
    assert err.endswith("Would fix 1 finding in 1 file (1 remaining).\n")  # the FAS300 at load(u)
    assert code == 1
    code = main(["fix", "--isolated", "."])
    _, err = capsys.readouterr()
    assert err == "Fixed 1 finding in 1 file (1 remaining).\n" and code == 1


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text("import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n")
    assert main(["fix", "--isolated", str(clean)]) == 0
    assert main(["fix", "--isolated", "--diff", str(clean)]) == 0
    fixable = tmp_path / "fixable.py"
    fixable.write_text("import asyncio\n\n\nasync def f():\n    return asyncio.get_event_loop()\n")
    assert main(["fix", "--isolated", "--diff", str(fixable)]) == 1  # changes to show
    assert main(["fix", "--isolated", str(fixable)]) == 0  # all fixed, nothing remains
    with pytest.raises(SystemExit) as usage:  # argparse's own exit for a bad flag
        main(["fix", "--isolated", "--select", "NOPE", str(fixable)])
    assert usage.value.code == 2
    capsys.readouterr()


def test_client_names_do_not_clash() -> None:
    source = (
        "import requests\n\n_http = 'taken'\nAsyncHTTPClient = None\n\n\n"
        "async def f(u):\n    return requests.get(u).json(), _http, AsyncHTTPClient\n"
    )
    out = _fix(source)
    assert "from fake_async_lint.client import AsyncHTTPClient as _AsyncHTTPClient\n" in out
    assert "_http_client = _AsyncHTTPClient.per_loop(" in out
    assert "(await _http_client.get(u)).json()" in out
    compile(out, "m.py", "exec")


def test_shebang_and_encoding_cookie_stay_on_top() -> None:
    source = (
        "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nX = 1\nimport requests\n\n\n"
        "async def f(u):\n    requests.get(u)\n"
    )
    out = _fix(source)
    assert out.startswith("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nfrom fake_async_lint.client import")
    compile(out, "m.py", "exec")


def test_future_import_stays_first() -> None:
    source = '"""Doc."""\n\nfrom __future__ import annotations\n\nimport requests\n\n\nasync def f(u):\n    requests.get(u)\n'
    out = _fix(source)
    assert out.index("from __future__") < out.index("from fake_async_lint.client")
    compile(out, "m.py", "exec")


def test_a_second_module_client_is_not_declared_on_a_second_run() -> None:
    source = "import requests\n\n\nasync def f(u):\n    requests.get(u)\n\n\nasync def g(u, **kw):\n    requests.get(u, **kw)\n"
    once = _fix(source)
    assert once.count("per_loop(") == 1
    assert _fix(once) == once


def test_trio_modules_are_not_migrated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.py"
    source = "import requests\nimport trio\n\n\nasync def f(u):\n    requests.get(u)\n    await trio.sleep(0)\n"
    path.write_text(source)
    main(["fix", "--isolated", "--unsafe-fixes", "--diff", str(path)])
    _, err = capsys.readouterr()
    assert "not fixed: the module uses trio; the reference client is asyncio only" in err
    assert path.read_text() == source


def test_findings_can_carry_their_unsafe_fix_for_reporters() -> None:
    from fake_async_lint import Finding, check_source
    from fake_async_lint.fix.unsafe import with_unsafe_fixes

    source = "import asyncio\nimport requests\n\n\nasync def f(u):\n    requests.get(u)\n    return asyncio.get_event_loop()\n"
    marked = with_unsafe_fixes(source, check_source(source, "m.py"))
    fixes = {f.code: f.fix for f in marked}
    assert fixes["FAS100"] is not None and fixes["FAS100"].applicability == "unsafe"
    assert fixes["FAS100"].rule == "requests-call" and fixes["FAS100"].replacement == "_http.get"
    assert fixes["FAS202"] is not None and fixes["FAS202"].applicability == "safe"
    # the JSON round trip keeps the field
    again = Finding.from_dict(marked[0].to_dict())
    assert again.fix == marked[0].fix
