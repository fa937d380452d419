"""The timing layers: the lag profile peaks at the true lag, and the learning-free baseline says
"real" to onsets that line up and "fake" to the same onsets moved by half a second."""

from __future__ import annotations

import numpy as np


def test_lag_profile_peaks_at_the_lag_of_the_audio():
    from zoo.layers.fusion import LagProfile

    rng = np.random.default_rng(0)
    video = rng.standard_normal((2, 20, 8)).astype("float32")
    audio = np.roll(video, 3, axis=1)  # the audio lags by 3 steps
    profile = np.asarray(LagProfile(max_lag=5)([video, audio]))
    assert profile.shape == (2, 11)
    assert (profile.argmax(axis=1) == 5 + 3).all()
    np.testing.assert_allclose(profile.mean(axis=1), 0.0, atol=1e-6)  # centred


def test_a_zscored_profile_keeps_its_peak_and_loses_its_contrast():
    import pytest

    from zoo.layers.fusion import LagProfile

    rng = np.random.default_rng(0)
    video = rng.standard_normal((1, 20, 8)).astype("float32")
    noise = rng.standard_normal((1, 20, 8)).astype("float32")
    sharp = np.roll(video, 2, axis=1)
    faint = sharp + 3.0 * noise  # the same lag, agreeing far less sharply
    centred = np.asarray(LagProfile(max_lag=5)([np.concatenate([video, video]),
                                                np.concatenate([sharp, faint])]))
    zscored = np.asarray(LagProfile(max_lag=5, norm="zscore")(
        [np.concatenate([video, video]), np.concatenate([sharp, faint])]))
    assert (centred.argmax(axis=1) == 7).all() and (zscored.argmax(axis=1) == 7).all()
    assert centred[1].max() < 0.5 * centred[0].max()  # the faint pair's peak is lower...
    np.testing.assert_allclose(zscored.std(axis=1), 1.0, rtol=1e-4)  # ...not once scaled
    np.testing.assert_allclose(zscored.mean(axis=1), 0.0, atol=1e-5)
    flat = np.asarray(LagProfile(max_lag=5, norm="zscore")([np.ones((1, 20, 8), "float32")] * 2))
    # Equal agreement at every lag (rounding apart): no unit-sized peak is made up from it.
    assert np.abs(flat).max() < 0.1
    with pytest.raises(ValueError, match="norm must be one of"):
        LagProfile(max_lag=5, norm="max")


def test_lag_models_pass_their_profile_norm_on_and_save_it():
    import keras

    import zoo

    for name in ("lag_sync_fusion", "motion_lag_fusion"):
        model = zoo.build(name, "tiny", profile_norm="zscore")
        profile = model.get_layer("fusion_head").get_layer("fusion_lag_profile")
        assert profile.norm == "zscore"
        restored = keras.layers.deserialize(keras.layers.serialize(profile))
        assert restored.norm == "zscore" and restored.max_lag == profile.max_lag


def _events(shift_frames: int):
    """A bright flash on event frames (10 fps, 64 x 64) and a click at each event's sound."""
    frames = np.full((1, 20, 64, 64, 3), 30, np.uint8)
    audio = 1e-3 * np.random.default_rng(1).standard_normal((1, 32000, 2)).astype("float32")
    for frame in (4, 9, 15):
        # The striker moves for two frames, then stops at the contact frame.
        frames[0, frame - 2: frame, 16:48, 16:48] = 220
        sound = frame + shift_frames
        if 0 <= sound < 20:
            start = sound * 1600
            audio[0, start: start + 400] += 0.5
    return {"video": frames, "audio": audio}


def test_onset_baseline_tells_aligned_from_shifted():
    import zoo

    model = zoo.build("onset_sync_baseline", "tiny")
    assert not model.trainable_weights
    aligned = float(np.asarray(model(_events(0)))[0, 0])
    shifted = float(np.asarray(model(_events(5)))[0, 0])
    assert aligned > 0.5 > shifted, (aligned, shifted)


