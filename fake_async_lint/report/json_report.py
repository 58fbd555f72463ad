"""A JSON list of finding objects: every field of the finding, `coroutines` (never empty when the finding
names a coroutine), the chain, the fix with its applicability, the rule's page and the fingerprint."""

from __future__ import annotations

import json
from typing import Any, Sequence

from ..docs import rule_url
from ..findings import Finding
from ..rules import ALL_RULES
from .common import applicability, coroutines


def entry(f: Finding) -> dict[str, Any]:
    d = f.to_dict()
    out: dict[str, Any] = {}
    for key, value in d.items():
        if key == "coroutines":
            continue
        out[key] = value
        if key == "coroutine":
            out["coroutines"] = coroutines(f)
    if f.fix is not None:
        out["fix"] = {**d["fix"], "applicability": applicability(f.fix)}
    out["url"] = rule_url(f.code) if f.code in ALL_RULES else ""
    return out


def render(findings: Sequence[Finding]) -> str:
    return json.dumps([entry(f) for f in findings], indent=2) + "\n"
