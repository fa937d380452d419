import io
import math

import pandas
import pytest

from keras_vis.results.compare import compare, mixed_groups, summarize, write_results_md
from keras_vis.errors import KerasVisError
from keras_vis.results.table import RESULTS_COLUMNS, append_result

# The grouping these tables were written for (the default groups like with like instead).
BY = "model,backend,task"


def run(model, backend, task, seed, accuracy, **values):
    row = dict.fromkeys(RESULTS_COLUMNS, "")
    row.update(
        experiment=f"{task}_tiny", model=model, preset="tiny", task=task, backend=backend,
        seed=seed, params=1000, test_accuracy=accuracy, test_auc=accuracy + 0.05,
        val_accuracy=accuracy - 0.02, train_accuracy=0.99, test_loss=1 - accuracy,
        samples_per_s=50.0,
    )
    row.update(values)
    return row


@pytest.fixture
def table():
    return pandas.DataFrame(
        [
            run("b_model", "jax", "sync", 1, 0.90),
            run("b_model", "jax", "sync", 2, 0.94),
            run("b_model", "jax", "sync", 3, 0.98),
            run("a_model", "jax", "sync", 1, 0.95, params=2000000),
            run("a_model", "torch", "sync", 1, 0.60),
            run("a_model", "jax", "correspondence", 1, 0.70),
            run("b_model", "jax", "correspondence", 1, 0.80, samples_per_s=70.0),
        ]
    )


def test_summary_mean_std_and_best(table):
    summary = summarize(table, by=BY)
    assert list(summary[["task", "model", "backend"]].itertuples(index=False, name=None)) == [
        ("correspondence", "a_model", "jax"),
        ("correspondence", "b_model", "jax"),
        ("sync", "a_model", "jax"),
        ("sync", "a_model", "torch"),
        ("sync", "b_model", "jax"),
    ]
    b_sync = summary.iloc[4]
    assert b_sync["runs"] == 3
    assert b_sync["test_accuracy_mean"] == pytest.approx(0.94)
    assert b_sync["test_accuracy_std"] == pytest.approx(0.04)  # sample std of 0.90, 0.94, 0.98
    assert b_sync["test_auc_mean"] == pytest.approx(0.99)
    assert math.isnan(summary.iloc[2]["test_accuracy_std"])  # one run: no spread to report
    assert summary["best"].tolist() == [False, True, True, False, False]
    assert summary.iloc[2]["params"] == "2000000"


def test_best_per_task_follows_the_metric(table):
    # equal means are all marked: b_model/jax averages 0.95 too once its third seed scores 1.01
    table.loc[2, "test_accuracy"] = 1.01
    tied = summarize(table, by=BY)
    sync = tied[tied["task"] == "sync"].set_index(["model", "backend"])
    assert sync.loc[("a_model", "jax"), "best"] and sync.loc[("b_model", "jax"), "best"]
    # a loss is better when lower: a_model/jax has the lowest test loss on sync (0.05)
    by_loss = summarize(table, by=BY, metric="test_loss")
    sync = by_loss[by_loss["task"] == "sync"].set_index(["model", "backend"])
    assert sync["best"].sum() == 1 and sync.loc[("a_model", "jax"), "best"]
    # without task in --by there is one best row overall
    assert summarize(table, by="model", metric="samples_per_s")["best"].tolist() == [False, True]


def test_markdown_marks_best_and_is_deterministic(table):
    text = compare(table, by="model,backend,task")
    lines = text.splitlines()
    assert lines[0].startswith("| task | model | backend | runs | test acc | test AUC |")
    assert "| sync | a_model | jax | 1 | **0.950** |" in text
    # No real-clip figures in these rows: those cells show "-".
    b_sync = ("| sync | b_model | jax | 3 | 0.940 ± 0.040 | 0.990 ± 0.040 | - | - | - | - | - | - | 0.920 "
              "| 0.990 |")
    assert b_sync + " 1,000 | 50.0 |  |" in text
    assert sum(line.endswith("| best |") for line in lines[2:]) == 2
    shuffled = table.sample(frac=1.0, random_state=0)
    assert compare(shuffled, by="model,backend,task") == text


def test_the_default_grouping_compares_like_with_like(table):
    from keras_vis.results.compare import DEFAULT_BY

    assert {"experiment", "preset", "task", "dataset"} <= set(DEFAULT_BY)
    assert not mixed_groups(table)


def test_csv_format_parses_back(table):
    parsed = pandas.read_csv(io.StringIO(compare(table, by=["model", "task"], fmt="csv")))
    assert list(parsed.columns[:3]) == ["task", "model", "runs"]
    b_sync = parsed[(parsed["model"] == "b_model") & (parsed["task"] == "sync")].iloc[0]
    assert b_sync["runs"] == 3 and b_sync["test_accuracy_mean"] == pytest.approx(0.94)
    assert parsed["best"].dtype == bool


def test_mixed_presets_are_noted(table):
    assert mixed_groups(table, BY) == []
    base = run("b_model", "jax", "sync", 1, 0.7, preset="base", experiment="sync_base")
    table.loc[len(table)] = base
    notes = mixed_groups(table, BY)
    assert len(notes) == 1 and "experiment, preset" in notes[0]
    assert "--by model,backend,task,experiment,preset" in notes[0]
    assert notes[0] in compare(table, by=BY)


def test_bad_arguments_are_clear(table):
    with pytest.raises(KerasVisError, match="unknown column.*colour"):
        compare(table, by="model,colour")
    with pytest.raises(KerasVisError, match="not a numeric"):
        compare(table, metric="model")
    with pytest.raises(KerasVisError, match="format"):
        compare(table, fmt="html")
    with pytest.raises(KerasVisError, match="no runs"):
        compare(table.iloc[:0])


def test_reads_a_results_file_and_writes_markdown(tmp_path, table):
    path = tmp_path / "results.csv"
    for row in table.to_dict("records"):
        append_result(path, row)
    text = compare(path, by=BY)
    assert text == compare(table, by=BY)
    out = tmp_path / "docs" / "RESULTS.md"
    write_results_md(text, out)
    assert out.read_text(encoding="utf-8") == text
