"""Faults and hostile input (issue 39): each probe that once lost data, finished with a poisoned
model and exit 0, wrote outside its folder or took unbounded memory, kept so none comes back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_vis.errors import ConfigError, DataError, KerasVisError
from keras_vis.training.rundir import Backup, RunDir

REPO = Path(__file__).resolve().parents[1]
HISTORY = "epoch,accuracy,loss,val_accuracy,val_loss\n"


def cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """``python -m keras_vis ARGS`` in the repository, its output captured."""
    return subprocess.run([sys.executable, "-m", "keras_vis", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def assert_clean_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit status 2 and one ``error:`` line naming what went wrong, no traceback."""
    assert done.returncode == 2, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr[-3000:]


# ---- 1. a kill while the backup is written never leaves a run that cannot resume ----

def _backup_with_epochs(folder: Path, epochs: int) -> Backup:
    backup = Backup(folder)
    for epoch in range(1, epochs + 1):
        backup.save(epoch, lambda path, e=epoch: path.write_bytes(f"weights {e}".encode() * 100))
    return backup


def test_a_torn_backup_falls_back_to_the_previous_epoch(tmp_path, capsys):
    run = RunDir(tmp_path)
    backup = _backup_with_epochs(run.backup_path, 3)
    assert sorted(p.name for p in run.backup_path.glob("*.h5")) == [
        "epoch-00002.weights.h5", "epoch-00003.weights.h5"]  # the last two only
    run.history_path.write_text(HISTORY + "".join(f"{e},0.5,0.7,0.6,0.7\n" for e in range(3)))
    current = run.backup_path / "epoch-00003.weights.h5"
    current.write_bytes(current.read_bytes()[:50])  # torn, as a kill mid-write once left it

    assert run.resume_epoch() == 2
    assert "backup of epoch 3 is torn or missing; resuming from epoch 2" in capsys.readouterr().err
    assert backup.weights() == (2, run.backup_path / "epoch-00002.weights.h5")
    assert len(run.history()) == 2  # the epoch that is trained again leaves the history


