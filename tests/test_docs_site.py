"""The documentation site (mkdocs.yml over docs/): every rule has a page in the nav, every nav entry exists,
and every link to a rule page (SARIF helpUri, JSON url) is the site's address for it. `mkdocs build --strict`
itself runs in CI (.ci/run), with the `docs` extra."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fake_async_lint.docs import DOCS_BASE_URL, mkdocs_with_nav, rule_url
from fake_async_lint.findings import Finding
from fake_async_lint.report import json_report, sarif
from fake_async_lint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_nav_lists_every_rule() -> None:
    assert mkdocs_with_nav(MKDOCS) == MKDOCS, "mkdocs.yml's rule nav is stale: run `python -m fake_async_lint.docs`"
    for code, rule in ALL_RULES.items():
        assert f"    - {code} {rule.name}: rules/{code}.md\n" in MKDOCS


def test_every_nav_entry_is_a_page() -> None:
    pages = re.findall(r"^\s*- (?:[^:\n]+: )?([\w./-]+\.md)\s*$", MKDOCS, re.M)
    assert {"index.md", "configuration.md", "output-formats.md", "editors.md", "migration.md"} <= set(pages)
    assert "rules/README.md" in pages
    missing = [p for p in pages if not (ROOT / "docs" / p).is_file()]
    assert missing == []


def test_site_url_is_the_one_base_url() -> None:
    assert f"site_url: {DOCS_BASE_URL}/\n" in MKDOCS
    assert "theme:\n  name: material\n" in MKDOCS
    assert "strict: true\n" in MKDOCS


def test_rule_url_is_the_page_of_the_rule() -> None:
    # mkdocs' directory URLs: docs/rules/FAS101.md is served at rules/FAS101/
    assert rule_url("fas101") == f"{DOCS_BASE_URL}/rules/FAS101/"
    for code in ALL_RULES:
        assert (ROOT / "docs" / "rules" / f"{code}.md").is_file()


def test_sarif_and_json_link_to_the_site() -> None:
    log = json.loads(sarif.render([]))
    driver = log["runs"][0]["tool"]["driver"]
    assert [r["helpUri"] for r in driver["rules"]] == [rule_url(code) for code in ALL_RULES]
    assert driver["informationUri"] == DOCS_BASE_URL + "/"
    (entry,) = json.loads(json_report.render([Finding("a.py", 1, 1, "FAS300", "m")]))
    assert entry["url"] == rule_url("FAS300")
    (unknown,) = json.loads(json_report.render([Finding("a.py", 1, 1, "FAS999", "m")]))
    assert unknown["url"] == ""


def test_ci_builds_the_site_strictly() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert 'pip install -e ".[docs]"' in ci
    assert any(line.startswith("mkdocs build --strict") for line in ci)
    assert ci.index('pip install -e ".[test]" && pytest') < ci.index('pip install -e ".[docs]"')
