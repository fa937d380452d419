"""keras-vis: a Keras 3 multi-backend model zoo for visually indicated sounds.

The package flows data -> training -> results -> inference: ``keras_vis.data`` (recordings,
clip cache, pairs), ``keras_vis.training`` (config, experiment, run folder), ``keras_vis.results``
(the results table, comparison, pictures) and ``keras_vis.inference`` (predict, evaluate).

Everything loads on first use, so that ``python -m keras_vis --backend jax ...`` can choose the
backend before keras is imported.
"""

__version__ = "0.1.0"

# name -> (module, attribute): ``keras_vis.predict(...)`` etc. without importing keras here.
_LAZY = {
    "predict": ("keras_vis.inference.predict", "predict"),
    "Prediction": ("keras_vis.inference.predict", "Prediction"),
    "evaluate": ("keras_vis.inference.evaluate", "evaluate"),
    "run": ("keras_vis.training.experiment", "run"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keras_vis' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]
