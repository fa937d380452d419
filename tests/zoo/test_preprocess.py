"""Pre-processing inside the model: per-clip standardisation keeps what changes and drops what
a camera, a microphone or a recording level adds to every frame."""

from __future__ import annotations

import numpy as np


def test_clip_standardization_removes_what_is_constant_and_the_clip_level():
    from zoo.layers.preprocess import ClipStandardization

    rng = np.random.default_rng(0)
    changing = rng.standard_normal((2, 12, 5, 3)).astype("float32")
    layer = ClipStandardization()
    out = np.asarray(layer(changing))
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(np.sqrt((out ** 2).mean(axis=(1, 2, 3))), 1.0, rtol=1e-3)
    # A constant per-band offset (a microphone's colour) and a clip gain change nothing, and
    # each clip is standardised on its own (no batch statistics).
    offset = rng.standard_normal((1, 1, 5, 3)).astype("float32")
    moved = np.asarray(layer(3.0 * changing + offset))
    np.testing.assert_allclose(moved, out, atol=5e-3)  # up to the epsilon
    np.testing.assert_allclose(np.asarray(layer(changing[:1])), out[:1], atol=1e-5)


def test_lag_sync_fusion_clip_input_norm_builds_and_rejects_unknown_norms():
    import pytest

    import zoo

    model = zoo.build("lag_sync_fusion", "tiny", input_norm="clip")
    names = {layer.name for layer in model.get_layer("audio_encoder").layers}
    assert "audio_clip_standardize" in names and "audio_input_bn" not in names
    assert "video_clip_standardize" in {layer.name for layer in
                                        model.get_layer("video_encoder").layers}
    with pytest.raises(ValueError, match="input_norm must be one of"):
        zoo.build("lag_sync_fusion", "tiny", input_norm="batch")


def test_stereo_log_mel_window_is_scipys_periodic_hann():
    """The window is given as numbers (no scipy at run time); they are the ones Keras' named
    ``"hann"`` window had, so checkpoints trained before score the same."""
    import scipy.signal

    from zoo.layers.preprocess import StereoLogMel

    for fft_length in (256, 512):
        layer = StereoLogMel(16000, frames=8, hop_length=160, fft_length=fft_length)
        expected = scipy.signal.get_window("hann", fft_length).astype("float32")
        np.testing.assert_array_equal(layer._window, expected)
