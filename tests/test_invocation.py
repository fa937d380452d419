"""keras_vis.invocation: the backend chosen before keras loads, and the command a row records."""

from __future__ import annotations

import sys

from keras_vis import invocation


def test_invoked_command_names_the_backend_in_force(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["keras_vis", "run", "experiments/a b.toml"])
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert invocation.invoked_command() == (
        "python -m keras_vis run 'experiments/a b.toml' --backend jax"
    )
    monkeypatch.setattr(sys, "argv", ["keras_vis", "run", "x.toml", "--backend", "torch"])
    assert invocation.invoked_command() == "python -m keras_vis run x.toml --backend torch"


def test_select_backend_defaults_to_tensorflow(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert invocation.select_backend(None) == "tensorflow"
