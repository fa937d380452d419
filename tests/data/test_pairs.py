"""Pair tables: balance, windows inside recordings, task semantics, fixed val/test tables."""

from __future__ import annotations

import dataclasses
import types
from pathlib import Path

import numpy as np
import pytest

from keras_vis.data.pairs import COLUMNS, TASKS, fixed_pairs, pairs, train_pairs
from keras_vis.data.recording import Recording
from keras_vis.data.split import split
from keras_vis.errors import ConfigError, DataError
from zoo.clip import ClipSpec

CLIP = ClipSpec(seconds=2.0, fps=10, height=32, width=32)


def fake_recordings(durations) -> list[Recording]:
    return [
        Recording(
            id=f"rec-{i:02d}", video=Path(f"rec-{i:02d}_mic.mp4"), audio=Path(f"rec-{i:02d}_mic.wav"),
            events=(), duration=float(d), fps=29.97, width=456, height=256,
            frames=int(d * 29.97), sample_rate=96000, channels=2,
        )
        for i, d in enumerate(durations)
    ]


RECORDINGS = fake_recordings([8.0, 12.5, 3.1, 20.0, 6.05, 2.0])
DURATION = {r.id: r.duration for r in RECORDINGS}


@pytest.mark.parametrize("task", TASKS)
def test_balanced_and_windows_fit(task):
    table = pairs(RECORDINGS, task, CLIP, seed=3, per_recording=7)
    assert list(table.columns) == list(COLUMNS)
    assert (table.label == 1).sum() == (table.label == 0).sum()
    # Video starts on the frame grid, every window inside its recording.
    frames = table.video_start_s * CLIP.fps
    assert np.allclose(frames, np.round(frames), atol=1e-6)
    for column, ids in (("video_start_s", "video_id"), ("audio_start_s", "audio_id")):
        room = table[ids].map(DURATION) - CLIP.seconds
        assert (table[column] >= 0).all() and (table[column] <= room + 1e-6).all()
    real = table[table.kind == "real"]
    assert (real.label == 1).all() and (real.video_id == real.audio_id).all()
    assert (real.offset_s.abs() <= 0.04 + 1e-9).all()
    assert np.allclose(real.offset_s, real.video_start_s - real.audio_start_s)


def test_task_semantics():
    corr = pairs(RECORDINGS, "correspondence", CLIP, seed=0)
    fakes = corr[corr.label == 0]
    assert set(fakes.kind) == {"other_recording"}
    assert (fakes.video_id != fakes.audio_id).all() and fakes.offset_s.isna().all()

    sync = pairs(RECORDINGS, "sync", CLIP, seed=0, offset_range=(0.2, 1.0))
    shifted = sync[sync.label == 0]
    assert set(shifted.kind) == {"shifted"}
    assert (shifted.video_id == shifted.audio_id).all()
    assert np.allclose(shifted.offset_s, shifted.video_start_s - shifted.audio_start_s)
    assert (shifted.offset_s.abs() >= 0.2 - 1e-9).all() and (shifted.offset_s.abs() <= 1.0 + 1e-9).all()
    assert (shifted.offset_s > 0).any() and (shifted.offset_s < 0).any()

    mixed = pairs(RECORDINGS, "mixed", CLIP, seed=0, per_recording=5)
    counts = mixed.kind.value_counts()
    assert counts["other_recording"] == counts["shifted"] == counts["real"] // 2


def test_seeded_and_redrawn_per_epoch():
    a = pairs(RECORDINGS, "mixed", CLIP, seed=1)
    assert a.equals(pairs(RECORDINGS, "mixed", CLIP, seed=1))
    assert not a.equals(pairs(RECORDINGS, "mixed", CLIP, seed=2))
    e0 = train_pairs(RECORDINGS, "sync", CLIP, 0, epoch=0)
    assert e0.equals(train_pairs(RECORDINGS, "sync", CLIP, 0, epoch=0))
    assert not e0.equals(train_pairs(RECORDINGS, "sync", CLIP, 0, epoch=1))


def test_every_recording_is_used_evenly():
    table = pairs(RECORDINGS, "correspondence", CLIP, seed=0, per_recording=4)
    counts = table.video_id.value_counts()
    assert set(counts.index) == set(DURATION) and counts.max() - counts.min() <= 1


