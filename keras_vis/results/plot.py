"""Pictures of runs: learning curves from history.csv and test accuracy bars from results.csv.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot, no display, no global
backend switch), at fixed pixel sizes so the README's pictures keep their shape.

Example:
>>> runs = resolve_runs("sync_tiny", runs_root="runs")  # doctest: +SKIP
>>> learning_curves(runs.run_dirs, "runs/plots/curves-sync_tiny.png")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, Sequence

import pandas
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from keras_vis import files
from keras_vis.errors import DataError, KerasVisError
from keras_vis.results.rundir import FOLDER_NAME, RunDir

DPI = 100
CURVES_SIZE_IN = (12.0, 4.5)  # 1200 x 450 px: accuracy and loss side by side
BAR_PANEL_SIZE_IN = (6.0, 4.5)  # 600 x 450 px per task panel
CHANCE = 0.5  # labels are balanced 50/50 in every split
CHANCE_METRICS = ("train_accuracy", "val_accuracy", "test_accuracy", "test_auc")


class ResolvedRuns(NamedTuple):
    """What a RUN_OR_EXPERIMENT argument names: the experiment, its run folders, and the newer
    run folders passed over (each with the reason)."""

    experiment: str
    run_dirs: list[Path]
    skipped: list[str]
    single_run: bool


def resolve_runs(target: str | os.PathLike, runs_root: str | os.PathLike = "runs") -> ResolvedRuns:
    """Resolve a run folder, an experiment folder, an experiment name or experiments/<name>.toml.

    A run folder (it holds config.json or history.csv) stands for itself. Anything else means
    the latest run per backend under ``<runs_root>/<name>/`` that has at least one epoch in its
    history.csv; newer runs without one (still starting, or killed before epoch 1) are listed
    in ``skipped``. Raises ``DataError`` when nothing matches.
    """
    path = Path(target)
    if path.is_dir() and RunDir.is_run_folder(path):
        return ResolvedRuns(RunDir(path).experiment, [path], [], True)
    if path.is_dir():
        folder, name = path, path.resolve().name
    elif path.suffix == ".toml":
        name = path.stem
        folder = Path(runs_root) / name
    elif len(path.parts) > 1:
        raise DataError(f"{target}: no such run folder")
    else:
        name = str(target)
        folder = Path(runs_root) / name
    if not folder.is_dir():
        raise DataError(
            f"{folder}: no runs of experiment {name!r} (train it first: "
            f"python -m keras_vis run experiments/{name}.toml)"
        )

    by_backend: dict[str, list[tuple[tuple[str, int], Path]]] = {}
    for child in folder.iterdir():
        match = FOLDER_NAME.match(child.name)
        if match and child.is_dir():
            started = (match["stamp"], int(match["n"] or 1))
            by_backend.setdefault(match["backend"], []).append((started, child))
    if not by_backend:
        raise DataError(f"{folder}: no run folders (<backend>-<YYYYmmdd-HHMMSS>) inside")

    chosen, skipped = [], []
    for backend in sorted(by_backend):
        newest_first = sorted(by_backend[backend], key=lambda item: item[0], reverse=True)
        for _, run_dir in newest_first:
            problem = _history_problem(run_dir)
            if problem is None:
                chosen.append(run_dir)
                break
            skipped.append(f"{run_dir}: {problem}")
    if not chosen:
        raise DataError(f"{folder}: no run has a history yet ({'; '.join(skipped)})")
    return ResolvedRuns(name, chosen, skipped, False)


def learning_curves(
    run_dirs: Sequence[str | os.PathLike],
    out_png: str | os.PathLike,
    title: str | None = None,
    labels: Sequence[str] | None = None,
) -> Path:
    """Draw train (solid) and validation (dashed) accuracy and loss per epoch for each run.

    Two panels, one colour per run, a legend; a gap between a run's solid and dashed lines is
    overfitting. Writes a ``CURVES_SIZE_IN`` x ``DPI`` PNG (1200 x 450 px) and returns its path.
    """
    run_dirs = [Path(run_dir) for run_dir in run_dirs]
    if not run_dirs:
        raise KerasVisError("learning_curves: no run folders given")
    histories = [RunDir(run_dir).history() for run_dir in run_dirs]
    labels = list(labels) if labels is not None else _run_labels(run_dirs)
    if len(labels) != len(run_dirs):
        raise KerasVisError(f"learning_curves: {len(labels)} labels for {len(run_dirs)} runs")

    figure = Figure(figsize=CURVES_SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    accuracy_axes, loss_axes = figure.subplots(1, 2)
    run_handles = []
    for index, (history, label) in enumerate(zip(histories, labels)):
        colour = f"C{index % 10}"
        for axes, metric in ((accuracy_axes, "accuracy"), (loss_axes, "loss")):
            for column, style in ((metric, "-"), (f"val_{metric}", "--")):
                if column in history and history[column].notna().any():
                    axes.plot(
                        history["epoch"], history[column], linestyle=style, color=colour,
                        marker="o", markersize=3, linewidth=1.5,
                    )
        run_handles.append(Line2D([], [], color=colour, linewidth=2, label=label))

    accuracy_axes.axhline(CHANCE, color="0.5", linestyle=":", linewidth=1)
    accuracy_axes.set(title="accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0.0, 1.02))
    loss_axes.set(title="loss", xlabel="epoch", ylabel="binary cross-entropy")
    for axes in (accuracy_axes, loss_axes):
        axes.grid(alpha=0.3)
        axes.xaxis.get_major_locator().set_params(integer=True)
    style_handles = [
        Line2D([], [], color="0.2", linestyle="-", label="train"),
        Line2D([], [], color="0.2", linestyle="--", label="validation"),
        Line2D([], [], color="0.5", linestyle=":", label=f"chance ({CHANCE:g})"),
    ]
    figure.legend(handles=run_handles + style_handles, loc="outside right upper", fontsize=8)
    figure.suptitle(title or _common_title(run_dirs))
    return _save(figure, out_png)


def accuracy_bars(
    results: pandas.DataFrame, out_png: str | os.PathLike, metric: str = "test_accuracy"
) -> Path:
    """Bar chart of mean ``metric`` per model x backend (error bars: std over runs), one panel
    per task, with the chance line at 0.5. A model shown at several presets or fusions gets one
    bar group per variant. Writes a PNG of ``BAR_PANEL_SIZE_IN`` per task (600 x 450 px each)
    and returns its path."""
    required = [column for column in ("model", "backend", metric) if column not in results]
    if required:
        raise KerasVisError(f"accuracy_bars: the results lack column(s) {', '.join(required)}")
    table = results.copy()
    table[metric] = pandas.to_numeric(table[metric], errors="coerce")
    table = table[table[metric].notna()]
    if table.empty:
        raise KerasVisError(f"accuracy_bars: no run has a {metric} to plot")
    for column in ("task", "preset", "fusion"):
        table[column] = table[column].fillna("").astype(str) if column in table else ""
    table["model"] = table["model"].astype(str)
    table["backend"] = table["backend"].astype(str)

    tasks = sorted(table["task"].unique())
    backends = sorted(table["backend"].unique())
    width_in, height_in = BAR_PANEL_SIZE_IN
    figure = Figure(figsize=(width_in * len(tasks), height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    panels = figure.subplots(1, len(tasks), squeeze=False)[0]
    bar_width = 0.8 / len(backends)
    value_format = ".2f" if metric in CHANCE_METRICS else ".3g"
    for axes, task in zip(panels, tasks):
        rows = table[table["task"] == task]
        variants = _variants(rows)
        for offset, backend in enumerate(backends):
            positions, means, stds = [], [], []
            for position, (label, variant_rows) in enumerate(variants):
                values = variant_rows.loc[variant_rows["backend"] == backend, metric]
                if len(values):
                    positions.append(position - 0.4 + bar_width * (offset + 0.5))
                    means.append(values.mean())
                    stds.append(values.std(ddof=1) if len(values) > 1 else 0.0)
            if positions:
                bars = axes.bar(
                    positions, means, bar_width * 0.95, yerr=stds, capsize=2,
                    color=f"C{offset % 10}", label=backend,
                )
                # At the foot of the bar: clear of the error bar and of the chance line.
                for bar, mean in zip(bars, means):
                    axes.text(
                        bar.get_x() + bar.get_width() / 2, 0.02, f"{mean:{value_format}}", ha="center",
                        va="bottom", rotation=90, fontsize=7, color="white",
                        transform=axes.get_xaxis_transform(),  # y in axes fractions
                    )
        axes.set_xticks(range(len(variants)), [label for label, _ in variants], fontsize=8)
        if metric in CHANCE_METRICS:
            axes.axhline(CHANCE, color="0.3", linestyle="--", linewidth=1)
            axes.set_ylim(0.0, 1.08)
        axes.set(title=task or metric, ylabel=metric.replace("_", " "))
        axes.grid(axis="y", alpha=0.3)
    handles = [
        Line2D([], [], color=f"C{index % 10}", linewidth=6, label=backend)
        for index, backend in enumerate(backends)
    ]
    if metric in CHANCE_METRICS:
        handles.append(Line2D([], [], color="0.3", linestyle="--", label=f"chance ({CHANCE:g})"))
    figure.legend(handles=handles, loc="outside right upper", fontsize=8)
    return _save(figure, out_png)


def _variants(rows: pandas.DataFrame) -> list[tuple[str, pandas.DataFrame]]:
    """Bar groups of one task: one per model, split by preset / fusion where a model has several."""
    variants = []
    for model in sorted(rows["model"].unique()):
        model_rows = rows[rows["model"] == model]
        split = [column for column in ("preset", "fusion") if model_rows[column].nunique() > 1]
        if not split:
            variants.append((model, model_rows))
            continue
        for values, group in model_rows.groupby(split, sort=True):
            values = values if isinstance(values, tuple) else (values,)
            variants.append((f"{model}\n{', '.join(v or '-' for v in values)}", group))
    return variants


def _history_problem(run_dir: Path) -> str | None:
    try:
        RunDir(run_dir).history()
    except DataError as error:
        return str(error).split(": ", 1)[-1]
    return None


def _run_labels(run_dirs: list[Path]) -> list[str]:
    parents = {run_dir.resolve().parent for run_dir in run_dirs}
    if len(parents) == 1:
        labels = [run_dir.name for run_dir in run_dirs]
    else:
        labels = [f"{run_dir.resolve().parent.name}/{run_dir.name}" for run_dir in run_dirs]
    return labels


def _common_title(run_dirs: list[Path]) -> str:
    names = sorted({RunDir(run_dir).experiment for run_dir in run_dirs})
    return "learning curves: " + ", ".join(names)


def _save(figure: Figure, out_png: str | os.PathLike) -> Path:
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Atomic, so a README never shows half a picture.
    try:
        with files.atomic_path(out) as partial:
            figure.savefig(partial, format="png", dpi=DPI)
    except OSError as error:
        raise KerasVisError(f"{out}: could not write the picture ({error})") from error
    return out


def prediction_figure(prediction, out_png: str | os.PathLike) -> Path:
    """Two panels for one ``predict`` result: p_real of each window over time (offset 0), and
    the mean p_real of every candidate offset with the best one marked. People would rather
    look than read: a real pair shows a high line and one sharp peak at 0."""
    figure = Figure(figsize=CURVES_SIZE_IN, dpi=DPI)
    FigureCanvasAgg(figure)
    over_time, over_offset = figure.subplots(1, 2)
    seconds = prediction.clip["seconds"]
    centres = [start + seconds / 2 for start in prediction.window_starts_s]
    over_time.plot(centres, prediction.window_scores, marker="o", color="tab:blue")
    over_time.axhline(CHANCE, color="grey", linestyle=":", linewidth=1,
                      label=f"threshold {CHANCE:.1f}: above, real and in sync")
    over_time.set(xlabel="time (s, window centre)", ylabel="p_real", ylim=(-0.02, 1.02),
                  title=f"p_real over time (mean {prediction.p_real:.2f})")
    over_time.legend(loc="lower right", fontsize="small")
    tested = [(o, s) for o, s in zip(prediction.offsets_s, prediction.offset_scores)
              if s is not None]
    if tested:
        offsets, scores = zip(*tested)
        over_offset.plot(offsets, scores, color="tab:orange")
    over_offset.axvline(prediction.offset_s, color="tab:red", linestyle="--", linewidth=1,
                        label=f"best {prediction.offset_s:+.2f} s "
                              f"(confidence {prediction.confidence:.2f})")
    over_offset.axvline(0.0, color="grey", linestyle=":", linewidth=1,
                        label="offset 0: the audio as given")
    over_offset.set(xlabel="candidate offset (s, + = audio lags video)", ylabel="mean p_real",
                    ylim=(-0.02, 1.02), title="score of every candidate offset")
    over_offset.legend(loc="upper right", fontsize="small")
    figure.suptitle(f"{Path(prediction.video).name}: {prediction.verdict()}  "
                    f"(model {Path(str(prediction.model)).name})")
    figure.tight_layout()
    return _save(figure, out_png)
