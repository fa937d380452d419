"""Augmentation: each switch, the stereo-consistent flip, determinism, labels and offsets kept."""

from __future__ import annotations

import numpy as np
import pytest

from keras_vis.data.augment import SWITCHES, Augmenter
from keras_vis.errors import ConfigError


# The switches that vary footage as real footage varies; the per-pixel reference below covers
# the others, and these have tests of their own.
DEGRADING = ("resolution", "compression", "framerate", "bandlimit", "codec")
CLASSIC = tuple(name for name in SWITCHES if name not in DEGRADING)


def batch(seed=0, size=6, frames=5, height=16, width=20, samples=800):
    rng = np.random.default_rng(seed)
    video = rng.integers(0, 256, (size, frames, height, width, 3), dtype=np.uint8)
    # Left and right channels differ per sample, so a swap is visible.
    audio = rng.standard_normal((size, samples, 2)).astype(np.float32) * [0.1, 0.5]
    return video, audio.astype(np.float32)


def test_everything_off_is_identity():
    video, audio = batch()
    out_video, out_audio = Augmenter({}, seed=0)(video, audio, step=(0, 0))
    assert np.array_equal(out_video, video) and np.array_equal(out_audio, audio)
    # Memory-map style input: a list of per-sample arrays.
    out_video, _ = Augmenter({}, seed=0).apply(list(video), audio, np.random.default_rng(0))
    assert np.array_equal(out_video, video)


def test_flip_mirrors_the_picture_and_swaps_the_channels_of_the_same_sample():
    video, audio = batch(size=16)
    out_video, out_audio = Augmenter({"flip": True}, seed=4)(video, audio, step=(1, 2))
    flipped = []
    for i in range(len(video)):
        mirrored = np.array_equal(out_video[i], video[i][:, :, ::-1])
        swapped = np.array_equal(out_audio[i], audio[i][:, ::-1])
        if mirrored:
            assert swapped, f"sample {i}: frames flipped but stereo channels not swapped"
        else:
            assert np.array_equal(out_video[i], video[i])
            assert np.array_equal(out_audio[i], audio[i])
        flipped.append(mirrored)
    assert any(flipped) and not all(flipped)
    always = Augmenter({"flip": {"probability": 1.0}}, seed=0)
    out_video, out_audio = always(video, audio)
    assert np.array_equal(out_video, video[:, :, :, ::-1]) and np.array_equal(out_audio, audio[:, :, ::-1])


def test_deterministic_for_a_fixed_seed_and_step():
    video, audio = batch()
    a = Augmenter.all(seed=7)(video, audio, step=(0, 3))
    b = Augmenter.all(seed=7)(video, audio, step=(0, 3))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    c = Augmenter.all(seed=7)(video, audio, step=(1, 3))
    d = Augmenter.all(seed=8)(video, audio, step=(0, 3))
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[0], d[0])


@pytest.mark.parametrize("switch", SWITCHES)
def test_each_switch_changes_only_its_modality(switch):
    video, audio = batch(size=8)
    settings = {switch: True}
    if switch in ("noise", "mix", *DEGRADING):
        settings = {switch: {"probability": 1.0}}
    out_video, out_audio = Augmenter(settings, seed=1)(video, audio, step=(0, 0))
    assert out_video.shape == video.shape and out_video.dtype == np.uint8
    assert out_audio.shape == audio.shape and out_audio.dtype == np.float32
    video_changed = not np.array_equal(out_video, video)
    audio_changed = not np.array_equal(out_audio, audio)
    expected = {
        "crop": (True, False), "flip": (True, True), "color": (True, False),
        "time_jitter": (False, False),  # moves windows (see shift_windows), not pixels
        "gain": (False, True), "noise": (False, True), "eq": (False, True),
        "mix": (False, True), "resolution": (True, False), "compression": (True, False),
        "framerate": (True, False), "bandlimit": (False, True), "codec": (False, True),
    }[switch]
    assert (video_changed, audio_changed) == expected


