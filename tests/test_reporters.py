"""The output formats: exact text, SARIF against the official schema, XML parsed back."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fake_async_lint import __version__
from fake_async_lint.docs import rule_page
from fake_async_lint.findings import ChainStep, Finding, Fix
from fake_async_lint.report import REPORTERS, github, json_report, junit, sarif
from fake_async_lint.report import text as text_report
from fake_async_lint.rules import ALL_RULES

REPO_ROOT = Path(__file__).resolve().parents[1]
# The official OASIS schema, shipped as test data so the SARIF tests run wherever the suite does.
SCHEMA_PATH = REPO_ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

SLEEP = Finding(
    path="./pkg/a.py",
    line=3,
    col=5,
    code="FAS101",
    message="blocking sleep time.sleep() in coroutine 'f'; use `await asyncio.sleep(...)`",
    end_line=3,
    end_col=18,
    api="time.sleep",
    replacement="use `await asyncio.sleep(...)`",
    coroutine="f",
    fix=Fix(replacement="await asyncio.sleep(1)", rule="await asyncio.sleep($$$ARGS)"),
)
BROKEN = Finding(
    path="pkg/bad.py",
    line=1,
    col=13,
    code="FAS001",
    message="cannot analyse this file: invalid syntax",
    end_line=1,
    end_col=13,
)
CHAIN = Finding(
    path="app/api.py",
    line=10,
    col=12,
    code="FAS300",
    message="fetch_user() blocks through _get_json() -> requests.get()",
    end_line=10,
    end_col=23,
    api="requests.get",
    replacement="use `await client.get(...)`",
    coroutine="fetch_user",
    chain=(ChainStep("_get_json", "app/api.py", 4, 12), ChainStep("requests.get", "app/http.py", 7, 5)),
)
FAS201 = Finding(
    path="svc.py",
    line=7,
    col=26,
    code="FAS201",
    message="ThreadPoolExecutor(max_workers=3) caps coroutines select, insert at 3 operations at once; use ...",
    end_line=7,
    end_col=54,
    api="concurrent.futures.ThreadPoolExecutor",
    replacement="use a native async client instead of a thread pool",
    coroutine="select",
    coroutines=("select", "insert"),
)
HOSTILE_MESSAGE = 'a, b: 100% done\r\nnext <line> & "quoted" ]]> \x00\x1b\ud800 caf\u00e9'


# --- JSON ---------------------------------------------------------------------------------------


def test_json_round_trip() -> None:
    originals = [SLEEP, BROKEN, CHAIN, Finding("d/é.py", 2, 1, "FAS104", HOSTILE_MESSAGE)]
    back = [Finding.from_dict(d) for d in json.loads(json_report.render(originals))]
    assert back == originals
    assert [f.fix for f in back] == [f.fix for f in originals]  # fix is not part of ==


# --- SARIF --------------------------------------------------------------------------------------


def _schema_errors(log: Any) -> list[str]:
    assert SCHEMA_PATH.is_file(), f"the official SARIF schema is missing: {SCHEMA_PATH} (it ships with the tests)"
    from jsonschema.validators import validator_for

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)  # the schema's own $schema picks the draft
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def _rule_index(code: str) -> dict[str, int]:
    return {"ruleIndex": list(ALL_RULES).index(code)} if code in ALL_RULES else {}


def _loc(path: str, region: dict[str, int], message: str = "") -> dict[str, Any]:
    loc: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}, "region": region}
    }
    if message:
        loc["message"] = {"text": message}
    return loc


@pytest.mark.parametrize("findings", [[], [SLEEP, BROKEN], [CHAIN]], ids=["empty", "plain", "chain"])
def test_sarif_is_valid(findings: list[Finding]) -> None:
    log = json.loads(sarif.render(findings))
    assert _schema_errors(log) == []
    assert len(log["runs"][0]["results"]) == len(findings)


def test_sarif_driver_lists_every_rule() -> None:
    log = json.loads(sarif.render([]))
    assert log["$schema"] == sarif.SCHEMA_URI
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["results"] == []
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == (
        "fake-async-lint",
        __version__,
        "https://fake-async-lint.github.io/fake-async-lint/",
    )
    assert [r["id"] for r in driver["rules"]] == list(ALL_RULES)
    rule = ALL_RULES["FAS101"]
    assert driver["rules"][list(ALL_RULES).index("FAS101")] == {
        "id": "FAS101",
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what},
        "help": {"text": rule_page(rule), "markdown": rule_page(rule)},
        "helpUri": "https://fake-async-lint.github.io/fake-async-lint/rules/FAS101/",
        "defaultConfiguration": {"level": "warning", "enabled": True},
        "properties": {"tags": ["async", "performance", "blocking-call"]},
    }
    fas001 = driver["rules"][0]
    assert (fas001["defaultConfiguration"], fas001["properties"]) == (
        {"level": "error", "enabled": True},
        {"tags": ["analysis"]},
    )


def test_sarif_results() -> None:
    results = json.loads(sarif.render([BROKEN, SLEEP]))["runs"][0]["results"]
    assert results == [
        {
            "ruleId": "FAS001",
            "ruleIndex": 0,
            "level": "error",
            "message": {"text": "cannot analyse this file: invalid syntax"},
            "locations": [_loc("pkg/bad.py", {"startLine": 1, "startColumn": 13, "endLine": 1, "endColumn": 13})],
            "partialFingerprints": {"fakeAsyncLint/v1": BROKEN.fingerprint()},
            "properties": {"api": "", "replacement": "", "coroutines": []},
        },
        {
            "ruleId": "FAS101",
            "ruleIndex": list(ALL_RULES).index("FAS101"),
            "level": "warning",
            "message": {"text": SLEEP.message},
            "locations": [_loc("pkg/a.py", {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 18})],
            "partialFingerprints": {"fakeAsyncLint/v1": SLEEP.fingerprint()},
            "fixes": [
                {
                    "description": {"text": "Replace with `await asyncio.sleep(1)` (safe fix)."},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": "pkg/a.py", "uriBaseId": "%SRCROOT%"},
                            "replacements": [
                                {
                                    "deletedRegion": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 18},
                                    "insertedContent": {"text": "await asyncio.sleep(1)"},
                                }
                            ],
                        }
                    ],
                    "properties": {"applicability": "safe"},
                }
            ],
            "properties": {"api": "time.sleep", "replacement": "use `await asyncio.sleep(...)`", "coroutines": ["f"]},
        },
    ]


def test_sarif_chain() -> None:
    (result,) = json.loads(sarif.render([CHAIN]))["runs"][0]["results"]
    call = {"startLine": 10, "startColumn": 12, "endLine": 10, "endColumn": 23}
    step1 = _loc("app/api.py", {"startLine": 4, "startColumn": 12}, "_get_json()")
    step2 = _loc("app/http.py", {"startLine": 7, "startColumn": 5}, "requests.get()")
    assert result == {
        "ruleId": "FAS300",
        **_rule_index("FAS300"),
        "level": "warning",
        "message": {"text": CHAIN.message},
        "locations": [_loc("app/api.py", call)],
        "partialFingerprints": {"fakeAsyncLint/v1": CHAIN.fingerprint()},
        "relatedLocations": [dict(step1, id=1), dict(step2, id=2)],
        "codeFlows": [
            {
                "message": {"text": "_get_json() -> requests.get()"},
                "threadFlows": [
                    {
                        "locations": [
                            {"location": _loc("app/api.py", call, CHAIN.message), "nestingLevel": 0},
                            {"location": step1, "nestingLevel": 1},
                            {"location": step2, "nestingLevel": 2},
                        ]
                    }
                ],
            }
        ],
        "properties": {
            "api": "requests.get",
            "replacement": "use `await client.get(...)`",
            "coroutines": ["fetch_user"],
        },
    }


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("./dir with space/a.py", {"uri": "dir%20with%20space/a.py", "uriBaseId": "%SRCROOT%"}),
        ("src\\win\\a.py", {"uri": "src/win/a.py", "uriBaseId": "%SRCROOT%"}),
        ("a:b#c.py", {"uri": "a%3Ab%23c.py", "uriBaseId": "%SRCROOT%"}),
        ("/abs/x y.py", {"uri": "file:///abs/x%20y.py"}),
        ("C:\\src\\a.py", {"uri": "file:///C:/src/a.py"}),
    ],
)
def test_sarif_artifact_uri(path: str, location: dict[str, str]) -> None:
    log = json.loads(sarif.render([Finding(path, 1, 1, "FAS999", "m")]))
    (result,) = log["runs"][0]["results"]
    assert "ruleIndex" not in result  # a code outside the registry: no index to give
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == location
    assert _schema_errors(log) == []


# --- GitHub -------------------------------------------------------------------------------------


def test_github_lines() -> None:
    hostile = Finding("dir,x/a:b%.py", 7, 2, "FAS104", HOSTILE_MESSAGE, end_line=8, end_col=1)
    no_end = Finding("b.py", 4, 9, "FAS100", "m")
    assert github.render([SLEEP, BROKEN, hostile, no_end]).splitlines() == [
        "::warning file=pkg/a.py,line=3,col=5,endLine=3,endColumn=18,title=FAS101::"
        + SLEEP.message
        + "%0Afix (safe): `await asyncio.sleep(1)`",
        (
            "::error file=pkg/bad.py,line=1,col=13,endLine=1,endColumn=13,title=FAS001::"
            "cannot analyse this file: invalid syntax"
        ),
        (
            "::warning file=dir%2Cx/a%3Ab%25.py,line=7,col=2,endLine=8,endColumn=1,title=FAS104::"
            'a, b: 100%25 done%0D%0Anext <line> & "quoted" ]]> \x00\x1b\ud800 caf\u00e9'
        ),
        "::warning file=b.py,line=4,col=9,title=FAS100::m",
    ]
    assert github.render([]) == ""


def test_github_escaping() -> None:
    assert github.escape_data("50%:a,b\r\n") == "50%25:a,b%0D%0A"
    assert github.escape_property("50%:a,b\r\n") == "50%25%3Aa%2Cb%0D%0A"
    assert github.escape_data("%0A") == "%250A"  # an escape-looking text stays itself


# --- JUnit --------------------------------------------------------------------------------------


def _parse(xml: str) -> ET.Element:
    assert xml.startswith("<?xml version='1.0' encoding='us-ascii'?>\n")
    assert xml.isascii()
    return ET.fromstring(xml.encode("ascii"))


def test_junit_findings() -> None:
    root = _parse(junit.render([SLEEP, BROKEN]))
    counts = {"name": "fake-async-lint", "tests": "2", "failures": "2", "errors": "0"}
    assert (root.tag, root.attrib) == ("testsuites", counts)
    (suite,) = root
    assert (suite.tag, suite.attrib) == ("testsuite", {**counts, "skipped": "0"})
    cases = [(c.tag, c.attrib, [(x.tag, x.attrib, x.text) for x in c]) for c in suite]
    assert cases == [
        (
            "testcase",
            {"classname": "pkg/a.py", "name": "FAS101 3:5"},
            [
                (
                    "failure",
                    {"message": SLEEP.message, "type": "FAS101"},
                    SLEEP.text() + "\nfix (safe): `await asyncio.sleep(1)`",
                )
            ],
        ),
        (
            "testcase",
            {"classname": "pkg/bad.py", "name": "FAS001 1:13"},
            [("failure", {"message": BROKEN.message, "type": "FAS001"}, BROKEN.text())],
        ),
    ]


def test_junit_hostile_characters() -> None:
    f = Finding("x<&\"'>/\x01a.py", 2, 3, "FAS105", HOSTILE_MESSAGE)
    (case,) = _parse(junit.render([f])).iter("testcase")
    assert case.attrib == {"classname": "x<&\"'>/\ufffda.py", "name": "FAS105 2:3"}
    failure = case[0]
    # Forbidden characters become U+FFFD; attributes keep CR/LF (as references)...
    clean = 'a, b: 100% done\r\nnext <line> & "quoted" ]]> \ufffd\ufffd\ufffd caf\u00e9'
    assert failure.attrib == {"message": clean, "type": "FAS105"}
    # ...element text has its line ends normalised by the XML parser.
    assert failure.text == "x<&\"'>/\ufffda.py:2:3: FAS105 " + clean.replace("\r\n", "\n")


def test_junit_no_findings_is_one_passing_case() -> None:
    root = _parse(junit.render([]))
    assert root.attrib == {"name": "fake-async-lint", "tests": "1", "failures": "0", "errors": "0"}
    (case,) = root.iter("testcase")
    assert (case.attrib, list(case)) == ({"classname": "fake-async-lint", "name": "no findings"}, [])


# --- the real command ---------------------------------------------------------------------------


def test_registered() -> None:
    assert {"text", "json", "sarif", "github", "junit"} <= set(REPORTERS)


def _check(tree: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fake_async_lint", "check", ".", "--format", fmt],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("import time\nasync def f():\n    time.sleep(1)\n", encoding="utf-8")
    return tmp_path


def test_command_sarif(tree: Path) -> None:
    first, second = _check(tree, "sarif"), _check(tree, "sarif")
    assert (first.returncode, first.stderr) == (1, "Found 1 finding in 1 file.\n")
    log = json.loads(first.stdout)
    assert _schema_errors(log) == []
    (result,) = log["runs"][0]["results"]
    assert (result["ruleId"], result["locations"]) == (
        "FAS101",
        [_loc("pkg/a.py", {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 18})],
    )
    assert result["partialFingerprints"] == {"fakeAsyncLint/v1": SLEEP.fingerprint()}
    assert second.stdout == first.stdout  # same tree, same output: fingerprints are stable


def test_github_carries_the_chain() -> None:
    assert github.render([CHAIN]) == (
        "::warning file=app/api.py,line=10,col=12,endLine=10,endColumn=23,title=FAS300::"
        "fetch_user() blocks through _get_json() -> requests.get()"
        "%0Achain:%0A    app/api.py:4: _get_json()%0A    app/http.py:7: requests.get()\n"
    )


def test_junit_carries_the_chain_and_the_fix() -> None:
    (case,) = _parse(junit.render([CHAIN])).iter("testcase")
    assert case[0].text == (
        "app/api.py:10:12: FAS300 fetch_user() blocks through _get_json() -> requests.get()\n"
        "chain:\n    app/api.py:4: _get_json()\n    app/http.py:7: requests.get()"
    )


@dataclass(frozen=True)
class UnsafeFix(Fix):
    applicability: str = "unsafe"


def test_unsafe_fix_is_marked_in_every_format() -> None:
    """Fix.applicability (default "safe") is read where it exists; an unsafe fix says so everywhere."""
    fix = UnsafeFix(replacement="await asyncio.sleep(1)")
    f = Finding(**{**SLEEP.__dict__, "fix": fix})
    assert json.loads(json_report.render([f]))[0]["fix"]["applicability"] == "unsafe"
    (result,) = json.loads(sarif.render([f]))["runs"][0]["results"]
    assert result["fixes"][0]["properties"] == {"applicability": "unsafe"}
    assert github.render([f]).endswith("%0Afix (unsafe): `await asyncio.sleep(1)`\n")
    assert text_report.render_full([f], sources={f.path: "import time\nasync def f():\n    time.sleep(1)\n"}).endswith(
        "  = fix (unsafe): `await asyncio.sleep(1)`\n"
    )


def test_sarif_with_fixes_and_chains_is_valid() -> None:
    log = json.loads(sarif.render([SLEEP, CHAIN, FAS201]))
    assert _schema_errors(log) == []
    fixes = [r.get("fixes") for r in log["runs"][0]["results"]]
    assert [f is not None for f in fixes] == [True, False, False]


def test_json_has_coroutines_replacement_fix_and_url() -> None:
    sleep, chain, pool = json.loads(json_report.render([SLEEP, CHAIN, FAS201]))
    assert list(sleep) == [
        "path",
        "line",
        "col",
        "code",
        "message",
        "end_line",
        "end_col",
        "api",
        "replacement",
        "coroutine",
        "coroutines",
        "chain",
        "fix",
        "fingerprint",
        "url",
    ]
    assert sleep["coroutines"] == ["f"]
    assert sleep["fix"] == {
        "replacement": "await asyncio.sleep(1)",
        "rule": "await asyncio.sleep($$$ARGS)",
        "applicability": "safe",
    }
    assert sleep["url"] == "https://fake-async-lint.github.io/fake-async-lint/rules/FAS101/"
    assert chain["chain"][1] == {"name": "requests.get", "path": "app/http.py", "line": 7, "col": 5}
    assert (pool["coroutine"], pool["coroutines"]) == ("select", ["select", "insert"])
    assert pool["replacement"] and pool["fix"] is None


def test_command_github(tree: Path) -> None:
    done = _check(tree, "github")
    assert done.returncode == 1
    assert done.stdout == (
        "::warning file=pkg/a.py,line=3,col=5,endLine=3,endColumn=18,title=FAS101::"
        "blocking sleep time.sleep() in coroutine 'f'; use `await asyncio.sleep(...)`\n"
    )


def test_json_coroutines_of_a_finding_that_joins_several() -> None:
    joined = Finding("w.py", 5, 1, "FAS201", "m", coroutine="fetch, Shop.other")
    (entry,) = json.loads(json_report.render([joined]))
    assert entry["coroutines"] == ["fetch", "Shop.other"]
    (result,) = json.loads(sarif.render([joined]))["runs"][0]["results"]
    assert result["properties"]["coroutines"] == ["fetch", "Shop.other"]
