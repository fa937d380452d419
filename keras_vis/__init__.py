"""keras-vis: a Keras 3 multi-backend model zoo for visually indicated sounds.

Heavy parts (keras, the backends, video decoding) load on first use, so that
``python -m keras_vis --backend jax ...`` can choose the backend before keras is imported.
"""

__version__ = "0.1.0"

# Eager, and after the submodule import, so that ``keras_vis.predict`` is the function (the
# module imports only numpy at load time).
from keras_vis.predict import Prediction, predict  # noqa: E402

_LAZY = {
    "run": ("keras_vis.experiment", "run"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'keras_vis' has no attribute {name!r}")


__all__ = ["__version__", "Prediction", "predict", *_LAZY]
