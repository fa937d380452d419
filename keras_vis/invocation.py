"""How this process was started: the Keras backend, chosen before keras is imported, and the
command line as a user would retype it (results rows record it)."""

from __future__ import annotations

import os
import shlex
import sys

from keras_vis.errors import KerasVisError

BACKENDS = ("tensorflow", "jax", "torch")
# Where neither --backend nor $KERAS_BACKEND says (a command may name its own, as predict does).
DEFAULT_BACKEND = "tensorflow"


def select_backend(name: str | None, default: str = DEFAULT_BACKEND) -> str:
    """Set KERAS_BACKEND before keras is imported; returns the backend in force: ``name``,
    else ``$KERAS_BACKEND``, else ``default`` (a command's own choice, e.g. predict's)."""
    if name:
        if "keras" in sys.modules and os.environ.get("KERAS_BACKEND") != name:
            raise KerasVisError(
                f"--backend {name}: keras is already imported with another backend"
            )
        os.environ["KERAS_BACKEND"] = name
    source = ("--backend" if name else "$KERAS_BACKEND" if "KERAS_BACKEND" in os.environ
              else "the default backend")
    os.environ.setdefault("KERAS_BACKEND", default)
    _check_installed(os.environ["KERAS_BACKEND"], source)
    use_compilation_cache()
    quiet_tensorflow_start()
    return os.environ["KERAS_BACKEND"]


def quiet_tensorflow_start() -> None:
    """Keep TensorFlow's start-up lines (no CUDA driver, CPU instructions, absl's "All log
    messages before absl::InitializeLog()") off a command's output, whatever the backend.

    ``TF_CPP_MIN_LOG_LEVEL`` silences TensorFlow's own logging, but TensorFlow 2.21's shared
    libraries log through absl before anything can configure it, and no environment variable
    reaches that: so the one ``import tensorflow`` runs with the process's stderr (fd 2) in a
    file, and every line but those (``I``/``W`` records and absl's notice) is written back.
    """
    import importlib.abc
    import importlib.util
    import re
    import tempfile

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules or any(type(f).__name__ == "_QuietTensorFlow"
                                          for f in sys.meta_path):
        return
    noise = re.compile(r"^([IW]\d{4} |WARNING: All log messages before absl::InitializeLog"
                       r"|To enable the following instructions)")

    class _QuietTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "tensorflow":
                return None
            sys.meta_path.remove(self)  # once: find the real module, then wrap its execution
            spec = importlib.util.find_spec(name)
            if spec is None or spec.loader is None:
                return spec
            execute = spec.loader.exec_module

            def exec_module(module):
                sys.stderr.flush()
                saved = os.dup(2)
                with tempfile.TemporaryFile(mode="w+b") as caught:
                    os.dup2(caught.fileno(), 2)
                    try:
                        execute(module)
                    finally:
                        sys.stderr.flush()
                        os.dup2(saved, 2)
                        os.close(saved)
                        caught.seek(0)
                        kept = [line for line in caught.read().decode(errors="replace")
                                .splitlines(keepends=True) if not noise.match(line)]
                        sys.stderr.write("".join(kept))

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _QuietTensorFlow())


def _check_installed(backend: str, source: str) -> None:
    """A backend that is not installed is a clear error naming those that are, not the
    traceback Keras gives at import (a GPU image, say, may lack TensorFlow)."""
    import importlib.util

    if backend not in BACKENDS:
        # Keras would refuse it at import with a ValueError traceback.
        raise KerasVisError(f"Keras backend {backend!r} ({source}) is unknown: choose one of "
                            f"{', '.join(BACKENDS)}")
    if importlib.util.find_spec(backend) is not None:
        return
    installed = [b for b in BACKENDS if importlib.util.find_spec(b) is not None]
    hint = (f"pass --backend {installed[0]} (installed: {', '.join(installed)})" if installed
            else "install one of " + ", ".join(BACKENDS))
    raise KerasVisError(f"Keras backend {backend!r} ({source}) is not installed: {hint}")


def use_compilation_cache() -> None:
    """Keep JAX's compiled programs on disk (``~/.cache/keras-vis/jax``, or
    ``$XDG_CACHE_HOME/keras-vis/jax``) unless ``JAX_COMPILATION_CACHE_DIR`` is already set.

    JAX compiles every operation the first time a process meets it: loading the default model
    spent about 14 s of a 20 s ``predict`` compiling weight initialisers that the saved weights
    then replace. With the cache a later process reads them back (load 14 s -> 1.8 s, measured
    on 2 busy cores). Small programs are cached too, since those are the ones loading runs.
    Must run before jax is imported; it does nothing to the other backends.
    """
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", os.path.join(root, "keras-vis", "jax"))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


# What Keras imports at start-up only for features ``predict`` and ``evaluate`` never use, and
# does without when the import fails: its galleries (``keras.visualization``) and pandas inputs
# to ``fit``. 0.28 s and 0.25 s of a 3.2 s ``predict`` process (``python -X importtime``).
KERAS_EXTRAS = ("matplotlib", "pandas")


def import_keras_without_extras() -> None:
    """Import keras without letting it import ``KERAS_EXTRAS``, for commands that never draw
    with Keras or feed it pandas (``predict``, ``evaluate``); they import normally afterwards
    (``predict --plot`` draws with matplotlib), though that process's Keras then goes without.

    A ``None`` in ``sys.modules`` is Python's documented way to make an import fail. Command
    processes only: a library user's ``import keras`` stays as it was.
    """
    if "keras" in sys.modules or any(name in sys.modules for name in KERAS_EXTRAS):
        return
    for name in KERAS_EXTRAS:
        sys.modules[name] = None
    try:
        import keras  # noqa: F401
    finally:
        for name in KERAS_EXTRAS:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def calm_progress_in_logs(stream=None) -> None:
    """When progress goes to a log file rather than a terminal, redraw bars every 30 s instead
    of ten times a second (``TQDM_MININTERVAL``; a value already set wins). tqdm reads it when
    it is first imported, so this runs first thing in ``keras_vis.cli.main``.

    Each redraw is a line in a file: a 3 min cache build wrote thousands of them into a run's
    log, burying the few lines a reader wants.
    """
    stream = sys.stderr if stream is None else stream
    if not (hasattr(stream, "isatty") and stream.isatty()):
        os.environ.setdefault("TQDM_MININTERVAL", "30")


def invoked_command() -> str:
    """This process's command line as a user would retype it, with the backend in force made
    explicit (results rows record it, so every number names the command that made it)."""
    args = sys.argv[1:]
    command = "python -m keras_vis " + " ".join(shlex.quote(a) for a in args)
    if "--backend" not in args:
        command += f" --backend {os.environ['KERAS_BACKEND']}"
    return command