def test_no_recording_in_two_splits():
    recordings = fake_recordings([8.0 + i for i in range(12)])
    parts = split(recordings, seed=0)
    seen = []
    for name in ("train", "val", "test"):
        table = pairs(getattr(parts, name), "mixed", CLIP, seed=0)
        seen.append(set(table.video_id) | set(table.audio_id))
        assert seen[-1] <= {r.id for r in getattr(parts, name)}
    assert not (seen[0] & seen[1]) and not (seen[0] & seen[2]) and not (seen[1] & seen[2])


def test_bad_inputs():
    with pytest.raises(DataError, match="no recordings"):
        pairs([], "sync", CLIP, seed=0)
    with pytest.raises(DataError, match="longer than every recording"):
        pairs(fake_recordings([1.0, 1.5]), "sync", CLIP, seed=0)
    with pytest.raises(ConfigError, match="unknown task"):
        pairs(RECORDINGS, "lipreading", CLIP, seed=0)
    with pytest.raises(DataError, match="at least 2 recordings"):
        pairs(fake_recordings([10.0]), "correspondence", CLIP, seed=0)
    with pytest.raises(DataError, match="long enough"):
        pairs(fake_recordings([2.1, 2.1]), "sync", CLIP, seed=0)
    with pytest.raises(ConfigError, match="tolerance"):
        pairs(RECORDINGS, "sync", CLIP, seed=0, tolerance_s=0.3, offset_range=(0.2, 1.0))


def test_fixed_tables_are_stored_once_and_reused(tmp_path):
    cache = types.SimpleNamespace(directory=tmp_path, clip=CLIP)
    first = fixed_pairs(cache, RECORDINGS[:3], "sync", "val")
    files = list((tmp_path / "pairs").iterdir())
    assert len(files) == 1 and files[0].suffix == ".csv"
    stamp = files[0].stat().st_mtime_ns
    again = fixed_pairs(cache, RECORDINGS[:3], "sync", "val")
    assert again.equals(first) and files[0].stat().st_mtime_ns == stamp
    # Another split or task is another table; nothing temporary is left behind.
    test = fixed_pairs(cache, RECORDINGS[3:], "sync", "test")
    assert set(test.video_id).isdisjoint(first.video_id)
    fixed_pairs(cache, RECORDINGS[:3], "mixed", "val")
    names = sorted(p.name for p in (tmp_path / "pairs").iterdir())
    assert len(names) == 3 and all(name.endswith(".csv") for name in names)


def test_fixed_table_that_is_corrupt_is_redrawn(tmp_path):
    cache = types.SimpleNamespace(directory=tmp_path, clip=CLIP)
    first = fixed_pairs(cache, RECORDINGS[:3], "sync", "val")
    (path,) = (tmp_path / "pairs").iterdir()
    path.write_text("video_id,oops\n")
    assert fixed_pairs(cache, RECORDINGS[:3], "sync", "val").equals(first)


def with_events(recordings, times) -> list[Recording]:
    from keras_vis.data.recording import Event

    return [
        dataclasses.replace(r, events=tuple(Event(time_s=t) for t in times)) for r in recordings
    ]


@pytest.mark.parametrize("task", TASKS)
def test_event_windows_hold_an_event_away_from_the_edges(task):
    from keras_vis.data.pairs import EVENT_MARGIN

    # Events only at 3.0 s and 15.0 s: uniform windows would often miss both.
    recordings = with_events(fake_recordings([20.0, 20.0, 20.0]), (3.0, 15.0))
    table = pairs(recordings, task, CLIP, seed=1, per_recording=40)
    margin = EVENT_MARGIN * CLIP.seconds
    # The other recording's audio window is placed around an event too (a real pair's audio
    # follows its video within the tolerance).
    fakes = table[table.kind == "other_recording"]
    for starts in (table.video_start_s, fakes.audio_start_s):
        inside = [
            any(s + margin - 1e-6 <= t <= s + CLIP.seconds - margin + 1e-6 for t in (3.0, 15.0))
            for s in starts
        ]
        assert all(inside)
    anywhere = pairs(recordings, task, CLIP, seed=1, per_recording=40, windows="anywhere")
    hits = [any(s <= t < s + CLIP.seconds for t in (3.0, 15.0)) for s in anywhere.video_start_s]
    assert np.mean(hits) < 0.5


def test_unknown_windows_is_a_config_error():
    with pytest.raises(ConfigError, match="windows"):
        pairs(RECORDINGS, "sync", CLIP, seed=0, windows="middle")
