"""fake-async-lint: find code that looks async but blocks the event loop.

The small Python API::

    from fake_async_lint import check_source, check_paths
    for finding in check_source(code, "app.py"):
        print(finding.text())
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Settings  # noqa: E402
from .engine import Report, check_file, check_paths, check_source  # noqa: E402
from .findings import ChainStep, Finding, Fix  # noqa: E402

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
