"""Docs are generated from the rules: the committed pages must match, and `explain` prints the same page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fake_async_lint.docs import readme_with_table, rule_page, rules_table
from fake_async_lint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("code", list(ALL_RULES))
def test_rule_page_is_committed_and_current(code: str) -> None:
    page = ROOT / "docs" / "rules" / f"{code}.md"
    assert page.read_text(encoding="utf-8") == rule_page(ALL_RULES[code]), (
        f"{page} is stale: run `python -m fake_async_lint.docs`"
    )


def test_rules_index_is_current() -> None:
    index = (ROOT / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    assert rules_table().replace("](docs/rules/", "](") in index


def test_explain_prints_the_page() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "explain", "fas101"], capture_output=True, text=True, check=True
    )
    assert out.stdout == rule_page(ALL_RULES["FAS101"])


def test_every_page_has_the_four_sections() -> None:
    for rule in ALL_RULES.values():
        page = rule_page(rule)
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in page, (rule.code, heading)


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme) == readme, "README rule table is stale: run `python -m fake_async_lint.docs`"
    for code in ALL_RULES:
        assert f"[{code}](docs/rules/{code}.md)" in readme, code