def test_mix_adds_another_samples_sound_below_the_samples_own():
    video, audio = batch(size=8)
    _, out = Augmenter({"mix": {"probability": 1.0, "snr_db": (6.0, 6.0)}}, seed=3)(video, audio)
    rms = lambda x: float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    for i in range(len(audio)):
        added = out[i] - audio[i]
        partners = [j for j in range(len(audio)) if j != i
                    and np.allclose(added, audio[j] * (rms(audio[i]) / rms(audio[j]) / 10 ** 0.3),
                                    atol=1e-5)]
        assert len(partners) == 1, f"sample {i}: not one other sample 6 dB down"
    # One sample alone has no partner and is left as it is.
    _, alone = Augmenter({"mix": {"probability": 1.0}}, seed=3)(video[:1], audio[:1])
    assert np.array_equal(alone, audio[:1])


def test_crop_keeps_frames_consistent_and_full_scale_is_identity():
    video, audio = batch()
    static = np.repeat(video[:, :1], video.shape[1], axis=1)  # every frame the same
    out, _ = Augmenter({"crop": True}, seed=2)(static, audio)
    assert all(np.array_equal(out[i, 0], out[i, t]) for i in range(len(out)) for t in range(out.shape[1]))
    identity = Augmenter({"crop": {"min_scale": 1.0, "max_aspect": 1.0}}, seed=2)
    assert np.array_equal(identity(video, audio)[0], video)


def test_noise_follows_the_snr():
    video, audio = batch(size=4, samples=20000)
    aug = Augmenter({"noise": {"probability": 1.0, "snr_db": (20.0, 20.0)}}, seed=0)
    _, noisy = aug(video, audio)
    noise = noisy - audio
    snr = 10 * np.log10(np.mean(audio**2, axis=(1, 2)) / np.mean(noise**2, axis=(1, 2)))
    assert np.allclose(snr, 20.0, atol=0.5)


def test_gain_is_within_its_range():
    video, audio = batch()
    _, out = Augmenter({"gain": {"max_db": 6.0}}, seed=0)(video, audio)
    ratio_db = 20 * np.log10(np.abs(out).max(axis=(1, 2)) / np.abs(audio).max(axis=(1, 2)))
    assert (np.abs(ratio_db) <= 6.0 + 1e-4).all() and np.ptp(ratio_db) > 0


def test_time_jitter_moves_both_windows_together_on_the_grid():
    aug = Augmenter({"time_jitter": {"max_s": 0.3}}, seed=0)
    rng = np.random.default_rng(0)
    fps = 10.0
    video = np.round(rng.uniform(0, 5, 200) * fps) / fps
    offset = rng.uniform(-0.04, 0.04, 200)  # real pairs within the sync tolerance
    audio = np.clip(video - offset, 0, 5)
    room_v, room_a = np.full(200, 5.0), np.full(200, 5.0)
    new_video, new_audio = aug.shift_windows(video, audio, room_v, room_a, fps, rng)
    assert np.allclose(new_video - new_audio, video - audio)
    assert np.allclose(new_video * fps, np.round(new_video * fps))
    assert (np.abs(new_video - video) <= 0.3 + 1e-9).all() and (new_video != video).any()
    assert (new_video >= 0).all() and (new_audio >= -1e-9).all()
    assert (new_video <= 5 + 1e-9).all() and (new_audio <= 5 + 1e-9).all()
    off = Augmenter({}, seed=0).shift_windows(video, audio, room_v, room_a, fps, rng)
    assert np.array_equal(off[0], video) and np.array_equal(off[1], audio)


def test_bad_config():
    with pytest.raises(ConfigError, match="unknown switch"):
        Augmenter({"rotate": True})
    with pytest.raises(ConfigError, match="unknown setting"):
        Augmenter({"crop": {"zoom": 2}})
    with pytest.raises(ConfigError, match="true, false or a table"):
        Augmenter({"flip": "yes"})
    with pytest.raises(ConfigError, match="augment.codec.codecs: audio codec 'vorbis'"):
        Augmenter({"codec": {"codecs": ["vorbis"]}})
    with pytest.raises(ConfigError, match="augment.codec.kbps must be"):
        Augmenter({"codec": {"kbps": [1.5]}})
    # A rate the codec cannot code fails when the augmenter is made, not in the first batch.
    with pytest.raises(ConfigError, match="augment.codec: .*'mp2' cannot code 11025 Hz"):
        Augmenter({"codec": {"codecs": ["mp2"]}}, sample_rate=11025)


