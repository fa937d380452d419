"""zoo.ensemble: trained copies of one architecture scored as the mean of their logits, with the
three parts kept (so ``predict`` encodes each window once), saved, loaded and calibrated like any
zoo model, and a clear error for members that are not one architecture."""

from __future__ import annotations

import numpy as np
import pytest

import zoo
import zoo.model
from zoo.layers.parts import parts


def _batch(model, size: int = 3, seed: int = 0) -> dict:
    clip = zoo.clip_of(model)
    rng = np.random.default_rng(seed)
    return {"video": rng.integers(0, 255, (size, clip.frames, clip.height, clip.width, 3),
                                  dtype="uint8"),
            "audio": rng.normal(size=(size, clip.samples, 2)).astype("float32")}


def _logit(p):
    p = np.clip(np.asarray(p, "float64").ravel(), 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


@pytest.fixture(scope="module")
def members():
    return [zoo.build("motion_lag_fusion", "tiny") for _ in range(3)]


def test_ensemble_scores_the_mean_logit_of_its_members_and_keeps_its_parts(members):
    batch = _batch(members[0])
    model = zoo.ensemble(members)
    each = [_logit(member.predict_on_batch(batch)) for member in members]
    expected = 1 / (1 + np.exp(-np.mean(each, axis=0)))
    np.testing.assert_allclose(np.ravel(model.predict_on_batch(batch)), expected, atol=1e-5)
    assert model.count_params() == 3 * members[0].count_params()
    assert model.options["members"] == 3

    # The parts in turn (how predict and evaluate score a recording) give the whole model's p.
    video_encoder, audio_encoder, head = parts(model)
    in_parts = head.predict_on_batch([video_encoder.predict_on_batch(batch["video"]),
                                      audio_encoder.predict_on_batch(batch["audio"])])
    np.testing.assert_allclose(np.ravel(in_parts), expected, atol=1e-5)


def test_ensemble_saves_loads_and_calibrates_like_any_zoo_model(members, tmp_path):
    batch = _batch(members[0], seed=1)
    model = zoo.ensemble(members[:2])
    model.save(tmp_path / "ensemble.keras")
    loaded = zoo.load(tmp_path / "ensemble.keras", compile=False)
    np.testing.assert_allclose(loaded.predict_on_batch(batch), model.predict_on_batch(batch),
                               atol=1e-6)
    assert zoo.clip_of(loaded) == zoo.clip_of(members[0])

    calibrated = zoo.model.with_calibration(loaded, 2.0, -0.5)
    np.testing.assert_allclose(_logit(calibrated.predict_on_batch(batch)),
                               2.0 * _logit(model.predict_on_batch(batch)) - 0.5, atol=1e-3)
    calibrated.save(tmp_path / "calibrated.keras")
    again = zoo.load(tmp_path / "calibrated.keras", compile=False)
    np.testing.assert_allclose(again.predict_on_batch(batch), calibrated.predict_on_batch(batch),
                               atol=1e-6)
    # A calibrated member joins with its own head: the calibration is left out.
    mixed = zoo.ensemble([zoo.model.with_calibration(members[0], 3.0, 1.0), members[1]])
    np.testing.assert_allclose(mixed.predict_on_batch(batch), model.predict_on_batch(batch),
                               atol=1e-5)


def test_ensemble_refuses_members_that_are_not_one_architecture(members):
    with pytest.raises(ValueError, match="at least two"):
        zoo.ensemble(members[:1])
    wider = zoo.build("motion_lag_fusion", "tiny", head_units=16)
    with pytest.raises(ValueError, match="member 1 .*head_units differ"):
        zoo.ensemble([members[0], wider])
    with pytest.raises(ValueError, match="already an ensemble"):
        zoo.ensemble([zoo.ensemble(members[:2]), members[2]])
