#!/usr/bin/env python3
"""Real-code check that a file's findings do not depend on which other files were named.

Scans a tree whole (`check TREE`), then checks a deterministic sample of its files one at a time
(`check FILE`, as pre-commit and editors do) and reports every file whose findings differ.

    python benchmarks/modes_agree.py                    # the pinned corpus, 300 files with coroutines
    python benchmarks/modes_agree.py --path src/ --sample 0   # every file
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--path", type=Path, default=BENCH / ".corpus")
    ap.add_argument("--sample", type=int, default=300, help="files to check one by one (0: all)")
    args = ap.parse_args()
    os.environ.setdefault("FAKE_ASYNC_LINT_STORE_DIR", tempfile.mkdtemp(prefix="fal-modes-"))
    from fake_async_lint.scan import check_paths

    tree = args.path.resolve()
    whole = check_paths([str(tree)], jobs=0)
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for f in whole.findings:
        by_file.setdefault(os.path.abspath(f.path), []).append((f.line, f.col, f.code))
    files = sorted(
        str(p) for p in tree.rglob("*.py") if "_archives" not in p.parts and p.is_file() and b"async" in p.read_bytes()
    )
    # the files with findings first (where a difference would show), then a hash-ordered sample of the rest
    files.sort(key=lambda p: (p not in by_file, hashlib.sha1(p.encode()).hexdigest()))
    if args.sample:
        files = files[: args.sample]
    differ = 0
    for path in files:
        alone = sorted((f.line, f.col, f.code) for f in check_paths([path]).findings)
        if alone != sorted(by_file.get(path, [])):
            differ += 1
            print(f"DIFFER {path}\n  whole: {sorted(by_file.get(path, []))}\n  alone: {alone}")
    print(f"{len(files)} files checked alone, {differ} differ from the whole scan ({len(whole.findings)} findings)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
