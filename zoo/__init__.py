"""keras-vis model zoo: audio-visual architectures built by name on any Keras backend.

``ClipSpec`` is import-light (no keras). The registry functions load keras and the model
modules on first use, so that ``from zoo import ClipSpec`` never starts a backend.
"""

from zoo.clip import CLIP_PRESETS, ClipSpec, clip_preset

_REGISTRY_NAMES = ("register_model", "build", "list_models", "presets", "clip_of", "get_preset")


def __getattr__(name):
    if name in _REGISTRY_NAMES:
        from zoo import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")


__all__ = ["CLIP_PRESETS", "ClipSpec", "clip_preset", *_REGISTRY_NAMES]
