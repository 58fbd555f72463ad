"""Test-wide settings: the summary store lives in a temporary folder, never in the user's cache."""

from __future__ import annotations

import os
import tempfile

# set before any test imports the package, so subprocesses (flake8, pre-commit, the server) inherit it too
os.environ.setdefault("FAKE_ASYNC_LINT_STORE_DIR", tempfile.mkdtemp(prefix="fal-store-"))
