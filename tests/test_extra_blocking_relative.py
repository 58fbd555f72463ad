"""`extra-blocking` names a team's own API absolutely; calls through relative imports are the same API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_relative_imports_of_an_extra_blocking_api_are_reported(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "__init__.py").write_text("", encoding="utf-8")
    (shop / "services.py").write_text("def charge_card(card):\n    return card\n", encoding="utf-8")
    (shop / "routes.py").write_text(
        "from . import services\n"
        "from .services import charge_card\n"
        "\n"
        "\n"
        "async def pay(card):\n"
        "    charge_card(card)\n"
        "    services.charge_card(card)\n",
        encoding="utf-8",
    )
    (tmp_path / "other.py").write_text(
        "from .services import charge_card\n\n\nasync def pay(card):\n    charge_card(card)\n", encoding="utf-8"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "fake_async_lint",
            "check",
            "--isolated",
            "--extra-blocking",
            "shop.services.charge_card=use the async gateway",
            "shop/routes.py",
            "other.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert [line.split(": ")[0] for line in out.stdout.splitlines()] == [
        "shop/routes.py:6:5",
        "shop/routes.py:7:5",
    ], out.stdout + out.stderr  # other.py is not in the package: its `.services` is not shop's
