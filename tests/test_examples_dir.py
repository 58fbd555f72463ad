"""examples/: the fake-async wrapper is reported exactly, the native rewrite is clean, and `fix` repairs what it can."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fake_async_lint import Settings, check_paths
from fake_async_lint.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FAKE = EXAMPLES / "supabase_fake.py"

# the executor, then per method: the loop look-up and the hop; health() blocks the loop itself
EXPECTED = [
    ("FAS201", 27, 26),
    ("FAS202", 34, 16),
    ("FAS200", 35, 26),
    ("FAS202", 48, 16),
    ("FAS200", 49, 26),
    ("FAS202", 62, 16),
    ("FAS200", 63, 26),
    ("FAS202", 77, 16),
    ("FAS200", 78, 26),
    ("FAS100", 92, 20),
    ("FAS101", 93, 9),
]


def test_check_examples_reports_the_wrapper_class_exactly() -> None:
    report = check_paths([str(EXAMPLES)], Settings())
    assert [(Path(f.path).name, f.code, f.line, f.col) for f in report.findings] == [
        ("supabase_fake.py", *hit) for hit in EXPECTED
    ]
    executor = report.findings[0]
    assert executor.message.startswith(
        "ThreadPoolExecutor(max_workers=3) caps coroutines select, insert, update, delete at 3 operations at once;"
    )
    hops = [f for f in report.findings if f.code == "FAS200"]
    assert [f.api for f in hops] == ["requests.get", "requests.post", "requests.patch", "requests.delete"]


def test_fix_repairs_the_loop_lookups_and_the_sleep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / FAKE.name
    shutil.copyfile(FAKE, copy)
    assert main(["fix", "--isolated", str(copy)]) == 1
    assert capsys.readouterr().err == (
        "Fixed 5 findings in 1 file (6 remaining). 6 more fixes available with --unsafe-fixes.\n"
    )
    before, after = FAKE.read_text().splitlines(), copy.read_text().splitlines()
    before.remove("import time")  # the fix left it unused: it is removed
    changed = {i + 1: (a, b) for i, (a, b) in enumerate(zip(before, after)) if a != b}
    assert sorted(changed) == [33, 47, 61, 76, 92]
    assert changed[33][1] == "        loop = asyncio.get_running_loop()"
    assert changed[92][1] == "        await asyncio.sleep(1)"
    remaining = check_paths([str(copy)], Settings()).findings
    assert [f.code for f in remaining] == ["FAS201", "FAS200", "FAS200", "FAS200", "FAS200", "FAS100"]
