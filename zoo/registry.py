"""The zoo's names: ``register_model``, ``list_models``, ``presets``, ``get_preset``,
``parameters``, ``options``. ``zoo.model`` builds from them.

A model is one builder function in its own module under ``zoo/models/``, decorated with
``@register_model(presets=PRESETS)``; the registry imports those modules on first use. The
registry knows builders and presets only, never the models they make: ``zoo.model`` depends on
it, not the other way round.

Example:
>>> import zoo
>>> zoo.list_models("*fusion")[:2]                                   # doctest: +SKIP
['lag_sync_fusion', 'resnet_gru_fusion']
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping

import keras

from zoo.preset import Preset


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


def builder_of(name: str) -> Callable[..., keras.Model]:
    """The builder function of model ``name``."""
    return _entry(name).builder


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


def options(name: str, preset: str) -> dict:
    """Every keyword option of model ``name`` but ``clip`` and ``fusion``, as ``preset`` sets
    it or, where the preset is silent, the builder's default: what ``build`` (and an
    experiment's ``model.overrides``) can change.

    >>> options("motion_lag_fusion", "small")["motion_input"]          # doctest: +SKIP
    'energy'
    """
    entry = _entry(name)
    chosen = get_preset(name, preset).options
    signature = inspect.signature(entry.builder).parameters
    return {option: chosen.get(option, signature[option].default)
            for option in entry.parameters if option not in ("clip", "fusion")}


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
