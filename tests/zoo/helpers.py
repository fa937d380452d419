"""The cross-backend check for zoo models, on TensorFlow, JAX and PyTorch.

``run_model_test(name, backend)`` asserts, for model ``name`` at its matrix preset (``tiny``, else
its smallest clip) on ``backend``: output shape ``(B, 1)`` and values in [0, 1]; a short ``fit`` on
a tiny batch lowers the loss (skipped for a model with no trainable weights, such as a
learning-free baseline); ``.keras`` save and load give identical predictions and the same
``clip_of``; and the files saved on each of the other two backends load here and predict what
they predicted there. ``run_mixed_precision_test(name, backend)``: built with
``dtype="mixed_bfloat16"``, the model computes ``p_real`` in float32, trains with finite losses,
leaves the global policy as it was, and its saved file loads in float32 predicting within
``MIXED_ATOL`` of it.

The backend is fixed when keras is imported, so the work runs in subprocesses, batched to
keep CI cheap: one process per backend, all three side by side, builds, fits and saves every
registered model, then waits for the other two to finish saving and loads their files. Results
are computed once per session and shared by every test.

``tests/zoo/test_every_model.py`` calls it for every registered model (``zoo.list_models()``, at
collection time): a new model needs no test file of its own.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also run as a script, in a subprocess per backend
    sys.path.insert(0, str(ROOT))
from keras_vis.invocation import BACKENDS  # noqa: E402
BATCH = 4
FIT_EPOCHS = 4
# Same backend: the same kernels run, so predictions must match to float32 rounding.
SAME_BACKEND_ATOL = 1e-6
# Across backends convolutions, GRUs and FFTs use different kernels; p_real is a probability.
CROSS_BACKEND_ATOL = 1e-4
# bfloat16 keeps 8 bits of mantissa: the float32 reload of a mixed model predicts about this close.
MIXED_ATOL = 0.02
MIXED_FIT_EPOCHS = 2
SUBPROCESS_TIMEOUT_S = 600
WAIT_FOR_PEERS_S = 480


def run_model_test(name: str, backend: str) -> None:
    """Assert every check above for model ``name`` on ``backend`` (see the module docstring)."""
    results = _matrix()
    checked = results["check"][backend]
    assert name in checked, f"{name} was not checked on {backend}; registered: {sorted(checked)}"
    assert checked[name]["error"] is None, f"{name} on {backend}:\n{checked[name]['error']}"
    compared = results["compare"][backend]
    others = [b for b in BACKENDS if b != backend]
    for source in others:
        key = f"{source}/{name}"
        assert key in compared, f"{name}: the {source} file was not compared on {backend}"
        assert compared[key]["error"] is None, (
            f"{name} saved on {source}, loaded on {backend}:\n{compared[key]['error']}"
        )


def run_mixed_precision_test(name: str, backend: str) -> None:
    """Assert the mixed-precision checks above for model ``name`` on ``backend``."""
    mixed = _matrix()["mixed"][backend]
    assert name in mixed, f"{name} was not checked in mixed precision on {backend}"
    assert mixed[name]["error"] is None, (
        f"{name} (mixed_bfloat16) on {backend}:\n{mixed[name]['error']}"
    )


def matrix_preset(name: str) -> str:
    """The preset the backend matrix runs ``name`` at: ``tiny``, else its smallest clip."""
    import zoo

    presets = zoo.presets(name)
    if "tiny" in presets:
        return "tiny"
    return min(presets, key=lambda p: (presets[p].clip.frames * presets[p].clip.height
                                        * presets[p].clip.width, p))


def _worker_env(backend: str) -> dict:
    env = dict(os.environ)
    env.update(
        KERAS_BACKEND=backend,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        # The three workers of a phase run side by side: one thread each.
        OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
        TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1", TF_CPP_MIN_LOG_LEVEL="3",
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    )
    return env


@functools.cache
def _matrix() -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="zoo-matrix-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    processes = {
        backend: subprocess.Popen(
            [sys.executable, "-m", "tests.zoo.helpers", backend, str(workdir)],
            cwd=ROOT, env=_worker_env(backend),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for backend in BACKENDS
    }
    results = {"check": {}, "compare": {}, "mixed": {}}
    for backend, process in processes.items():
        output, _ = process.communicate(timeout=SUBPROCESS_TIMEOUT_S)
        for phase in results:
            report = workdir / f"{phase}-{backend}.json"
            if process.returncode != 0 or not report.is_file():
                raise AssertionError(f"zoo worker on {backend} failed "
                                     f"(exit {process.returncode}):\n{output[-4000:]}")
            results[phase][backend] = json.loads(report.read_text())
    return results


# ---- worker side (runs with KERAS_BACKEND set; imports keras) ----

def _fixed_inputs(clip, seed: int = 0) -> dict:
    import numpy as np

    rng = np.random.default_rng(seed)
    return {
        "video": rng.integers(0, 256, (BATCH, *clip.video_shape), dtype="uint8"),
        "audio": rng.uniform(-1.0, 1.0, (BATCH, *clip.audio_shape)).astype("float32"),
    }


def _p_real(model, inputs: dict):
    """The model's output for one small batch, as numpy. A direct call rather than ``predict``:
    the same layers and kernels, without tracing a new predict function for every model and
    file (most of the TensorFlow worker's time otherwise)."""
    import keras

    return keras.ops.convert_to_numpy(model(inputs, training=False))


def _check_one(name: str, outdir: Path) -> dict:
    import keras
    import numpy as np

    import zoo

    keras.utils.set_random_seed(0)
    model = zoo.build(name, matrix_preset(name))
    clip = zoo.clip_of(model)
    inputs = _fixed_inputs(clip)
    before = _p_real(model, inputs)
    assert before.shape == (BATCH, 1), f"output shape {before.shape}, expected {(BATCH, 1)}"
    assert np.all(np.isfinite(before)) and np.all((before >= 0) & (before <= 1)), (
        f"p_real outside [0, 1]: {before.ravel()}"
    )

    labels = np.array([[1.0], [0.0]] * (BATCH // 2), dtype="float32")
    # XLA-compiling the TensorFlow train step costs ~20 s per model on one thread; the layers
    # are the same without it, and the JAX worker covers the XLA path.
    jit = False if keras.backend.backend() == "tensorflow" else "auto"
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy",
                  jit_compile=jit)
    losses = None
    if model.trainable_weights:
        losses = model.fit(inputs, labels, batch_size=BATCH, epochs=FIT_EPOCHS, verbose=0,
                           shuffle=False).history["loss"]
        assert losses[-1] < losses[0], f"fit did not lower the loss: {losses}"
    # else: nothing to learn (a learning-free baseline); the checks below still apply.

    trained = _p_real(model, inputs)
    path = outdir / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    reloaded = _p_real(loaded, inputs)
    np.testing.assert_allclose(reloaded, trained, atol=SAME_BACKEND_ATOL, rtol=0,
                               err_msg="save/load changed the predictions")
    assert zoo.clip_of(loaded) == clip, f"clip_of after load: {zoo.clip_of(loaded)} != {clip}"
    np.savez(outdir / f"{name}.npz", p_real=trained, **inputs)
    return {"params": model.count_params(), "losses": losses}


def _check_mixed(name: str, outdir: Path) -> dict:
    import keras
    import numpy as np

    import zoo

    keras.utils.set_random_seed(0)
    model = zoo.build(name, matrix_preset(name), dtype="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32", "zoo.build changed the global policy"
    inputs = _fixed_inputs(zoo.clip_of(model))
    output = model(inputs, training=False)
    assert keras.backend.standardize_dtype(output.dtype) == "float32", f"p_real is {output.dtype}"
    losses = None
    if model.trainable_weights:
        labels = np.array([[1.0], [0.0]] * (BATCH // 2), dtype="float32")
        # Eagerly on TensorFlow: tracing each model's train step costs about 15 s on one thread,
        # and ``_check_one`` already traces it in float32; dtypes and finite losses, what is
        # checked here, come out of the same kernels run one by one (92 -> 31 s for the six
        # models). Not on JAX, where running eagerly compiles every operation on its own and
        # costs more than one compiled step.
        tensorflow = keras.backend.backend() == "tensorflow"
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy",
                      jit_compile=False if tensorflow else "auto", run_eagerly=tensorflow)
        losses = model.fit(inputs, labels, batch_size=BATCH, epochs=MIXED_FIT_EPOCHS, verbose=0,
                           shuffle=False).history["loss"]
        assert np.all(np.isfinite(losses)), f"mixed-precision losses: {losses}"
    path = outdir / f"{name}.mixed.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    assert loaded.dtype_policy.name == "float32", f"loaded as {loaded.dtype_policy.name}"
    np.testing.assert_allclose(_p_real(loaded, inputs), _p_real(model, inputs), atol=MIXED_ATOL,
                               rtol=0, err_msg="the float32 reload predicts another function")
    return {"losses": losses}


def _compare_one(keras_file: Path) -> dict:
    import keras
    import numpy as np

    stored = np.load(keras_file.with_suffix(".npz"))
    # compile=False: only predictions are compared, and the optimizer saved by another backend
    # would import that backend here.
    model = keras.saving.load_model(keras_file, compile=False)
    here = _p_real(model, {"video": stored["video"], "audio": stored["audio"]})
    np.testing.assert_allclose(here, stored["p_real"], atol=CROSS_BACKEND_ATOL, rtol=0,
                               err_msg=f"predictions differ from those saved with {keras_file}")
    return {"max_abs_diff": float(np.max(np.abs(here - stored["p_real"])))}


def _guarded(check, *args) -> dict:
    """Run one check; a failure is recorded (with its traceback) so the others still run."""
    try:
        return {"error": None, **check(*args)}
    except Exception:
        return {"error": traceback.format_exc()}


def _wait_for_peers(backend: str, workdir: Path) -> list[str]:
    """The other backends whose check reports appeared in time (a crashed peer still writes one)."""
    deadline = time.monotonic() + WAIT_FOR_PEERS_S
    peers = [b for b in BACKENDS if b != backend]
    while time.monotonic() < deadline:
        if all((workdir / f"check-{peer}.json").is_file() for peer in peers):
            break
        time.sleep(0.5)
    return [peer for peer in peers if (workdir / f"check-{peer}.json").is_file()]


def _worker(backend: str, workdir: Path) -> None:
    import zoo.model  # registers ZooModel with Keras before any load
    import zoo.registry

    outdir = workdir / backend
    outdir.mkdir(parents=True, exist_ok=True)
    (workdir / f"{backend}-mixed").mkdir(exist_ok=True)
    checked, mixed = {}, {}
    try:
        for name in zoo.registry.list_models():
            checked[name] = _guarded(_check_one, name, outdir)
            # In a folder of its own: the peers load every ``*.keras`` file of ``outdir``.
            mixed[name] = _guarded(_check_mixed, name, workdir / f"{backend}-mixed")
    finally:
        # Written last and atomically: its presence tells the peers that the files are complete.
        partial = workdir / f"check-{backend}.json.partial"
        partial.write_text(json.dumps(checked, indent=1))
        partial.rename(workdir / f"check-{backend}.json")
    (workdir / f"mixed-{backend}.json").write_text(json.dumps(mixed, indent=1))
    compared = {}
    for source in _wait_for_peers(backend, workdir):
        for keras_file in sorted((workdir / source).glob("*.keras")):
            compared[f"{source}/{keras_file.stem}"] = _guarded(_compare_one, keras_file)
    (workdir / f"compare-{backend}.json").write_text(json.dumps(compared, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="zoo test worker (started by run_model_test)")
    parser.add_argument("backend", choices=BACKENDS)
    parser.add_argument("workdir", type=Path)
    args = parser.parse_args()
    if os.environ.get("KERAS_BACKEND") != args.backend:
        sys.exit(f"KERAS_BACKEND must be {args.backend}")
    _worker(args.backend, args.workdir)
