"""An editor's unsaved text of other modules: chains go through what the user sees, not the files."""

from __future__ import annotations

from pathlib import Path

from fake_async_lint.engine import check_module, check_source

VIEW = "from shop.services import charge_card\n\n\nasync def checkout():\n    charge_card()\n"
QUIET = "import time\n\n\ndef charge_card():\n    return 1\n"
BLOCKING = "import time\n\n\ndef charge_card():\n    time.sleep(2)\n"


def project(tmp_path: Path, services: str) -> tuple[Path, Path]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n", encoding="utf-8")
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "services.py").write_text(services, encoding="utf-8")
    (pkg / "views.py").write_text(VIEW, encoding="utf-8")
    return pkg / "views.py", pkg / "services.py"


def found(source: str, path: Path, buffers: dict[str, bytes] | None = None) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.col) for f in check_source(source, str(path), buffers=buffers)]


def test_an_unsaved_helper_that_blocks_makes_the_chain(tmp_path: Path) -> None:
    views, services = project(tmp_path, QUIET)
    assert found(VIEW, views) == []
    assert found(VIEW, views, {str(services): BLOCKING.encode()}) == [("FAS300", 5, 5)]
    assert found(VIEW, views) == []  # the store keys by content: the file's text is judged again


def test_an_unsaved_fix_of_the_helper_removes_the_chain(tmp_path: Path) -> None:
    views, services = project(tmp_path, BLOCKING)
    assert found(VIEW, views) == [("FAS300", 5, 5)]
    assert found(VIEW, views, {str(services): QUIET.encode()}) == []


def test_the_modules_a_check_read_are_named(tmp_path: Path) -> None:
    views, services = project(tmp_path, BLOCKING)
    findings, consulted = check_module(VIEW, str(views))
    assert [f.code for f in findings] == ["FAS300"]
    assert [Path(p).resolve() for p in consulted] == [services.resolve()]
