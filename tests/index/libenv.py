"""Shared by the index tests: the pinned real packages of the throwaway venv, fixture paths.

Installed with `--no-deps`: the analysis reads files and never imports them, and the
blocking APIs these SDKs end in (requests, httpx) are the catalog's. Wheel sizes (`pip download
--no-deps`): pycoingecko 11 KB, ipinfo 25 KB, ollama 13 KB, langchain-core 438 KB, aiolimiter 7 KB,
asyncer 9 KB; the venv takes a few seconds with pip's cache warm. Each pin has a role:
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# name==version: why it is here
LIBRARY_PINS = {
    "pycoingecko==3.2.0": "a sync SDK doing HTTP through requests, with no async twin",
    "ipinfo==5.1.1": "a sync SDK (requests) with an Async* twin class in a sibling module: Handler / AsyncHandler",
    "ollama==0.4.7": "a sync SDK (httpx.Client) with an Async* twin class in the same module: Client / AsyncClient",
    "langchain-core==0.3.63": "a-prefixed async methods (invoke / ainvoke, embed_query / aembed_query)",
    "aiolimiter==1.2.1": "a pure-async library",
    "asyncer==0.0.8": "a library thread hop (asyncify)",
}

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class LibraryVenv:
    prefix: Path
    python: Path
    site_packages: Path


def site_packages_of(prefix: Path) -> Path:
    found = sorted(prefix.glob("lib/python3*/site-packages")) or sorted(prefix.glob("Lib/site-packages"))
    assert found, f"no site-packages under {prefix}"
    return found[0]
