"""The comparison table: results.csv grouped by model, backend and task, mean +- std over seeds.

Example:
>>> import pandas
>>> from keras_vis.results.table import RESULTS_COLUMNS
>>> rows = [dict.fromkeys(RESULTS_COLUMNS, "") for _ in range(2)]
>>> for row, seed, accuracy in zip(rows, (1, 2), (0.90, 0.94)):
...     row.update(model="m", backend="jax", task="sync", seed=seed, test_accuracy=accuracy)
>>> print(compare(pandas.DataFrame(rows), by="model,backend,task").splitlines()[2])
| sync | m | jax | 2 | **0.920 ± 0.028** | - | - | - | - | - | - | - | - | - | best |
"""

from __future__ import annotations

import fnmatch
import io
import math
import os
import shlex
from typing import Iterable, Sequence

import pandas

from keras_vis.errors import KerasVisError
from keras_vis.files import write_text
from keras_vis.results.table import (
    DEFAULT_GROUPING, NUMERIC_COLUMNS, RESULTS_COLUMNS, read_results,
)

# Like with like, and a run started with --set (same experiment name, its flags in the
# ``overrides`` column) never averaged with the experiment it varies.
DEFAULT_BY = (DEFAULT_GROUPING[0], "overrides", *DEFAULT_GROUPING[1:])
# The concise table fits a terminal this wide (the experiment column is cut to fit).
CONCISE_WIDTH = 120

# Summarised per group: (column, heading in markdown, shown with its std).
SUMMARY = (
    ("test_accuracy", "test acc", True),
    ("test_auc", "test AUC", True),
    # Real footage beside the synthetic test: the protocol of keras_vis.inference.evaluate.
    ("real_balanced_accuracy", "real bal. acc", False),
    ("real_auc", "real AUC", False),
    ("real_within_clip", "real within-clip", False),
    ("real_offset_ok", "real offset ok", False),
    # The held-out part of the footage a run trained on (data.footage), same protocol.
    ("footage_balanced_accuracy", "footage bal. acc", False),
    ("footage_auc", "footage AUC", False),
    ("val_accuracy", "val acc", False),
    ("train_accuracy", "train acc", False),
)
LOWER_IS_BETTER = frozenset({"test_loss", "train_time_s"})

# Averaging over runs that differ in one of these would mix different measurements.
MIXING_COLUMNS = ("experiment", "preset", "fusion", "dataset")


def compare(
    results: pandas.DataFrame | str | os.PathLike,
    by: Sequence[str] | str = DEFAULT_BY,
    metric: str = "test_accuracy",
    fmt: str = "markdown",
) -> str:
    """The comparison table of ``results`` (a results.csv path or its DataFrame) as text.

    One row per group of ``by`` (a sequence or a comma-separated string): the number of runs,
    mean +- std of test accuracy and AUC over them (sample std; none with a single run), mean
    val and train accuracy, parameters and samples/s. The best group by ``metric`` in each task
    (higher is better, lower for losses and times) is marked. Rows are ordered by task, then by
    the other ``by`` columns: the same table always prints the same way. ``fmt`` is
    ``"markdown"`` (with a note when groups mix experiments or presets) or ``"csv"``.
    """
    if fmt not in ("markdown", "csv"):
        raise KerasVisError(f"unknown table format {fmt!r}: use markdown or csv")
    table = results if isinstance(results, pandas.DataFrame) else read_results(results)
    summary = summarize(table, by, metric)
    if fmt == "csv":
        return _to_csv(summary)
    notes = "".join(f"\n{note}\n" for note in mixed_groups(table, by))
    return _to_markdown(summary, _keys(by), metric) + notes


