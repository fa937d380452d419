"""keras-vis model zoo: audio-visual architectures built by name on any Keras backend.

``ClipSpec`` is import-light (no keras). The other names load keras and the model modules on
first use, so that ``from zoo import ClipSpec`` never starts a backend: ``zoo.registry`` holds
the names and presets, ``zoo.model`` builds and loads the models.
"""

from zoo.clip import CLIP_PRESETS, ClipSpec, clip_preset

# name -> the module that defines it
_LAZY = {
    "register_model": "zoo.registry",
    "list_models": "zoo.registry",
    "presets": "zoo.registry",
    "get_preset": "zoo.registry",
    "options": "zoo.registry",
    "build": "zoo.model",
    "load": "zoo.model",
    "ensemble": "zoo.model",
    "clip_of": "zoo.model",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")


__all__ = ["CLIP_PRESETS", "ClipSpec", "clip_preset", *_LAZY]
