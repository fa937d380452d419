"""Every registered model at every one of its presets, found at collection time.

A model added to ``zoo/models/`` (or a preset added to one) is checked here without a test file
of its own:

* ``test_preset_builds``, for each model x preset in this process (its backend): the model
  builds, reports its clip, fusion and name, counts its parameters, and survives a config
  round trip (``get_config`` -> JSON -> ``from_config`` rebuilds the same architecture); presets
  whose clip is small (``tiny``-sized) also run one forward pass, on the model and on its
  rebuilt twin given the same weights. Larger clips (``base``, ``small``) are only built:
  a forward pass there costs seconds per preset and checks nothing a tiny one does not.
* ``test_model_on_every_backend``, for each model at its tiny preset: fit, ``.keras`` save and
  load, and files saved on TensorFlow, JAX and PyTorch load on the other two and predict the
  same (``tests/zoo/helpers.py``, three subprocesses shared by every model);
* ``test_model_in_mixed_precision``, in the same subprocesses: built with
  ``dtype="mixed_bfloat16"``, p_real stays float32, training gives finite losses, and the saved
  file loads in float32 predicting the same within bfloat16's rounding.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import zoo
from tests.zoo.helpers import (BACKENDS, matrix_preset, run_mixed_precision_test,
                               run_model_test)
from zoo.clip import CLIP_PRESETS
from zoo.model import ZooModel

MODELS = zoo.list_models()
COMBOS = [(name, preset) for name in MODELS for preset in zoo.presets(name)]

# Video voxels (frames x height x width) up to which a preset also runs a forward pass here:
# twice the tiny clip (20 x 64 x 64), so every tiny-sized preset runs and a 112-128 px clip
# (``small``: 20 x 112 x 112 is 3x tiny; ``base``: 30 x 112 x 112, 4.6x) is only built.
_TINY = CLIP_PRESETS["tiny"]
FORWARD_PASS_MAX_VOXELS = 2 * _TINY.frames * _TINY.height * _TINY.width
BATCH = 2


def _voxels(clip) -> int:
    return clip.frames * clip.height * clip.width


def _inputs(clip, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "video": rng.integers(0, 256, (BATCH, *clip.video_shape), dtype="uint8"),
        "audio": rng.uniform(-1.0, 1.0, (BATCH, *clip.audio_shape)).astype("float32"),
    }


# First in the file (and the file first in the suite, ``tests/conftest.py``): the matrix's
# subprocesses are the suite's longest single piece of work.
@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", MODELS)
def test_model_on_every_backend(name, backend):
    run_model_test(name, backend)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", MODELS)
def test_model_in_mixed_precision(name, backend):
    run_mixed_precision_test(name, backend)


def test_every_model_has_presets_and_a_matrix_preset():
    assert MODELS, "no model is registered"
    for name in MODELS:
        presets = zoo.presets(name)
        assert presets, f"{name} has no preset"
        # The cross-backend matrix runs each model at one small preset; one must exist.
        chosen = matrix_preset(name)
        assert _voxels(presets[chosen].clip) <= FORWARD_PASS_MAX_VOXELS, (
            f"{name}: its smallest preset {chosen!r} is too large for the backend matrix"
        )


@pytest.mark.parametrize("name, preset", COMBOS, ids=[f"{n}-{p}" for n, p in COMBOS])
def test_preset_builds(name, preset):
    spec = zoo.get_preset(name, preset)
    keras.utils.set_random_seed(0)
    model = zoo.build(name, preset)

    assert isinstance(model, ZooModel)
    assert (model.model_name, model.fusion) == (name, spec.fusion)
    assert zoo.clip_of(model) == spec.clip
    params = model.count_params()
    assert params == sum(int(np.prod(w.shape)) for w in model.weights)
    if model.trainable_weights:
        assert params > 0
    else:
        # A learning-free baseline: nothing to train, and it must say so consistently.
        assert not any(w.trainable for w in model.weights)

    # Config round trip, through JSON as a .keras file stores it.
    config = json.loads(json.dumps(model.get_config()))
    rebuilt = ZooModel.from_config(config)
    assert rebuilt.get_config() == model.get_config()
    assert zoo.clip_of(rebuilt) == spec.clip
    assert rebuilt.count_params() == params
    assert [tuple(w.shape) for w in rebuilt.weights] == [tuple(w.shape) for w in model.weights]

    if _voxels(spec.clip) > FORWARD_PASS_MAX_VOXELS:
        return  # built only: see FORWARD_PASS_MAX_VOXELS
    x = _inputs(spec.clip)
    p_real = keras.ops.convert_to_numpy(model(x, training=False))
    assert p_real.shape == (BATCH, 1)
    assert np.all(np.isfinite(p_real)) and np.all((p_real >= 0) & (p_real <= 1)), p_real.ravel()
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(rebuilt(x, training=False)), p_real, atol=1e-6, rtol=0,
        err_msg="the model rebuilt from its config predicts differently with the same weights",
    )
