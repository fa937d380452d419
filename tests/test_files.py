"""keras_vis.files: every write is whole or not at all, keeps the file's mode, leaves no
temporary file, and a read-only destination is refused before any work."""

from __future__ import annotations

import os

import numpy as np
import pytest

from keras_vis import files
from keras_vis.errors import DataError, KerasVisError


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_write_text_replaces_and_keeps_the_mode(tmp_path):
    path = tmp_path / "note.txt"
    files.write_text(path, "one\r\n")
    assert path.read_bytes() == b"one\r\n"  # line endings as given
    path.chmod(0o640)
    files.write_text(path, "two\n")
    assert path.read_text() == "two\n" and (path.stat().st_mode & 0o777) == 0o640
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "note.txt"
    files.write_text(path, "old\n")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(KerasVisError, match=f"{path}: could not write .*No space left"):
        files.write_bytes(path, b"new\n")
    assert path.read_text() == "old\n" and leftovers(tmp_path) == []


def test_atomic_path_for_writers_that_want_a_path(tmp_path):
    path = tmp_path / "array.npy"
    with files.atomic_path(path, suffix=".npy") as partial:
        assert partial.parent == tmp_path and partial.name.endswith(".npy")
        np.save(partial, np.arange(3))
        assert not path.exists()  # nothing is visible before the block ends
    assert np.load(path).tolist() == [0, 1, 2] and leftovers(tmp_path) == []

    with pytest.raises(KeyboardInterrupt), files.atomic_path(path, suffix=".npy") as partial:
        partial.write_bytes(b"half an arr")
        raise KeyboardInterrupt  # a kill mid-write
    assert np.load(path).tolist() == [0, 1, 2] and leftovers(tmp_path) == []

    with files.atomic_path(path):
        pass  # a writer that decided not to write
    assert np.load(path).tolist() == [0, 1, 2]


def test_remove_temporaries_removes_only_them(tmp_path):
    (tmp_path / "keep.txt").write_text("")
    (tmp_path / ".lock").write_text("")
    (tmp_path / ".keep.txt.123-abcdef12.tmp").write_text("")
    (tmp_path / ".a.npy.123-abcdef12.tmp.npy").write_text("")
    files.remove_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "keep.txt"]


def test_check_writable_names_the_read_only_file(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("")
    files.check_writable(path, "results table")
    path.chmod(0o444)
    try:
        with pytest.raises(DataError, match=rf"{path}: the results table cannot be written: "
                                            r"the file is read-only \(mode 0444\)"):
            files.check_writable(path, "results table")
    finally:
        path.chmod(0o644)
