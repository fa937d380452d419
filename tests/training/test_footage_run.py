"""A run that learns from real footage, end to end through the command line: generated
recordings and a folder of videos with their own sound, mixed; p_real calibrated on the
footage's val part; the held-out footage columns; then a fine-tuning run that starts from its
encoders, freezes them and adds the footage after an epoch of generated recordings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from keras_vis.results.table import FOOTAGE_COLUMNS, read_results
from tests.media import write_video

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def footage(tmp_path_factory):
    root = tmp_path_factory.mktemp("my-videos")
    for i in range(7):
        folder = root / ("phone" if i % 2 else "camera")
        folder.mkdir(exist_ok=True)
        write_video(folder / f"clip{i}.mp4", seconds=3.5, fps=12, size=(48, 64), seed=i)
    write_video(root / "no-sound.mp4", seconds=3.5, fps=12, size=(48, 64), audio=False)
    return root


def write_config(folder: Path, synthetic_root: Path, footage: Path, **extra) -> Path:
    lines = [
        'description = "footage test"',
        "[model]", 'name = "motion_lag_fusion"', 'preset = "tiny"',
        *[f"{key} = {value}" for key, value in extra.pop("model", {}).items()],
        "[data]", 'task = "mixed"', "train_pairs_per_recording = 4",
        "eval_pairs_per_recording = 4", f'cache_dir = "{folder / "cache"}"',
        f'footage = ["{footage}"]', "footage_weight = 0.5", "val_fraction = 0.3",
        "test_fraction = 0.3",
        "[data.dataset]", f'root = "{synthetic_root}"',
        "[train]", "epochs = 1", "batch_size = 4",
        *[f"{key} = {value}" for key, value in extra.pop("train", {}).items()],
    ]
    path = folder / f"{extra.get('name', 'footage')}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_ok(config: Path, folder: Path, *overrides: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "keras_vis", "run", str(config), "--backend", "jax",
         "--runs-dir", str(folder / "runs"), "--results", str(folder / "results.csv"),
         *[arg for override in overrides for arg in ("--set", override)]],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_a_run_without_footage_is_scored_on_what_its_partner_held_out(tmp_path, footage,
                                                                   capsys):
    from keras_vis.data.footage import prepare_footage
    from keras_vis.training.config import ExperimentConfig
    from keras_vis.training.experiment import heldout_footage
    from zoo.clip import ClipSpec

    with_footage = ExperimentConfig.from_toml(write_config(tmp_path, tmp_path, footage))
    # The pair's other half: no data.footage, the same folder under eval.footage; a missing
    # folder is reported and left out, like a missing eval.clips folder.
    without = ExperimentConfig.from_toml(
        write_config(tmp_path, tmp_path, footage, name="without"),
        ["data.footage=[]", f'eval.footage=["{footage}", "{tmp_path / "gone"}"]'])
    clip = ClipSpec(seconds=1.0, fps=10, height=32, width=32, sample_rate=16000)
    data = with_footage.data
    prepared = prepare_footage(footage, clip, cache_dir=tmp_path / "cache",
                               val_fraction=data.val_fraction, test_fraction=data.test_fraction)
    held_out = heldout_footage(with_footage, [prepared])
    assert held_out and sorted(heldout_footage(without, [])) == sorted(held_out)
    assert "eval.footage folder" in capsys.readouterr().err
    # A folder both trained on and listed under eval.footage is scored once.
    both = ExperimentConfig.from_toml(write_config(tmp_path, tmp_path, footage),
                                      [f'eval.footage=["{footage}"]'])
    assert sorted(heldout_footage(both, [prepared])) == sorted(held_out)


@pytest.mark.slow
def test_footage_run_calibrates_reports_held_out_footage_and_seeds_a_fine_tune(
        tmp_path, synthetic_root, footage):
    config = write_config(tmp_path, synthetic_root, footage, train={"calibrate": "true"})
    done = run_ok(config, tmp_path)
    assert "7 usable clips" in done.stderr and "no-sound" in done.stderr
    assert "of them real footage (50%)" in done.stderr
    run_dir = next(p for p in (tmp_path / "runs" / "footage").iterdir() if p.is_dir())
    for name in ("best.keras", "calibration.json", "footage_heldout.json"):
        assert (run_dir / name).is_file(), name
    row = read_results(tmp_path / "results.csv").iloc[0]
    assert row["footage_clips"] >= 2 and 0 <= row["footage_balanced_accuracy"] <= 1
    assert set(FOOTAGE_COLUMNS) <= set(row.index)
    assert f"footage {footage}" in row["dataset"]

    # Calibrated, or skipped where one epoch left the model unable to rank the val clips: either
    # way the run folder, predict's resolver and the record agree.
    from keras_vis.inference.models import load_model
    from keras_vis.training.rundir import RunDir

    calibration = json.loads((run_dir / "calibration.json").read_text())
    assert calibration["clips"] >= 2
    scored, _ = load_model(str(tmp_path / "runs" / "footage"))  # its newest finished run
    if "skipped" in calibration:
        assert "AUC" in calibration["skipped"] and "calibration skipped" in done.stderr
        assert RunDir(run_dir).model_path.name == "best.keras"
        assert "calibration" not in scored.options
    else:
        assert 0.25 <= calibration["scale"] <= 4.0
        assert RunDir(run_dir).model_path.name == "calibrated.keras"
        assert scored.options["calibration"] == [calibration["scale"], calibration["bias"]]

    tune = write_config(tmp_path, synthetic_root, footage, name="tune",
                        model={"init": f'"{run_dir}"'},
                        train={"freeze": '["video_encoder", "audio_encoder"]'})
    # Its footage joins after one epoch of generated recordings alone (the curriculum).
    done = run_ok(tune, tmp_path, "data.footage_after_epochs=1", "train.epochs=2")
    assert f"video_encoder, audio_encoder loaded from {run_dir / 'best.keras'}" in done.stderr
    assert ("(50%) after 1 epoch(s) of the dataset alone (the best checkpoint is chosen from "
            "epoch 2 on)") in done.stderr
    import zoo

    tuned_dir = next(p for p in (tmp_path / "runs" / "tune").iterdir() if p.is_dir())
    # The checkpoint comes from an epoch that trained on the footage: the second.
    assert json.loads((tuned_dir / "metrics.json").read_text())["best_epoch"] == 2
    first = zoo.load(run_dir / "best.keras", compile=False)
    tuned = zoo.load(tuned_dir / "best.keras", compile=False)
    for got, want in zip(tuned.get_layer("video_encoder").get_weights(),
                         first.get_layer("video_encoder").get_weights()):
        assert (got == want).all()  # frozen: exactly the pre-trained encoder


def test_a_pre_trained_run_that_is_missing_is_one_clear_error_and_leaves_no_folder(
        tmp_path, synthetic_root, footage):
    config = write_config(tmp_path, synthetic_root, footage, name="tune",
                          model={"init": f'"{tmp_path / "no-such-run"}"'})
    done = subprocess.run(
        [sys.executable, "-m", "keras_vis", "run", str(config), "--backend", "jax",
         "--runs-dir", str(tmp_path / "runs"), "--results", str(tmp_path / "results.csv")],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "model.init" in done.stderr and "no-such-run" in done.stderr
    assert "Traceback" not in done.stderr
    runs = tmp_path / "runs" / "tune"
    assert not runs.exists() or not [p for p in runs.iterdir() if p.is_dir()]
    assert not (tmp_path / "results.csv").exists()
