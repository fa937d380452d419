"""keras_vis.training.rundir: finding or starting a run folder, its history, resume state and
records."""

from __future__ import annotations

import json

import pytest

from keras_vis.errors import DataError
from keras_vis.training.rundir import Backup, RunDir

CONFIG = {"name": "small", "train": {"epochs": 3}, "backend": "jax"}
HISTORY = "epoch,accuracy,loss,val_accuracy,val_loss\n"


def test_an_unfinished_run_of_the_same_config_is_resumed(tmp_path):
    first = RunDir.resume_or_create(tmp_path, "small", "jax", CONFIG)
    assert first.path.parent == tmp_path / "small" and first.path.name.startswith("jax-")
    assert json.loads((first.path / "config.json").read_text()) == CONFIG
    assert RunDir.resume_or_create(tmp_path, "small", "jax", CONFIG).path == first.path

    other = {**CONFIG, "train": {"epochs": 4}}
    second = RunDir.resume_or_create(tmp_path, "small", "jax", other)
    assert second.path != first.path  # another config: another run (a suffix, same second)

    first.write_metrics({"test_accuracy": 0.5})
    assert first.finished and first.metrics() == {"test_accuracy": 0.5}
    third = RunDir.resume_or_create(tmp_path, "small", "jax", CONFIG)
    assert third.path not in (first.path, second.path)  # a finished run is never reopened


def test_history_before_and_after_the_first_epoch(tmp_path):
    run = RunDir(tmp_path)
    assert run.history(required=False).empty and run.best_so_far() == (None, 0)
    with pytest.raises(DataError, match="no such file"):
        run.history()
    run.history_path.write_text(HISTORY)
    assert run.history(required=False).empty
    run.history_path.write_text(HISTORY + "0,0.5,0.7,0.6,0.7\n1,0.6,0.6,0.8,0.6\n"
                                "2,0.7,0.5,0.7,0.6\n")
    assert run.history()["epoch"].tolist() == [1, 2, 3]
    assert run.best_so_far("val_accuracy") == (0.8, 1)
    # A footage curriculum chooses among the epochs that saw the footage only.
    assert run.best_so_far("val_accuracy", from_epoch=2) == (0.7, 0)
    assert run.best_so_far("val_accuracy", from_epoch=3) == (None, 0)


def test_resume_epoch_trims_history_to_the_backup(tmp_path):
    run = RunDir(tmp_path)
    assert run.resume_epoch() == 0
    run.history_path.write_text(HISTORY + "0,0.5,0.7,0.6,0.7\n1,0.6,0.6,0.8,0.6\n")
    # Killed after history.csv got epoch 2's row but before the backup of epoch 2.
    Backup(run.backup_path).save(1, lambda path: path.write_bytes(b"weights of epoch 1"))
    assert run.resume_epoch() == 1
    assert run.history_path.read_text() == HISTORY + "0,0.5,0.7,0.6,0.7\n"


def test_trained_needs_the_mark_and_the_checkpoint(tmp_path):
    run = RunDir(tmp_path)
    run.mark_trained(3)
    assert not run.trained
    run.best_path.write_bytes(b"checkpoint")
    assert run.trained and run.real_clips() is None
    run.write_real_clips({"metrics": {"clips": 2}})
    assert run.real_clips() == {"metrics": {"clips": 2}}