def test_a_torn_keras_backup_starts_afresh_with_a_warning(tmp_path, capsys):
    # What Keras's own BackupAndRestore left after a kill -9: a record naming epoch 1 and a
    # torn latest.weights.h5; every rerun died with "bad object header version number".
    run = RunDir(tmp_path)
    run.backup_path.mkdir()
    (run.backup_path / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    (run.backup_path / "latest.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)
    run.history_path.write_text(HISTORY + "0,0.5,0.7,0.6,0.7\n")
    assert run.resume_epoch() == 0
    assert "no readable backup" in capsys.readouterr().err
    assert not run.backup_path.exists() and run.history(required=False).empty


KILLED_FIT = """
import os, signal, sys
import keras, numpy as np
from keras_vis.training.callbacks import AtomicBackupAndRestore
from keras_vis.training.rundir import RunDir

folder, kill_at = sys.argv[1], int(sys.argv[2])
run = RunDir(folder)
print("resumes at", run.resume_epoch(), flush=True)
if kill_at:
    save, calls = keras.Model.save_weights, []
    def torn_then_killed(self, path, *args, **kwargs):
        save(self, path, *args, **kwargs)
        calls.append(path)
        if len(calls) == kill_at:  # half the file on disk, then the power goes
            with open(path, "r+b") as handle:
                handle.truncate(os.path.getsize(path) // 2)
            os.kill(os.getpid(), signal.SIGKILL)
    keras.Model.save_weights = torn_then_killed
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile("adam", "mse")
x, y = np.ones((8, 4), "float32"), np.zeros((8, 1), "float32")
history = model.fit(x, y, epochs=3, verbose=0, callbacks=[AtomicBackupAndRestore(run.backup_path)])
print("trained epochs", len(history.history["loss"]), flush=True)
"""


def test_a_run_killed_while_writing_its_backup_resumes(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(REPO)}

    def fit(kill_at: int) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", KILLED_FIT, str(tmp_path), str(kill_at)],
                              cwd=REPO, capture_output=True, text=True, env=env, timeout=300)

    killed = fit(kill_at=2)  # killed half way through the backup of epoch 2
    assert killed.returncode == -9, killed.stderr[-3000:]
    resumed = fit(kill_at=0)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumes at 1" in resumed.stdout and "trained epochs 2" in resumed.stdout


# ---- 2. the results row and the run's record are one step ----

def _row(run_dir: str, accuracy: float) -> dict:
    from keras_vis.results.table import RESULTS_COLUMNS

    return {column: "" for column in RESULTS_COLUMNS} | {
        "experiment": "small", "run_dir": run_dir, "test_accuracy": accuracy}


def test_a_rerun_after_a_kill_between_row_and_record_replaces_its_row(tmp_path):
    from keras_vis.results.table import append_result, read_results

    results, run = tmp_path / "results.csv", RunDir(tmp_path / "runs" / "jax-1")
    run.path.mkdir(parents=True)
    append_result(results, _row("other", 0.9))
    append_result(results, _row(str(run.path), 0.6))  # killed here: no metrics.json yet
    assert not run.finished
    run.commit_result(results, _row(str(run.path), 0.7), best_epoch=2)  # the rerun
    table = read_results(results)
    assert table["run_dir"].tolist() == ["other", str(run.path)]
    assert table["test_accuracy"].tolist() == [0.9, 0.7]
    assert run.finished and run.metrics()["best_epoch"] == 2


# ---- 3. a results table that is a symbolic link is written through ----

def test_a_symlinked_results_table_gets_the_row(tmp_path):
    from keras_vis.results.table import append_result, read_results

    (tmp_path / "shared").mkdir()
    target, link = tmp_path / "shared" / "results.csv", tmp_path / "results.csv"
    append_result(target, _row("first", 0.5))
    link.symlink_to(target)
    append_result(link, _row("second", 0.6))
    assert link.is_symlink()
    assert read_results(target)["run_dir"].tolist() == ["first", "second"]


# ---- 4. non-finite data and weights stop at the door ----

def _recording_with_nan_audio(root: Path, rec_id: str = "nan") -> Path:
    import soundfile

    from tests.media import write_video

    root.mkdir(parents=True, exist_ok=True)
    write_video(root / f"{rec_id}_mic.mp4", seconds=1.0, fps=10, size=(32, 32), audio=False)
    wave = np.zeros((16000, 2), "float32")
    wave[8000, 1] = np.nan
    soundfile.write(root / f"{rec_id}_mic.wav", wave, 16000, subtype="FLOAT")
    (root / f"{rec_id}_times.txt").write_text("0.5 wood hit static\n")
    return root / f"{rec_id}_mic.wav"


def test_a_nan_sample_in_a_float_wav_is_refused_by_scan_and_read(tmp_path):
    from keras_vis.data.media import read_audio
    from keras_vis.data.scan import scan

    wav = _recording_with_nan_audio(tmp_path / "data")
    report = scan(tmp_path / "data")
    assert report.recordings == []
    assert [s["id"] for s in report.skipped] == ["nan"]
    assert "1 audio sample(s) are NaN/inf (the first at 0.500 s)" in \
        report.skipped[0]["reason"]
    # What prepare, predict and check-sync read through refuses it too, naming the file.
    with pytest.raises(DataError, match=f"{wav}: 1 audio sample"):
        read_audio(wav, 16000)


def test_check_sync_says_which_recording_it_left_out(tmp_path, capsys):
    from keras_vis.cli import main

    _recording_with_nan_audio(tmp_path / "data")
    from tests.media import write_video

    write_video(tmp_path / "data" / "ok_mic.mp4", seconds=2.0, fps=10, size=(32, 32))
    import soundfile
    from keras_vis.data.media import read_audio

    soundfile.write(tmp_path / "data" / "ok_mic.wav",
                    read_audio(tmp_path / "data" / "ok_mic.mp4", 16000), 16000)
    (tmp_path / "data" / "ok_times.txt").write_text("0.5 wood hit static\n1.2 wood hit static\n")
    assert main(["check-sync", str(tmp_path / "data")]) == 0
    captured = capsys.readouterr()
    assert "skipped nan:" in captured.err and "NaN/inf" in captured.err
    assert "1 recordings:" in captured.out


def test_a_nan_confidence_is_never_flagged():
    from keras_vis.data.sync import sync_status

    assert sync_status(0.8, float("nan")) == "uncertain"
    assert sync_status(float("nan"), 0.9) == "uncertain"
    assert sync_status(0.8, 0.9) == "out of sync"


def _poisoned_model():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name="head")])
    kernel = np.ones((3, 1), "float32")
    kernel[1, 0] = np.nan
    model.get_layer("head").kernel.assign(kernel)
    return model


