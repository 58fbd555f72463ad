"""GitHub Actions workflow commands: one `::warning` (or `::error`) line per finding.

The runner turns each line into an annotation on the file and line in the
pull request. Values are escaped as the runner unescapes them: `%`, CR and LF
everywhere, and also `:` and `,` in the `key=value` properties.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..findings import Finding
from .common import details
from .sarif import level, posix_path


def escape_data(text: str) -> str:
    # '%' first, or the escapes just written would be escaped again.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f: Finding) -> str:
    props: list[tuple[str, object]] = [("file", posix_path(f.path)), ("line", f.line), ("col", f.col)]
    if f.end_line:  # 0 means unknown: leave the end to GitHub
        props.append(("endLine", f.end_line))
        if f.end_col:
            props.append(("endColumn", f.end_col))
    props.append(("title", f.code))
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    # the chain's hops and the fix on lines of their own (the annotation shows them below the message)
    text = "\n".join([f.message, *details(f)])
    return f"::{level(f.code)} {joined}::{escape_data(text)}"


def render(findings: Sequence[Finding]) -> str:
    return "".join(command(f) + "\n" for f in findings)