def test_true_turns_every_switch_on_and_false_none():
    assert Augmenter(True).enabled == SWITCHES == Augmenter.all().enabled
    assert Augmenter(True).settings == Augmenter.all().settings
    assert Augmenter(False).enabled == () == Augmenter(None).enabled
    for wrong in ("flip", 1, ["flip"], 0.5):
        expected = f"augment must be True .* got {type(wrong).__name__}"
        with pytest.raises(ConfigError, match=expected):
            Augmenter(wrong)


def reference_augment(aug: Augmenter, video, audio, step, color: bool = True):
    """Every switch on (colour optional), written per pixel and per sample from the documented
    maths (no OpenCV), from the same drawn parameters as ``aug``."""
    params = aug._draw(aug.rng(step), len(video), audio.shape[1])
    batch, frames, height, width, _ = video.shape
    out_video = np.empty_like(video)
    for i, (y0, x0, h, w) in enumerate(Augmenter.crop_boxes(params, height, width)):
        rows = y0 + np.floor((np.arange(height) + 0.5) * h / height).astype(int)
        # OpenCV's nearest resize: source column floor(x * w / width).
        cols = x0 + np.minimum(np.floor(np.arange(width) * (1.0 / (width / w))).astype(int), w - 1)
        image = video[i][:, rows][:, :, cols].astype(np.float64)
        if params["flip"][i]:
            image = image[:, :, ::-1]
        if not color:
            out_video[i] = image
            continue
        gains = params["channel_gain"][i] * image
        grey = gains @ np.array([0.299, 0.587, 0.114])
        mixed = params["saturation"][i] * gains + (1 - params["saturation"][i]) * grey[..., None]
        mean = image.mean(axis=(0, 1, 2)) @ np.array([0.299, 0.587, 0.114])
        colour = params["contrast"][i] * (mixed - mean) + mean + params["brightness"][i]
        out_video[i] = np.clip(np.rint(colour), 0, 255)
    out_audio = np.empty_like(audio)
    for i in range(batch):
        x = audio[i][:, ::-1] if params["flip"][i] else audio[i]
        if params["mix_on"][i]:
            partner = audio[params["mix_partner"][i]]
            x = x + partner * np.sqrt(np.mean(x**2) / np.mean(partner**2)) / 10 ** (params["mix_snr_db"][i] / 20)
        x = x.astype(np.float64)
        padded = np.concatenate([x[:1], x, x[-1:]])
        low = (padded[:-2] + 2 * x + padded[2:]) / 4  # the EQ's two bands
        low_gain = 10 ** (params["eq_low_db"][i] / 20)
        high_gain = 10 ** (params["eq_high_db"][i] / 20)
        y = 10 ** (params["gain_db"][i] / 20) * (low_gain * low + high_gain * (x - low))
        if params["noise_on"][i]:
            offset = params["noise_offset"][i]
            noise = aug._noise_bank[offset : offset + y.size].reshape(y.shape)
            y = y + noise * np.sqrt(np.mean(y**2)) / 10 ** (params["snr_db"][i] / 20)
        out_audio[i] = y
    return out_video, out_audio


def test_every_switch_matches_the_per_pixel_reference():
    video, audio = batch(size=8, frames=3, height=24, width=30, samples=500)
    aug = Augmenter({name: True for name in CLASSIC}, seed=5)
    out_video, out_audio = aug(video, audio, step=(2, 7))
    want_video, want_audio = reference_augment(aug, video, audio, (2, 7))
    # OpenCV's uint8 colour transform rounds its own way: at most one level off.
    difference = np.abs(out_video.astype(int) - want_video)
    assert difference.max() <= 1 and (difference == 0).mean() > 0.9
    assert np.allclose(out_audio, want_audio, rtol=1e-5, atol=1e-6)
    # Crop and flip pick pixels: exact.
    no_color = Augmenter({name: True for name in CLASSIC if name != "color"}, seed=5)
    out_video, _ = no_color(video, audio, step=(2, 7))
    want_video, _ = reference_augment(no_color, video, audio, (2, 7), color=False)
    assert np.array_equal(out_video, want_video)


