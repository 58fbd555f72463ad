"""`check --show-fixes`: which findings `fix` rewrites, safe or unsafe, marked in the text formats."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", "--isolated", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def test_marks_and_counts_on_the_example(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "supabase_fake.py", tmp_path / "app.py")
    out = run(tmp_path, "--show-fixes", "app.py")
    marks = [
        (int(m[1]), int(m[2]), m[3], m[4])
        for m in re.finditer(r"^app\.py:(\d+):(\d+): (FAS\d+) .*?( \[(?:unsafe )?fix\])?$", out.stdout, re.M)
    ]
    safe, unsafe = " [fix]", " [unsafe fix]"
    assert marks == [
        (27, 26, "FAS201", unsafe),
        (34, 16, "FAS202", safe),
        (35, 26, "FAS200", unsafe),
        (48, 16, "FAS202", safe),
        (49, 26, "FAS200", unsafe),
        (62, 16, "FAS202", safe),
        (63, 26, "FAS200", unsafe),
        (77, 16, "FAS202", safe),
        (78, 26, "FAS200", unsafe),
        (92, 20, "FAS100", unsafe),
        (93, 9, "FAS101", safe),
    ]
    assert "5 fixable with `fake-async-lint fix`, 6 more with `--unsafe-fixes`." in out.stderr.splitlines()


def test_without_the_flag_nothing_is_marked_and_json_carries_applicability(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "supabase_fake.py", tmp_path / "app.py")
    assert "fix]" not in run(tmp_path, "app.py").stdout
    report = json.loads(run(tmp_path, "--show-fixes", "--format", "json", "app.py").stdout)
    findings = report["findings"] if isinstance(report, dict) else report
    by_line = {f["line"]: f["fix"]["applicability"] if f["fix"] else None for f in findings}
    assert (by_line[92], by_line[93]) == ("unsafe", "safe")
    assert all("fix]" not in f["message"] for f in findings)