def test_training_stops_when_a_weight_goes_nan_though_the_loss_looks_fine():
    from keras_vis.training.callbacks import StopOnNaN, TrainingDiverged

    callback = StopOnNaN("runs/x")
    callback.set_model(_poisoned_model())
    with pytest.raises(TrainingDiverged, match="runs/x: the weight .*head/kernel became NaN"):
        callback.on_epoch_end(0, {"loss": 0.6931, "val_loss": 0.6931})


def test_a_run_stuck_at_chance_is_warned_about_once_and_not_stopped(capsys):
    from keras_vis.training.callbacks import WarnAtChance

    # The training losses of a footage seed that never left chance, then of one that learned.
    callback = WarnAtChance("runs/x")
    for epoch, loss in enumerate([0.702, 0.695, 0.694, 0.694, 0.693, 0.693]):
        callback.on_epoch_end(epoch, {"loss": loss})
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 1 and "runs/x" in warnings[0] and "epoch 4" in warnings[0]
    assert "train.warmup_epochs = 1 " in warnings[0]
    # A run that already warms up is pointed at a longer warm-up, not the one it has.
    warmed = WarnAtChance("runs/w", warmup_epochs=1.0)
    for epoch in range(3):
        warmed.on_epoch_end(epoch, {"loss": 0.6935})
    assert "train.warmup_epochs = 2 (this run warms up for 1)" in capsys.readouterr().err
    learning = WarnAtChance("runs/y")
    for epoch, loss in enumerate([0.70, 0.67, 0.64, 0.614, 0.596]):
        learning.on_epoch_end(epoch, {"loss": loss})
    assert capsys.readouterr().err == ""


def test_a_model_with_nan_weights_is_refused_by_predict_and_evaluate(tmp_path):
    from keras_vis.inference.predict import load_model

    model = _poisoned_model()
    with pytest.raises(KerasVisError, match="head/kernel holds NaN or infinite values"):
        load_model(model)
    path = tmp_path / "poisoned.keras"
    model.save(path)
    with pytest.raises(KerasVisError, match=f"{path}: the weight .*head/kernel holds NaN"):
        load_model(path)


# ---- 5, 6, 10. every config value checked at load, naming the key ----

def test_an_empty_experiment_says_what_a_minimal_one_holds(tmp_path):
    from keras_vis.training.config import ExperimentConfig

    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(ConfigError, match=r"empty.toml: the experiment is empty; a minimal one "
                                          r"names its model and its data: \[model\] name"):
        ExperimentConfig.from_toml(empty)


@pytest.mark.parametrize("key, value, message", [
    ("train.weight_decay", -5, "train.weight_decay: must be a finite number >= 0, got -5"),
    ("train.early_stopping_patience", -3, "train.early_stopping_patience: must be >= 0"),
    ("data.sync_tolerance_s", -0.1, "data.sync_tolerance_s: must be >= 0"),
    ("model.overrides.grid", 0, "model.overrides.grid: every count in it must be at least 1"),
    ("model.overrides.dropout", 1.5, "model.overrides.dropout: must be a number in [0, 1)"),
    ("model.overrides.video_widths", [16, 0], "model.overrides.video_widths: every count"),
])
def test_values_out_of_range_are_refused_at_load(tmp_path, key, value, message):
    from keras_vis.training.config import ExperimentConfig

    raw: dict = {"model": {"name": "motion_lag_fusion", "preset": "tiny"}}
    node = raw
    *parents, last = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    with pytest.raises(ConfigError) as error:
        ExperimentConfig.from_dict(raw, source="probe.toml")
    assert f"probe.toml: {message}" in str(error.value)


