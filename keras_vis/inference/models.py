"""Which model scores: the one resolver of model references (``load_model``) and the checks a
loaded model must pass before it scores anything.

A reference is the shipped default, a shipped checkpoint's name, a ``.keras`` file, a run folder,
a learning-free zoo model (``NAME[:PRESET]``) or a ``keras.Model``. Every command and function
that takes a model goes through ``load_model``: nothing else reads a run folder's or a shipped
checkpoint's model path. Imports keras only inside its functions.
"""

from __future__ import annotations

import functools
from pathlib import Path

from keras_vis.errors import KerasVisError
from zoo.clip import ClipSpec


DEFAULT_MODEL_NAME = "default"
# Bounds on a clip spec read from a checkpoint: the zoo's presets lie far inside them; beyond
# them is a tampered or mistaken file, and decoding a recording at it would take gigabytes.
MAX_CLIP = {"height": 1024, "width": 1024, "fps": 120, "seconds": 30, "sample_rate": 192000}


def default_checkpoint() -> Path:
    """The model file of the shipped checkpoint ``default`` (``keras_vis/checkpoints/default``)."""
    from keras_vis import checkpoints

    return checkpoints.model_path(DEFAULT_MODEL_NAME)


def load_model(model=None):
    """Resolve ``model`` to ``(keras.Model, name)``.

    - ``None`` or ``"default"``: the shipped default; any other shipped checkpoint's name;
    - a ``.keras`` file, a run folder (its calibrated checkpoint, else its ``best.keras``), or
      an experiment's folder of runs (``runs/<experiment>``: its newest finished run);
    - ``NAME`` or ``NAME:PRESET`` of a zoo model with no trainable weights (the learning-free
      baseline), built on the spot; a learned zoo model needs a trained file instead;
    - a ``keras.Model``: itself.
    Nothing is downloaded: a missing file is a ``KerasVisError``.
    """
    import keras

    from keras_vis import checkpoints
    from keras_vis.results.rundir import RunDir

    if isinstance(model, keras.Model):
        name = f"keras.Model:{model.name}"
        return refuse_broken_weights(model, name), name
    if model is None or str(model) == DEFAULT_MODEL_NAME:
        path = default_checkpoint()
        if not path.is_file():
            raise KerasVisError(
                f"default model not found: {path} (the package ships it; reinstall keras-vis "
                f"or pass --model PATH to a .keras file)"
            )
        name = DEFAULT_MODEL_NAME
    elif not Path(model).exists() and checkpoints.model_path(str(model)).is_file():
        path, name = checkpoints.model_path(str(model)), str(model)
    else:
        path = Path(model)
        if (run := RunDir.newest_finished(path)) is not None:
            path = run.model_path
        elif not path.exists() and (entry := _zoo_entry(str(model))) is not None:
            return _build_untrained(*entry), str(model)
        if not path.is_file():
            raise KerasVisError(
                f"model file not found: {path} (give a .keras file, a run folder holding "
                f"best.keras, '{DEFAULT_MODEL_NAME}' for the shipped model, or the name of a "
                f"zoo model without weights such as onset_sync_baseline)"
            )
        name = str(model)
    resolved = path.resolve()
    return _load_checkpoint(str(resolved), resolved.stat().st_mtime_ns), name


def _zoo_entry(text: str) -> tuple[str, str] | None:
    """``NAME`` or ``NAME:PRESET`` when it names a registered zoo model and preset."""
    import zoo

    name, _, preset = text.partition(":")
    if name not in zoo.list_models():
        return None
    preset = preset or "tiny"
    if preset not in zoo.presets(name):
        raise KerasVisError(f"{text}: unknown preset {preset!r} for {name} "
                            f"(known: {', '.join(zoo.presets(name))})")
    return name, preset


@functools.lru_cache(maxsize=4)
def _build_untrained(name: str, preset: str):
    import zoo

    model = zoo.build(name, preset)
    if model.trainable_weights:
        raise KerasVisError(
            f"{name}:{preset} learns its weights: score a trained checkpoint (.keras file or "
            f"run folder) instead of an untrained model"
        )
    return model


@functools.lru_cache(maxsize=2)
def _load_checkpoint(path: str, mtime_ns: int):
    # mtime_ns is part of the cache key so a retrained file at the same path is reloaded.
    import zoo.model

    import zipfile

    # Keras reports a truncated or foreign file as "File not found": say what it is.
    if not zipfile.is_zipfile(path):
        raise KerasVisError(f"cannot load model {path}: not a .keras file (not a zip archive: "
                            f"truncated, or another kind of file)")
    _check_saved_clip(path)
    try:
        # compile=False: scoring needs no optimizer or loss, and skips restoring them.
        model = zoo.model.load(path, compile=False)
    except Exception as error:
        # Keras raises many kinds for a file it cannot read (zip, json, h5, unknown layer):
        # every one of them is a problem with the user's file, named as such.
        raise KerasVisError(f"cannot load model {path}: {error}") from error
    return refuse_broken_weights(model, path)


def _check_saved_clip(path: str) -> None:
    """Check the clip spec in a ``.keras`` file's ``config.json`` against ``MAX_CLIP`` before
    Keras builds anything from it (a preset name is the zoo's own, within bounds)."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
        clip = config["config"]["options"]["clip"]
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile):
        return  # not a zoo model's layout: Keras says what is wrong with it
    if isinstance(clip, dict):
        check_clip_bounds(clip, path)


def check_clip_bounds(clip: ClipSpec | dict, label: str) -> None:
    """``KerasVisError`` naming ``label`` when ``clip`` (a spec or its dict) lies beyond
    ``MAX_CLIP``, before any frame is decoded at it."""
    values = clip if isinstance(clip, dict) else clip.to_dict()
    beyond = [f"{key} {values[key]:g} (at most {limit:g})" for key, limit in MAX_CLIP.items()
              if isinstance(values.get(key), (int, float)) and not values[key] <= limit]
    if beyond:
        raise KerasVisError(f"{label}: its clip spec is beyond what can be scored: "
                            f"{', '.join(beyond)}; refusing to decode media at that size")


def refuse_broken_weights(model, label: str):
    """``model``, or ``KerasVisError`` naming ``label`` when a weight holds NaN or infinity:
    such a model scores p_real=nan (or 0.5 everywhere), which is no answer."""
    broken = non_finite_weight(model)
    if broken:
        raise KerasVisError(f"{label}: the weight {broken} holds NaN or infinite values (its "
                            f"training diverged); this model cannot score anything")
    return model


def non_finite_weight(model) -> str | None:
    """The path of the first weight of ``model`` holding NaN or infinity, or None."""
    import keras
    import numpy as np

    for variable in model.weights:
        values = keras.ops.convert_to_numpy(variable.value)
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            return variable.path
    return None
