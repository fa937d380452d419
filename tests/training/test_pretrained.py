"""model.init and train.freeze: parts of a pre-trained run start a model, frozen or not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from keras_vis.errors import ConfigError
from keras_vis.training.pretrained import freeze, load_parts, resolve_init


def _weights(part):
    return [np.asarray(w) for w in part.get_weights()]


def test_named_parts_are_loaded_and_the_others_left_alone(tmp_path):
    import zoo

    source = zoo.build("motion_lag_fusion", "tiny")
    source.save(tmp_path / "best.keras")
    (tmp_path / "metrics.json").write_text(json.dumps({"experiment": "x"}))
    target = zoo.build("motion_lag_fusion", "tiny")
    head_before = _weights(target.get_layer("fusion_head"))
    load_parts(target, str(tmp_path), ["video_encoder", "audio_encoder"])
    for name in ("video_encoder", "audio_encoder"):
        for got, want in zip(_weights(target.get_layer(name)), _weights(source.get_layer(name))):
            np.testing.assert_array_equal(got, want)
    for got, want in zip(_weights(target.get_layer("fusion_head")), head_before):
        np.testing.assert_array_equal(got, want)


def test_a_part_of_another_shape_is_refused_by_name(tmp_path):
    import zoo

    zoo.build("motion_lag_fusion", "tiny").save(tmp_path / "tiny.keras")
    other = zoo.build("motion_lag_fusion", "tiny", video_widths=[8, 8])
    with pytest.raises(ConfigError, match="video_encoder does not fit"):
        load_parts(other, str(tmp_path / "tiny.keras"), ["video_encoder"])


def test_an_experiment_folder_resolves_to_its_newest_finished_run(tmp_path):
    for name, finished in (("jax-1", True), ("jax-2", True), ("jax-3", False)):
        run = tmp_path / name
        run.mkdir()
        (run / "best.keras").write_bytes(b"x")
        if finished:
            (run / "metrics.json").write_text("{}")
    assert resolve_init(str(tmp_path)) == tmp_path / "jax-2" / "best.keras"
    with pytest.raises(ConfigError, match="train the pre-training experiment first"):
        resolve_init(str(tmp_path / "missing"))


def test_frozen_parts_do_not_train():
    import zoo

    model = zoo.build("motion_lag_fusion", "tiny")
    everything = len(model.trainable_weights)
    freeze(model, ["video_encoder", "audio_encoder"])
    assert model.get_layer("video_encoder").trainable is False
    assert 0 < len(model.trainable_weights) < everything
    head = {id(w) for w in model.get_layer("fusion_head").trainable_weights}
    assert all(id(w) in head for w in model.trainable_weights)
