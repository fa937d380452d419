"""The registry: names, presets as data, overrides, weights paths, clip_of after a reload."""

import dataclasses

import keras
import numpy as np
import pytest

import zoo
from zoo.clip import CLIP_PRESETS, ClipSpec
from zoo.preset import Preset
from zoo.registry import register_model

MODELS = ("resnet_gru_fusion", "siamese_fusion", "temporal_conv_fusion")


def _inputs(clip, batch=2, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "video": rng.integers(0, 256, (batch, *clip.video_shape), dtype="uint8"),
        "audio": rng.uniform(-1, 1, (batch, *clip.audio_shape)).astype("float32"),
    }


def test_list_models_filters_by_pattern():
    assert set(MODELS) <= set(zoo.list_models())
    assert zoo.list_models("siamese*") == ["siamese_fusion"]
    assert zoo.list_models("*_fusion") == sorted(zoo.list_models("*_fusion"))
    assert zoo.list_models("no_such_*") == []


def test_presets_are_data_with_the_named_clip_specs():
    for name in MODELS:
        presets = zoo.presets(name)
        assert {"tiny", "base"} <= set(presets)
        assert all(isinstance(p, Preset) for p in presets.values())
        assert presets["tiny"].clip == CLIP_PRESETS["tiny"]
        assert presets["base"].clip == CLIP_PRESETS["base"]
        assert presets["tiny"].fusion == "temporal"
        assert zoo.get_preset(name, "tiny_late").fusion == "late"
        assert presets["base"].options["widths"] == (64, 128, 256, 512)
        with pytest.raises(dataclasses.FrozenInstanceError):
            presets["tiny"].fusion = "late"


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match="resnet_gru_fusion"):
        zoo.build("resnet_gru")
    with pytest.raises(ValueError, match="tiny_late"):
        zoo.build("siamese_fusion", "huge")
    with pytest.raises(ValueError, match="tiny"):
        zoo.get_preset("siamese_fusion", "huge")
    with pytest.raises(ValueError, match="gru_units"):
        zoo.build("resnet_gru_fusion", gru_unit=8)
    with pytest.raises(ValueError, match="fusion must be one of"):
        zoo.build("resnet_gru_fusion", fusion="early")


def test_weights_not_on_disk_fail_at_once(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        zoo.build("resnet_gru_fusion", weights="imagenet")
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        zoo.build("resnet_gru_fusion", weights=tmp_path / "missing.weights.h5")
    wrong = tmp_path / "weights.npz"
    wrong.write_bytes(b"")
    with pytest.raises(ValueError, match="expected a .keras or .weights.h5"):
        zoo.build("resnet_gru_fusion", weights=wrong)


def test_weights_and_keras_file_round_trip(tmp_path):
    model = zoo.build("siamese_fusion", "tiny_late")
    x = _inputs(model.clip)
    expected = model.predict(x, verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.keras")

    from_weights = zoo.build("siamese_fusion", "tiny_late", weights=tmp_path / "m.weights.h5")
    np.testing.assert_allclose(from_weights.predict(x, verbose=0), expected, atol=1e-6)
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert zoo.clip_of(loaded) == CLIP_PRESETS["tiny"]
    assert (loaded.model_name, loaded.fusion) == ("siamese_fusion", "late")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)
    # A file of another preset is refused with a message naming it (keras warns as it tries).
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="do not fit"):
        zoo.build("siamese_fusion", "tiny", weights=tmp_path / "m.weights.h5")


def test_every_size_follows_the_clip_spec():
    # Odd sizes on purpose: 9 frames, 48 x 40 px, 11025 Hz, mono.
    clip = ClipSpec(seconds=1.5, fps=6, height=48, width=40, sample_rate=11025, channels=1)
    for name in MODELS:
        two_stages = dict(widths=(8, 16), depths=(1, 1))
        if name == "temporal_conv_fusion":
            two_stages["temporal_stages"] = (2,)
        model = zoo.build(name, clip=clip, **two_stages)
        assert zoo.clip_of(model) == clip
        assert model.predict(_inputs(clip), verbose=0).shape == (2, 1)


def test_clip_of_rejects_other_models():
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(TypeError, match="not a zoo model"):
        zoo.clip_of(plain)


def test_register_model_rejects_a_preset_naming_unknown_options():
    bad = {"tiny": Preset(CLIP_PRESETS["tiny"], "late", {"width": 8})}
    with pytest.raises(ValueError, match="unknown options"):
        @register_model(presets=bad, name="broken_for_test")
        def broken(clip, fusion, widths=(8,)):
            raise AssertionError("never built")
    assert "broken_for_test" not in zoo.list_models()


def test_build_sets_a_dtype_policy_for_the_model_alone():
    model = zoo.build("motion_lag_fusion", "tiny", dtype="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"
    policies = {layer.name: layer.dtype_policy
                for part in ("video_encoder", "audio_encoder", "fusion_head")
                for layer in model.get_layer(part).layers}
    assert policies["video_conv1"].compute_dtype == "bfloat16"
    assert policies["video_conv1"].variable_dtype == "float32"
    # Spectrogram, per-clip statistics, motion energy, lag profile and p_real stay float32.
    for name in ("audio_log_mel", "audio_clip_standardize", "video_motion_grid",
                 "fusion_lag_profile", "p_real"):
        assert policies[name].compute_dtype == "float32", name
    assert all(w.dtype == "float32" for w in model.weights)


def test_build_rejects_an_unknown_dtype_and_keeps_the_global_policy():
    with pytest.raises(ValueError, match="mixed_bf16"):
        zoo.build("motion_lag_fusion", "tiny", dtype="mixed_bf16")
    assert keras.config.dtype_policy().name == "float32"
