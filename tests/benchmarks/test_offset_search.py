"""The offset-search benchmark's rules, and the score matrix ``score_media`` hands them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import offset_search  # noqa: E402

from keras_vis.inference.scoring import offset_grid, score_media  # noqa: E402
from zoo.clip import clip_preset  # noqa: E402

CLIP = clip_preset("tiny")
GRID = np.array([-0.2, -0.1, 0.0, 0.1, 0.2])


class LagModel:
    """p_real peaks where the audio window starts ``lag_s`` after the video window: frames hold
    their own index and the waveform its own sample index, so a window knows where it is."""

    def __init__(self, lag_s: float):
        self.lag_s = lag_s

    def get_layer(self, name):
        raise ValueError(name)  # no named parts: scored whole

    def predict_on_batch(self, inputs):
        video_s = inputs["video"][:, 0, 0, 0, 0] / CLIP.fps
        audio_s = inputs["audio"][:, 0, 0] / CLIP.sample_rate
        error = audio_s - video_s - self.lag_s
        return (0.05 + 0.9 * np.exp(-(error / 0.05) ** 2))[:, None]


def test_score_media_hands_over_the_window_by_offset_matrix():
    seconds = 5.0
    frames = np.broadcast_to(np.arange(int(seconds * CLIP.fps), dtype="float32")[:, None, None, None],
                             (int(seconds * CLIP.fps), CLIP.height, CLIP.width, 3))
    samples = int(seconds * CLIP.sample_rate)
    waveform = np.repeat(np.arange(samples, dtype="float32")[:, None], CLIP.channels, axis=1)
    grid = offset_grid(-1.0, 1.0, CLIP.fps)
    scores = score_media(LagModel(0.5), frames, waveform, CLIP, offsets=grid)

    assert scores.pair_scores.shape == (len(scores.window_starts), len(grid))
    np.testing.assert_allclose(offset_search.mean_p(scores.pair_scores), scores.offset_scores)
    np.testing.assert_allclose(scores.pair_scores[:, list(grid).index(0.0)], scores.window_scores)
    # An offset whose audio would leave the track is NaN for that window.
    assert np.isnan(scores.pair_scores).any()
    testable = ~np.isnan(scores.offset_scores)
    for rule in offset_search.RULES.values():
        assert offset_search.best(grid, rule(scores.pair_scores), testable) == pytest.approx(0.5)


def test_rules_part_ways_when_one_window_is_loud():
    # Three windows lean to +0.1 s; one is sure of -0.2 s. Averages of scores follow the sure
    # window; the median and the vote follow the majority.
    scores = np.full((4, len(GRID)), 0.3)
    scores[:3, 3] = 0.45
    scores[3, 0] = 0.999
    testable = np.ones(len(GRID), bool)
    picked = {name: offset_search.best(GRID, rule(scores), testable)
              for name, rule in offset_search.RULES.items()}
    assert picked["mean p (current)"] == pytest.approx(-0.2)
    assert picked["mean logit"] == pytest.approx(-0.2)
    assert picked["median p"] == pytest.approx(0.1)
    assert picked["window vote"] == pytest.approx(0.1)
    assert picked["window softmax"] == pytest.approx(-0.2)


def test_best_skips_untestable_offsets_and_breaks_ties_towards_zero():
    aggregate = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    assert offset_search.best(GRID, aggregate, np.array([False, True, True, True, True])) == 0.0
    with np.errstate(invalid="ignore"):
        rows = np.array([[np.nan, 0.2, 0.8, 0.2, 0.2], [0.2, 0.2, 0.8, 0.2, np.nan]])
        assert offset_search.best(GRID, offset_search.window_softmax(rows),
                                  np.ones(len(GRID), bool)) == 0.0
