"""predict's verdict: what a reader is told, from p_real, the best offset and its confidence."""

import pytest

from keras_vis.inference.predict import Prediction

FPS = 15


def prediction(p_real, offset_s=0.0, confidence=0.9, best=None, searched=True):
    offsets = [-0.4, 0.0, offset_s] if searched else [0.0]
    scores = [0.1, p_real, p_real if best is None else best] if searched else [p_real]
    return Prediction(p_real=p_real, offset_s=offset_s, confidence=confidence if searched else 0.0,
                      window_starts_s=[0.0], window_scores=[p_real], offsets_s=offsets,
                      offset_scores=scores, model="m", clip={"fps": FPS, "seconds": 2.0},
                      video="v.mp4", audio="v.mp4", hop_s=1.0, backend="jax")


@pytest.mark.parametrize("result, verdict", [
    (prediction(0.9), "in sync"),
    (prediction(0.2), "not in sync"),
    (prediction(0.55), "uncertain"),
    # A shift that scores well above the audio as given, with some confidence, is the answer.
    (prediction(0.2, offset_s=0.4, best=0.9, confidence=0.7), "not in sync: audio about 0.40 s late"),
    (prediction(0.45, offset_s=-0.27, best=0.8, confidence=0.4),
     "not in sync: audio about 0.27 s early"),
    # ... but not a shift found with low confidence, nor one no better than offset 0,
    (prediction(0.2, offset_s=0.4, best=0.9, confidence=0.1), "not in sync"),
    (prediction(0.85, offset_s=0.4, best=0.9, confidence=0.9), "in sync"),
    # nor one within a frame of 0.
    (prediction(0.3, offset_s=1 / FPS, best=0.9, confidence=0.9), "not in sync"),
    (prediction(0.9, searched=False), "in sync"),
])
def test_verdict(result, verdict):
    assert result.verdict() == verdict
    assert result.line().startswith(verdict + " (p_real ")
    assert result.to_dict()["verdict"] == verdict


@pytest.mark.parametrize("confidence, words", [(0.9, "high"), (0.6, "high"), (0.45, "medium"),
                                               (0.05, "low"), (0.0, "none")])
def test_confidence_in_words(confidence, words):
    result = prediction(0.9, confidence=confidence)
    assert result.confidence_level() == words
    assert f"confidence {confidence:.2f}: {words})" in result.line()
    assert prediction(0.9, searched=False).confidence_level() == "none"
    assert "offset not searched" in prediction(0.9, searched=False).line()
