"""keras_vis.checkpoints: a finished run shipped as a named checkpoint with its provenance, and
predict / evaluate taking that name."""

from __future__ import annotations

import json

import pytest

from keras_vis import checkpoints
from keras_vis.errors import KerasVisError


@pytest.mark.parametrize("nested", [False, True], ids=["row", "older-nested-row"])
def test_ship_a_run_and_load_it_by_name(tmp_path, monkeypatch, nested):
    import zoo
    from keras_vis.inference.predict import load_model

    run_dir = tmp_path / "runs" / "exp" / "jax-20260101-000000"
    run_dir.mkdir(parents=True)
    zoo.build("onset_sync_baseline", "tiny").save(run_dir / "best.keras")
    row = {"model": "onset_sync_baseline", "preset": "tiny", "task": "mixed", "backend": "jax",
           "experiment": "exp", "command": "python -m keras_vis run experiments/exp.toml",
           "git_commit": "abc1234", "dataset": "data/x", "dataset_fingerprint": "f00",
           "params": 0, "epochs": 1, "test_accuracy": 0.5, "test_auc": 0.55}
    record = {"results_row": row} if nested else {**row, "best_epoch": 1}
    (run_dir / "metrics.json").write_text(json.dumps(record))
    (run_dir / "real_clips.json").write_text(json.dumps({"metrics": {"balanced_accuracy": 0.6}}))
    monkeypatch.setattr(checkpoints, "root", lambda: tmp_path / "shipped")
    (tmp_path / "shipped").mkdir()

    folder = checkpoints.ship(run_dir, "mine", "a test checkpoint")
    assert (folder / "model.keras").is_file()
    assert checkpoints.list_shipped() == ["mine"]
    meta = checkpoints.metadata("mine")
    assert meta["command"] == row["command"] and meta["commit"] == "abc1234"
    assert meta["synthetic_test"] == {"accuracy": 0.5, "auc": 0.55}
    assert meta["real_clips"] == {"balanced_accuracy": 0.6}
    model, name = load_model("mine")
    assert name == "mine" and model.count_params() == 0


def test_an_unfinished_run_cannot_be_shipped(tmp_path):
    with pytest.raises(KerasVisError, match="not a finished run"):
        checkpoints.ship(tmp_path, "nothing", "")
