"""Experiments end to end, through the real command line: a results row, resume after a kill,
data-parallel training, and bad input that names the file and loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from keras_vis.errors import DataError
from keras_vis.results.table import RESULTS_COLUMNS, read_results

REPO = Path(__file__).resolve().parents[2]
# Small enough that an epoch takes a second or two on 2 CPU cores.
SMALL_MODEL = '{widths = [4, 8], depths = [1, 1], gru_units = 8, head_units = 8}'
METRIC_COLUMNS = ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]


def write_config(folder: Path, root: Path, epochs: int = 2, **extra: str) -> Path:
    lines = [
        'description = "test"',
        "[model]",
        'name = "resnet_gru_fusion"',
        f"overrides = {SMALL_MODEL}",
        "[data]",
        'task = "sync"',
        "train_pairs_per_recording = 8",
        "eval_pairs_per_recording = 8",
        f'cache_dir = "{folder / "cache"}"',
        "[data.dataset]",
        f'root = "{root}"',
        "[train]",
        f"epochs = {epochs}",
        "batch_size = 8",
    ]
    lines += [f"{key} = {value}" for key, value in extra.items()]
    path = folder / "small.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def command(config: Path, folder: Path, backend: str = "jax", *more: str) -> list[str]:
    return [
        sys.executable, "-m", "keras_vis", "run", str(config), "--backend", backend,
        "--runs-dir", str(folder / "runs"), "--results", str(folder / "results.csv"), *more,
    ]


def run_ok(args, env=None, timeout=600) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def only_run(folder: Path) -> Path:
    # Run folders only: the hidden run locks (.<backend>-<hash>.lock) live beside them.
    runs = sorted(p for p in (folder / "runs" / "small").iterdir() if p.is_dir())
    assert len(runs) == 1, runs
    return runs[0]


def test_run_writes_run_folder_and_results_row(tmp_path, synthetic_root):
    config = write_config(tmp_path, synthetic_root)
    run_ok(command(config, tmp_path, "tensorflow"))
    run_dir = only_run(tmp_path)
    for name in ("config.json", "history.csv", "best.keras", "metrics.json"):
        assert (run_dir / name).is_file(), name
    history = pd.read_csv(run_dir / "history.csv")
    assert list(history["epoch"]) == [0, 1]
    results = read_results(tmp_path / "results.csv")
    assert list(results.columns) == list(RESULTS_COLUMNS)
    row = results.iloc[0]
    assert row["experiment"] == "small" and row["backend"] == "tensorflow"
    assert row["device"]  # where it trained: "cpu", or the GPU's name
    assert row["task"] == "sync" and row["fusion"] == "temporal"
    assert 0.0 <= row["test_accuracy"] <= 1.0
    assert "keras_vis run" in row["command"] and "--backend tensorflow" in row["command"]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(row["test_accuracy"], abs=1e-4)
    # The best checkpoint scores raw inputs on its own (pre-processing inside the model).
    assert json.loads((run_dir / "config.json").read_text())["backend"] == "tensorflow"


def test_lag_loss_run_in_mixed_precision_saves_the_zoo_model(tmp_path, synthetic_root):
    config = write_config(tmp_path, synthetic_root, epochs=1, lag_loss="0.5",
                          precision='"mixed_bfloat16"')
    config.write_text(config.read_text().replace(
        'name = "resnet_gru_fusion"', 'name = "motion_lag_fusion"\npreset = "tiny"').replace(
        f"overrides = {SMALL_MODEL}\n", ""))
    run_ok(command(config, tmp_path, "jax"))
    run_dir = only_run(tmp_path)
    import zoo

    saved = zoo.load(run_dir / "best.keras")
    assert sorted(saved.input) == ["audio", "video"]
    # Trained in mixed precision, loaded in the global policy: float32 for predict.
    assert saved.dtype_policy.name == "float32"
    assert json.loads((run_dir / "config.json").read_text())["train"]["precision"] == (
        "mixed_bfloat16")
    assert read_results(tmp_path / "results.csv").iloc[0]["model"] == "motion_lag_fusion"


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_killed_run_resumes_to_the_same_history(tmp_path, synthetic_root, backend):
    epochs = 4
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    for folder in (straight, resumed):
        folder.mkdir()
    # The uninterrupted run goes side by side with the killed one: start-up is one core's work.
    log = tmp_path / "straight.log"
    with log.open("w") as straight_log:
        straight_run = subprocess.Popen(
            command(write_config(straight, synthetic_root, epochs), straight, backend), cwd=REPO,
            stdout=subprocess.DEVNULL, stderr=straight_log,
        )
        try:
            run_dir = _kill_after_one_epoch_then_resume(resumed, synthetic_root, epochs, backend)
            straight_run.wait(timeout=600)
        finally:
            if straight_run.poll() is None:  # the test failed first: leave nothing running
                straight_run.kill()
                straight_run.wait()
    assert straight_run.returncode == 0, log.read_text()[-3000:]
    expected = pd.read_csv(only_run(straight) / "history.csv")[METRIC_COLUMNS]
    got = pd.read_csv(run_dir / "history.csv")[METRIC_COLUMNS]
    assert list(got["epoch"]) == list(range(epochs))
    pd.testing.assert_frame_equal(got, expected, atol=1e-4, rtol=1e-3)
    assert len(read_results(resumed / "results.csv")) == 1


def _kill_after_one_epoch_then_resume(folder: Path, root: Path, epochs: int, backend: str) -> Path:
    """Start a run in ``folder``, SIGKILL it once its history holds an epoch, run the same
    command again; the run folder (which must be the same both times)."""
    config = write_config(folder, root, epochs)
    process = subprocess.Popen(
        command(config, folder, backend), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    history = None
    while time.monotonic() < deadline and process.poll() is None:
        found = list((folder / "runs").glob("small/*/history.csv"))
        if found and len(found[0].read_text().splitlines()) >= 2:  # header + one epoch
            history = found[0]
            break
        time.sleep(0.05)
    if history is None:
        process.kill()
        process.wait()
    assert history is not None, "the run finished or failed before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    run_dir = history.parent
    assert not (run_dir / "metrics.json").exists(), "killed too late: the run had finished"

    run_ok(command(config, folder, backend))
    assert only_run(folder) == run_dir, "the same command must resume the same run folder"
    return run_dir


def test_distribute_trains_data_parallel_on_two_cpu_devices(tmp_path, synthetic_root):
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    config = write_config(tmp_path, synthetic_root, epochs=1)
    done = run_ok(command(config, tmp_path, "jax", "--distribute"), env=env)
    assert "data-parallel over 2 devices" in done.stderr
    assert len(read_results(tmp_path / "results.csv")) == 1


def test_distribute_needs_jax(tmp_path, synthetic_root):
    config = write_config(tmp_path, synthetic_root, epochs=1)
    done = subprocess.run(
        command(config, tmp_path, "torch", "--distribute"), cwd=REPO, capture_output=True,
        text=True, timeout=300,
    )
    assert done.returncode == 2
    assert "--distribute needs the jax backend" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "setup, message",
    [
        ("missing_dataset", "dataset folder is missing or empty"),
        ("typo", "unknown key train.epochz"),
        ("broken_results", "results.csv"),
    ],
)
def test_bad_input_is_one_clear_error_and_loses_nothing(tmp_path, synthetic_root, setup, message):
    config = write_config(tmp_path, synthetic_root, epochs=1)
    results = tmp_path / "results.csv"
    if setup == "missing_dataset":
        config.write_text(config.read_text().replace(str(synthetic_root), str(tmp_path / "nope")))
    elif setup == "typo":
        config.write_text(config.read_text() + "epochz = 3\n")
    else:
        results.write_text("experiment,model\nx,y\n")
    before = results.read_bytes() if results.exists() else None
    done = subprocess.run(
        command(config, tmp_path, "tensorflow"), cwd=REPO, capture_output=True, text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    after = results.read_bytes() if results.exists() else None
    assert after == before
    # Found before any training: no run folder holds an epoch.
    assert not list((tmp_path / "runs").glob("*/*/history.csv"))


def test_full_disk_while_checkpointing_keeps_the_run_folder(tmp_path, synthetic_root, monkeypatch):
    """A checkpoint write that fails (ENOSPC) is a clear DataError; the old checkpoint stays."""
    pytest.importorskip("keras")
    import errno

    import keras

    from keras_vis.errors import DataError
    from keras_vis.training.callbacks import AtomicModelCheckpoint

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    best = tmp_path / "best.keras"
    best.write_bytes(b"previous checkpoint")
    callback = AtomicModelCheckpoint(best, monitor="val_accuracy", mode="max",
                                     save_best_only=True, initial_value_threshold=0.5)
    callback.set_model(model)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(model, "save", full_disk)
    with pytest.raises(DataError, match="No space left on device"):
        callback.on_epoch_end(0, {"val_accuracy": 0.9})
    assert best.read_bytes() == b"previous checkpoint"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.keras"]  # no temporary file


def test_the_checkpoint_skips_the_epochs_before_from_epoch(tmp_path):
    """A footage curriculum's epochs without the footage are never saved nor the best to beat."""
    pytest.importorskip("keras")
    import keras

    from keras_vis.training.callbacks import AtomicModelCheckpoint

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    best = tmp_path / "best.keras"
    callback = AtomicModelCheckpoint(best, monitor="val_accuracy", mode="max",
                                     save_best_only=True, from_epoch=2)
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, score in enumerate([0.9, 0.8]):
        callback.on_epoch_end(epoch, {"val_accuracy": score})
        assert not best.exists()
    callback.on_epoch_end(2, {"val_accuracy": 0.6})  # worse than epoch 0, still the first saved
    assert best.exists()


