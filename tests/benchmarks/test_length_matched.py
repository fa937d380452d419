"""The length-matched benchmark: each shifted pair against aligned pairs of its own length."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import length_matched  # noqa: E402
from test_offset_search import CLIP, LagModel  # noqa: E402

import zoo  # noqa: E402
from keras_vis.inference import protocol  # noqa: E402


def _clip(name: str, seconds: float) -> protocol.Clip:
    """Frames that hold their own index and a waveform that holds its sample index, so the fake
    model knows where each window starts."""
    count = int(seconds * CLIP.fps)
    frames = np.broadcast_to(np.arange(count, dtype="float32")[:, None, None, None],
                             (count, CLIP.height, CLIP.width, 3))
    samples = int(seconds * CLIP.sample_rate)
    waveform = np.repeat(np.arange(samples, dtype="float32")[:, None], CLIP.channels, axis=1)
    return protocol.Clip(name, frames, waveform, CLIP.fps, CLIP.sample_rate)


@pytest.fixture
def clips(monkeypatch):
    loaded = [_clip("short.mp4", 3.0), _clip("long.mp4", 5.0)]
    monkeypatch.setattr(zoo, "clip_of", lambda model: CLIP)
    monkeypatch.setattr(protocol, "find_clips", lambda paths: paths)
    monkeypatch.setattr(protocol, "load_clips", lambda paths, clip: (loaded, []))
    return loaded


@pytest.mark.parametrize("lag_s, aligned_wins", [(0.0, 1.0), (0.5, 0.0)])
def test_aligned_pairs_of_the_same_length_win_only_where_the_model_prefers_sync(
        clips, lag_s, aligned_wins):
    scores = length_matched.matched_scores(LagModel(lag_s), ["clips"])
    shifted = [s for s in protocol.protocol_pairs(clips) if s.kind == "shifted"]
    assert scores.shape == (len(shifted), len(length_matched.PARTS))
    row = length_matched.summary(scores)
    assert row[0] == str(len(shifted))
    assert float(row[-2]) == aligned_wins and float(row[-1]) == aligned_wins


def test_the_aligned_pairs_are_cut_to_the_shifted_pair(clips, monkeypatch):
    cuts = []
    real_cut = protocol.cut
    monkeypatch.setattr(protocol, "cut", lambda pair, by: cuts.append(pair) or real_cut(pair, by))
    length_matched.matched_scores(LagModel(0.0), ["clips"])
    for shifted, same_frames, same_audio in zip(cuts[::3], cuts[1::3], cuts[2::3]):
        assert shifted.kind == "shifted"
        assert same_frames.seconds == same_audio.seconds == shifted.seconds
        assert same_frames.video_start_s == same_frames.audio_start_s == shifted.video_start_s
        assert same_audio.video_start_s == same_audio.audio_start_s == shifted.audio_start_s
