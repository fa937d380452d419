"""The generated-clips benchmark's muxing: a silent video and a wav become one clip with sound."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import generated_clips  # noqa: E402

from keras_vis.data.media import read_audio, read_video  # noqa: E402
from tests.media import event_sound, write_video  # noqa: E402


@pytest.fixture()
def silent_video_and_wav(tmp_path):
    video = write_video(tmp_path / "clip.mp4", seconds=1.0, fps=15, size=(32, 48), audio=False)
    wave = event_sound([0.3, 0.6], 1.0, 16000, np.random.default_rng(0))
    wave[:, 1] *= 0.2  # a stereo field: the right channel quieter
    wav = tmp_path / "clip.wav"
    soundfile.write(wav, wave, 16000)
    return video, wav


@pytest.mark.parametrize("mono", [False, True])
def test_mux_keeps_the_frames_and_the_sound(silent_video_and_wav, tmp_path, mono):
    video, wav = silent_video_and_wav
    out = tmp_path / "muxed.mp4"
    generated_clips.mux(video, wav, out, mono=mono)

    frames = read_video(out, fps=15, size=(32, 48))
    assert frames.shape == read_video(video, fps=15, size=(32, 48)).shape
    sound = read_audio(out, sample_rate=16000, channels=2)
    left, right = np.abs(sound).mean(axis=0)
    if mono:  # AAC codes the two channels jointly, so equal up to its loss, not bit for bit
        assert np.corrcoef(sound[:, 0], sound[:, 1])[0, 1] > 0.99
        assert right == pytest.approx(left, rel=0.05)
    else:
        assert right < 0.5 * left