def test_metrics_take_the_best_epoch_from_from_epoch_on():
    import pandas

    from keras_vis.training.experiment import _metrics

    # As RunDir.history() gives it: epochs numbered from 1; from_epoch counts from 0.
    history = pandas.DataFrame({"epoch": [1, 2, 3, 4], "accuracy": [0.6, 0.7, 0.5, 0.6],
                                "val_accuracy": [0.7, 0.8, 0.6, 0.65],
                                "epoch_time_s": [1.0] * 4})
    test = {"accuracy": 0.5, "auc": 0.5, "loss": 0.7}
    assert _metrics(history, test, 16)["best_epoch"] == 2
    chosen = _metrics(history, test, 16, from_epoch=2)
    assert (chosen["best_epoch"], chosen["val_accuracy"], chosen["train_accuracy"]) == (4, 0.65, 0.6)
    assert _metrics(history, test, 16, from_epoch=1)["best_epoch"] == 2


# ---- bad input found before training: read-only destinations, a second identical run ----

@pytest.mark.parametrize("target", ["results_file", "results_folder", "runs_folder"])
def test_read_only_destination_fails_before_any_work(tmp_path, synthetic_root, target):
    """Refused by the mode bits even for root (who may write anything), before data or training."""
    from keras_vis.errors import DataError
    from keras_vis.training.experiment import run

    config = write_config(tmp_path, synthetic_root, epochs=1)
    results_folder, runs = tmp_path / "experiments", tmp_path / "runs"
    results = results_folder / "results.csv"
    results_folder.mkdir()
    runs.mkdir()
    if target == "results_file":
        results.write_text("")
        locked, expected = results, f"{results}: the results table cannot be written: the file"
    elif target == "results_folder":
        locked, expected = results_folder, f"{results}: the results table cannot be written"
    else:
        locked, expected = runs, f"{runs}: the runs folder cannot be written"
    mode = 0o444 if locked.is_file() else 0o555
    locked.chmod(mode)
    try:
        with pytest.raises(DataError) as error:
            run(config, runs_dir=runs, results_path=results)
    finally:
        locked.chmod(0o644 if locked.is_file() else 0o755)
    assert expected in str(error.value) and f"read-only (mode {mode:04o})" in str(error.value)
    assert list(runs.iterdir()) == []  # nothing started
    assert not (tmp_path / "cache").exists()  # no data work either


