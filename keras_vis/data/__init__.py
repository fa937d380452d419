"""Recordings on disk -> splits -> clip cache -> real/fake pairs -> keras.utils.PyDataset.

``from keras_vis.data import AVPairs, ClipSpec, pairs, prepare, scan, split``. Names load
lazily so that scanning or generating data never imports keras.
"""

from zoo.clip import CLIP_PRESETS, ClipSpec, clip_preset
from keras_vis.data.recording import Event, Recording

# Eager where a function shares its module's name: importing the submodule would otherwise
# rebind the package attribute to the module (none of these import keras).
from keras_vis.data.pairs import TASKS, pairs  # noqa: E402
from keras_vis.data.scan import ScanReport, scan  # noqa: E402
from keras_vis.data.split import Split, split  # noqa: E402

_LAZY = {
    "generate": "keras_vis.data.synthetic",
    "check_sync": "keras_vis.data.sync",
    "SyncEstimate": "keras_vis.data.sync",
    "prepare": "keras_vis.data.cache",
    "ClipCache": "keras_vis.data.cache",
    "Augmenter": "keras_vis.data.augment",
    "AVPairs": "keras_vis.data.dataset",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'keras_vis.data' has no attribute {name!r}")


__all__ = [
    "CLIP_PRESETS", "ClipSpec", "clip_preset", "Event", "Recording", "ScanReport", "Split",
    "TASKS", "pairs", "scan", "split", *_LAZY,
]
