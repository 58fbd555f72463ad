"""Which installed distribution owns a file: dist-info RECORDs, egg-info, namespace packages, editable installs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from libenv import FIXTURES, LIBRARY_PINS, LibraryVenv

from fake_async_lint.index.distributions import Distribution, clear_cache, distributions, normalise, owner

TREE = FIXTURES / "site-packages-dists"


def who(rel: str, root: Path = TREE) -> str | None:
    dist = owner(str(root / rel), [str(root)])
    return None if dist is None else dist.key


def test_distributions_of_a_root_sorted_by_normalised_name() -> None:
    found = [(d.name, d.version, d.top_level) for d in distributions([str(TREE)])]
    assert found == [
        ("alpha", "1.0", ("alpha",)),
        ("legacy", "0.9", ("legacy",)),
        ("nometa", "1.2", ("nometa",)),  # no METADATA: name and version from the directory name
        ("nsp-one", "2.0", ("nsp",)),  # top_level.txt
        ("nsp-two", "3.1", ("nsp",)),  # derived from RECORD
        ("Solo_Pkg", "0.5", ("solo",)),
    ]


def test_keys_are_normalised_name_and_version() -> None:
    assert normalise("Solo_Pkg") == normalise("solo-pkg") == normalise("solo.pkg") == "solo-pkg"
    assert Distribution("Solo_Pkg", "0.5").key == "solo-pkg==0.5"


@pytest.mark.parametrize(
    "rel, key",
    [
        ("alpha/client.py", "alpha==1.0"),  # listed in RECORD
        ("alpha/__init__.py", "alpha==1.0"),
        ("solo.py", "solo-pkg==0.5"),  # a single-module distribution
        ("legacy/__init__.py", "legacy==0.9"),  # egg-info installed-files.txt
        ("nometa/__init__.py", "nometa==1.2"),
        ("nsp/one/__init__.py", "nsp-one==2.0"),  # one namespace package, two distributions
        ("nsp/two/__init__.py", "nsp-two==3.1"),
        ("nsp/one/extra.py", "nsp-one==2.0"),  # not in RECORD: the one owner of its directory
        ("nsp/stray.py", None),  # the shared namespace directory: no single owner
        ("orphan/__init__.py", None),  # nobody installed it
    ],
)
def test_owner(rel: str, key: str | None) -> None:
    assert who(rel) == key


def test_owner_without_roots_finds_the_root_above_the_file() -> None:
    dist = owner(str(TREE / "alpha" / "client.py"))
    assert dist is not None and dist.key == "alpha==1.0" and dist.root == str(TREE)


def test_a_path_outside_every_root_has_no_owner(tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text("")
    assert owner(str(tmp_path / "x.py"), [str(TREE)]) is None


def test_first_root_wins_for_a_name_installed_twice(tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(TREE, other)
    meta = other / "alpha-1.0.dist-info" / "METADATA"
    meta.write_text(meta.read_text().replace("Version: 1.0", "Version: 9.9"))
    names = [d.key for d in distributions([str(TREE), str(other)])]
    assert "alpha==1.0" in names and "alpha==9.9" not in names


def test_editable_install_owns_its_source_directory(tmp_path: Path) -> None:
    root = tmp_path / "site-packages"
    src = tmp_path / "checkout" / "src"
    (src / "proj").mkdir(parents=True)
    (src / "proj" / "__init__.py").write_text("")
    meta = root / "proj-0.1.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text("Name: proj\nVersion: 0.1\n\n")
    (meta / "RECORD").write_text("__editable__.proj-0.1.pth,,\nproj-0.1.dist-info/RECORD,,\n")
    (meta / "direct_url.json").write_text(json.dumps({"url": src.parent.as_uri(), "dir_info": {"editable": True}}))
    (root / "__editable__.proj-0.1.pth").write_text(str(src) + "\n")
    dist = owner(str(src / "proj" / "__init__.py"), [str(root)])
    assert dist is not None and dist.key == "proj==0.1" and dist.editable == str(src.parent)


def test_the_table_is_rebuilt_when_the_root_changes(tmp_path: Path) -> None:
    root = tmp_path / "sp"
    shutil.copytree(TREE, root)
    assert who("solo.py", root) == "solo-pkg==0.5"
    shutil.rmtree(root / "Solo_Pkg-0.5.dist-info")  # an uninstall changes the root directory
    assert who("solo.py", root) is None
    clear_cache()
    assert who("alpha/client.py", root) == "alpha==1.0"


def test_unreadable_metadata_is_skipped_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "sp"
    (root / "bad-1.0.dist-info").mkdir(parents=True)
    (root / "bad-1.0.dist-info" / "RECORD").write_bytes(b'\xff\xfe\x00garbage,\n"unterminated')
    (root / "-.dist-info").mkdir()  # no name at all
    assert [d.key for d in distributions([str(root)])] == ["bad==1.0"]
    assert distributions([str(tmp_path / "missing")]) == []


@pytest.mark.slow
def test_real_venv(library_venv: LibraryVenv) -> None:
    sp = library_venv.site_packages
    keys = {d.key for d in distributions([str(sp)])}
    assert {normalise(pin.split("==")[0]) + "==" + pin.split("==")[1] for pin in LIBRARY_PINS} <= keys
    dist = owner(str(sp / "langchain_core" / "runnables" / "base.py"), [str(sp)])
    assert dist is not None and dist.key == "langchain-core==0.3.63" and dist.top_level == ("langchain_core",)
    hop = owner(str(sp / "asyncer" / "_main.py"), [str(sp)])
    assert hop is not None and hop.key == "asyncer==0.0.8"