def summarize(
    results: pandas.DataFrame | str | os.PathLike,
    by: Sequence[str] | str = DEFAULT_BY,
    metric: str = "test_accuracy",
) -> pandas.DataFrame:
    """The numbers behind :func:`compare`, one row per group: the ``by`` columns, ``runs``,
    ``<column>_mean`` / ``<column>_std`` for each summarised column, ``params``,
    ``samples_per_s_mean`` and ``best`` (bool)."""
    table = results if isinstance(results, pandas.DataFrame) else read_results(results)
    keys = _keys(by)
    unknown = [key for key in keys if key not in table.columns]
    if unknown:
        raise KerasVisError(
            f"--by: unknown column(s) {', '.join(unknown)}; "
            f"choose from {', '.join(RESULTS_COLUMNS)}"
        )
    if metric not in NUMERIC_COLUMNS:
        raise KerasVisError(
            f"--metric {metric!r} is not a numeric results column; choose from "
            + ", ".join(NUMERIC_COLUMNS)
        )
    if table.empty:
        raise KerasVisError("the results table holds no runs yet")
    table = table.copy()
    for key in keys:
        table[key] = table[key].fillna("").astype(str)
    for column in NUMERIC_COLUMNS:
        if column in table.columns:
            table[column] = pandas.to_numeric(table[column], errors="coerce")

    columns = [column for column, _, _ in SUMMARY]
    if metric not in columns:
        columns.append(metric)
    rows = []
    for values, group in table.groupby(keys, sort=False, dropna=False):
        values = values if isinstance(values, tuple) else (values,)
        row = dict(zip(keys, values))
        row["runs"] = len(group)
        for column in columns:
            numbers = group[column].dropna() if column in group else pandas.Series(dtype=float)
            row[f"{column}_mean"] = numbers.mean() if len(numbers) else math.nan
            row[f"{column}_std"] = numbers.std(ddof=1) if len(numbers) > 1 else math.nan
        params = group["params"].dropna().unique() if "params" in group else []
        row["params"] = _join_unique(int(value) for value in sorted(params))
        speed = group["samples_per_s"].dropna() if "samples_per_s" in group else []
        row["samples_per_s_mean"] = speed.mean() if len(speed) else math.nan
        rows.append(row)
    summary = pandas.DataFrame(rows)

    order = _display_keys(keys)
    summary = summary.sort_values(order, kind="stable").reset_index(drop=True)
    summary = summary[order + [column for column in summary.columns if column not in order]]
    summary["best"] = _best(summary, metric, "task" if "task" in keys else None)
    return summary


def mixed_groups(table: pandas.DataFrame, by: Sequence[str] | str = DEFAULT_BY) -> list[str]:
    """Notes on groups that average runs of different experiments, presets, fusions or datasets
    (say ``resnet_gru_fusion`` at ``tiny`` and at ``base``); empty when every group is uniform."""
    keys = _keys(by)
    checked = [column for column in MIXING_COLUMNS if column in table and column not in keys]
    if not checked or table.empty:
        return []
    mixed_columns: set[str] = set()
    mixed_count = 0
    text = table[keys + checked].fillna("").astype(str)
    groups = text.groupby(keys)
    for _, group in groups:
        varying = [column for column in checked if group[column].nunique() > 1]
        if varying:
            mixed_count += 1
            mixed_columns.update(varying)
    if not mixed_count:
        return []
    varying = [column for column in checked if column in mixed_columns]
    suggestion = ",".join([*keys, *varying])
    return [
        f"Note: {mixed_count} of {len(groups)} groups average runs with different "
        f"{', '.join(varying)}; `--by {suggestion}` compares like with like."
    ]


def results_document(
    results: pandas.DataFrame | str | os.PathLike,
    by: Sequence[str] | str = DEFAULT_BY,
    metric: str = "test_accuracy",
    source: str | os.PathLike = "experiments/results.csv",
    out: str | os.PathLike | None = None,
) -> str:
    """The results page's text (``compare --all --write docs/results.md``): a title, where the
    numbers come from, the command that remakes the page (naming ``out``, the page itself),
    then the markdown table of :func:`compare`."""
    table = results if isinstance(results, pandas.DataFrame) else read_results(results)
    keys = _keys(by)
    command = ["python", "-m", "keras_vis", "compare", "--all"]
    if keys != list(DEFAULT_BY):
        command += ["--by", ",".join(keys)]
    if metric != "test_accuracy":
        command += ["--metric", metric]
    if os.path.normpath(source) != os.path.normpath("experiments/results.csv"):
        command += ["--results", os.fspath(source)]
    command += ["--write", os.fspath(out)] if out else []
    return (
        "# Results\n\n"
        f"{len(table)} runs from `{os.fspath(source)}`, grouped by {', '.join(keys)}; the best "
        f"{metric} per task is in bold. Made by `{shlex.join(command)}`: rerun it rather than "
        "editing this page.\n\n" + compare(table, keys, metric, "markdown")
    )


