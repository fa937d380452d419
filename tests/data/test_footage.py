"""Real footage as training data: a folder of videos with their own sound, scanned recursively,
reported file by file, split by source video and decoded into the clip cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from keras_vis.data.footage import (footage_part, manifest_digest, prepare_footage,
                                    scan_footage, source_of, sound_events)
from keras_vis.data.split import split
from keras_vis.errors import DataError
from tests.media import write_video
from zoo.clip import ClipSpec

CLIP = ClipSpec(seconds=1.0, fps=10, height=32, width=32, sample_rate=16000)


@pytest.fixture(scope="module")
def footage(tmp_path_factory):
    """Nested folders of short clips with their own sound (two of them pieces of one video),
    beside files that must be skipped: no sound track, a silent one, too short, not a video."""
    root = tmp_path_factory.mktemp("footage")
    (root / "kitchen").mkdir()
    (root / "sport" / "tennis").mkdir(parents=True)
    good = {
        "kitchen/pan__part1.mp4": 0, "kitchen/pan__part2.mp4": 1, "kitchen/cup.mkv": 2,
        "sport/tennis/rally.mp4": 3, "sport/drums.mov": 4, "door.mp4": 5,
    }
    for name, seed in good.items():
        write_video(root / name, seconds=3.0, fps=12, size=(48, 64), seed=seed,
                    sample_rate=22050 if seed % 2 else 44100)
    write_video(root / "mute.mp4", seconds=3.0, fps=12, size=(48, 64), audio=False)
    write_video(root / "kitchen" / "quiet.mp4", seconds=3.0, fps=12, size=(48, 64), silent=True)
    write_video(root / "blink.mp4", seconds=0.5, fps=12, size=(48, 64))
    (root / "broken.mp4").write_bytes(b"not a video at all")
    (root / "notes.txt").write_text("ignored: not a video")
    return root


def test_scan_finds_every_video_recursively_and_says_why_each_skip(footage):
    report = scan_footage(footage, min_seconds=1.0)
    assert [r.id for r in report.recordings] == [
        "door", "kitchen~cup", "kitchen~pan__part1", "kitchen~pan__part2", "sport~drums",
        "sport~tennis~rally"]
    reasons = {item["id"]: item["reason"] for item in report.skipped}
    assert set(reasons) == {"mute", "kitchen~quiet", "blink", "broken"}
    assert "no sound track" in reasons["mute"]
    assert "silent" in reasons["kitchen~quiet"]
    assert "too short" in reasons["blink"]
    assert "broken.mp4" in reasons["broken"]
    for recording in report.recordings:
        assert recording.video == recording.audio and recording.duration == pytest.approx(3.0, abs=0.1)
        assert recording.events, recording.id  # the bursts of tests.media are clear onsets


def test_events_are_the_onsets_of_the_sound():
    rate = 16000
    wave = 0.001 * np.random.default_rng(0).standard_normal((3 * rate, 1))
    for time_s in (0.5, 1.3, 2.2):
        start = int(time_s * rate)
        wave[start: start + 800, 0] += 0.5 * np.exp(-np.arange(800) / 200)
    found = [event.time_s for event in sound_events(wave, rate)]
    assert found == pytest.approx([0.5, 1.3, 2.2], abs=0.01)


def test_a_second_scan_reads_the_scan_cache_and_sees_a_changed_file(footage, tmp_path,
                                                                  monkeypatch):
    import keras_vis.data.footage as module

    monkeypatch.setenv("KERAS_VIS_CACHE", str(tmp_path / "cache"))
    first = scan_footage(footage, min_seconds=1.0)
    probed = []
    original = module.probe_footage
    monkeypatch.setattr(module, "probe_footage",
                        lambda root, path, seconds: probed.append(path.name) or
                        original(root, path, seconds))
    again = scan_footage(footage, min_seconds=1.0)
    assert probed == [] and [r.to_dict() for r in again.recordings] == \
        [r.to_dict() for r in first.recordings]
    # A longer minimum is another question: every file is probed again.
    scan_footage(footage, min_seconds=2.0)
    assert len(probed) == 10


def test_pieces_of_one_video_stay_on_one_side_of_the_split(footage):
    recordings = scan_footage(footage, min_seconds=1.0).recordings
    assert source_of("kitchen~pan__part2") == "kitchen~pan"
    for seed in range(8):
        parts = split(recordings, val_fraction=0.2, test_fraction=0.2, seed=seed,
                      group_of=source_of)
        sides = {name: {source_of(r.id) for r in getattr(parts, name)}
                 for name in ("train", "val", "test")}
        assert all(sides[name] for name in sides)
        assert not (sides["train"] & sides["val"] or sides["train"] & sides["test"]
                    or sides["val"] & sides["test"])


def test_prepare_footage_decodes_once_at_the_clip_spec(footage, tmp_path):
    prepared = prepare_footage(footage, CLIP, cache_dir=tmp_path / "cache", val_fraction=0.2,
                               test_fraction=0.2)
    assert len(prepared.cache) == 6
    rec_id = prepared.split.train[0].id
    assert prepared.cache.video(rec_id).shape[1:] == (32, 32, 3)
    assert prepared.cache.audio(rec_id).shape[1] == 2
    assert all(path.suffix in (".mp4", ".mkv", ".mov") for path in prepared.files("test"))


def test_footage_part_finds_again_what_a_run_held_out(footage, tmp_path):
    # A model that never trained on the folder is measured on the clips a run with it held out.
    for seed in (0, 3):
        prepared = prepare_footage(footage, CLIP, cache_dir=tmp_path / "cache",
                                   val_fraction=0.2, test_fraction=0.2, seed=seed)
        for part in ("train", "val", "test"):
            found = footage_part([footage], part, val_fraction=0.2, test_fraction=0.2,
                                 seed=seed, min_seconds=CLIP.seconds)
            assert sorted(found) == sorted(prepared.files(part)) and found, (seed, part)
    with pytest.raises(ValueError, match="train, val or test"):
        footage_part([footage], "dev")


def test_a_clip_that_scans_but_does_not_decode_moves_no_other_clip(footage, tmp_path,
                                                                    monkeypatch):
    # footage_part never decodes, so the run must split what the scan found, not what decoded.
    import keras_vis.data.cache as cache_module

    held = footage_part([footage], "test", val_fraction=0.2, test_fraction=0.2, seed=0,
                        min_seconds=CLIP.seconds)
    lost = sorted(footage_part([footage], "train", val_fraction=0.2, test_fraction=0.2,
                               seed=0, min_seconds=CLIP.seconds))[0]
    original = cache_module.prepare

    def prepare_losing_one(*args, **kwargs):
        cache = original(*args, **kwargs)
        rec_id = next(r for r, rec in cache.recordings.items() if Path(rec.video) == lost)
        del cache.recordings[rec_id]
        cache.skipped.append({"id": rec_id, "reason": "cannot decode"})
        return cache

    monkeypatch.setattr(cache_module, "prepare", prepare_losing_one)
    prepared = prepare_footage(footage, CLIP, cache_dir=tmp_path / "cache", val_fraction=0.2,
                               test_fraction=0.2, seed=0)
    assert sorted(prepared.files("test")) == sorted(held)
    assert lost not in prepared.files("train") and prepared.files("train")


def test_a_folder_with_nothing_usable_is_a_clear_error(tmp_path):
    write_video(tmp_path / "mute.mp4", seconds=2.0, fps=12, size=(32, 32), audio=False)
    with pytest.raises(DataError, match="no usable footage"):
        prepare_footage(tmp_path, CLIP, cache_dir=tmp_path / "cache")
    with pytest.raises(DataError, match="does not exist"):
        scan_footage(tmp_path / "missing")


def test_manifest_digest_follows_the_manifests(footage, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "manifest.tsv").write_text("file\tcontent\nx.mp4\tdrums\n")
    before = manifest_digest(tmp_path)
    (tmp_path / "a" / "manifest.tsv").write_text("file\tcontent\nx.mp4\tpiano\n")
    assert manifest_digest(tmp_path) != before
    assert len(manifest_digest(footage)) == 16  # no manifest: the file list itself
    json.dumps(before)
