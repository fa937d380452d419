"""Lossy audio codecs in memory: the sound comes back aligned, coded, and bad settings fail clearly."""

from __future__ import annotations

import numpy as np
import pytest

from keras_vis.data import codec
from keras_vis.errors import ConfigError

RATE = 16000


def knocks(samples=RATE, channels=1, seed=0):
    """Decaying noise bursts at known places over a quiet tone: transients a codec smears."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / RATE
    audio = np.repeat((0.05 * np.sin(2 * np.pi * 330 * t))[:, None], channels, axis=1)
    for start in (samples * np.array([0.1, 0.4, 0.7])).astype(int):
        n = min(300, samples - start)
        burst = rng.standard_normal((n, channels)) * np.exp(-np.arange(n) / 50)[:, None]
        audio[start : start + n] += 0.4 * burst
    return audio.astype(np.float32)


def lag(out, ref):
    """Where ``out`` correlates best with ``ref``, in samples (0: aligned)."""
    size = 2 * len(ref)
    corr = np.fft.irfft(np.fft.rfft(out, size) * np.conj(np.fft.rfft(ref, size)), size)
    best = int(np.argmax(corr))
    return best if best < len(ref) else best - size


@pytest.mark.parametrize("name", codec.CODECS)
@pytest.mark.parametrize("kbps", [16, 32])
def test_round_trip_is_lossy_but_starts_on_the_same_sample(name, kbps):
    audio = knocks()
    out = codec.roundtrip(audio, RATE, name, kbps)
    assert out.shape == audio.shape and out.dtype == np.float32
    assert lag(out[:, 0], audio[:, 0]) == 0  # the codec's delay is taken off
    assert not np.allclose(out, audio, atol=1e-3)  # it did code the sound
    assert np.corrcoef(out[:, 0], audio[:, 0])[0, 1] > 0.75  # still the same sound (16 kbit/s cuts the highs)


def test_channels_are_coded_each_on_its_own_and_loud_sound_is_not_clipped():
    left, right = knocks(seed=1)[:, 0], knocks(seed=2)[:, 0] * 3.0  # right: 3x full scale
    out = codec.roundtrip(np.stack([left, right], axis=1), RATE, "aac", 32)
    swapped = codec.roundtrip(np.stack([right, left], axis=1), RATE, "aac", 32)
    assert np.allclose(out[:, ::-1], swapped, atol=1e-6)
    # Scaled down to code, scaled back: the level is kept, not clipped at 1.
    assert np.max(np.abs(out[:, 1])) > 2.0
    assert 0.8 < np.sum(out[:, 1] ** 2) / np.sum(right**2) < 1.2


def test_unknown_codec_and_impossible_settings_fail_clearly():
    audio = knocks(samples=800)
    with pytest.raises(ConfigError, match="'vorbis' is not one of"):
        codec.roundtrip(audio, RATE, "vorbis", 32)
    with pytest.raises(ConfigError, match="cannot code 11025 Hz at 16 kbit/s"):
        codec.roundtrip(audio, 11025, "mp2", 16)
    with pytest.raises(ValueError, match="samples, channels"):
        codec.roundtrip(audio[:, 0], RATE, "aac", 32)


def test_the_delay_is_measured_once_per_codec_rate_and_bit_rate():
    codec.codec_delay.cache_clear()
    assert codec.codec_delay("aac", RATE, 24) == 1024  # AAC's priming samples
    assert codec.codec_delay("aac", RATE, 24) == 1024
    assert codec.codec_delay.cache_info().hits == 1
