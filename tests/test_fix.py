"""`fake-async-lint fix`: exact file contents, --diff, refusals, encodings and newlines kept, idempotence."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint import Finding, Fix, Settings, check_source
from fake_async_lint.cli import main
from fake_async_lint.fix import apply_fixes, fix_text

BEFORE = """\
import asyncio
import time
from asyncio import get_event_loop


async def handler(job):
    loop = asyncio.get_event_loop()
    time.sleep(1)  # a comment that stays
    x = time.sleep(0.5).real
    naps = [time.sleep(t) for t in (1, 2)]
    lazy = (time.sleep(t) for t in (1, 2))
    time.sleep(2)  # noqa: FAS101
    other = get_event_loop()
    return await loop.run_in_executor(None, job), x, naps, lazy, other


def sync_code():
    time.sleep(1)
    return asyncio.get_event_loop()
"""

AFTER = """\
import asyncio
import time


async def handler(job):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(1)  # a comment that stays
    x = (await asyncio.sleep(0.5)).real
    naps = [await asyncio.sleep(t) for t in (1, 2)]
    lazy = (time.sleep(t) for t in (1, 2))
    time.sleep(2)  # noqa: FAS101
    other = asyncio.get_running_loop()
    return await loop.run_in_executor(None, job), x, naps, lazy, other


def sync_code():
    time.sleep(1)
    return asyncio.get_event_loop()