def test_second_identical_run_refuses_while_the_first_holds_its_lock(tmp_path, synthetic_root):
    from keras_vis.training.config import ExperimentConfig
    from keras_vis.training.experiment import run_lock

    config = write_config(tmp_path, synthetic_root, epochs=1)
    # An unfinished run folder of the same config: the second command must not adopt it.
    resolved = {**ExperimentConfig.from_toml(config).to_dict(), "backend": "jax"}
    first = tmp_path / "runs" / "small" / "jax-20250101-000000"
    first.mkdir(parents=True)
    (first / "config.json").write_text(json.dumps(resolved))
    lock = run_lock(tmp_path / "runs", ExperimentConfig.from_toml(config), "jax")
    with lock.acquire(timeout=0):  # what the first run holds while it trains
        done = subprocess.run(command(config, tmp_path, "jax"), cwd=REPO, capture_output=True,
                              text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "an identical run (experiment 'small', same config, jax) is already in progress" \
        in done.stderr
    assert str(lock.lock_file) in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in first.iterdir()) == ["config.json"]
    assert [p.name for p in (tmp_path / "runs" / "small").iterdir() if p.is_dir()] == [first.name]
    assert not (tmp_path / "results.csv").exists()


# ---- failures during and after training, through run() with one piece broken ----

