"""The package surface: the client stays light, the API loads on demand."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_client_does_not_load_the_rule_engine() -> None:
    code = (
        "import sys, fake_async_lint.client; print(sorted(m for m in sys.modules if m.startswith('fake_async_lint')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['fake_async_lint', 'fake_async_lint.client']"


def test_public_api_names_resolve() -> None:
    import fake_async_lint

    for name in fake_async_lint.__all__:
        assert getattr(fake_async_lint, name) is not None
