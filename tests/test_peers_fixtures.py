"""Our findings on the labelled peer fixtures equal their `# expect:` labels (code and line).

The fixtures are the input of benchmarks/peers.py; this test needs neither flake8-async nor
ruff. A label we knowingly miss is listed in KNOWN_MISSES and must still be missed, so the
list shrinks when the gap is closed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from fake_async_lint import Settings, check_source

FIXTURES = Path(__file__).parent / "fixtures" / "peers"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>FAS\d{3}(?:[\s,]+FAS\d{3})*)")
FILES = sorted(p.name for p in FIXTURES.glob("*.py"))

# (file, line, code): a client stored on FastAPI's `app.state` and read through `request.app`
KNOWN_MISSES = {("fastapi_app.py", 52, "FAS100")}


def expected(name: str) -> Counter[tuple[int, str]]:
    out: Counter[tuple[int, str]] = Counter()
    for n, text in enumerate((FIXTURES / name).read_text(encoding="utf-8").splitlines(), start=1):
        m = EXPECT.search(text)
        if m:
            out.update((n, code) for code in re.findall(r"FAS\d{3}", m.group("codes")))
    return out


def test_the_fixtures_are_a_real_benchmark() -> None:
    assert len(FILES) >= 5
    lines = sum(len((FIXTURES / f).read_text(encoding="utf-8").splitlines()) for f in FILES)
    assert lines >= 150
    assert all(expected(f) for f in FILES)


@pytest.mark.parametrize("name", FILES)
def test_findings_equal_labels(name: str) -> None:
    findings = check_source((FIXTURES / name).read_bytes(), name, Settings())
    got = Counter((f.line, f.code) for f in findings)
    known = Counter((line, code) for f, line, code in KNOWN_MISSES if f == name)
    assert got == expected(name) - known
    assert not (got & known), "a known miss is found now: drop it from KNOWN_MISSES"
