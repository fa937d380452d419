"""Build zoo models by name: ``register_model``, ``build``, ``list_models``, ``presets``.

A model is one builder function in its own module under ``zoo/models/``, decorated with
``@register_model(presets=PRESETS)``; the registry imports those modules on first use.

Example:
>>> import zoo
>>> model = zoo.build("resnet_gru_fusion", "tiny", fusion="late")   # doctest: +SKIP
>>> zoo.clip_of(model).frames                                        # doctest: +SKIP
20
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import inspect
import os
import pkgutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import keras

from zoo.clip import ClipSpec, clip_preset
from zoo.model import ZooModel
from zoo.preset import FUSIONS, Preset

WEIGHT_SUFFIXES = (".keras", ".weights.h5")


@dataclasses.dataclass(frozen=True)
class _Entry:
    builder: Callable[..., keras.Model]
    presets: dict[str, Preset]
    parameters: tuple[str, ...]


_MODELS: dict[str, _Entry] = {}
_imported = False


def register_model(builder: Callable | None = None, *, presets: Mapping[str, Preset],
                   name: str | None = None):
    """Decorator: register ``builder`` under ``name`` (default: its function name).

    The builder takes ``clip`` (a ClipSpec), ``fusion`` and its own keyword options and returns
    a functional ``keras.Model`` with inputs ``video``/``audio`` and output ``p_real``.
    Every preset must name only the builder's parameters.
    """

    def register(fn):
        key = name or fn.__name__
        if key in _MODELS:
            raise ValueError(f"model {key!r} is registered twice")
        signature = inspect.signature(fn).parameters
        parameters = tuple(signature)
        required = {p for p, spec in signature.items() if spec.default is inspect.Parameter.empty}
        if not presets:
            raise ValueError(f"model {key!r}: give at least one preset")
        for preset_name, preset in presets.items():
            if not isinstance(preset, Preset):
                raise TypeError(f"model {key!r}: preset {preset_name!r} must be a "
                                f"zoo.preset.Preset")
            given = set(preset.kwargs())
            unknown = given - set(parameters)
            missing = required - given
            if unknown or missing:
                raise ValueError(f"model {key!r}: preset {preset_name!r} has unknown options "
                                 f"{sorted(unknown)} / lacks {sorted(missing)}")
        _MODELS[key] = _Entry(fn, dict(presets), parameters)
        return fn

    return register(builder) if builder is not None else register


def _import_models() -> None:
    global _imported
    if _imported:
        return
    from zoo import models

    for module in sorted(info.name for info in pkgutil.iter_modules(models.__path__)):
        importlib.import_module(f"zoo.models.{module}")
    _imported = True


def _entry(name: str) -> _Entry:
    _import_models()
    if name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(sorted(_MODELS))}")
    return _MODELS[name]


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching the shell-style ``pattern``, sorted."""
    _import_models()
    return sorted(n for n in _MODELS if fnmatch.fnmatchcase(n, pattern))


def parameters(name: str) -> tuple[str, ...]:
    """The option names the builder of model ``name`` takes (``clip`` and ``fusion`` among
    them): what a preset or a ``build`` override may set."""
    return _entry(name).parameters


def presets(name: str) -> dict[str, Preset]:
    """The presets of model ``name``, by preset name."""
    return dict(_entry(name).presets)


def get_preset(name: str, preset: str) -> Preset:
    """One preset of model ``name`` (``.clip``, ``.fusion``, ``.options``)."""
    known = _entry(name).presets
    if preset not in known:
        raise ValueError(f"unknown preset {preset!r} for model {name!r}; "
                         f"known: {', '.join(known)}")
    return known[preset]


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
                       trainable: bool = True) -> ZooModel:
    """Build ``model_name`` from complete builder options (how a saved model is rebuilt)."""
    entry = _entry(model_name)
    kwargs = dict(options)
    unknown = set(kwargs) - set(entry.parameters)
    if unknown:
        raise ValueError(f"model {model_name!r}: unknown option(s) {sorted(unknown)}; "
                         f"known: {', '.join(entry.parameters)}")
    kwargs["clip"] = _resolve_clip(kwargs.get("clip"))
    if kwargs.get("fusion") not in FUSIONS:
        raise ValueError(f"model {model_name!r}: fusion must be one of {FUSIONS}, "
                         f"got {kwargs.get('fusion')!r}")
    graph = entry.builder(**kwargs)
    return ZooModel(inputs=graph.input, outputs=graph.output, model_name=model_name,
                    options=_jsonable(kwargs), name=name or model_name, trainable=trainable)


def build(name: str, preset: str = "tiny", weights: str | os.PathLike | None = None,
          **overrides) -> ZooModel:
    """Build model ``name`` at ``preset``; ``overrides`` replace preset options.

    ``weights``: a local ``.keras`` or ``.weights.h5`` file to load (a missing file raises
    ``FileNotFoundError`` at once; nothing is downloaded).

    >>> build("siamese_fusion", "tiny", fusion="late").count_params()   # doctest: +SKIP
    """
    entry = _entry(name)
    options = get_preset(name, preset).kwargs()
    unknown = set(overrides) - set(entry.parameters)
    if unknown:
        raise ValueError(f"model {name!r}: unknown override(s) {sorted(unknown)}; "
                         f"known: {', '.join(entry.parameters)}")
    path = _check_weights_path(weights) if weights is not None else None
    model = build_from_options(name, {**options, **overrides})
    if path is not None:
        try:
            model.load_weights(str(path))
        except ValueError as error:
            raise ValueError(f"weights {path} do not fit {name!r} at preset {preset!r} "
                             f"with overrides {overrides}: {error}") from error
    return model


def load(path: str | os.PathLike, compile: bool = True) -> ZooModel:
    """Load a ``.keras`` file saved from a zoo model (registers the zoo's layers first)."""
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
                    f"zoo.registry")
