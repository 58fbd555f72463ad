"""The result cache: hits, invalidation, location, corruption and concurrent runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_async_lint import cache as cache_mod
from fake_async_lint.cache import CACHE_DIR_NAME, Cache
from fake_async_lint.cli import main
from fake_async_lint.config import Settings
from fake_async_lint.engine import FileResult, analyse_source
from fake_async_lint.findings import ChainStep, Finding, Fix

APP = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
LINE = "app.py:5:5: FAS101 blocking sleep time.sleep() in coroutine 'handler'; use `await asyncio.sleep(...)`"
HOUR_AGO = time.time() - 3600


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache_mod.CACHE_ENV, raising=False)
    (tmp_path / "app.py").write_text(APP)
    os.utime(tmp_path / "app.py", (HOUR_AGO, HOUR_AGO))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def index_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("index-*.json"))


def entries(directory: Path) -> dict[str, list[object]]:
    (index,) = index_files(directory)
    data = json.loads(index.read_text())
    assert data["format"] == 1
    return dict(data["entries"])


def doctor_message(directory: Path, text: str) -> None:
    """Change the cached message: if a later run prints it, the result came from the cache."""
    (index,) = index_files(directory)
    data = json.loads(index.read_text())
    for entry in data["entries"].values():
        if entry[7]:
            entry[7]["findings"][0]["message"] = text
    index.write_text(json.dumps(data))


def test_second_run_is_served_from_the_cache(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "app.py") == (1, [LINE], "Found 1 finding in 1 file.\n")
    doctor_message(tree / CACHE_DIR_NAME, "from the cache")
    assert run(capsys, "app.py") == (1, ["app.py:5:5: FAS101 from the cache"], "Found 1 finding in 1 file.\n")


def test_cache_directory_layout(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py")
    d = tree / CACHE_DIR_NAME
    names = sorted(p.name for p in d.iterdir())
    [index] = [n for n in names if n.startswith("index-")]
    # the index of per-file results, and the project phase's result for the same settings
    assert names == [".gitignore", "CACHEDIR.TAG", index, "linked-" + index.removeprefix("index-")]
    assert (d / ".gitignore").read_text() == "# created by fake-async-lint\n*\n"
    assert (d / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    st = os.stat(tree / "app.py")
    stored = entries(d)
    assert list(stored) == [str(tree / "app.py")]
    entry = stored[str(tree / "app.py")]
    assert entry[:7] == [
        "app.py",
        st.st_size,
        st.st_mtime_ns,
        st.st_ctime_ns,
        st.st_ino,
        cache_mod.digest(APP.encode()),
        True,  # an hour old: the stat signature is trusted next time
    ]
    fresh = analyse_source(APP.encode(), "app.py")
    assert cache_mod.result_from_json("app.py", entry[7]) == fresh
    assert sorted(entry[7]) == ["facts", "findings"]  # type: ignore[call-overload]
    assert fresh.findings != []


def test_content_change_invalidates(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py")
    doctor_message(tree / CACHE_DIR_NAME, "stale")
    (tree / "app.py").write_text(APP.replace("handler", "handle2"))
    assert run(capsys, "app.py")[1] == [LINE.replace("handler", "handle2")]


def test_same_size_same_mtime_edit_is_caught_by_the_hash_when_the_entry_was_racy(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # written just now: a same-tick rewrite could keep size and mtime, so the entry is not trusted
    (tree / "app.py").write_text(APP)
    run(capsys, "app.py")
    assert entries(tree / CACHE_DIR_NAME)[str(tree / "app.py")][6] is False
    st = os.stat(tree / "app.py")
    (tree / "app.py").write_text(APP.replace("handler", "handlex"))
    os.utime(tree / "app.py", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert run(capsys, "app.py")[1] == [LINE.replace("handler", "handlex")]


def test_touch_without_change_reuses_the_result(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py")
    doctor_message(tree / CACHE_DIR_NAME, "reused after touch")
    os.utime(tree / "app.py", (HOUR_AGO + 10, HOUR_AGO + 10))
    assert run(capsys, "app.py")[1] == ["app.py:5:5: FAS101 reused after touch"]


def test_settings_change_uses_another_index(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py")
    doctor_message(tree / CACHE_DIR_NAME, "stale")
    assert run(capsys, "app.py", "--async-library", "trio")[1] == [LINE.replace("asyncio.sleep", "trio.sleep")]
    (tree / "pyproject.toml").write_text('[tool.fake-async-lint]\nasync-library = "anyio"\n')
    assert run(capsys, "app.py")[1] == [LINE.replace("asyncio.sleep", "anyio.sleep")]
    assert len(index_files(tree / CACHE_DIR_NAME)) == 3  # one per analysis settings


def test_per_file_ignores_and_excludes_do_not_invalidate(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py", "--isolated")
    doctor_message(tree / CACHE_DIR_NAME, "cached")
    assert run(capsys, "app.py", "--isolated", "--per-file-ignores", "other.py:FAS1")[1] == [
        "app.py:5:5: FAS101 cached"
    ]
    assert run(capsys, "app.py", "--isolated", "--per-file-ignores", "app.py:FAS1")[:2] == (0, [])


def test_tool_version_is_part_of_the_key(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = Cache(tree / "c", Settings()).file
    monkeypatch.setattr(cache_mod, "__version__", "999.0")
    assert Cache(tree / "c", Settings()).file != before
    assert Cache(tree / "c", Settings(max_depth=3)).file != before


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b'{"format": 1, "entries": ',  # truncated
        b'{"format": 1, "entries": []}',
        b'{"format": 99, "entries": {}}',
        b"\xff\xfe\x00garbage",
        b'{"format": 1, "entries": {"APP": ["app.py", 1, 2]}}',  # a malformed entry
        b'{"format": 1, "entries": {"APP": ["app.py", 0, 0, 0, 0, "d", true, {"findings": [{}], "facts": null}]}}',
    ],
)
def test_corrupt_index_is_a_miss_and_gets_rewritten(
    tree: Path, capsys: pytest.CaptureFixture[str], damage: bytes
) -> None:
    run(capsys, "app.py")
    (index,) = index_files(tree / CACHE_DIR_NAME)
    index.write_bytes(damage.replace(b"APP", json.dumps(str(tree / "app.py")).strip('"').encode()))
    assert run(capsys, "app.py") == (1, [LINE], "Found 1 finding in 1 file.\n")
    assert list(entries(tree / CACHE_DIR_NAME)) == [str(tree / "app.py")]


def test_the_display_path_is_part_of_an_entry(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "app.py")
    assert run(capsys, "./app.py")[1] == ["./" + LINE]
    assert run(capsys, ".")[1] == ["./" + LINE]
    assert run(capsys, str(tree / "app.py"))[1] == [f"{tree}/{LINE}"]


def test_unanalysable_files_are_cached_too(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "bad.py").write_text("async def f(:\n")
    expected = (1, ["bad.py:1:13: FAS001 cannot analyse this file: syntax error: invalid syntax"])
    assert run(capsys, "bad.py")[:2] == expected
    assert run(capsys, "bad.py")[:2] == expected
    assert entries(tree / CACHE_DIR_NAME)[str(tree / "bad.py")][0] == "bad.py"


def test_deleted_files_leave_the_index(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "other.py").write_text("x = 1\n")
    run(capsys, ".")
    assert sorted(entries(tree / CACHE_DIR_NAME)) == [str(tree / "app.py"), str(tree / "other.py")]
    (tree / "other.py").unlink()
    (tree / "new.py").write_text("y = 2\n")
    run(capsys, ".")
    assert sorted(entries(tree / CACHE_DIR_NAME)) == [str(tree / "app.py"), str(tree / "new.py")]


# ---------------------------------------------------------------- where the cache lives


def test_cache_lives_next_to_the_config_file(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "pyproject.toml").write_text("[tool.fake-async-lint]\n")
    (tree / "pkg").mkdir()
    (tree / "pkg" / "mod.py").write_text(APP)
    os.chdir(tree / "pkg")
    run(capsys, "mod.py")
    assert [p.name for p in index_files(tree / CACHE_DIR_NAME)] != []
    assert not (tree / "pkg" / CACHE_DIR_NAME).exists()


def test_cache_dir_flag_env_and_no_cache(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "app.py", "--no-cache")
    assert not (tree / CACHE_DIR_NAME).exists()
    run(capsys, "app.py", "--cache-dir", "elsewhere/c")
    assert len(index_files(tree / "elsewhere" / "c")) == 1
    monkeypatch.setenv(cache_mod.CACHE_ENV, str(tree / "from-env"))
    run(capsys, "app.py")
    assert len(index_files(tree / "from-env")) == 1
    assert not (tree / CACHE_DIR_NAME).exists()


def test_unwritable_cache_is_a_warning_not_a_failure(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "blocker").write_text("")
    assert run(capsys, "app.py", "--cache-dir", "blocker/c") == (
        1,
        [LINE],
        "fake-async-lint: warning: cache not saved to blocker/c: Not a directory\nFound 1 finding in 1 file.\n",
    )


# ---------------------------------------------------------------- the Cache API: FileResult round trip


def test_file_result_with_facts_round_trips(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("x = 1\n")
    os.utime(src, (HOUR_AGO, HOUR_AGO))
    finding = Finding(
        path=str(src),
        line=3,
        col=4,
        code="FAS101",
        message="m",
        end_line=3,
        end_col=9,
        api="time.sleep",
        replacement="r",
        coroutine="c",
        chain=(ChainStep("helper", "other.py", 7, 2),),
        fix=Fix("await asyncio.sleep(1)", "rule"),
    )
    facts: dict[str, object] = {"functions": {"helper": {"blocks": ["time.sleep"], "line": 7}}, "module": "m"}
    first = Cache(tmp_path / "c", Settings())
    assert first.lookup(str(src)) == (None, None)
    first.store(str(src), cache_mod.signature(os.stat(src)), "abc", FileResult(str(src), [finding], facts))
    first.save()
    second = Cache(tmp_path / "c", Settings())
    hit, known = second.lookup(str(src))
    assert known is None  # a stat hit: nothing read
    assert hit == FileResult(str(src), [finding], facts)
    assert hit is not None and hit.findings[0].fix == Fix("await asyncio.sleep(1)", "rule")
    assert second.restore(str(src)) == FileResult(str(src), [finding], facts)


def test_changed_signature_asks_for_the_digest(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("x = 1\n")
    os.utime(src, (HOUR_AGO, HOUR_AGO))
    c = Cache(tmp_path / "c", Settings())
    c.store(str(src), cache_mod.signature(os.stat(src)), "abc", FileResult(str(src)))
    c.save()
    os.utime(src, (HOUR_AGO + 5, HOUR_AGO + 5))
    assert Cache(tmp_path / "c", Settings()).lookup(str(src)) == (None, "abc")


# ---------------------------------------------------------------- concurrent runs


def test_concurrent_runs_share_one_index(tmp_path: Path) -> None:
    """Four processes at once, on overlapping and disjoint subsets (as pre-commit runs them)."""
    names = [f"m{i:02d}.py" for i in range(40)]
    for i, name in enumerate(names):
        (tmp_path / name).write_text(APP.replace("handler", f"h{i}"))
        os.utime(tmp_path / name, (HOUR_AGO, HOUR_AGO))
    subsets = [names[0:20], names[20:40], names[10:30], names]
    cmd = [sys.executable, "-m", "fake_async_lint", "check", "--jobs", "1"]
    for _ in range(2):  # cold, then warm, each with all four racing
        procs = [
            subprocess.Popen(cmd + s, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for s in subsets
        ]
        outputs = [p.communicate() for p in procs]
        for subset, (out, err), p in zip(subsets, outputs, procs):
            assert p.returncode == 1, err
            assert out.splitlines() == [LINE.replace("app.py", n).replace("handler", f"h{int(n[1:3])}") for n in subset]
            assert err == f"Found {len(subset)} findings in {len(subset)} files.\n"
    # the newest index: in a checkout being edited, our own sources are part of the key
    (index,) = sorted(index_files(tmp_path / CACHE_DIR_NAME), key=lambda p: p.stat().st_mtime_ns)[-1:]
    stored = json.loads(index.read_text())["entries"]
    assert set(stored) <= {str(tmp_path / n) for n in names}
    assert len(stored) >= 20
    assert not [p for p in (tmp_path / CACHE_DIR_NAME).iterdir() if p.name.startswith(".tmp-")]
