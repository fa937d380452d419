"""The picture-ablation benchmark's clips: the sound is copied untouched, the picture is kept,
frozen or shuffled."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import picture_ablation  # noqa: E402

from keras_vis.data.media import read_audio, read_video  # noqa: E402
from tests.media import write_video  # noqa: E402


@pytest.mark.parametrize("ablation", picture_ablation.ABLATIONS)
def test_ablation_touches_the_picture_only(tmp_path, ablation):
    source = write_video(tmp_path / "clip.mp4", seconds=2.0, fps=15, size=(32, 48))
    out = tmp_path / f"{ablation}.mp4"
    picture_ablation.ablate(source, out, ablation, np.random.default_rng(0))

    assert np.array_equal(read_audio(out, 16000), read_audio(source, 16000))
    before, after = read_video(source, fps=15, size=(32, 48)), read_video(out, fps=15, size=(32, 48))
    assert after.shape == before.shape
    brightness_before, brightness_after = before.mean(axis=(1, 2, 3)), after.mean(axis=(1, 2, 3))
    if ablation == "unchanged":
        assert np.allclose(brightness_after, brightness_before, atol=3)
    elif ablation == "frozen":
        assert np.ptp(brightness_after) < 3 < np.ptp(brightness_before)
    else:  # the same pictures in another order
        assert np.allclose(np.sort(brightness_after), np.sort(brightness_before), atol=3)
        assert not np.allclose(brightness_after, brightness_before, atol=3)
