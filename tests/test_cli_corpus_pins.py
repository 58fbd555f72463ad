"""benchmarks/corpus.py reads the pins shipped next to it by default (not a file outside the repository)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_under_test", ROOT / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_default_pins_are_the_shipped_file(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = corpus_module()
    monkeypatch.delenv(corpus.PINS_ENV, raising=False)
    assert corpus.default_pins_path() == ROOT / "benchmarks" / "corpus-pins.tsv"
    pins = corpus.read_pins(corpus.default_pins_path())
    assert len(pins) == 25
    assert len({p.dir for p in pins}) == 25
    assert {"aiohttp", "homeassistant", "trio"} <= {p.dir for p in pins}


def test_the_environment_still_points_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    corpus = corpus_module()
    monkeypatch.setenv(corpus.PINS_ENV, str(tmp_path / "pins.tsv"))
    assert corpus.default_pins_path() == tmp_path / "pins.tsv"
