"""Rule pages, rendered from the rule definitions: `explain`, `docs/rules/*.md` and the README table."""

from __future__ import annotations

from .rules import ALL_RULES, Rule

# Where the documentation site (mkdocs, built from docs/) is published: the one setting behind every
# link to a rule page (the language server's diagnostics, SARIF's helpUri).
DOCS_BASE_URL = "https://fake-async-lint.github.io/fake-async-lint"


def rule_url(code: str) -> str:
    """The address of a rule's page on the documentation site (docs/rules/CODE.md)."""
    return f"{DOCS_BASE_URL}/rules/{code.strip().upper()}/"


def _block(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```\n"


def rule_page(rule: Rule) -> str:
    parts = [f"# {rule.code}: {rule.name}\n", f"{rule.summary}\n"]
    if not rule.default:
        parts.append(f"**Off by default.** Enable it with `--extend-select {rule.code}` (or `--select {rule.code}`).\n")
    parts += ["## What it does\n", f"{rule.what}\n", "## Why is this bad?\n", f"{rule.why}\n"]
    parts += ["## Example\n", _block(rule.example), "## Use instead\n", _block(rule.instead)]
    if rule.notes:
        parts += ["## Notes\n", f"{rule.notes}\n"]
    if rule.invalid or rule.valid:
        parts.append("## Tested examples\n")
        parts.append(
            "Each example below is run by the test suite: flagged ones must give exactly the listed findings.\n"
        )
        for ex in rule.invalid:
            where = ", ".join(f"{line}:{col}" for line, col in ex.expect)
            title = f" ({ex.title})" if ex.title else ""
            parts.append(f"Flagged at {where}{title}:\n\n{_block(ex.source)}")
        for ex in rule.valid:
            title = f" ({ex.title})" if ex.title else ""
            parts.append(f"Not flagged{title}:\n\n{_block(ex.source)}")
    return "\n".join(parts)


def rules_table() -> str:
    rows = ["| code | name | default | summary |", "|---|---|---|---|"]
    for r in ALL_RULES.values():
        rows.append(f"| [{r.code}](docs/rules/{r.code}.md) | {r.name} | {'on' if r.default else 'off'} | {r.summary} |")
    return "\n".join(rows) + "\n"


README_START = "<!-- rules-table:start -->"
README_END = "<!-- rules-table:end -->"


def readme_with_table(readme: str) -> str:
    """The README with the rule table between its markers replaced by the current one."""
    head, sep, rest = readme.partition(README_START)
    _, sep2, tail = rest.partition(README_END)
    if not sep or not sep2:
        raise ValueError("README.md lacks the rules-table markers")
    return f"{head}{README_START}\n{rules_table()}{README_END}{tail}"


NAV_START = "    # rules-nav:start"
NAV_END = "    # rules-nav:end"


def mkdocs_with_nav(config: str) -> str:
    """mkdocs.yml with the rule entries of its `nav` (between the markers) listing every rule."""
    head, sep, rest = config.partition(NAV_START + "\n")
    _, sep2, tail = rest.partition(NAV_END)
    if not sep or not sep2:
        raise ValueError("mkdocs.yml lacks the rules-nav markers")
    entries = "".join(f"    - {r.code} {r.name}: rules/{r.code}.md\n" for r in ALL_RULES.values())
    return f"{head}{NAV_START}\n{entries}{NAV_END}{tail}"


def write_rule_pages(directory: str) -> list[str]:
    """(Re)write docs/rules/*.md; returns the files written."""
    import os

    os.makedirs(directory, exist_ok=True)
    written = []
    for rule in ALL_RULES.values():
        path = os.path.join(directory, f"{rule.code}.md")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(rule_page(rule))
        written.append(path)
    index = os.path.join(directory, "README.md")
    with open(index, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Rules\n\nGenerated from the rule definitions by `python -m fake_async_lint.docs`.\n\n")
        f.write(rules_table().replace("](docs/rules/", "]("))
    written.append(index)
    readme = os.path.join(os.path.dirname(os.path.abspath(directory)), "..", "README.md")
    readme = os.path.normpath(readme)
    if os.path.exists(readme):
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        with open(readme, "w", encoding="utf-8", newline="\n") as f:
            f.write(readme_with_table(text))
        written.append(readme)
    mkdocs = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(directory)), "..", "mkdocs.yml"))
    if os.path.exists(mkdocs):
        with open(mkdocs, encoding="utf-8") as f:
            text = f.read()
        with open(mkdocs, "w", encoding="utf-8", newline="\n") as f:
            f.write(mkdocs_with_nav(text))
        written.append(mkdocs)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintenance entry point
    import sys

    for p in write_rule_pages(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"):
        print(p)
