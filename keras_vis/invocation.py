"""How this process was started: the Keras backend, chosen before keras is imported, and the
command line as a user would retype it (results rows record it)."""

from __future__ import annotations

import os
import shlex
import sys

from keras_vis.errors import KerasVisError

BACKENDS = ("tensorflow", "jax", "torch")


def select_backend(name: str | None) -> str:
    """Set KERAS_BACKEND before keras is imported; returns the backend in force."""
    if name:
        if "keras" in sys.modules and os.environ.get("KERAS_BACKEND") != name:
            raise KerasVisError(
                f"--backend {name}: keras is already imported with another backend"
            )
        os.environ["KERAS_BACKEND"] = name
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # TensorFlow's C++ start-up chatter (no GPU found, CPU features) is noise on a CPU machine.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return os.environ["KERAS_BACKEND"]


def invoked_command() -> str:
    """This process's command line as a user would retype it, with the backend in force made
    explicit (results rows record it, so every number names the command that made it)."""
    args = sys.argv[1:]
    command = "python -m keras_vis " + " ".join(shlex.quote(a) for a in args)
    if "--backend" not in args:
        command += f" --backend {os.environ['KERAS_BACKEND']}"
    return command