def select(table: pandas.DataFrame, pattern: str) -> pandas.DataFrame:
    """The runs whose experiment or model matches ``pattern``: a glob when it holds ``*``, ``?``
    or ``[``, else a substring (``motion_lag`` finds every motion_lag_fusion run).
    Raises ``KerasVisError`` naming the experiments there are when nothing matches."""
    names = table["experiment"].astype(str)
    models = table["model"].astype(str)
    if any(char in pattern for char in "*?["):
        hit = names.map(lambda n: fnmatch.fnmatchcase(n, pattern)) | models.map(
            lambda n: fnmatch.fnmatchcase(n, pattern))
    else:
        hit = names.str.contains(pattern, regex=False) | models.str.contains(pattern, regex=False)
    if not hit.any():
        known = sorted(set(names))
        shown = ", ".join(known[:8]) + (f" and {len(known) - 8} more" if len(known) > 8 else "")
        raise KerasVisError(
            f"no runs match {pattern!r} (a substring, or a glob with * ? [], of an experiment "
            f"or model name); experiments: {shown}"
        )
    return table[hit]


def concise(
    results: pandas.DataFrame | str | os.PathLike,
    metric: str = "test_accuracy",
    width: int = CONCISE_WIDTH,
) -> str:
    """The table ``compare`` prints by default: for each task and model, the best group of
    runs by ``metric`` (a group is an experiment with its overrides on one backend and device,
    as in :func:`compare`), with its real-clip figures, in at most ``width`` columns.

    Every other group is one ``--all`` away: this is where a reader starts, not the record."""
    table = results if isinstance(results, pandas.DataFrame) else read_results(results)
    keys = [*DEFAULT_BY, "model"]
    summary = summarize(table, keys, metric)
    score = summary[f"{metric}_mean"]
    summary = summary.assign(_score=-score if metric in LOWER_IS_BETTER else score)
    best = (summary.sort_values("_score", ascending=False, na_position="last", kind="stable")
            .groupby(["task", "model"], sort=False).head(1)
            .sort_values(["task", "model"], kind="stable"))
    headings = ["task", "model", "experiment", "runs", "test acc", "real acc", "real AUC"]
    rows = []
    for _, row in best.iterrows():
        name = row["experiment"] + (f" +{row['overrides']}" if row["overrides"] else "")
        rows.append([row["task"] or "-", row["model"] or "-", name, str(row["runs"]),
                     _mean_std(row["test_accuracy_mean"], row["test_accuracy_std"]),
                     _mean_std(row["real_balanced_accuracy_mean"], math.nan),
                     _mean_std(row["real_auc_mean"], math.nan)])
    return _aligned(headings, rows, width, squeeze=headings.index("experiment"))


def last_runs(results: pandas.DataFrame | str | os.PathLike, count: int,
              width: int = CONCISE_WIDTH) -> str:
    """The last ``count`` runs appended to the table, oldest first, one line each: when, what
    (experiment and overrides), where, and its figures; a run just finished is the last line."""
    table = results if isinstance(results, pandas.DataFrame) else read_results(results)
    if count < 1:
        raise KerasVisError(f"--last {count}: give a number of runs, at least 1")
    headings = ["date", "experiment", "backend", "seed", "test acc", "real acc", "real AUC"]
    rows = []
    for _, row in table.tail(count).iterrows():
        overrides = row.get("overrides", "")
        name = row["experiment"] + (f" +{overrides}" if overrides else "")
        rows.append([str(row["date"])[:16].replace("T", " ") or "-", name, row["backend"] or "-",
                     _integer(row["seed"]), _number(row["test_accuracy"]),
                     _number(row["real_balanced_accuracy"]), _number(row["real_auc"])])
    return _aligned(headings, rows, width, squeeze=headings.index("experiment"))


