"""Zoo models: ``build`` by name and preset, ``load`` a saved one, ``clip_of`` either.

``ZooModel`` is a functional keras.Model that remembers which zoo entry built it: its config is
the registry name plus the builder's options (the clip spec among them), so a ``.keras`` file
reloads by rebuilding through the registry (as keras-hub's backbones do) and ``clip_of`` can
answer for a loaded model as well as for a freshly built one.

Example:
>>> import zoo
>>> model = zoo.build("resnet_gru_fusion", "tiny", fusion="late")   # doctest: +SKIP
>>> zoo.clip_of(model).frames                                        # doctest: +SKIP
20
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras

from zoo import registry
from zoo.layers.calibration import calibrated
from zoo.layers.ensemble import ensembled
from zoo.clip import ClipSpec, clip_preset
from zoo.preset import FUSIONS

WEIGHT_SUFFIXES = (".keras", ".weights.h5")
# The options entry holding a model's calibration, ``[scale, bias]``.
CALIBRATION = "calibration"
# The options entry holding how many trained copies an ensemble averages (``ensemble``).
MEMBERS = "members"


@keras.saving.register_keras_serializable(package="zoo")
class ZooModel(keras.Model):
    """A zoo architecture: inputs ``video`` and ``audio``, output ``p_real``."""

    def __init__(self, inputs, outputs, model_name: str, options: dict[str, Any], **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.model_name = model_name
        self.options = options

    @property
    def clip(self) -> ClipSpec:
        return ClipSpec.from_dict(self.options["clip"])

    @property
    def fusion(self) -> str:
        return self.options["fusion"]

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "model_name": self.model_name,
            "options": self.options,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return build_from_options(
            config["model_name"], config["options"], name=config.get("name"),
            trainable=config.get("trainable", True),
        )


def _resolve_clip(clip: Any) -> ClipSpec:
    if isinstance(clip, ClipSpec):
        return clip
    if isinstance(clip, str):
        return clip_preset(clip)
    if isinstance(clip, Mapping):
        return ClipSpec.from_dict(dict(clip))
    raise ValueError(f"clip must be a ClipSpec, a clip preset name or a dict, got {clip!r}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, ClipSpec):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _check_weights_path(weights: str | os.PathLike) -> Path:
    path = Path(weights)
    kinds = " or ".join(WEIGHT_SUFFIXES)
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {str(weights)!r} (weights are never "
                                f"downloaded; give the path of a local {kinds} file)")
    if not path.name.endswith(WEIGHT_SUFFIXES):
        raise ValueError(f"weights {str(path)!r}: expected a {kinds} file")
    return path


def build_from_options(model_name: str, options: Mapping[str, Any], name: str | None = None,
                       trainable: bool = True, dtype: str | None = None) -> ZooModel:
    """Build ``model_name`` from complete builder options (how a saved model is rebuilt).

    ``dtype``: a Keras dtype policy for its layers (``zoo.build``); None: the global one.
    """
    known = registry.parameters(model_name)
    kwargs = dict(options)
    # Not builder options: every model's p_real may be calibrated (``with_calibration``), and
    # several trained copies of one may be averaged (``ensemble``).
    calibration = kwargs.pop(CALIBRATION, None)
    members = int(kwargs.pop(MEMBERS, 1))
    unknown = set(kwargs) - set(known)
    if unknown:
        raise ValueError(f"model {model_name!r}: unknown option(s) {sorted(unknown)}; "
                         f"known: {', '.join(known)}")
    kwargs["clip"] = _resolve_clip(kwargs.get("clip"))
    if kwargs.get("fusion") not in FUSIONS:
        raise ValueError(f"model {model_name!r}: fusion must be one of {FUSIONS}, "
                         f"got {kwargs.get('fusion')!r}")
    with _dtype_policy(dtype):
        graphs = [registry.builder_of(model_name)(**kwargs) for _ in range(max(members, 1))]
        graph = ensembled(graphs) if members > 1 else graphs[0]
        if members > 1:
            kwargs[MEMBERS] = members
        if calibration is not None:
            graph = calibrated(graph, *calibration)
            kwargs[CALIBRATION] = [float(v) for v in calibration]
        return ZooModel(inputs=graph.input, outputs=graph.output, model_name=model_name,
                        options=_jsonable(kwargs), name=name or model_name, trainable=trainable)


def with_calibration(model: ZooModel, scale: float, bias: float) -> ZooModel:
    """The same model with its fusion head's p_real calibrated as
    ``sigmoid(scale * logit(p) + bias)`` (``zoo.layers.calibration``); its weights are copied,
    a calibration it had is replaced. Saved and loaded like any zoo model."""
    options = {k: v for k, v in model.options.items() if k != CALIBRATION}
    new = build_from_options(model.model_name, {**options, CALIBRATION: [scale, bias]},
                             name=model.name)
    for part in ("video_encoder", "audio_encoder"):
        new.get_layer(part).set_weights(model.get_layer(part).get_weights())
    new.get_layer("fusion_head").get_layer("fusion_head").set_weights(
        _own_head(model).get_weights())
    return new


def _own_head(model: ZooModel) -> keras.Model:
    """The fusion head a model was trained with: a calibrated model's is inside its
    calibrated one."""
    head = model.get_layer("fusion_head")
    return head.get_layer("fusion_head") if CALIBRATION in model.options else head


def ensemble(models: Sequence[ZooModel], name: str | None = None) -> ZooModel:
    """One zoo model scoring the mean logit of ``models``: trained copies of one architecture
    with the same options (seeds of one recipe, say). Their weights are copied in; a member's
    calibration is left out (calibrate the ensemble as a whole). Saved and loaded like any zoo
    model, with the number of members in its options.

    >>> ensemble([zoo.load("seed0.keras"), zoo.load("seed1.keras")])   # doctest: +SKIP
    """
    if len(models) < 2:
        raise ValueError(f"an ensemble needs at least two models, got {len(models)}")
    first = models[0]

    def architecture(model) -> tuple[str, dict]:
        if not isinstance(model, ZooModel):
            raise ValueError(f"ensemble members must be zoo models, got {type(model).__name__}")
        if int(model.options.get(MEMBERS, 1)) > 1:
            raise ValueError(f"{model.name}: already an ensemble; give its members instead")
        return model.model_name, {k: v for k, v in model.options.items() if k != CALIBRATION}

    model_name, options = architecture(first)
    for index, model in enumerate(models[1:], start=1):
        if architecture(model) != (model_name, options):
            other_name, other = architecture(model)
            differ = sorted(k for k in set(options) | set(other) if options.get(k) != other.get(k))
            raise ValueError(f"ensemble member {index} ({other_name}) does not match member 0 "
                             f"({model_name}): {', '.join(differ) or 'model'} differ")
    new = build_from_options(model_name, {**options, MEMBERS: len(models)},
                             name=name or first.name)
    for index, model in enumerate(models):
        for part in ("video_encoder", "audio_encoder", "fusion_head"):
            source = _own_head(model) if part == "fusion_head" else model.get_layer(part)
            wrapper = new.get_layer(part).get_layer(f"{part}_{index}")
            wrapper.get_layer(part).set_weights(source.get_weights())
    return new


@contextlib.contextmanager
def _dtype_policy(dtype: str | None):
    """Layers made inside take ``dtype`` as their policy; the global one is restored after.

    Keras has no public policy scope, and a builder's layers take the global policy when they
    are made, so it is set for the build alone: the caller's later layers are not changed.
    """
    if dtype is None:
        yield
        return
    policy = keras.dtype_policies.get(dtype)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def build(name: str, preset: str = "tiny", weights: str | os.PathLike | None = None,
          dtype: str | None = None, **overrides) -> ZooModel:
    """Build model ``name`` at ``preset``; ``overrides`` replace preset options.

    ``weights``: a local ``.keras`` or ``.weights.h5`` file to load (a missing file raises
    ``FileNotFoundError`` at once; nothing is downloaded). ``dtype``: a Keras dtype policy
    such as ``"mixed_bfloat16"`` (weights stay float32; the spectrogram, per-clip statistics,
    lag comparisons and ``p_real`` are computed in float32 under any policy); None: the
    global policy, float32 unless set. A saved model loads with the global policy.

    >>> build("siamese_fusion", "tiny", fusion="late").count_params()   # doctest: +SKIP
    """
    known = registry.parameters(name)
    options = registry.get_preset(name, preset).kwargs()
    unknown = set(overrides) - set(known)
    if unknown:
        raise ValueError(f"model {name!r}: unknown override(s) {sorted(unknown)}; "
                         f"known: {', '.join(known)}")
    path = _check_weights_path(weights) if weights is not None else None
    model = build_from_options(name, {**options, **overrides}, dtype=dtype)
    if path is not None:
        try:
            model.load_weights(str(path))
        except ValueError as error:
            raise ValueError(f"weights {path} do not fit {name!r} at preset {preset!r} "
                             f"with overrides {overrides}: {error}") from error
    return model


def load(path: str | os.PathLike, compile: bool = True) -> ZooModel:
    """Load a ``.keras`` file saved from a zoo model (this module registers ``ZooModel`` with
    Keras; the model rebuilds through the registry, which registers the zoo's layers)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    return keras.saving.load_model(str(path), compile=compile)


def clip_of(model: keras.Model) -> ClipSpec:
    """The clip spec a zoo model was built for (also after ``keras.saving.load_model``)."""
    if isinstance(model, ZooModel):
        return model.clip
    raise TypeError(f"{getattr(model, 'name', model)!r} is not a zoo model: build it with "
                    f"zoo.build or load it with keras.saving.load_model after importing "
                    f"zoo.model")
