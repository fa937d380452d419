"""evaluate --plot: the reliability table and the offset errors behind the two panels."""

from __future__ import annotations

import numpy as np
import pytest

from keras_vis.inference.evaluate import Evaluation
from keras_vis.results.reliability import offset_errors, plot_report, reliability


def rows(p_real, labels):
    return [{"p_real": p, "label": y, "kind": "aligned" if y else "swapped", "shift_s": None}
            for p, y in zip(p_real, labels)]


def test_a_calibrated_model_sits_on_the_diagonal():
    rng = np.random.default_rng(0)
    p = rng.random(20000)
    labels = (rng.random(len(p)) < p).astype(int)
    table = reliability(rows(p, labels))
    assert table["count"].sum() == len(p)
    np.testing.assert_allclose(table["real_share"], table["mean_p_real"], atol=0.03)
    assert table["ece"] < 0.02


def test_a_model_that_calls_real_pairs_fake_shows_the_gap():
    # Every real pair scored 0.35, every fake 0.15: the 0.3-0.4 bin is all real.
    table = reliability(rows([0.35] * 10 + [0.15] * 40, [1] * 10 + [0] * 40))
    assert table["real_share"][3] == 1.0 and table["real_share"][1] == 0.0
    assert np.isnan(table["real_share"][7])  # empty bins are NaN, not 0
    assert table["ece"] == pytest.approx((10 * 0.65 + 40 * 0.15) / 50)


def test_offset_errors_take_only_pairs_with_a_true_offset():
    pairs = [{"shift_s": 0.5, "offset_s": 0.4}, {"shift_s": -1.0, "offset_s": 0.0},
             {"shift_s": None, "offset_s": 0.2}, {"shift_s": 0.5}]
    np.testing.assert_allclose(offset_errors(pairs), [-0.1, 1.0])


def test_plot_writes_a_png(tmp_path):
    pairs = rows([0.9, 0.2, 0.4], [1, 0, 0]) + [
        {"p_real": 0.3, "label": 0, "kind": "shifted", "shift_s": 0.5, "offset_s": 0.47}]
    report = Evaluation(metrics={"pairs": 4, "clips": 2}, pairs=pairs, clips=[], skipped=[],
                        model="test")
    path = plot_report(report, tmp_path / "out" / "reliability.png", 0.15, 2.0)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