def test_lag_peak_says_real_exactly_when_the_profile_peaks_near_lag_zero():
    from zoo.layers.fusion import LagPeak

    layer = LagPeak(tolerance=1, initial_scale=10.0)
    flat = np.zeros((1, 11), "float32")
    centred = flat.copy()
    centred[0, 5] = 1.0
    beside = flat.copy()
    beside[0, 6] = 1.0
    away = flat.copy()
    away[0, 9] = 1.0
    p = np.asarray(layer(np.concatenate([flat, centred, beside, away]))).ravel()
    assert p.shape == (4,)
    np.testing.assert_allclose(p[0], 3 / 11, rtol=1e-5)  # a flat profile: the share of 3 lags
    assert p[1] > 0.5 and p[2] > 0.5 and p[3] < 3 / 11
    # Only the profile's shape matters: adding a constant changes nothing.
    np.testing.assert_allclose(np.asarray(layer(centred + 0.7)), np.asarray(layer(centred)),
                               rtol=1e-5)


def test_lag_sync_fusion_peak_decision_builds_and_rejects_unknown_decisions():
    import pytest

    import zoo

    model = zoo.build("lag_sync_fusion", "tiny", decision="peak")
    assert model.get_layer("fusion_head").get_layer("p_real").__class__.__name__ == "LagPeak"
    with pytest.raises(ValueError, match="decision must be one of"):
        zoo.build("lag_sync_fusion", "tiny", decision="vote")


def test_motion_grid_places_motion_in_its_cell_and_frame():
    from zoo.layers.onsets import MotionGrid

    frames = np.full((1, 6, 32, 32, 3), 100, np.uint8)
    frames[0, 3:, 8:16, 24:32] = 200  # cell (1, 3) of a 4 x 4 grid changes between frames 2 and 3
    grid = np.array(MotionGrid(4, floor=0.01)(frames))
    assert grid.shape == (1, 6, 4, 4, 2)
    still = np.log(0.01)
    moved = np.log(100 / 255 + 0.01)
    into, out_of = grid[0, ..., 0], grid[0, ..., 1]
    np.testing.assert_allclose(into[3, 1, 3], moved, rtol=1e-5)  # the motion that led into frame 3
    np.testing.assert_allclose(out_of[2, 1, 3], moved, rtol=1e-5)  # the motion leaving frame 2
    into[3, 1, 3] = out_of[2, 1, 3] = still
    np.testing.assert_allclose(grid[0], still, rtol=1e-5)  # nothing else moved
    # Colour alone (the same change in every frame) is not motion.
    tinted = np.asarray(MotionGrid(4)(np.full((1, 6, 32, 32, 3), 7, np.uint8)))
    np.testing.assert_allclose(tinted, np.asarray(MotionGrid(4)(frames * 0 + 250)), rtol=1e-6)


def _textured_frames(shift_y: int, shift_x: int, frames: int = 5) -> np.ndarray:
    """A smooth random texture moving ``shift_y`` pixels down and ``shift_x`` right a frame."""
    rng = np.random.default_rng(0)
    noise = rng.random((48, 48))
    for axis in (0, 1):  # two box blurs: gradients smooth enough for a one-pixel step
        noise = (np.roll(noise, 1, axis) + noise + np.roll(noise, -1, axis)) / 3
        noise = (np.roll(noise, 1, axis) + noise + np.roll(noise, -1, axis)) / 3
    texture = (noise - noise.min()) / (noise.max() - noise.min()) * 255
    video = np.zeros((1, frames, 32, 32, 3), np.uint8)
    for t in range(frames):
        top, left = 8 - shift_y * t, 8 - shift_x * t
        video[0, t] = texture[top: top + 32, left: left + 32, None]
    return video


def test_motion_flow_points_the_way_each_cell_moves():
    import pytest

    from zoo.layers.onsets import MotionFlow

    layer = MotionFlow(4)
    down = np.asarray(layer(_textured_frames(1, 0)))
    assert down.shape == (1, 5, 4, 4, 4)
    # Channels: (u, v) into the frame, then (u, v) out of it; a middle frame, inner cells.
    inner = down[0, 2, 1:3, 1:3]
    assert (inner[..., 1] > 0.2).all() and (inner[..., 3] > 0.2).all()
    assert (np.abs(inner[..., 0]) < 0.5 * inner[..., 1]).all()
    left = np.asarray(layer(_textured_frames(0, -1)))[0, 2, 1:3, 1:3]
    assert (left[..., 0] < -0.2).all() and (left[..., 2] < -0.2).all()
    still = np.asarray(layer(_textured_frames(0, 0)))
    np.testing.assert_allclose(still, 0.0, atol=1e-6)
    # Edge frames repeat their one neighbour: the first frame's "into" is its "out of".
    np.testing.assert_allclose(down[0, 0, ..., :2], down[0, 0, ..., 2:])
    with pytest.raises(ValueError, match="does not split into 4 x 4"):
        layer(np.zeros((1, 3, 30, 32, 3), np.uint8))


