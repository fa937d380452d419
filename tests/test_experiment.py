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

from keras_vis.results import RESULTS_COLUMNS, read_results

REPO = Path(__file__).resolve().parents[1]
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
    runs = sorted((folder / "runs" / "small").iterdir())
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
    assert row["task"] == "sync" and row["fusion"] == "temporal"
    assert 0.0 <= row["test_accuracy"] <= 1.0
    assert "keras_vis run" in row["command"] and "--backend tensorflow" in row["command"]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(row["test_accuracy"], abs=1e-4)
    # The best checkpoint scores raw inputs on its own (pre-processing inside the model).
    assert json.loads((run_dir / "config.json").read_text())["backend"] == "tensorflow"


def test_killed_run_resumes_to_the_same_history(tmp_path, synthetic_root):
    epochs = 4
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    for folder in (straight, resumed):
        folder.mkdir()
    run_ok(command(write_config(straight, synthetic_root, epochs), straight))

    config = write_config(resumed, synthetic_root, epochs)
    process = subprocess.Popen(
        command(config, resumed), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    history = None
    while time.monotonic() < deadline and process.poll() is None:
        found = list((resumed / "runs").glob("small/*/history.csv"))
        if found and len(found[0].read_text().splitlines()) >= 2:  # header + one epoch
            history = found[0]
            break
        time.sleep(0.05)
    assert history is not None, "the run finished or failed before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    run_dir = history.parent
    assert not (run_dir / "metrics.json").exists(), "killed too late: the run had finished"

    run_ok(command(config, resumed))
    assert only_run(resumed) == run_dir, "the same command must resume the same run folder"
    expected = pd.read_csv(only_run(straight) / "history.csv")[METRIC_COLUMNS]
    got = pd.read_csv(run_dir / "history.csv")[METRIC_COLUMNS]
    assert list(got["epoch"]) == list(range(epochs))
    pd.testing.assert_frame_equal(got, expected, atol=1e-4, rtol=1e-3)
    assert len(read_results(resumed / "results.csv")) == 1


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


def test_full_disk_while_checkpointing_keeps_the_run_folder(tmp_path, synthetic_root, monkeypatch):
    """A checkpoint write that fails (ENOSPC) is a clear DataError; the old checkpoint stays."""
    pytest.importorskip("keras")
    import errno

    import keras

    from keras_vis.callbacks import BestCheckpoint
    from keras_vis.errors import DataError

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    best = tmp_path / "best.keras"
    best.write_bytes(b"previous checkpoint")
    callback = BestCheckpoint(best, tmp_path / "history.csv")
    callback.set_model(model)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(model, "save", full_disk)
    with pytest.raises(DataError, match="No space left on device"):
        callback.on_epoch_end(0, {"val_accuracy": 0.9})
    assert best.read_bytes() == b"previous checkpoint"
    assert not list(tmp_path.glob(".partial-*"))
