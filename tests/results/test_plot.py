import json
import struct

import pandas
import pytest

from keras_vis.errors import DataError, KerasVisError
from keras_vis.results.plot import accuracy_bars, learning_curves, resolve_runs
from keras_vis.results.table import RESULTS_COLUMNS
from keras_vis.training.rundir import RunDir

HEADER = "epoch,accuracy,auc,loss,val_accuracy,val_auc,val_loss,learning_rate\n"


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def make_run(root, experiment, folder, epochs=4, header=HEADER):
    run_dir = root / experiment / folder
    run_dir.mkdir(parents=True)
    config = {"name": experiment, "backend": folder.split("-")[0]}
    (run_dir / "config.json").write_text(json.dumps(config))
    lines = [header]
    for epoch in range(epochs):  # train keeps improving while validation turns: overfitting
        train = f"{0.6 + 0.1 * epoch},0.5,{0.7 - 0.15 * epoch}"
        val = f"{0.6 + 0.05 * epoch - 0.04 * epoch**2 / 3},0.5,{0.7 - 0.05 * epoch}"
        lines.append(f"{epoch},{train},{val},0.001\n")
    (run_dir / "history.csv").write_text("".join(lines))
    return run_dir


def test_learning_curves_png_of_fixed_size(tmp_path):
    runs = [
        make_run(tmp_path, "sync_tiny", "jax-20250101-120000"),
        make_run(tmp_path, "sync_tiny", "torch-20250101-120000", epochs=1),
    ]
    out = learning_curves(runs, tmp_path / "plots" / "curves.png")
    assert out.stat().st_size > 10_000
    assert png_size(out) == (1200, 450)


def test_history_without_validation_still_plots(tmp_path):
    run_dir = make_run(tmp_path, "sync_tiny", "jax-20250101-120000", header="epoch,accuracy,loss\n")
    (run_dir / "history.csv").write_text("epoch,accuracy,loss\n0,0.5,0.7\n1,0.6,0.6\n")
    assert png_size(learning_curves([run_dir], tmp_path / "c.png")) == (1200, 450)


def test_read_history_keeps_the_last_record_of_a_resumed_epoch(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    resumed = "epoch,accuracy,loss\n0,0.5,0.7\n1,0.55,0.65\n1,0.6,0.6\n2,0.7,0.5\n"
    (run_dir / "history.csv").write_text(resumed)
    history = RunDir(run_dir).history()
    assert history["epoch"].tolist() == [1, 2, 3]
    assert history["accuracy"].tolist() == [0.5, 0.6, 0.7]


@pytest.mark.parametrize(
    "content, fragment",
    [
        (None, "no such file"),
        ("", "empty"),
        ("epoch,accuracy,loss\n", "no epochs"),
        ("epoch,auc\n0,0.5\n", "no accuracy or loss"),
        ("epoch,accuracy,loss\n0,0.5,0.7\n1,x,0.6\n", "line 3"),
    ],
)
def test_bad_history_names_the_file(tmp_path, content, fragment):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    if content is not None:
        (run_dir / "history.csv").write_text(content)
    with pytest.raises(DataError, match=fragment) as error:
        RunDir(run_dir).history()
    assert str(run_dir / "history.csv") in str(error.value)


def test_resolve_latest_run_per_backend(tmp_path):
    make_run(tmp_path, "sync_tiny", "jax-20250101-120000")
    make_run(tmp_path, "sync_tiny", "jax-20250102-090000")
    make_run(tmp_path, "sync_tiny", "jax-20250102-090000-2")
    newest_jax = make_run(tmp_path, "sync_tiny", "jax-20250102-090000-10")
    torch = make_run(tmp_path, "sync_tiny", "torch-20250101-120000")
    starting = make_run(tmp_path, "sync_tiny", "torch-20250103-120000", epochs=0)
    (tmp_path / "sync_tiny" / "notes").mkdir()
    for target in ("sync_tiny", "experiments/sync_tiny.toml", str(tmp_path / "sync_tiny")):
        resolved = resolve_runs(target, runs_root=tmp_path)
        assert resolved.experiment == "sync_tiny" and not resolved.single_run
        assert resolved.run_dirs == [newest_jax, torch]
        assert len(resolved.skipped) == 1 and str(starting) in resolved.skipped[0]
    single = resolve_runs(str(torch), runs_root=tmp_path)
    assert single.run_dirs == [torch] and single.single_run and single.experiment == "sync_tiny"


def test_resolve_unknown_experiment_is_clear(tmp_path):
    with pytest.raises(DataError, match="no runs of experiment 'nope'.*experiments/nope.toml"):
        resolve_runs("nope", runs_root=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no run folders"):
        resolve_runs("empty", runs_root=tmp_path)


def results_table(tasks):
    rows = []
    for task in tasks:
        for model in ("resnet_gru_fusion", "siamese_fusion"):
            for backend in ("jax", "tensorflow", "torch"):
                for seed, accuracy in ((1, 0.9), (2, 0.94)):
                    row = dict.fromkeys(RESULTS_COLUMNS, "")
                    row.update(model=model, backend=backend, task=task, seed=seed,
                               test_accuracy=accuracy, preset="tiny", fusion="late")
                    rows.append(row)
    return pandas.DataFrame(rows)


@pytest.mark.parametrize("tasks", [("sync",), ("sync", "correspondence")])
def test_accuracy_bars_one_panel_per_task(tmp_path, tasks):
    out = accuracy_bars(results_table(tasks), tmp_path / "bars.png")
    assert out.stat().st_size > 10_000
    assert png_size(out) == (600 * len(tasks), 450)


def test_accuracy_bars_without_any_accuracy_is_an_error(tmp_path):
    table = results_table(("sync",))
    table["test_accuracy"] = ""
    with pytest.raises(KerasVisError, match="no run has a test_accuracy"):
        accuracy_bars(table, tmp_path / "bars.png")
    assert not (tmp_path / "bars.png").exists()
