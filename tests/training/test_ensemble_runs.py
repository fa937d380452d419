"""``ensemble``: finished seeds of one recipe averaged into one model and scored as a run of its
own (its row, its held-out footage, shippable), and a clear error for runs of another recipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from keras_vis.errors import ConfigError
from keras_vis.results.table import read_results
from keras_vis.training.ensemble import _check_one_recipe
from keras_vis.training.rundir import RunDir
from tests.training.test_footage_run import REPO, footage, run_ok, write_config  # noqa: F401


def ensemble_ok(runs, folder: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "keras_vis", "ensemble", *map(str, runs), "--backend", "jax",
         "--runs-dir", str(folder / "runs"), "--results", str(folder / "results.csv")],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_two_seeds_make_an_ensemble_run_with_its_own_row(tmp_path, synthetic_root, footage,
                                                         monkeypatch):
    import zoo
    from keras_vis import checkpoints

    config = write_config(tmp_path, synthetic_root, footage)
    for seed in (0, 1):
        run_ok(config, tmp_path, f"train.seed={seed}")
    runs = sorted(p for p in (tmp_path / "runs" / "footage").iterdir() if p.is_dir())
    done = ensemble_ok(runs, tmp_path)
    assert "ensemble of 2 runs (seeds 0, 1)" in done.stderr

    table = read_results(tmp_path / "results.csv")
    assert len(table) == 3
    row, member = table.iloc[-1], table.iloc[0]
    assert row["experiment"] == "footage+ensemble"
    assert row["overrides"] == "ensemble of seeds 0,1"
    assert row["params"] == 2 * member["params"]
    assert row["footage_clips"] == member["footage_clips"] >= 2
    assert 0 <= row["footage_balanced_accuracy"] <= 1 and 0 <= row["test_accuracy"] <= 1
    run_dir = Path(row["run_dir"])
    assert run_dir.parent.name == "footage+ensemble" and RunDir(run_dir).finished
    assert (run_dir / "footage_heldout.json").is_file()
    model = zoo.load(run_dir / "best.keras", compile=False)
    assert model.options["members"] == 2

    monkeypatch.setattr(checkpoints, "root", lambda: tmp_path / "shipped")
    (tmp_path / "shipped").mkdir()
    checkpoints.ship(run_dir, "averaged", "two seeds")
    assert checkpoints.metadata("averaged")["params"] == row["params"]


def test_runs_of_another_recipe_or_one_seed_twice_are_refused():
    def config(seed, epochs=12):
        return {"name": "x", "backend": "jax", "train": {"seed": seed, "epochs": epochs},
                "data": {"task": "mixed"}}

    runs = [RunDir(f"runs/x/jax-{i}") for i in range(3)]
    assert _check_one_recipe(runs, [config(0), config(1), config(2)]) == [0, 1, 2]
    with pytest.raises(ConfigError, match="train.epochs differ"):
        _check_one_recipe(runs[:2], [config(0), config(1, epochs=6)])
    with pytest.raises(ConfigError, match="repeat a seed"):
        _check_one_recipe(runs[:2], [config(3), config(3)])
    with pytest.raises(ConfigError, match="at least two"):
        _check_one_recipe(runs[:1], [config(0)])
