"""Platt scaling of p_real: the fit, and a calibrated zoo model that saves, loads and keeps its
parts on every backend it is built on."""

from __future__ import annotations

import numpy as np
import pytest

from keras_vis.errors import DataError
from keras_vis.training.calibrate import fit_platt


def test_fit_platt_recovers_the_scale_and_bias_that_made_the_labels():
    rng = np.random.default_rng(0)
    logit = rng.normal(0.0, 2.0, 20000)
    truth = 1 / (1 + np.exp(-(0.5 * logit - 1.0)))
    labels = (rng.random(len(logit)) < truth).astype(int)
    scale, bias = fit_platt(1 / (1 + np.exp(-logit)), labels)
    # Classes are weighted equally, which moves the bias by the log of the class ratio.
    ratio = np.log(np.mean(labels == 0) / np.mean(labels == 1))
    assert scale == pytest.approx(0.5, abs=0.05)
    assert bias == pytest.approx(-1.0 + ratio, abs=0.1)


def test_a_model_that_calls_everything_fake_is_moved_to_the_middle():
    p_real = np.r_[np.full(20, 0.3), np.full(80, 0.1)]  # reals ranked above fakes, all < 0.5
    labels = np.r_[np.ones(20), np.zeros(80)]
    scale, bias = fit_platt(p_real, labels)
    logit = np.log(p_real / (1 - p_real))
    after = 1 / (1 + np.exp(-(scale * logit + bias)))
    assert np.all(after[:20] > 0.5) and np.all(after[20:] < 0.5)


def test_calibration_needs_both_classes():
    with pytest.raises(DataError, match="real and fake"):
        fit_platt([0.2, 0.4], [0, 0])


def test_calibrated_zoo_model_saves_loads_and_keeps_its_parts(tmp_path):
    import keras

    import zoo
    from zoo.layers.parts import parts
    from zoo.model import with_calibration

    model = zoo.build("motion_lag_fusion", "tiny")
    rng = np.random.default_rng(0)
    batch = {"video": rng.integers(0, 255, (2, *model.input["video"].shape[1:]), dtype="uint8"),
             "audio": rng.standard_normal((2, *model.input["audio"].shape[1:])).astype("float32")}
    p = keras.ops.convert_to_numpy(model(batch)).ravel()
    calibrated = with_calibration(model, 2.0, -0.5)
    expected = 1 / (1 + np.exp(-(2.0 * np.log(p / (1 - p)) - 0.5)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(calibrated(batch)).ravel(), expected,
                               rtol=1e-4)
    calibrated.save(tmp_path / "calibrated.keras")
    loaded = zoo.load(tmp_path / "calibrated.keras", compile=False)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(batch)).ravel(), expected,
                               rtol=1e-4)
    assert zoo.clip_of(loaded) == zoo.clip_of(model)
    assert [part.name for part in parts(loaded)] == ["video_encoder", "audio_encoder",
                                                     "fusion_head"]
    # Calibrating again replaces the calibration; the identity gives the model back.
    again = with_calibration(loaded, 1.0, 0.0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(batch)).ravel(), p, rtol=1e-4)


def test_a_ranking_is_never_turned_round():
    # Fakes scored above reals: the best unbounded fit would flip the model; the bounded one
    # keeps the scale positive.
    p_real = np.r_[np.full(20, 0.2), np.full(80, 0.6)]
    labels = np.r_[np.ones(20), np.zeros(80)]
    scale, _ = fit_platt(p_real, labels)
    assert scale >= 0.25


def test_calibration_is_skipped_where_the_model_does_not_rank(monkeypatch):
    import keras_vis.inference.evaluate as evaluate_module
    from keras_vis.inference.evaluate import Evaluation
    from keras_vis.training import calibrate

    pairs = [{"p_real": p, "label": y} for p, y in ((0.2, 1), (0.6, 0), (0.5, 0), (0.3, 1))]
    monkeypatch.setattr(evaluate_module, "evaluate", lambda *a, **k: Evaluation(
        metrics={"auc": 0.0, "clips": 2}, pairs=pairs, clips=[], skipped=[], model="m"))
    model = object()
    got, report = calibrate.calibrate_on_footage(model, ["a.mp4", "b.mp4"])
    assert got is model and "AUC 0.000" in report["skipped"]