# ---- 8. names are names: nothing is written outside the folder it was told ----

@pytest.mark.parametrize("name", ["../../x", "/tmp/anywhere", "..", "a/b", "with space"])
def test_an_experiment_name_is_one_safe_path_component(name):
    from keras_vis.training.config import ExperimentConfig

    with pytest.raises(ConfigError, match="name: .* is not a safe experiment name"):
        ExperimentConfig.from_dict({"name": name, "model": {"name": "motion_lag_fusion"}})
    with pytest.raises(DataError, match="not a safe experiment name"):
        RunDir.resume_or_create("runs", name, "jax", {})


def test_the_default_names_of_overridden_runs_pass(tmp_path):
    from keras_vis.training.config import ExperimentConfig

    config = tmp_path / "lag_small.toml"
    config.write_text('[model]\nname = "motion_lag_fusion"\npreset = "tiny"\n')
    loaded = ExperimentConfig.from_toml(config, ["model.overrides.grid=4", "train.seed=1"])
    assert loaded.name.startswith("lag_small")


def test_run_with_a_traversal_name_writes_nothing_outside_its_runs_folder(tmp_path):
    config = tmp_path / "work" / "probe.toml"
    config.parent.mkdir()
    config.write_text('[model]\nname = "onset_sync_baseline"\npreset = "tiny"\n')
    done = cli("run", str(config), "--set", 'name="../../escaped"', "--runs-dir",
               str(tmp_path / "work" / "runs"), "--results", str(tmp_path / "work" / "r.csv"))
    assert_clean_error(done, "is not a safe experiment name")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["probe.toml", "work"]


def test_plot_never_names_its_png_after_a_tampered_config(tmp_path):
    run = tmp_path / "runs" / "small" / "jax-20250101-120000"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"name": "../../../escaped"}))
    (run / "history.csv").write_text(HISTORY + "0,0.5,0.7,0.6,0.7\n1,0.6,0.6,0.7,0.6\n")
    # No results table: the bars are refused (exit 2), the curves drawn all the same.
    done = cli("plot", str(run), "--out", str(tmp_path / "plots"),
               "--results", str(tmp_path / "none.csv"))
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert [p.name for p in (tmp_path / "plots").iterdir()] == [
        "curves-small-jax-20250101-120000.png"]
    assert not list(tmp_path.parent.rglob("escaped*"))


def test_a_runs_folder_that_is_a_file_is_one_clear_error(tmp_path):
    from keras_vis.files import check_writable

    (tmp_path / "runs").write_text("not a folder")
    with pytest.raises(DataError, match="runs: the runs folder is a file, not a folder"):
        check_writable(tmp_path / "runs", "runs folder")
    with pytest.raises(DataError, match=r"runs is a file, not a folder"):
        check_writable(tmp_path / "runs" / "sub", "runs folder")


# ---- 9. bounded resources: sizes from a file or a flag are checked before any allocation ----

def _tampered_checkpoint(tmp_path: Path, **clip) -> Path:
    import zipfile

    import zoo

    path, tampered = tmp_path / "model.keras", tmp_path / "tampered.keras"
    zoo.build("onset_sync_baseline", "tiny").save(path)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["options"]["clip"].update(clip)
                data = json.dumps(config).encode()
            target.writestr(item, data)
    return tampered


def test_a_checkpoint_whose_clip_is_huge_is_refused_before_loading(tmp_path):
    from keras_vis.inference.predict import load_model

    path = _tampered_checkpoint(tmp_path, height=4096, width=4096)
    with pytest.raises(KerasVisError, match=r"tampered.keras: its clip spec is beyond what can be "
                                            r"scored: height 4096 \(at most 1024\), width 4096"):
        load_model(path)


