"""The import resolver: module name -> file through ordered roots, file -> module name; nothing imported."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from fake_async_lint.index.resolver import ModuleFile, Resolver, default_source_roots, project_root


def tree(root: Path, files: list[str]) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    return root


def rel(root: Path, found: Optional[ModuleFile]) -> str:
    assert found is not None
    return Path(found.path).relative_to(root).as_posix()


def test_project_root_is_the_nearest_marker(tmp_path: Path) -> None:
    tree(tmp_path, ["pyproject.toml", "app/sub/mod.py"])
    assert project_root(str(tmp_path / "app" / "sub" / "mod.py")) == str(tmp_path)
    assert default_source_roots(str(tmp_path)) == [str(tmp_path)]
    tree(tmp_path, ["src/pkg/__init__.py"])
    assert default_source_roots(str(tmp_path)) == [str(tmp_path), str(tmp_path / "src")]


def test_roots_in_order_and_a_regular_package_wins_its_root(tmp_path: Path) -> None:
    tree(tmp_path, ["a/pkg/__init__.py", "a/pkg/mod.py", "b/pkg/__init__.py", "b/pkg/other.py", "b/solo.py"])
    r = Resolver([str(tmp_path / "a"), str(tmp_path / "b")])
    assert rel(tmp_path, r.find("pkg.mod")) == "a/pkg/mod.py"
    assert r.find("pkg.other") is None  # pkg is decided by the first root, as Python would
    assert rel(tmp_path, r.find("solo")) == "b/solo.py"
    assert rel(tmp_path, r.find("pkg")) == "a/pkg/__init__.py"
    assert r.find("pkg").is_package  # type: ignore[union-attr]


def test_namespace_packages_when_unambiguous(tmp_path: Path) -> None:
    tree(tmp_path, ["a/ns/one.py", "b/ns/two.py", "a/dup/x.py", "b/dup/x.py"])
    r = Resolver([str(tmp_path / "a"), str(tmp_path / "b")])
    assert rel(tmp_path, r.find("ns.one")) == "a/ns/one.py"
    assert rel(tmp_path, r.find("ns.two")) == "b/ns/two.py"
    assert r.find("dup.x") is None  # two portions hold it: ambiguous, not followed


def test_compiled_modules_and_stubs_are_not_followed(tmp_path: Path) -> None:
    tree(tmp_path, ["root/fast.cpython-311-x86_64-linux-gnu.so", "root/typed.pyi", "other/fast.py"])
    r = Resolver([str(tmp_path / "root"), str(tmp_path / "other")])
    assert r.find("fast") is None  # found compiled in the first root: no source, and no other root's copy
    assert r.find("typed") is None


def test_library_roots_come_after_the_project_and_are_marked(tmp_path: Path) -> None:
    tree(tmp_path, ["proj/requests.py", "site/requests/__init__.py", "site/vendor/api.py"])
    r = Resolver([str(tmp_path / "proj")], [str(tmp_path / "site")])
    found = r.find("requests")
    assert rel(tmp_path, found) == "proj/requests.py" and not found.library  # type: ignore[union-attr]
    vendor = r.find("vendor.api")
    assert rel(tmp_path, vendor) == "site/vendor/api.py" and vendor.library  # type: ignore[union-attr]


def test_the_importing_files_base_and_folder(tmp_path: Path) -> None:
    tree(
        tmp_path,
        [
            "checkout/lib/__init__.py",
            "checkout/lib/core.py",
            "checkout/tests/test_core.py",
            "checkout/tests/helpers.py",
            "scripts/run.py",
            "scripts/util.py",
        ],
    )
    r = Resolver([str(tmp_path / "elsewhere")])
    core = str(tmp_path / "checkout" / "lib" / "core.py")
    test = str(tmp_path / "checkout" / "tests" / "test_core.py")
    assert rel(tmp_path, r.find("lib.core", core)) == "checkout/lib/core.py"  # the package's base
    assert rel(tmp_path, r.find("helpers", test)) == "checkout/tests/helpers.py"  # the script's folder
    assert rel(tmp_path, r.find("lib.core", test)) == "checkout/lib/core.py"  # tests/ beside the package
    assert rel(tmp_path, r.find("util", str(tmp_path / "scripts" / "run.py"))) == "scripts/util.py"
    assert r.find("util") is None


def test_module_names(tmp_path: Path) -> None:
    tree(tmp_path, ["src/app/__init__.py", "src/app/repo.py", "src/ns/pkg/__init__.py", "src/ns/pkg/m.py", "x/y.py"])
    r = Resolver([str(tmp_path), str(tmp_path / "src")])
    assert r.module_of(str(tmp_path / "src" / "app" / "repo.py")) == ("app.repo", False)
    assert r.module_of(str(tmp_path / "src" / "app" / "__init__.py")) == ("app", True)
    assert r.module_of(str(tmp_path / "src" / "ns" / "pkg" / "m.py")) == ("ns.pkg.m", False)
    assert r.module_of(str(tmp_path / "x" / "y.py")) == ("x.y", False)  # a namespace folder below a root
    assert Resolver([str(tmp_path / "elsewhere")]).module_of(str(tmp_path / "x" / "y.py")) == ("y", False)


def test_a_library_module_found_through_its_own_base_is_still_a_library(tmp_path: Path) -> None:
    tree(tmp_path, ["proj/app.py", "site/sdk/__init__.py", "site/sdk/_config.py"])
    r = Resolver([str(tmp_path / "proj")], [str(tmp_path / "site")])
    importer = str(tmp_path / "site" / "sdk" / "__init__.py")
    found = r.find("sdk._config", importer)
    assert rel(tmp_path, found) == "site/sdk/_config.py" and found is not None and found.library


def test_without_src_each_file_resolves_from_its_own_project(tmp_path: Path) -> None:
    """Where a name resolves depends on the importing file, never on where a run started."""
    tree(tmp_path, ["repo/.git/HEAD", "repo/vendor/sub/setup.py", "repo/vendor/sub/lib/mod.py", "repo/lib/mod.py"])
    r = Resolver(None)
    inner = str(tmp_path / "repo" / "vendor" / "sub" / "tests" / "test_x.py")
    outer = str(tmp_path / "repo" / "app.py")
    assert rel(tmp_path, r.find("lib.mod", inner)) == "repo/vendor/sub/lib/mod.py"
    assert rel(tmp_path, r.find("lib.mod", outer)) == "repo/lib/mod.py"
