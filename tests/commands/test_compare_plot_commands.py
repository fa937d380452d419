import argparse
import json

import pytest

from keras_vis.commands import compare, plot
from keras_vis.errors import DataError, KerasVisError
from keras_vis.results.table import RESULTS_COLUMNS, append_result


def parse(*argv):
    # cli.py imports every command; a bare parser with only these two keeps the test independent.
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command", required=True)
    compare.register(subparsers, [])
    plot.register(subparsers, [])
    return parser.parse_args(argv)


def add_run(path, backend, seed, accuracy, **values):
    row = dict.fromkeys(RESULTS_COLUMNS, "")
    row.update(experiment="sync_tiny", model="resnet_gru_fusion", task="sync", backend=backend,
               seed=seed, test_accuracy=accuracy, test_auc=accuracy)
    row.update(values)
    append_result(path, row)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "experiments" / "results.csv"
    add_run(results, "jax", 1, 0.9)
    add_run(results, "jax", 2, 0.96)
    add_run(results, "torch", 1, 0.8)
    run_dir = tmp_path / "runs" / "sync_tiny" / "jax-20250101-120000"
    run_dir.mkdir(parents=True)
    history = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.6,0.7,0.55,0.7\n1,0.8,0.5,0.6,0.65\n"
    (run_dir / "history.csv").write_text(history)
    return tmp_path


def test_compare_writes_nothing_unless_asked(project, capsys):
    args = parse("compare", "--all", "--by", "model,backend,task")
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert "| sync | resnet_gru_fusion | jax | 2 | **0.930 ± 0.042** |" in printed
    assert not (project / "experiments" / "RESULTS.md").exists()

    args = parse("compare", "--all", "--by", "model,backend,task", "--write", "docs/results.md")
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    written = (project / "docs" / "results.md").read_text(encoding="utf-8")
    assert written.startswith("# Results") and printed in written
    assert ("python -m keras_vis compare --all --by model,backend,task --write docs/results.md"
            in written)


def test_compare_csv(project, capsys):
    args = parse("compare", "--all", "--format", "csv", "--by", "backend")
    assert args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("backend,runs,test_accuracy_mean")


def test_compare_by_default_shows_the_best_per_model_and_the_last_run(project, capsys):
    results = project / "experiments" / "results.csv"
    add_run(results, "jax", 3, 0.5, experiment="sync_tiny", overrides="train.epochs=1")
    args = parse("compare")
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("|")[1:4] == [" task ", " model             ", " experiment "]
    # One row per task and model: the jax seeds' mean, not the torch run or the variant.
    assert len([line for line in lines[2:] if line.startswith("| sync ")]) == 1
    assert "| sync | resnet_gru_fusion | sync_tiny  | 2    | 0.930 ± 0.042 |" in lines[2]
    # The variant is a group of its own, and the last run is shown: a run just made is found.
    assert lines[-2].startswith("| ") and "sync_tiny +train.epochs=1 | jax" in lines[-2]
    assert all(len(line) <= 120 for line in lines)


def test_compare_filters_and_shows_the_last_runs(project, capsys):
    results = project / "experiments" / "results.csv"
    add_run(results, "jax", 1, 0.7, experiment="motion_lag_fusion_mixed_small",
            model="motion_lag_fusion")
    for pattern in ("motion_lag", "motion_*", "*_small"):
        args = parse("compare", "--filter", pattern, "--last", "5")
        assert args.func(args) == 0
        rows = capsys.readouterr().out.splitlines()[2:]
        assert len(rows) == 1 and "motion_lag_fusion_mixed_small" in rows[0]
    args = parse("compare", "--pattern", "nothing")
    with pytest.raises(KerasVisError, match="no runs match 'nothing'.*sync_tiny"):
        args.func(args)
    args = parse("compare", "--last", "2")
    assert args.func(args) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_compare_reads_the_users_own_table(project, capsys, monkeypatch):
    mine = project / "mine.csv"
    add_run(mine, "torch", 9, 0.42, experiment="my_experiment")
    monkeypatch.setenv("KERAS_VIS_RESULTS", str(mine))
    args = parse("compare", "--last", "5")
    assert args.func(args) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert len(rows) == 1 and "my_experiment" in rows[0] and "0.420" in rows[0]


def test_compare_missing_or_empty_results_is_clear(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = parse("compare")
    with pytest.raises(DataError, match="experiments/results.csv: no results yet"):
        args.func(args)
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "results.csv").write_text(",".join(RESULTS_COLUMNS) + "\n")
    with pytest.raises(DataError, match="holds no runs"):
        args.func(args)


def test_plot_writes_curves_and_bars(project, capsys):
    args = parse("plot", "experiments/sync_tiny.toml", "--out", "pictures")
    assert args.func(args) == 0
    printed = capsys.readouterr().out.split()
    assert printed == ["pictures/curves-sync_tiny.png", "pictures/accuracy-sync_tiny.png"]
    assert all((project / path).stat().st_size > 0 for path in printed)


def test_plot_reports_a_bad_target_and_still_draws_the_others(project, capsys):
    args = parse("plot", "nope", "sync_tiny")
    assert args.func(args) == 2
    captured = capsys.readouterr()
    assert "runs/nope: no runs of experiment 'nope'" in captured.err
    assert "runs/plots/curves-sync_tiny.png" in captured.out.split()


def test_compare_reports_prints_paired_differences(tmp_path, capsys):
    def report(path, shift):
        pairs = [{"kind": kind, "video": f"c{i}", "audio": f"c{i}", "shift_s": None,
                  "label": int(kind == "aligned"), "p_real": p + shift}
                 for i in range(4) for kind, p in (("aligned", 0.45 + 0.1 * i), ("swapped", 0.2))]
        path.write_text(json.dumps({"model": path.stem, "pairs": pairs}))
        return str(path)

    args = parse("compare", "--reports", report(tmp_path / "a.json", 0.0),
                 report(tmp_path / "b.json", 0.1))
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| report | balanced accuracy | vs first (paired 95 % interval)")
    assert "(reference)" in lines[2] and "a.json" in lines[2]
    # b calls the first clip's aligned pair real as well: +0.125 balanced accuracy.
    assert "b.json | 1.000 " in lines[3] and "+0.125 [" in lines[3]

    # Two runs of one configuration, by their mean: half of b's gain.
    runs = report(tmp_path / "b.json", 0.1) + "," + report(tmp_path / "a2.json", 0.0)
    args = parse("compare", "--reports", str(tmp_path / "a.json"), runs)
    assert args.func(args) == 0
    line = capsys.readouterr().out.splitlines()[3]
    assert line.startswith(f"| {runs} | 0.938 ") and "+0.062 [" in line


def test_compare_reports_names_reports_scored_on_other_clips(tmp_path):
    def report(path, clips):
        pairs = [{"kind": kind, "video": f"c{i}", "audio": f"c{i}", "label": int(kind == "aligned"),
                  "p_real": 0.5} for i in range(clips) for kind in ("aligned", "swapped")]
        path.write_text(json.dumps({"model": path.stem, "pairs": pairs}))
        return str(path)

    args = parse("compare", "--reports", report(tmp_path / "a.json", 3),
                 report(tmp_path / "b.json", 4))
    with pytest.raises(DataError, match="b.json against .*a.json: the two reports were not scored"):
        args.func(args)
