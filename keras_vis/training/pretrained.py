"""Start a model from a pre-trained run's parts, and freeze parts while training.

Every zoo model is three named parts (``zoo.layers.parts``): ``video_encoder``,
``audio_encoder`` and ``fusion_head``. A run trained with the lag objective on real footage
(``experiments/motion_lag_fusion_pretrain_small.toml``) leaves encoders that learned where sound
and motion agree; ``model.init`` loads the parts named in ``model.init_parts`` from it, and
``train.freeze`` keeps parts fixed, so a fine-tuning run trains the head (or all of it, more
gently) on top.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from keras_vis.errors import ConfigError


def resolve_init(reference: str) -> Path:
    """The ``.keras`` file a ``model.init`` names: a file, a run folder's best checkpoint, or
    an experiment's folder of runs (``runs/<experiment>``): its newest finished run's. The best
    checkpoint, not a calibrated one: parts are taken before any calibration."""
    from keras_vis.results.rundir import RunDir

    run = RunDir.newest_finished(reference)
    path = run.best_path if run is not None else Path(reference)
    if not path.is_file():
        raise ConfigError(f"model.init: {reference}: no such .keras file or finished run folder "
                          f"(train the pre-training experiment first)")
    return path


def load_parts(model, reference: str, names: Sequence[str]) -> Path:
    """Copy the weights of parts ``names`` from the checkpoint ``reference`` into ``model``;
    returns the file read. Raises ConfigError when a part is missing or its weights do not fit
    (another model, preset or option)."""
    import keras

    from zoo.layers.parts import parts

    path = resolve_init(reference)
    try:
        source = keras.saving.load_model(path, compile=False)
    except Exception as error:  # any unreadable file is the user's file, named as such
        raise ConfigError(f"model.init: cannot load {path}: {error}") from error
    if parts(source) is None:
        raise ConfigError(f"model.init: {path} is not a zoo model with named parts")
    for name in names:
        target_weights = model.get_layer(name).weights
        source_weights = source.get_layer(name).weights
        shapes = [tuple(w.shape) for w in target_weights]
        found = [tuple(w.shape) for w in source_weights]
        if shapes != found:
            raise ConfigError(
                f"model.init: {path}: part {name} does not fit this model (its weights have "
                f"shapes {found[:3]}..., this model's {shapes[:3]}...): same model and preset?")
        model.get_layer(name).set_weights(source.get_layer(name).get_weights())
    print(f"model.init: {', '.join(names)} loaded from {path}", file=sys.stderr)
    return path


def freeze(model, names: Sequence[str]) -> None:
    """Keep parts ``names`` fixed while training (before compile)."""
    for name in names:
        model.get_layer(name).trainable = False
