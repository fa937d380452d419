"""A real-clip evaluation as a value (``Evaluation``), read back from a run folder or a saved
report (``read_report``) and written for people: one model (``format_report``), several side by
side (``format_paired``), a figure with its interval (``interval_text``)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from keras_vis.errors import DataError
from keras_vis.inference.protocol import KINDS
from keras_vis.inference.statistics import (
    BOOTSTRAP, INTERVAL_METRICS, OFFSET_TOLERANCE_S, Report, bootstrap_intervals, paired_difference,
    point_metrics, round_metric,
)


@dataclasses.dataclass
class Evaluation:
    """``metrics``: the summary (see the module docstring); ``pairs``: one dict per scored pair;
    ``clips``: one dict per clip (its pairs' scores side by side); ``skipped``: clips that could
    not be read, with the reason."""

    metrics: dict
    pairs: list[dict]
    clips: list[dict]
    skipped: list[dict]
    model: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def results_columns(self) -> dict:
        """The real-clip cells of a results row."""
        m = self.metrics
        return {
            "real_balanced_accuracy": round_metric(m["balanced_accuracy"]),
            "real_auc": round_metric(m["auc"]),
            "real_within_clip": round_metric(m["within_clip"]),
            "real_offset_ok": round_metric(m["offset_ok"]),
            "real_clips": m["clips"],
        }


def read_report(path: str | os.PathLike) -> tuple[str, list[dict]]:
    """``(model, pairs)`` of a saved report: an ``evaluate --json`` output, or a run folder's
    ``real_clips.json``. ``DataError`` naming the file when it is neither."""
    import json

    from keras_vis.results.rundir import RunDir

    path = Path(path)
    if path.is_dir():
        report = RunDir(path).real_clips()
        if report is None:
            raise DataError(f"{path}: the run folder holds no {RunDir.REAL_CLIPS} "
                            f"(its experiment had no eval.clips)")
    else:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"{path}: no such file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{path}: not an evaluate report ({error})") from None
    pairs = report.get("pairs") if isinstance(report, dict) else None
    if not pairs or not all(isinstance(r, dict) and {"kind", "video", "label", "p_real"} <= set(r)
                            for r in pairs):
        raise DataError(f"{path}: not an evaluate report (no 'pairs' with kind, video, label "
                        f"and p_real; write one with evaluate --json)")
    return str(report.get("model", path)), pairs


def format_paired(labels: Sequence[str], reports: Sequence[Report]) -> str:
    """A markdown table: each report's metrics with their intervals, and each one's paired
    difference from the first (see ``paired_difference``); a report may be several runs,
    averaged. ``DataError`` naming both labels when a report was scored on other pairs than the
    first."""
    header = "| report | " + " | ".join(
        f"{name.replace('_', ' ')} | vs first (paired {100 * BOOTSTRAP['level']:.0f} % interval)"
        for name in INTERVAL_METRICS) + " |"
    lines = [header, "|---|" + "---:|---|" * len(INTERVAL_METRICS)]
    for i, (label, rows) in enumerate(zip(labels, reports)):
        try:
            point, own = point_metrics(rows), bootstrap_intervals(rows)
        except DataError as error:
            raise DataError(f"{label}: {error}") from None
        try:
            paired = paired_difference(reports[0], rows) if i else None
        except DataError as error:
            raise DataError(f"{label} against {labels[0]}: {error}") from None
        cells = []
        for name in INTERVAL_METRICS:
            cells.append(f"{_fixed(point[name])}{interval_text({f'{name}_ci': own[name]}, name)}")
            if paired is None:
                cells.append("(reference)")
            else:
                d = paired[name]
                low, high = d["ci"]
                cells.append(f"{d['difference']:+.3f} [{low:+.2f}, {high:+.2f}], higher in "
                             f"{100 * d['share_above']:.0f} % of draws")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_report(report: Evaluation) -> str:
    """The summary and the per-kind figures as a short text table."""
    m = report.metrics
    lines = [
        f"model {report.model}: {m['clips']} clips, {m['pairs']} pairs"
        + (f" ({len(report.skipped)} clips skipped)" if report.skipped else ""),
        f"balanced accuracy {m['balanced_accuracy']:.3f}{interval_text(m, 'balanced_accuracy')}   "
        f"AUC {m['auc']:.3f}{interval_text(m, 'auc')}   "
        f"within-clip ranking {_fixed(m['within_clip'])}{interval_text(m, 'within_clip')}",
        f"offset within {OFFSET_TOLERANCE_S:g} s: {_percent(m['offset_ok'])} of shifted pairs   "
        f"[low, high]: {100 * BOOTSTRAP['level']:.0f} % interval over "
        f"{BOOTSTRAP['resamples']} resamples of the clips",
        "",
        f"{'kind':<9} {'pairs':>5} {'accuracy':>8} {'mean p_real':>11}",
    ]
    for kind in KINDS:
        lines.append(f"{kind:<9} {m[f'{kind}_pairs']:>5} {_fixed(m[f'{kind}_accuracy']):>8} "
                     f"{_fixed(m[f'{kind}_mean_p_real']):>11}")
    return "\n".join(lines)


def interval_text(metrics: dict, name: str) -> str:
    """`` [low, high]`` of ``metrics[name + "_ci"]``, or nothing where there is no interval."""
    low, high = metrics.get(f"{name}_ci", (np.nan, np.nan))
    return "" if np.isnan(low) else f" [{low:.2f}, {high:.2f}]"


def _fixed(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.3f}"


def _percent(value: float) -> str:
    return "-" if np.isnan(value) else f"{100 * value:.0f} %"
