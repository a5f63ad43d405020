"""comco.io.atomic: a write either lands whole or leaves what was there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from comco.io import atomic
from comco.io.atomic import build_folder, open_atomic, recover_folder, write_atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    write_atomic(target, "old")
    with pytest.raises(RuntimeError), open_atomic(target) as handle:
        handle.write("half of the new")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_a_failed_folder_build_keeps_the_old_folder(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    with build_folder(out) as building:
        (building / "a.txt").write_text("first")
    with pytest.raises(RuntimeError), build_folder(out) as building:
        (building / "a.txt").write_text("second")
        raise RuntimeError("export failed")
    assert (out / "a.txt").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_the_swap_is_one_exchange_where_the_system_has_one(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from-a").touch()
    assert atomic._exchange(a, b)  # Linux (CI, this project's machines) has renameat2
    assert [p.name for p in b.iterdir()] == ["from-a"] and not list(a.iterdir())


def test_a_two_rename_swap_killed_between_its_renames_is_recovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)  # a system without it
    out = tmp_path / "dist"
    with build_folder(out) as building:
        (building / "a.txt").write_text("first")
    real_replace, calls = os.replace, []

    def killed_after_the_first_rename(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies here: old moved aside, new not in place
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_after_the_first_rename)
    with pytest.raises(KeyboardInterrupt), build_folder(out) as building:
        (building / "a.txt").write_text("second")
    monkeypatch.setattr(os, "replace", real_replace)
    assert not out.exists()  # the moment the issue is about: only the aside copy exists
    recover_folder(out)
    assert (out / "a.txt").read_text() == "first"
    with build_folder(out) as building:  # and the next build starts from a clean state
        (building / "a.txt").write_text("third")
    assert (out / "a.txt").read_text() == "third"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
