"""fake-async-lint: find code that looks async but blocks the event loop.

The small Python API::

    from fake_async_lint import check_source, check_paths
    for finding in check_source(code, "app.py"):
        print(finding.text())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Loaded on first use, so `import fake_async_lint.client` does not pay for the rule engine.
_API = {
    "Settings": "config",
    "Report": "results",
    "check_file": "engine",
    "check_paths": "scan",
    "check_source": "engine",
    "ChainStep": "findings",
    "Finding": "findings",
    "Fix": "findings",
}

if TYPE_CHECKING:
    from .config import Settings
    from .engine import check_file, check_source
    from .findings import ChainStep, Finding, Fix
    from .results import Report
    from .scan import check_paths


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'fake_async_lint' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ChainStep",
    "Finding",
    "Fix",
    "Report",
    "Settings",
    "__version__",
    "check_file",
    "check_paths",
    "check_source",
]
