"""Every rule's own examples are its tests: exact (line, col) for flagged ones, nothing for valid ones."""

from __future__ import annotations

import pytest

from fake_async_lint import Settings, check_source
from fake_async_lint.rules import ALL_RULES, Example, Rule

CASES = [
    pytest.param(rule, ex, id=f"{rule.code}-{kind}-{i}")
    for rule in ALL_RULES.values()
    for kind, examples in (("invalid", rule.invalid), ("valid", rule.valid))
    for i, ex in enumerate(examples)
]


def _found(rule: Rule, ex: Example) -> list[tuple[int, int]]:
    settings = Settings(select=(rule.code,))
    findings = check_source(ex.source, "example.py", settings)
    assert all(f.code == rule.code for f in findings)
    return [(f.line, f.col) for f in findings]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example(rule: Rule, example: Example) -> None:
    assert _found(rule, example) == sorted(example.expect)


@pytest.mark.parametrize("rule", list(ALL_RULES.values()), ids=lambda r: r.code)
def test_every_detecting_rule_has_both_kinds_of_example(rule: Rule) -> None:
    if rule.code == "FAS001":
        pytest.skip("FAS001 is exercised by tests/test_bad_input.py")
    assert rule.invalid, f"{rule.code} has no flagged example"
    assert rule.valid, f"{rule.code} has no clean example"


@pytest.mark.parametrize("rule", [r for r in ALL_RULES.values() if r.code != "FAS001"], ids=lambda r: r.code)
def test_doc_page_example_is_flagged_and_its_fix_is_clean(rule: Rule) -> None:
    settings = Settings(select=(rule.code,))
    assert [f.code for f in check_source(rule.example, "example.py", settings)], "the page's Example is not flagged"
    assert check_source(rule.instead, "instead.py", settings) == [], "the page's 'Use instead' is flagged"
