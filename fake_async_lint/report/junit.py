"""JUnit XML: a test suite with one failed test case per finding.

CI systems (GitLab, Jenkins, Azure Pipelines) show these as test results. A
clean run is one passing test case, so the run shows green rather than empty.
The XML is ASCII (other characters as references), so any stdout encoding
carries it; characters XML 1.0 forbids become U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ..findings import Finding
from .common import details
from .sarif import posix_path

SUITE = "fake-async-lint"
# Everything outside XML 1.0's Char production: C0 controls but TAB/LF/CR, surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(findings: Sequence[Finding]) -> str:
    tests = str(max(len(findings), 1))
    failures = str(len(findings))
    counts = {"name": SUITE, "tests": tests, "failures": failures, "errors": "0"}
    root = ET.Element("testsuites", counts)
    suite = ET.SubElement(root, "testsuite", {**counts, "skipped": "0"})
    for f in findings:
        case = ET.SubElement(
            suite, "testcase", classname=xml_text(posix_path(f.path)), name=f"{f.code} {f.line}:{f.col}"
        )
        failure = ET.SubElement(case, "failure", message=xml_text(f.message), type=f.code)
        failure.text = xml_text("\n".join([f.text(), *details(f)]))  # the chain's hops and the fix below
    if not findings:
        ET.SubElement(suite, "testcase", classname=SUITE, name="no findings")
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="us-ascii", xml_declaration=True)  # typeshed says Any
    return data.decode("ascii") + "\n"