def test_memory_map_style_lists_give_the_same_batch():
    video, audio = batch(size=5)
    aug = Augmenter.all(seed=3)
    as_arrays = aug(video, audio, step=(0, 1))
    as_lists = aug.apply(list(video), list(audio), aug.rng((0, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(as_arrays, as_lists))
    assert as_lists[0].flags.c_contiguous and as_lists[1].dtype == np.float32


def test_bandlimit_removes_what_lies_above_its_cut_off():
    rate = 16000
    t = np.arange(rate) / rate
    tones = (np.sin(2 * np.pi * 500 * t) + np.sin(2 * np.pi * 7500 * t)).astype(np.float32)
    audio = np.repeat(tones[None, :, None], 2, axis=2).repeat(2, axis=0)
    video = np.zeros((2, 2, 8, 8, 3), np.uint8)
    aug = Augmenter({"bandlimit": {"probability": 1.0, "cutoff_hz": (3000.0, 3000.0)}},
                    sample_rate=rate)
    _, out = aug(video, audio)
    spectrum = np.abs(np.fft.rfft(out[0, :, 0]))
    assert spectrum[7500] < 1e-3 * spectrum[500]
    assert spectrum[500] == pytest.approx(np.abs(np.fft.rfft(tones))[500], rel=1e-3)


def test_framerate_holds_frames_and_keeps_their_order():
    video, audio = batch(size=4, frames=8)
    out, _ = Augmenter({"framerate": {"probability": 1.0, "hold": 2}}, seed=0)(video, audio)
    for i in range(4):
        shown = [next(k for k in range(8) if np.array_equal(out[i, t], video[i, k]))
                 for t in range(8)]
        assert shown == sorted(shown) and all(t - 1 <= k <= t for t, k in enumerate(shown))
        assert len(set(shown)) <= 5


def test_resolution_and_compression_blur_but_keep_the_picture():
    rng = np.random.default_rng(0)
    smooth = np.kron(rng.integers(0, 256, (4, 3, 4, 4, 3)), np.ones((1, 1, 8, 8, 1)))
    video = smooth.astype(np.uint8)
    audio = np.zeros((4, 100, 2), np.float32)
    for switch in ("resolution", "compression"):
        out, _ = Augmenter({switch: {"probability": 1.0}}, seed=0)(video, audio)
        error = np.abs(out.astype(int) - video).mean()
        assert 0 < error < 40, (switch, error)


def test_the_degrading_switches_leave_the_classic_draws_unchanged():
    # On but never firing, they must not move what the other switches draw for a seed.
    video, audio = batch(size=6)
    classic = {name: True for name in CLASSIC}
    a = Augmenter(classic, seed=2)
    b = Augmenter({**classic, **{name: {"probability": 0.0} for name in DEGRADING}}, seed=2)
    first, second = a(video, audio, step=(1, 2)), b(video, audio, step=(1, 2))
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_codec_codes_some_samples_and_keeps_each_ones_timing():
    rate = 16000
    rng = np.random.default_rng(0)
    audio = np.zeros((6, rate, 1), np.float32)
    for i in range(6):  # one knock per sample, at its own place
        start = 2000 + 2000 * i
        audio[i, start : start + 200, 0] = rng.standard_normal(200) * np.exp(-np.arange(200) / 40)
    video = np.zeros((6, 2, 8, 8, 3), np.uint8)
    aug = Augmenter({"codec": {"probability": 0.5, "codecs": ["aac", "mp2"], "kbps": [16, 24]}},
                    seed=1, sample_rate=rate)
    params = aug._draw(aug.rng((0, 0)), 6, rate)
    _, out = aug(video, audio, step=(0, 0))
    coded = [not np.array_equal(out[i], audio[i]) for i in range(6)]
    assert coded == list(params["codec_on"]) and any(coded) and not all(coded)
    for i in np.flatnonzero(coded):
        # Still loudest where the knock is: coding moved no sound in time.
        envelope = np.convolve(out[i, :, 0] ** 2, np.ones(100), mode="same")
        assert abs(int(np.argmax(envelope)) - (2100 + 2000 * i)) < 100
