"""The clip cache: decoded once, kept when valid, rebuilt when stale, never half-written."""

from __future__ import annotations

import argparse
import json
import os
import shutil

import numpy as np
import pytest

from keras_vis.data import cache as cache_module
from keras_vis.data.cache import cache_directory, default_cache_dir, prepare
from keras_vis.data.scan import scan
from keras_vis.errors import DataError
from zoo.clip import ClipSpec

CLIP = ClipSpec(seconds=2.0, fps=10, height=32, width=48)


@pytest.fixture
def dataset(synthetic_root, tmp_path):
    """Three recordings of the shared synthetic set, copied so a test may change them."""
    root = tmp_path / "data"
    root.mkdir()
    ids = sorted({p.name[: -len("_mic.mp4")] for p in synthetic_root.glob("*_mic.mp4")})[:3]
    for rec_id in ids:
        for suffix in ("_mic.mp4", "_mic.wav", "_times.txt"):
            shutil.copy2(synthetic_root / f"{rec_id}{suffix}", root / f"{rec_id}{suffix}")
    return root


def manifests(directory):
    return {p.stem: json.loads(p.read_text()) for p in directory.glob("*.json")}


def stamps(directory):
    return {p.name: p.stat().st_mtime_ns for p in directory.glob("*.npy")}


def test_prepare_decodes_once_at_the_clip_spec(dataset, tmp_path):
    cache = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    assert len(cache) == 3 and cache.skipped == []
    assert cache.directory == cache_directory(dataset, CLIP, tmp_path / "cache")
    for rec_id, recording in cache.recordings.items():
        video, audio = cache.video(rec_id), cache.audio(rec_id)
        assert isinstance(video, np.memmap) and video.dtype == np.uint8
        assert video.shape[1:] == (32, 48, 3) and abs(video.shape[0] - 80) <= 1
        assert audio.dtype == np.float32 and audio.shape[1] == 2
        assert abs(audio.shape[0] - 8 * 16000) <= 16000 * 0.05
        # The recording's duration is what the cache holds, so windows drawn from it fit.
        assert recording.duration == pytest.approx(min(len(video) / 10, len(audio) / 16000))
        assert np.abs(audio).max() > 0 and video.std() > 0
    before = stamps(cache.directory)
    again = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    assert stamps(again.directory) == before and again.fingerprint == cache.fingerprint


