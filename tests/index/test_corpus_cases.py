"""benchmarks/corpus_cases.py reads the hand-judged table and judges findings as its docstring says."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import corpus_cases  # noqa: E402


def cases() -> dict[int, corpus_cases.Case]:
    return {c.number: c for c in corpus_cases.parse_cases((BENCH / "corpus-fake-async-cases.md").read_text())}


def test_the_shipped_table() -> None:
    table = cases()
    assert len(table) == 40
    assert sum(c.fake for c in table.values()) == 22
    one = table[1]
    assert (one.package, one.path) == ("redis", "redis/asyncio/http/http_client.py")
    assert (one.lines, one.mentioned, one.codes) == ([144, 159, 182, 207, 232, 256], [131], ["FAS201", "FAS202"])
    assert (table[31].judgement, table[31].codes) == ("LEGIT", ["FAS202"])
    assert table[37].lines == [1248, 1207, 1224, 1270, 1283]


def finding(path: str, line: int, code: str) -> dict[str, object]:
    return {"path": path, "line": line, "col": 1, "code": code}


def test_fake_rows_found_by_fas200_or_a_named_code_at_their_lines() -> None:
    one = cases()[1]
    path = one.path
    assert corpus_cases.judge(one, [finding(path, 182, "FAS200")]).hit
    assert corpus_cases.judge(one, [finding(path, 131, "FAS201")]).hit  # the pool's line, a named code
    assert not corpus_cases.judge(one, [finding(path, 131, "FAS300")]).hit  # FAS300 is not named by row 1
    assert not corpus_cases.judge(one, [finding(path, 145, "FAS200")]).hit
    assert not corpus_cases.judge(one, [finding("other.py", 144, "FAS200")]).hit


def test_legit_rows_wrong_only_by_a_code_that_judges_the_hop() -> None:
    row = cases()[34]
    path = row.path
    assert not corpus_cases.judge(row, [finding(path, 210, "FAS202")]).hit  # get_event_loop(): another matter
    assert corpus_cases.judge(row, [finding(path, 210, "FAS200")]).hit
    assert corpus_cases.judge(row, [finding(path, 342, "FAS300")]).hit
    kinetica = cases()[31]
    assert not corpus_cases.judge(kinetica, [finding(kinetica.path, 770, "FAS202")]).hit
