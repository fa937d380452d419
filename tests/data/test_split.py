from pathlib import Path

import pytest

from keras_vis.data.recording import Recording
from keras_vis.data.split import split
from keras_vis.errors import DataError


def recordings(count):
    return [
        Recording(id=f"2015-01-01-00-00-{i:02d}", video=Path("v.mp4"), audio=Path("a.wav"), events=(),
                  duration=10.0, fps=29.97, width=456, height=256, frames=300, sample_rate=96000, channels=2)
        for i in range(count)
    ]


def ids(part):
    return [r.id for r in part]


def test_split_is_by_recording_disjoint_and_complete():
    parts = split(recordings(20), seed=3)
    train, val, test = ids(parts.train), ids(parts.val), ids(parts.test)
    assert (len(train), len(val), len(test)) == (14, 3, 3)
    assert not set(train) & set(val) and not set(train) & set(test) and not set(val) & set(test)
    assert sorted(train + val + test) == ids(recordings(20))
    assert parts.source == "seeded"


def test_split_is_deterministic_and_ignores_input_order():
    items = recordings(20)
    first = split(items, seed=1).to_dict()
    assert split(list(reversed(items)), seed=1).to_dict() == first
    assert split(items, seed=2).to_dict() != first


def test_official_split_files(tmp_path):
    items = recordings(10)
    (tmp_path / "train.txt").write_text("\n".join(r.id for r in items[:8]) + "\n")
    (tmp_path / "test.txt").write_text("\n".join(f"{r.id}_mic.mp4" for r in items[8:]) + "\n")
    parts = split(items, root=tmp_path, val_fraction=0.25)
    assert parts.source == "official"
    assert ids(parts.test) == ids(items[8:])
    assert len(parts.val) == 2 and sorted(ids(parts.train) + ids(parts.val)) == ids(items[:8])
    assert split(items, root=tmp_path, val_fraction=0.25).to_dict() == parts.to_dict()


def test_too_few_recordings():
    with pytest.raises(DataError, match="too few"):
        split(recordings(2))
    parts = split(recordings(3))
    assert (len(parts.train), len(parts.val), len(parts.test)) == (1, 1, 1)


def test_bad_fractions_and_duplicates():
    with pytest.raises(DataError, match="val_fraction"):
        split(recordings(10), val_fraction=0.0)
    with pytest.raises(DataError, match="below 1"):
        split(recordings(10), val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(DataError, match="twice"):
        split(recordings(3) + recordings(1))