def test_motion_grid_names_frames_that_do_not_split_into_cells():
    import pytest

    from zoo.layers.onsets import MotionGrid

    with pytest.raises(ValueError, match="30 x 32 frame does not split into 4 x 4"):
        MotionGrid(4)(np.zeros((1, 3, 30, 32, 3), np.uint8))


def test_frame_centring_leaves_out_what_every_cell_of_a_frame_shares():
    from zoo.layers.onsets import FrameCentring

    rng = np.random.default_rng(0)
    local = rng.standard_normal((2, 5, 4, 4, 2)).astype("float32")
    shake = rng.standard_normal((2, 5, 1, 1, 2)).astype("float32")  # the whole frame moves
    centred = np.asarray(FrameCentring()(local))
    np.testing.assert_allclose(np.asarray(FrameCentring()(local + shake)), centred, atol=1e-5)
    np.testing.assert_allclose(centred.mean(axis=(2, 3)), 0.0, atol=1e-5)
    # A cell that moves on its own still stands out.
    one = np.zeros((1, 1, 4, 4, 1), "float32")
    one[0, 0, 2, 1] = 16.0
    out = np.asarray(FrameCentring()(one))[0, 0, :, :, 0]
    assert out[2, 1] == out.max() and np.isclose(out[2, 1], 15.0)


def test_spectral_flux_keeps_what_starts_and_drops_what_rings_on():
    import keras
    import pytest

    from zoo.layers.onsets import SpectralFlux

    mel = np.zeros((1, 12, 3, 2), "float32")
    mel[0, :, 0] = 5.0                              # a steady tone in band 0: never rises
    mel[0, 6:, 1] = np.linspace(4.0, 1.0, 6)[:, None]  # band 1 starts at step 6, then decays
    flux = np.asarray(SpectralFlux(span=2)(mel))
    assert flux.shape == mel.shape
    assert (flux >= 0).all() and not flux[:, :, 0].any() and not flux[:, :, 2].any()
    rises = np.nonzero(flux[0, :, 1, 0])[0]
    assert list(rises) == [6, 7]  # the onset, seen over the span; the decay adds nothing
    np.testing.assert_allclose(flux[0, 6, 1], 4.0)
    layer = keras.layers.deserialize(keras.layers.serialize(SpectralFlux(span=3)))
    assert layer.span == 3
    with pytest.raises(ValueError, match="span must be >= 1"):
        SpectralFlux(span=0)


def test_motion_lag_fusion_input_options_build_save_and_reject_unknown_values(tmp_path):
    import keras
    import pytest

    import zoo

    model = zoo.build("motion_lag_fusion", "tiny", motion_norm="frame", audio_input="flux",
                      motion_input="flow")
    assert model.get_layer("video_encoder").get_layer("video_frame_centre")
    assert model.get_layer("video_encoder").get_layer("video_motion_flow")
    assert model.get_layer("audio_encoder").get_layer("audio_flux")
    default = zoo.build("motion_lag_fusion", "tiny")
    names = [layer.name for layer in default.get_layer("audio_encoder").layers]
    names += [layer.name for layer in default.get_layer("video_encoder").layers]
    assert "audio_flux" not in names and "video_motion_flow" not in names
    # Four more input channels to the first convolution (3 x 3, 16 filters at tiny).
    assert model.count_params() == default.count_params() + 4 * 9 * 16
    path = tmp_path / "m.keras"
    model.save(path)
    rng = np.random.default_rng(0)
    batch = {"video": rng.integers(0, 255, (2, *model.input["video"].shape[1:]), dtype=np.uint8),
             "audio": rng.standard_normal((2, *model.input["audio"].shape[1:])).astype("float32")}
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.saving.load_model(path)(batch)),
                               keras.ops.convert_to_numpy(model(batch)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="motion_norm must be one of"):
        zoo.build("motion_lag_fusion", "tiny", motion_norm="global")
    with pytest.raises(ValueError, match="audio_input must be one of"):
        zoo.build("motion_lag_fusion", "tiny", audio_input="mfcc")
    with pytest.raises(ValueError, match="motion_input must be one of"):
        zoo.build("motion_lag_fusion", "tiny", motion_input="optical")