def test_a_batch_size_that_cannot_fit_is_refused_with_one_that_does():
    from keras_vis.inference.predict import check_batch_size
    from zoo.clip import ClipSpec

    clip = ClipSpec(seconds=2.0, fps=15, height=112, width=112)
    check_batch_size(clip, 64)
    with pytest.raises(KerasVisError, match=r"--batch-size 100000: .* GiB .* use --batch-size \d+"):
        check_batch_size(clip, 100000)


@pytest.mark.parametrize("options, message", [
    (dict(seconds=float("nan")), "seconds must lie between 2.0 and"),
    (dict(size=(16000, 16000)), "size 16000x16000 is beyond 2160x3840"),
])
def test_generate_refuses_nan_and_huge_sizes_before_making_a_folder(tmp_path, options, message):
    from keras_vis.data.synthetic import generate

    with pytest.raises(DataError, match=message):
        generate(tmp_path / "out", recordings=1, quiet=True, **options)
    assert not (tmp_path / "out").exists()


# ---- 10. every error is one clear line, exit status 2 ----

def test_generate_into_a_file_is_one_clear_error(tmp_path):
    (tmp_path / "taken").write_text("a file")
    done = cli("generate", str(tmp_path / "taken"), "--recordings", "1", "--seconds", "2")
    assert_clean_error(done, "taken: is a file, not a folder")
    done = cli("generate", str(tmp_path / "out"), "--seconds", "nan")
    assert_clean_error(done, "seconds must lie between 2.0 and")
    assert not (tmp_path / "out").exists()


def test_an_unknown_backend_in_the_environment_is_one_clear_error():
    done = cli("models", env={"KERAS_BACKEND": "bogus"})
    assert_clean_error(done, "Keras backend 'bogus' ($KERAS_BACKEND) is unknown")


def test_an_unknown_preset_and_a_truncated_model_file_say_so(tmp_path, model_path):
    from keras_vis.inference.predict import load_model

    with pytest.raises(KerasVisError, match="unknown preset 'bogus' for onset_sync_baseline"):
        load_model("onset_sync_baseline:bogus")
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(model_path.read_bytes()[:1000])
    with pytest.raises(KerasVisError, match="truncated.keras: not a .keras file"):
        load_model(truncated)


# ---- 7. media that cannot answer says so ----

def test_a_low_frame_rate_video_is_warned_in_predict_and_left_out_of_evaluate(tmp_path):
    from keras_vis.inference.evaluate import evaluate
    from keras_vis.inference.predict import predict
    from tests.media import write_video

    folder = tmp_path / "clips"
    folder.mkdir()
    write_video(folder / "fine.mp4", seconds=3.0, fps=10, size=(64, 64))
    write_video(folder / "slow.mp4", seconds=3.0, fps=1, size=(64, 64))
    write_video(folder / "short.mp4", seconds=0.4, fps=10, size=(64, 64), seed=1)

    result = predict(folder / "slow.mp4", model="onset_sync_baseline")
    assert any("the video has 1 fps, under half the model's 10" in w for w in result.warnings)
    assert not any("fps" in w for w in predict(folder / "fine.mp4",
                                               model="onset_sync_baseline").warnings)

    report = evaluate("onset_sync_baseline", folder, search_offsets=False)
    assert report.metrics["clips"] == 1
    reasons = {item["clip"]: item["reason"] for item in report.skipped}
    assert sorted(reasons) == ["short.mp4", "slow.mp4"]
    assert "under half the model's 2 s window" in reasons["short.mp4"]
    assert "1 fps, under half the model's 10" in reasons["slow.mp4"]