BROKEN_RUN = """
import sys
import keras
import keras_vis.training.experiment as experiment
from keras_vis.errors import KerasVisError

mode, config, folder = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "nan":
    # The first update makes every weight nan, as a diverging learning rate would.
    experiment._optimizer = lambda config, steps_per_epoch: keras.optimizers.SGD(float("nan"))
elif mode == "fail_in_test":
    def killed(*args, **kwargs):
        raise RuntimeError("killed during the test step")
    experiment._metrics = killed
try:
    experiment.run(config, runs_dir=folder + "/runs", results_path=folder + "/results.csv",
                   verbose=0)
except KerasVisError as error:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(2)
"""


def run_broken(mode: str, config: Path, folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", BROKEN_RUN, mode, str(config), str(folder)],
                          cwd=REPO, capture_output=True, text=True, env=env, timeout=600)


def test_nan_loss_stops_the_run_with_a_clear_error_and_no_results_row(tmp_path, synthetic_root):
    config = write_config(tmp_path, synthetic_root, epochs=2)
    done = run_broken("nan", config, tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "the loss became nan in epoch 1" in done.stderr
    assert "no results row was written" in done.stderr and "train.learning_rate" in done.stderr
    run_dir = only_run(tmp_path)
    assert str(run_dir) in done.stderr
    assert not (tmp_path / "results.csv").exists()
    # The broken epoch reached no other callback: no history row, checkpoint or backup of it.
    assert not (run_dir / "best.keras").exists() and not (run_dir / "metrics.json").exists()
    history = run_dir / "history.csv"
    assert not history.exists() or history.read_text() == ""


def test_failure_after_the_last_epoch_resumes_at_the_test_step(tmp_path, synthetic_root):
    config = write_config(tmp_path, synthetic_root, epochs=1)
    done = run_broken("fail_in_test", config, tmp_path)
    assert done.returncode == 1 and "killed during the test step" in done.stderr
    run_dir = only_run(tmp_path)
    assert not (run_dir / "metrics.json").exists() and not (tmp_path / "results.csv").exists()
    history = (run_dir / "history.csv").read_text()
    checkpoint = (run_dir / "best.keras").stat().st_mtime_ns

    done = run_ok(command(config, tmp_path, "jax"))
    assert "training had finished; going straight to the test step" in done.stderr
    assert only_run(tmp_path) == run_dir
    assert (run_dir / "history.csv").read_text() == history  # no epoch trained again
    assert (run_dir / "best.keras").stat().st_mtime_ns == checkpoint
    assert len(read_results(tmp_path / "results.csv")) == 1
    assert (run_dir / "metrics.json").is_file()


def test_a_generated_folder_with_other_settings_is_refused(tmp_path):
    from keras_vis.training.config import DatasetConfig, SyntheticConfig
    from keras_vis.data.synthetic import generate
    from keras_vis.training.experiment import ensure_dataset

    root = tmp_path / "data"
    generate(root, recordings=1, seconds=3.0, seed=0, size=(64, 96), workers=1, quiet=True)
    # generate() writes the studio style unless told; the config's default style is v2.
    same = DatasetConfig(str(root), SyntheticConfig(recordings=1, seconds=3.0, seed=0,
                                                    style="studio"))
    assert ensure_dataset(same, "data.dataset") == root
    other = DatasetConfig(str(root), SyntheticConfig(recordings=1, seconds=3.0, seed=5,
                                                     style="studio"))
    with pytest.raises(DataError, match=r"other settings.*seed 0 \(config: 5\).*Delete the folder"):
        ensure_dataset(other, "data.dataset")


def test_runs_started_side_by_side_generate_their_dataset_once(tmp_path, monkeypatch):
    import threading

    import keras_vis.data
    from keras_vis.training.config import DatasetConfig, SyntheticConfig
    from keras_vis.training.experiment import ensure_dataset

    calls = []

    def slow_generate(out, **settings):
        calls.append(out)
        time.sleep(0.5)  # long enough for the second run to arrive while this one writes
        Path(out).mkdir(parents=True)
        (Path(out) / "manifest.json").write_text(json.dumps({
            "generator": "v2", "seed": settings["seed"], "style": settings["style"],
            "recordings": settings["recordings"], "seconds": settings["seconds"]}))

    monkeypatch.setattr(keras_vis.data, "generate", slow_generate)
    monkeypatch.setattr("keras_vis.training.experiment._check_manifest", lambda *a: None)
    dataset = DatasetConfig(str(tmp_path / "data"), SyntheticConfig(recordings=2, seconds=3.0))
    found = []
    threads = [threading.Thread(target=lambda: found.append(ensure_dataset(dataset, "d")))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [tmp_path / "data"] * 2
    assert len(calls) == 1  # one generated it, the other waited and found it
    assert not (tmp_path / "data.partial").exists()


def test_float16_training_scales_its_loss():
    import keras

    from keras_vis.training.config import ExperimentConfig
    from keras_vis.training.experiment import _optimizer

    def optimizer(precision):
        config = ExperimentConfig.from_dict({"train": {"precision": precision}}, source="inline")
        return _optimizer(config, steps_per_epoch=10)

    assert isinstance(optimizer("mixed_float16"), keras.optimizers.LossScaleOptimizer)
    for precision in ("float32", "mixed_bfloat16"):
        assert not isinstance(optimizer(precision), keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
def test_warmup_climbs_to_the_learning_rate_then_follows_the_schedule(schedule):
    import numpy as np

    from keras_vis.errors import ConfigError
    from keras_vis.training.config import ExperimentConfig
    from keras_vis.training.experiment import learning_rate

    def rates(**train):
        config = ExperimentConfig.from_dict(
            {"train": {"schedule": schedule, "epochs": 4, "learning_rate": 1e-2, **train}},
            source="inline")
        rate = learning_rate(config, steps_per_epoch=10)
        return np.array([float(rate(step)) if callable(rate) else rate for step in range(41)])

    plain, warm = rates(), rates(warmup_epochs=1.5)
    assert plain[0] == pytest.approx(1e-2)
    assert warm[0] == pytest.approx(1e-4) and np.all(np.diff(warm[:16]) > 0)
    assert warm[15] == pytest.approx(1e-2, rel=1e-3)
    if schedule == "cosine":
        assert plain[-1] == pytest.approx(5e-4, rel=1e-2)
        assert warm[-1] == pytest.approx(5e-4, rel=1e-2) and np.all(np.diff(warm[15:]) <= 0)
    else:
        assert np.allclose(plain, 1e-2) and np.allclose(warm[15:], 1e-2)
    with pytest.raises(ConfigError, match="warmup_epochs"):
        rates(warmup_epochs=4)
