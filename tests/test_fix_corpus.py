"""`fix --unsafe-fixes` over a copy of the pinned real-code corpus (benchmarks/.corpus).

Run by hand (it takes minutes), from the repository root:

    FAL_CORPUS=benchmarks/.corpus python tests/test_fix_corpus.py /tmp/fal-fix-corpus

It copies the corpus, fixes the copy twice, and checks that every changed file parses and
compiles and that the second run changes nothing; it prints the rewrites per kind and the skips
per reason. As a test it runs only when FAL_CORPUS names the corpus.
"""

from __future__ import annotations

import collections
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest

from fake_async_lint import Settings
from fake_async_lint.fix import fix_paths
from fake_async_lint.fix.files import read_source

CORPUS = os.environ.get("FAL_CORPUS", "")


def _generalise(reason: str) -> str:
    """Reasons that name a line or a variable, counted together."""
    import re

    reason = re.sub(r"`[A-Za-z_][A-Za-z_0-9]*(\.raise_for_status\(\))?`( is)", r"`NAME\1`\2", reason)
    reason = re.sub(r"at line \d+", "at line N", reason)
    reason = re.sub(r"^`[A-Za-z_][A-Za-z_0-9]*\.raise_for_status\(\)`", "`NAME.raise_for_status()`", reason)
    reason = re.sub(r"\(.*\) would not parse|would not parse \(.*\)", "would not parse", reason)
    return reason


def run(corpus: Path, work: Path) -> dict[str, object]:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(corpus, work, ignore=shutil.ignore_patterns("_archives", ".git"))
    before = {p: p.read_bytes() for p in work.rglob("*.py") if p.is_file() and not p.is_symlink()}
    settings = Settings()
    started = time.monotonic()
    first = fix_paths([str(work)], settings, write=True, unsafe=True)
    seconds = time.monotonic() - started
    changed = [p for p, data in before.items() if p.read_bytes() != data]
    broken = []
    for p in changed:
        try:
            compile(read_source(str(p)).text, str(p), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            broken.append(f"{p}: {e}")
    after_first = {p: p.read_bytes() for p in changed}
    second = fix_paths([str(work)], settings, write=True, unsafe=True)
    moved = [str(p) for p, data in after_first.items() if p.read_bytes() != data]
    moved += [f.path for f in second.files if f.fixed]
    kinds: collections.Counter[str] = collections.Counter()
    safe = 0
    for f in first.files:
        kinds.update(f.kinds)
        safe += sum(1 for _, how, _ in f.applied if how == "safe")
    skips: collections.Counter[str] = collections.Counter()
    by_code: collections.Counter[str] = collections.Counter()
    for f in first.files:
        for finding, why in f.skipped:
            skips[_generalise(why)] += 1
            by_code[finding.code] += 1
    problems = [f"{f.path}: {f.problem}" for f in first.files if f.problem]
    return {
        "files": len(before),
        "changed": len(changed),
        "seconds": round(seconds, 1),
        "safe_fixes": safe,
        "kinds": dict(kinds.most_common()),
        "skips": dict(skips.most_common()),
        "skipped_by_code": dict(by_code.most_common()),
        "broken": broken,
        "second_run_changed": sorted(set(moved)),
        "problems": problems[:20],
        "remaining": first.remaining,
    }


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS, reason="set FAL_CORPUS to the pinned corpus to run this")
def test_corpus_fix_parses_compiles_and_is_idempotent() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(CORPUS), Path(tmp) / "corpus")
    assert result["broken"] == []
    assert result["second_run_changed"] == []


if __name__ == "__main__":  # pragma: no cover
    import json

    out = run(Path(CORPUS or "benchmarks/.corpus"), Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fal-fix-corpus"))
    print(json.dumps(out, indent=2))