def test_run_with_a_runs_folder_that_is_a_file_or_a_bad_override_leaves_nothing(tmp_path):
    config = tmp_path / "probe.toml"
    config.write_text('[model]\nname = "onset_sync_baseline"\npreset = "tiny"\n')
    (tmp_path / "runs").write_text("a file")
    done = cli("run", str(config), "--runs-dir", str(tmp_path / "runs"),
               "--results", str(tmp_path / "r.csv"))
    assert_clean_error(done, "runs: the runs folder is a file, not a folder")
    done = cli("run", str(config), "--set", "model.overrides.max_lag_s=0", "--runs-dir",
               str(tmp_path / "fresh"), "--results", str(tmp_path / "r.csv"))
    assert_clean_error(done, "model.overrides.max_lag_s: must be a positive number of seconds")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe.toml", "runs"]


# ---- 8. compare, prepare and generate write only inside the folder they were told ----

def _cli_in(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m keras_vis ARGS`` run from ``cwd`` (not the repository), its output captured."""
    return subprocess.run([sys.executable, "-m", "keras_vis", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def _snapshot(*roots: Path) -> set[Path]:
    """Every file and folder under ``roots`` (resolved)."""
    return {path.resolve() for root in roots if root.exists() for path in root.rglob("*")}


def _assert_new_paths_inside(new: set[Path], folder: Path) -> None:
    folder = folder.resolve()
    outside = sorted(str(p) for p in new if p != folder and folder not in p.parents)
    assert not outside, f"written outside {folder}: {outside}"


@pytest.fixture(scope="module")
def tiny_recordings(tmp_path_factory) -> Path:
    """Two studio recordings of 4 s at 64x64, made once for this module."""
    from keras_vis.data.synthetic import generate

    root = tmp_path_factory.mktemp("tiny-recordings")
    generate(root, recordings=2, seconds=4.0, size=(64, 64), workers=1, quiet=True)
    return root


def test_compare_writes_only_its_page_and_only_with_write(tmp_path):
    from keras_vis.results.table import append_result

    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    append_result(work / "results.csv", _row("runs/small/jax-1", 0.7) | {"model": "m"})
    before = _snapshot(tmp_path)
    done = _cli_in(work, "compare", "--results", "results.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    assert _snapshot(tmp_path) == before  # no --write: nothing at all
    for page in ("docs/page.md", "docs/../docs/again.md"):
        before = _snapshot(tmp_path)
        done = _cli_in(work, "compare", "--all", "--results", "results.csv", "--write", page)
        assert done.returncode == 0, done.stderr[-3000:]
        assert _snapshot(tmp_path) - before == {(work / page).resolve()}


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_prepare_writes_only_inside_its_cache_folder(tmp_path, tiny_recordings, how):
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir(), home.mkdir()
    if how == "flag":  # relative, so resolved against the working folder
        cache, args, env = work / "cache", ["--cache-dir", "cache"], {}
    else:
        cache, args, env = tmp_path / "elsewhere", [], {"KERAS_VIS_CACHE": str(tmp_path / "elsewhere")}
    before = _snapshot(tmp_path, tiny_recordings)
    done = _cli_in(work, "prepare", str(tiny_recordings), "--quiet", "--workers", "1", *args,
                   env={"HOME": str(home), **env})
    assert done.returncode == 0, done.stderr[-3000:]
    new = _snapshot(tmp_path, tiny_recordings) - before
    assert any(p.name.endswith(".video.npy") for p in new), sorted(new)
    # Nothing in the dataset, the working folder or ~/.cache: only the cache folder it was given.
    _assert_new_paths_inside({p for p in new if home not in p.parents}, cache)
    assert not (home / ".cache").exists()


@pytest.mark.parametrize("out", ["gen", "sub/../gen", "..gen"])
def test_generate_writes_only_inside_its_output_folder(tmp_path, out):
    work = tmp_path / "work"
    work.mkdir()
    before = _snapshot(tmp_path)
    done = _cli_in(work, "generate", out, "--recordings", "1", "--seconds", "2",
                   "--size", "32x32", "--workers", "1", "--quiet")
    assert done.returncode == 0, done.stderr[-3000:]
    new = _snapshot(tmp_path) - before
    _assert_new_paths_inside(new, work / out)
    assert {p.name for p in new} >= {"manifest.json"}
    assert (work / out).resolve().parent == work.resolve()