def test_a_changed_file_or_spec_rebuilds_only_what_changed(dataset, tmp_path):
    first = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    before = stamps(first.directory)
    changed = sorted(first.recordings)[1]
    wav = dataset / f"{changed}_mic.wav"
    stat = wav.stat()
    os.utime(wav, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    second = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    after = stamps(second.directory)
    rebuilt = {name for name in before if after[name] != before[name]}
    assert rebuilt == {f"{changed}.video.npy", f"{changed}.audio.npy"}
    assert second.fingerprint != first.fingerprint

    other = ClipSpec(seconds=2.0, fps=5, height=24, width=24)
    third = prepare(dataset, other, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    assert third.directory != first.directory and third.video(changed).shape[1:] == (24, 24, 3)
    assert stamps(first.directory) == after


def test_truncated_or_foreign_entries_are_rebuilt(dataset, tmp_path):
    cache = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    a, b, c = sorted(cache.recordings)
    video_a = cache.directory / f"{a}.video.npy"
    reference = np.load(video_a).copy()
    with open(video_a, "r+b") as handle:
        handle.truncate(video_a.stat().st_size // 2)
    manifest_b = cache.directory / f"{b}.json"
    data = json.loads(manifest_b.read_text())
    data["clip"]["fps"] = 25
    manifest_b.write_text(json.dumps(data))
    (cache.directory / f"{c}.audio.npy").unlink()

    fixed = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    assert np.array_equal(np.asarray(fixed.video(a)), reference)
    assert manifests(fixed.directory)[b]["clip"]["fps"] == 10
    assert fixed.audio(c).shape[1] == 2 and fixed.skipped == []


def test_an_entry_overwritten_in_place_with_nan_is_rebuilt(dataset, tmp_path):
    cache = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    rec_id = sorted(cache.recordings)[0]
    audio_path = cache.directory / f"{rec_id}.audio.npy"
    reference = np.load(audio_path).copy()
    size = audio_path.stat().st_size
    corrupted = np.lib.format.open_memmap(audio_path, mode="r+")
    corrupted[:] = np.nan  # same file, same size, same shape: only the content changed
    corrupted.flush()
    del corrupted
    assert audio_path.stat().st_size == size

    fixed = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    assert np.array_equal(np.asarray(fixed.audio(rec_id)), reference)


def test_a_killed_prepare_leaves_nothing_that_reads_as_valid(dataset, tmp_path, monkeypatch):
    cache = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    victim = sorted(cache.recordings)[0]
    wav = dataset / f"{victim}_mic.wav"
    os.utime(wav, ns=(wav.stat().st_atime_ns, wav.stat().st_mtime_ns + 10**9))

    real_save = np.save
    calls = []

    def dies_while_writing_audio(handle, array, **kwargs):
        calls.append(array.dtype)
        if array.dtype == np.float32:  # the audio: write half of it, then "get killed"
            handle.write(b"\x93NUMPY partial")
            raise KeyboardInterrupt
        return real_save(handle, array, **kwargs)

    monkeypatch.setattr(cache_module.np, "save", dies_while_writing_audio)
    with pytest.raises(KeyboardInterrupt):
        prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    monkeypatch.setattr(cache_module.np, "save", real_save)
    assert calls  # the kill really happened inside the rebuild

    recording = next(r for r in scan(dataset).recordings if r.id == victim)
    assert cache_module.read_manifest(cache.directory, recording, CLIP) is None
    assert not list(cache.directory.glob(".*.tmp*"))  # no temporary file left
    healed = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True)
    assert len(healed) == 3 and healed.audio(victim).dtype == np.float32


def test_undecodable_recordings_are_reported_not_dropped(dataset, tmp_path):
    recordings = scan(dataset).recordings
    broken = recordings[0]
    broken.video.write_bytes(broken.video.read_bytes()[:2000])
    cache = prepare(dataset, CLIP, cache_dir=tmp_path / "cache", workers=1, quiet=True,
                    recordings=recordings)
    assert len(cache) == 2 and broken.id not in cache
    assert [item["id"] for item in cache.skipped] == [broken.id]
    assert str(broken.video) in cache.skipped[0]["reason"]


def test_parallel_prepare_matches_serial(dataset, tmp_path):
    serial = prepare(dataset, CLIP, cache_dir=tmp_path / "one", workers=1, quiet=True)
    parallel = prepare(dataset, CLIP, cache_dir=tmp_path / "two", workers=2, quiet=True)
    assert serial.fingerprint == parallel.fingerprint
    for rec_id in serial.recordings:
        assert np.array_equal(serial.video(rec_id), parallel.video(rec_id))
        assert np.array_equal(serial.audio(rec_id), parallel.audio(rec_id))


def test_bad_inputs(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no usable recordings"):
        prepare(empty, CLIP, cache_dir=tmp_path / "cache", quiet=True)
    with pytest.raises(DataError, match="does not exist"):
        prepare(tmp_path / "missing", CLIP, cache_dir=tmp_path / "cache", quiet=True)


def test_default_location_is_overridable(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_VIS_CACHE", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
    assert cache_directory("/data", CLIP).parent.parent == tmp_path / "elsewhere"
    monkeypatch.delenv("KERAS_VIS_CACHE")
    assert default_cache_dir() == default_cache_dir().home() / ".cache" / "keras-vis"


def test_prepare_command(dataset, tmp_path, capsys):
    from keras_vis.commands import prepare as command

    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(), [])
    args = parser.parse_args(
        ["prepare", str(dataset), "--preset", "tiny", "--cache-dir", str(tmp_path / "c"),
         "--workers", "1", "--quiet"]
    )
    assert args.func(args) == 0
    assert "3 recordings cached at 2s-10fps-64x64" in capsys.readouterr().out