"""

DIFF = "".join(
    line + "\n"
    for line in (
        "--- a/{p}",
        "+++ b/{p}",
        "@@ -1,16 +1,15 @@",
        " import asyncio",
        " import time",
        "-from asyncio import get_event_loop",
        " ",
        " ",
        " async def handler(job):",
        "-    loop = asyncio.get_event_loop()",
        "-    time.sleep(1)  # a comment that stays",
        "-    x = time.sleep(0.5).real",
        "-    naps = [time.sleep(t) for t in (1, 2)]",
        "+    loop = asyncio.get_running_loop()",
        "+    await asyncio.sleep(1)  # a comment that stays",
        "+    x = (await asyncio.sleep(0.5)).real",
        "+    naps = [await asyncio.sleep(t) for t in (1, 2)]",
        "     lazy = (time.sleep(t) for t in (1, 2))",
        "     time.sleep(2)  # noqa: FAS101",
        "-    other = get_event_loop()",
        "+    other = asyncio.get_running_loop()",
        "     return await loop.run_in_executor(None, job), x, naps, lazy, other",
        " ",
        " ",
    )
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fix", "--isolated", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "app.py"
    path.write_bytes(BEFORE.encode())
    return path


def test_fix_rewrites_exactly_the_fixable_findings(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(module))
    assert module.read_text() == AFTER
    assert out == ""
    # remaining: the sleep in a generator expression (`await` would make it an async generator)
    assert err == "Fixed 5 findings in 1 file (1 remaining).\n"
    assert code == 1
    assert [f.code for f in check_source(module.read_text(), str(module))] == ["FAS101"]


def test_second_run_changes_nothing(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, str(module))
    first = module.read_bytes()
    code, _, err = run(capsys, str(module))
    assert module.read_bytes() == first
    assert err == "Fixed 0 findings in 0 files (1 remaining).\n"
    assert code == 1


def test_diff_prints_a_unified_diff_and_writes_nothing(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--diff", str(module))
    assert out == DIFF.format(p=str(module).lstrip("/"))
    assert module.read_text() == BEFORE
    assert err == (
        f"{module}:11:13: FAS101 not fixed: `await` cannot go there (inside a generator expression)\n"
        "Would fix 5 findings in 1 file (1 remaining).\n"
    )
    assert code == 1


def test_select_limits_the_fixes(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--select", "FAS202", str(module))
    text = module.read_text()
    assert "asyncio.get_running_loop()" in text and "    time.sleep(1)  # a comment" in text
    assert err == "Fixed 2 findings in 1 file (0 remaining).\n"
    assert code == 0


def test_clean_tree_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.py").write_text("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n")
    code, out, err = run(capsys, str(tmp_path))
    assert (code, out, err) == (0, "", "Fixed 0 findings in 0 files (0 remaining).\n")


def test_crlf_file_keeps_its_newlines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "crlf.py"
    path.write_bytes(BEFORE.replace("\n", "\r\n").encode())
    run(capsys, str(path))
    assert path.read_bytes() == AFTER.replace("\n", "\r\n").encode()


def test_latin1_file_keeps_its_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = "# -*- coding: latin-1 -*-\nimport asyncio\n\nasync def f():\n    s = 'caf\xe9'; loop = asyncio.get_event_loop()\n    return s, loop\n"
    path = tmp_path / "latin.py"
    path.write_bytes(source.encode("latin-1"))
    code, _, err = run(capsys, str(path))
    assert path.read_bytes() == source.replace("get_event_loop", "get_running_loop").encode("latin-1")
    assert (code, err) == (0, "Fixed 1 finding in 1 file (0 remaining).\n")


def test_bom_and_missing_final_newline_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = "import asyncio\n\nasync def f():\n    return asyncio.get_event_loop()"
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + source.encode())
    code, out, _ = run(capsys, "--diff", str(path))
    assert out.endswith("+    return asyncio.get_running_loop()\n\\ No newline at end of file\n")
    run(capsys, str(path))
    assert path.read_bytes() == b"\xef\xbb\xbf" + source.replace("get_event_loop", "get_running_loop").encode()


def test_permissions_kept_and_no_temporary_files_left(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module.chmod(0o640)
    run(capsys, str(module))
    assert stat.S_IMODE(module.stat().st_mode) == 0o640
    assert sorted(os.listdir(module.parent)) == ["app.py"]


def _findings(source: str) -> list[Finding]:
    return check_source(source, "m.py", Settings())


def test_a_fix_that_would_break_parsing_is_refused() -> None:
    source = "import asyncio\n\nasync def f():\n    return asyncio.get_event_loop()\n"
    (real,) = _findings(source)
    broken = dataclasses.replace(real, fix=Fix(replacement="asyncio.get_running_loop("))
    outcome = apply_fixes(source, [broken])
    assert outcome.refused is not None and outcome.text == source and outcome.fixed == []


def test_a_fix_that_would_not_compile_is_refused() -> None:
    # parses, but `await` outside an async function is a compile error: refused too
    source = "import asyncio, time\n\ndef f():\n    time.sleep(1)\n"
    sleep = Finding("m.py", 4, 5, "FAS101", "x", end_line=4, end_col=18, fix=Fix("await asyncio.sleep(1)"))
    outcome = apply_fixes(source, [sleep])
    assert outcome.refused == "'await' outside async function" and outcome.text == source


def test_a_refused_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    # the whole file is kept when any edit would break it
    source = BEFORE
    found = _findings(source)
    bad = [dataclasses.replace(f, fix=Fix("(")) if f.code == "FAS202" else f for f in found]
    outcome = apply_fixes(source, bad)
    assert outcome.text == source and outcome.refused is not None


def test_fix_text_counts_what_remains() -> None:
    outcome, remaining = fix_text(BEFORE, "m.py", Settings())
    assert outcome.text == AFTER
    assert [(f.code, f.line) for f in remaining] == [("FAS101", 10)]  # one import line fewer


def test_overlapping_fixes_apply_once() -> None:
    source = "import asyncio, time\n\nasync def f():\n    time.sleep(1)\n"
    (f,) = _findings(source)
    outcome = apply_fixes(source, [f, dataclasses.replace(f, code="FAS999")])
    assert outcome.text == "import asyncio, time\n\nasync def f():\n    await asyncio.sleep(1)\n"
    assert [s[1] for s in outcome.skipped] == ["overlaps another fix"]


def test_missing_ast_grep_is_a_clear_usage_error(module: Path) -> None:
    script = (
        "import sys; sys.modules['ast_grep_py'] = None\n"  # how Python spells 'not installed'
        "from fake_async_lint.cli import main\n"
        f"sys.exit(main(['fix', '--isolated', {str(module)!r}]))\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == "fake-async-lint: the fix command needs ast-grep-py: pip install 'fake-async-lint[fix]'\n"
    assert module.read_text() == BEFORE
