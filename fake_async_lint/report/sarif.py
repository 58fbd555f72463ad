"""SARIF 2.1.0: one run whose driver lists every rule, one result per finding.

For code-scanning services (GitHub code scanning, Azure DevOps, IDE viewers).
Relative paths are URIs under `%SRCROOT%`, the directory the command ran in;
columns are Unicode code points (`columnKind`), 1-based, with an exclusive
end column, exactly like the findings'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Optional
from urllib.parse import quote

from .. import __version__
from ..docs import DOCS_BASE_URL, rule_page, rule_url
from ..findings import ChainStep, Finding
from ..rules import ALL_RULES, Rule
from .common import applicability, call_name, coroutines

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
# Versioned, so that a future change of Finding.fingerprint() is not mistaken for new results.
FINGERPRINT_KEY = "fakeAsyncLint/v1"

# A file that was not analysed is an error; every blocking pattern is a warning.
ERROR_CODES = frozenset({"FAS001"})

# Tags by family (the code's hundreds digit, as in RULES.md).
_FAMILY_TAGS: dict[str, tuple[str, ...]] = {
    "0": ("analysis",),
    "1": ("async", "performance", "blocking-call"),
    "2": ("async", "performance", "thread-hop"),
    "3": ("async", "performance", "transitive"),
    "4": ("async", "reliability", "hygiene"),
}
_DRIVE = re.compile(r"^[A-Za-z]:/")


def level(code: str) -> str:
    """The SARIF level (also the GitHub command) of a code."""
    return "error" if code in ERROR_CODES else "warning"


def posix_path(path: str) -> str:
    """A finding's path as the CI systems want it: forward slashes, no leading `./`."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def rule_help_uri(code: str) -> str:
    """The rule's page on the documentation site (docs.DOCS_BASE_URL is the one setting)."""
    return rule_url(code)


def _artifact(path: str) -> dict[str, str]:
    p = posix_path(path)
    if p.startswith("/") or _DRIVE.match(p):
        # An absolute path is not under %SRCROOT%: say it as a file URI.
        return {"uri": "file://" + ("" if p.startswith("/") else "/") + quote(p, safe="/:", errors="surrogateescape")}
    # `safe="/"` also escapes ':' so a relative path never reads as a URI scheme.
    return {"uri": quote(p, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _region(line: int, col: int, end_line: int = 0, end_col: int = 0) -> dict[str, int]:
    region = {"startLine": max(line, 1), "startColumn": max(col, 1)}
    if end_line >= region["startLine"]:
        region["endLine"] = end_line
        if end_col > 0:
            region["endColumn"] = end_col
    return region


def _location(path: str, region: dict[str, int], message: str = "") -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": _artifact(path), "region": region}}
    if message:
        loc["message"] = {"text": message}
    return loc


def _step_location(step: ChainStep) -> dict[str, Any]:
    return _location(step.path, _region(step.line, step.col), call_name(step))


def _descriptor(rule: Rule) -> dict[str, Any]:
    page = rule_page(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what},
        # The page is Markdown that reads well as plain text too.
        "help": {"text": page, "markdown": page},
        "helpUri": rule_help_uri(rule.code),
        "defaultConfiguration": {"level": level(rule.code), "enabled": rule.default},
        "properties": {"tags": list(_FAMILY_TAGS.get(rule.code[3:4], ("async",)))},
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    primary = _region(f.line, f.col, f.end_line, f.end_col)
    result: dict[str, Any] = {"ruleId": f.code}
    if f.code in index:  # a code outside ALL_RULES still gets a result, just no index
        result["ruleIndex"] = index[f.code]
    result["level"] = level(f.code)
    result["message"] = {"text": f.message}
    result["locations"] = [_location(f.path, primary)]
    result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint()}
    if f.chain:
        result["relatedLocations"] = [dict(_step_location(s), id=i) for i, s in enumerate(f.chain, 1)]
        # The call in the coroutine, then each hop down to the blocking call.
        flow = [{"location": _location(f.path, primary, f.message), "nestingLevel": 0}]
        flow += [{"location": _step_location(s), "nestingLevel": i} for i, s in enumerate(f.chain, 1)]
        chain_text = " -> ".join(call_name(s) for s in f.chain)
        result["codeFlows"] = [{"message": {"text": chain_text}, "threadFlows": [{"locations": flow}]}]
    fix = _fix(f, primary)
    if fix is not None:
        result["fixes"] = [fix]
    result["properties"] = {"api": f.api, "replacement": f.replacement, "coroutines": coroutines(f)}
    return result


def _fix(f: Finding, region: dict[str, int]) -> Optional[dict[str, Any]]:
    """The finding's edit as a SARIF fix: its span deleted, the replacement inserted."""
    if f.fix is None or "endColumn" not in region:  # no end: no span to replace
        return None
    kind = applicability(f.fix)
    return {
        "description": {"text": f"Replace with `{f.fix.replacement}` ({kind} fix)."},
        "artifactChanges": [
            {
                "artifactLocation": _artifact(f.path),
                "replacements": [{"deletedRegion": region, "insertedContent": {"text": f.fix.replacement}}],
            }
        ],
        "properties": {"applicability": kind},
    }


def sarif_log(findings: Sequence[Finding]) -> dict[str, Any]:
    index = {code: i for i, code in enumerate(ALL_RULES)}
    driver = {
        "name": "fake-async-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": DOCS_BASE_URL + "/",
        "rules": [_descriptor(r) for r in ALL_RULES.values()],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(findings: Sequence[Finding]) -> str:
    return json.dumps(sarif_log(findings), indent=2) + "\n"
