"""keras_vis.invocation: the backend chosen before keras loads, and the command a row records."""

from __future__ import annotations

import os
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


def test_a_backend_that_is_not_installed_is_a_clear_error(monkeypatch):
    import importlib.util

    import pytest

    from keras_vis.errors import KerasVisError

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorflow" else real_find_spec(name, *a))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    with pytest.raises(KerasVisError, match=r"'tensorflow' \(the default backend\) is not "
                                            r"installed: pass --backend jax \(installed: jax"):
        invocation.select_backend(None)
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    with pytest.raises(KerasVisError, match=r"\(\$KERAS_BACKEND\)"):
        invocation.select_backend(None)
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    assert invocation.select_backend("jax") == "jax"  # an installed one goes through


def test_predict_defaults_to_jax_but_the_user_choice_wins(monkeypatch):
    from keras_vis.cli import build_parser

    args = build_parser().parse_args(["predict", "clip.mp4"])
    # As in a fresh process: keras not imported yet (other tests in this one may have).
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert invocation.select_backend(None, default=args.default_backend) == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert invocation.select_backend(None, default=args.default_backend) == "torch"
    assert invocation.select_backend("tensorflow", default=args.default_backend) == "tensorflow"
    assert not hasattr(build_parser().parse_args(["models"]), "default_backend")


def test_jax_compilation_cache_goes_under_the_user_cache_unless_set(monkeypatch, tmp_path):
    for name in ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
                 "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    invocation.use_compilation_cache()
    import os

    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "keras-vis" / "jax")
    assert os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "/somewhere/else")
    invocation.use_compilation_cache()
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == "/somewhere/else"


def test_progress_bars_redraw_rarely_when_logged_to_a_file(monkeypatch):
    import io
    import subprocess

    from keras_vis.invocation import calm_progress_in_logs

    monkeypatch.delenv("TQDM_MININTERVAL", raising=False)
    calm_progress_in_logs(io.StringIO())  # not a terminal
    assert os.environ["TQDM_MININTERVAL"] == "30"
    monkeypatch.setenv("TQDM_MININTERVAL", "2")
    calm_progress_in_logs(io.StringIO())
    assert os.environ["TQDM_MININTERVAL"] == "2"  # a user's own setting wins

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("TQDM_MININTERVAL")
    calm_progress_in_logs(Terminal())
    assert "TQDM_MININTERVAL" not in os.environ

    # The command line sets it before any command module imports tqdm (which reads it then).
    code = ("import io\nfrom keras_vis import cli\ntry:\n    cli.main(['--help'])\n"
            "except SystemExit:\n    pass\nfrom tqdm import tqdm\n"
            "print(tqdm(total=1, file=io.StringIO()).mininterval)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "TQDM_MININTERVAL"},
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "30.0"




def test_keras_without_its_extras_then_they_import_as_usual():
    # A fresh process: keras is imported once per process, with its backend fixed.
    import subprocess

    code = (
        "import sys\n"
        "from keras_vis.invocation import import_keras_without_extras\n"
        "import_keras_without_extras()\n"
        "assert 'keras' in sys.modules\n"
        "assert 'matplotlib' not in sys.modules and 'pandas' not in sys.modules\n"
        "import pandas\n"
        "pandas.DataFrame({'a': [1]})\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "plt.figure()\n"
        "import_keras_without_extras()  # keras already there: nothing to do\n"
        "print('ok')\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