def write_results_md(text: str, path: str | os.PathLike = "experiments/RESULTS.md") -> None:
    """Write ``text`` (ending with a newline) to ``path`` atomically, creating its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_text(path, text if text.endswith("\n") else text + "\n")


def _keys(by: Sequence[str] | str) -> list[str]:
    keys = [key.strip() for key in by.split(",")] if isinstance(by, str) else list(by)
    keys = [key for key in keys if key]
    if not keys:
        raise KerasVisError("--by: give at least one column to group by")
    if len(set(keys)) != len(keys):
        raise KerasVisError(f"--by: a column is repeated in {','.join(keys)}")
    return keys


def _display_keys(keys: list[str]) -> list[str]:
    # The best row is marked per task, so rows (and columns) lead with the task.
    return (["task"] if "task" in keys else []) + [key for key in keys if key != "task"]


def _best(summary: pandas.DataFrame, metric: str, within: str | None) -> pandas.Series:
    """True for the group(s) with the best mean ``metric`` in each ``within`` (ties all marked)."""
    scores = summary[f"{metric}_mean"]
    if metric in LOWER_IS_BETTER:
        scores = -scores
    sections = summary[within] if within else pandas.Series("", index=summary.index)
    best = scores.groupby(sections).transform("max")
    # Means of the same scores summed in another order differ in the last bits: still a tie.
    return (scores >= best - 1e-9) & scores.notna()


def _join_unique(values: Iterable[int]) -> str:
    return "/".join(str(value) for value in values)


def _to_csv(summary: pandas.DataFrame) -> str:
    buffer = io.StringIO()
    summary.to_csv(buffer, index=False, float_format="%.6g", lineterminator="\n")
    return buffer.getvalue()


def _to_markdown(summary: pandas.DataFrame, keys: list[str], metric: str) -> str:
    order = _display_keys(keys)
    metrics = [(column, heading, std) for column, heading, std in SUMMARY]
    if metric not in [column for column, _, _ in SUMMARY]:
        metrics.append((metric, metric, True))
    headings = order + ["runs"] + [heading for _, heading, _ in metrics]
    headings += ["params", "samples/s", "best"]
    align = ["---"] * len(order) + ["---:"] * (len(headings) - len(order) - 1) + [":---:"]

    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join(align) + "|"]
    for _, row in summary.iterrows():
        cells = [_escape(row[key]) or "-" for key in order]
        cells.append(str(row["runs"]))
        for column, _, with_std in metrics:
            cell = _mean_std(row[f"{column}_mean"], row[f"{column}_std"] if with_std else math.nan)
            cells.append(f"**{cell}**" if row["best"] and column == metric else cell)
        cells.append(_thousands(row["params"]))
        speed = row["samples_per_s_mean"]
        cells.append("-" if pandas.isna(speed) else f"{speed:.1f}")
        cells.append("best" if row["best"] else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _aligned(headings: list[str], rows: list[list[str]], width: int, squeeze: int) -> str:
    """A padded markdown table of at most ``width`` columns: column ``squeeze`` (the long
    names) is cut, with an ellipsis, to what the others leave."""
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows)]
    spare = width - (sum(widths) + 3 * len(widths) + 1)
    if spare < 0:
        widths[squeeze] = max(len(headings[squeeze]), widths[squeeze] + spare)

    def line(cells: list[str]) -> str:
        cut = [cell if len(cell) <= size else cell[: size - 1] + "…"
               for cell, size in zip(cells, widths)]
        return "| " + " | ".join(c.ljust(size) for c, size in zip(cut, widths)) + " |"

    rule = "|" + "|".join("-" * (size + 2) for size in widths) + "|"
    return "\n".join([line(headings), rule, *(line(row) for row in rows)]) + "\n"


def _number(value: object) -> str:
    return "-" if pandas.isna(value) else f"{float(value):.3f}"


def _integer(value: object) -> str:
    return "-" if pandas.isna(value) else str(int(value))


def _mean_std(mean: float, std: float) -> str:
    if pandas.isna(mean):
        return "-"
    return f"{mean:.3f}" if pandas.isna(std) else f"{mean:.3f} ± {std:.3f}"


def _thousands(params: str) -> str:
    return "/".join(f"{int(value):,}" for value in params.split("/")) if params else "-"


def _escape(value: object) -> str:
    return str(value).replace("|", "\\|")
