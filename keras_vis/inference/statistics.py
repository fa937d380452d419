"""The real-clip figures from scored pairs: the summary (balanced accuracy, ROC AUC, the
within-clip ranking, the share of offsets found), per kind and per clip, with intervals from
resampling whole clips (``bootstrap_intervals``) and paired differences between two models
scored on the same pairs (``paired_difference``)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from keras_vis.errors import DataError
from keras_vis.inference.protocol import KINDS


OFFSET_TOLERANCE_S = 0.15


# Clip-level bootstrap: resamples and interval. A clip's pairs share its scene and its sound,
# so the clip, not the pair, is the unit that is drawn.
BOOTSTRAP = {"resamples": 2000, "level": 0.95, "seed": 0}


INTERVAL_METRICS = ("balanced_accuracy", "auc", "within_clip")


# One model's scored pairs (a report's "pairs"), or several runs' (seeds of one configuration,
# scored on the same pairs), whose metrics are averaged.
Report = Sequence[dict] | Sequence[Sequence[dict]]


def summarize(rows: Sequence[dict], clips: int) -> dict:
    """Balanced accuracy, AUC, within-clip ranking (each with its clip-bootstrap interval,
    ``NAME_ci``), offset share, and the same per kind of pair."""
    labels = np.array([r["label"] for r in rows])
    scores = np.array([r["p_real"] for r in rows])
    said_real = scores > 0.5
    real, fake = labels == 1, labels == 0
    shifted = [r for r in rows if r["kind"] == "shifted" and "offset_ok" in r]
    metrics = {
        "clips": clips,
        "pairs": len(rows),
        "balanced_accuracy": _mean_of([said_real[real].mean() if real.any() else np.nan,
                                       (~said_real[fake]).mean() if fake.any() else np.nan]),
        "auc": roc_auc(labels, scores),
        "within_clip": within_clip_ranking(rows),
        "offset_ok": (float(np.mean([r["offset_ok"] for r in shifted])) if shifted
                      else float("nan")),
    }
    for kind in KINDS:
        chosen = [r for r in rows if r["kind"] == kind]
        correct = [(r["p_real"] > 0.5) == bool(r["label"]) for r in chosen]
        metrics[f"{kind}_pairs"] = len(chosen)
        metrics[f"{kind}_accuracy"] = float(np.mean(correct)) if chosen else float("nan")
        metrics[f"{kind}_mean_p_real"] = (float(np.mean([r["p_real"] for r in chosen]))
                                          if chosen else float("nan"))
    aligned_offsets = [r for r in rows if r["kind"] == "aligned" and "offset_ok" in r]
    metrics["aligned_offset_ok"] = (float(np.mean([r["offset_ok"] for r in aligned_offsets]))
                                    if aligned_offsets else float("nan"))
    for name, interval in bootstrap_intervals(rows).items():
        metrics[f"{name}_ci"] = interval
    return metrics


def bootstrap_intervals(rows: Report, resamples: int = BOOTSTRAP["resamples"],
                        level: float = BOOTSTRAP["level"],
                        seed: int = BOOTSTRAP["seed"]) -> dict[str, list[float]]:
    """``[low, high]`` percentile interval of each of ``INTERVAL_METRICS``, from ``resamples``
    draws of the clips with replacement (a clip drawn twice brings its pairs twice; a clip's
    pairs are those whose video it is). Seeded, so a report repeats exactly; NaN bounds where a
    metric is undefined in most draws or there are fewer than two clips. ``rows`` is one
    model's pairs, or several runs' pairs (seeds of one configuration): then each draw's metric
    is the runs' mean (the clips are resampled, the runs are not).
    """
    sampler = _ClipSampler(rows)
    draws = sampler.draws(sampler.choices(resamples, seed))
    return {name: _percentiles(values, level) for name, values in draws.items()}


def paired_difference(reference: Report, rows: Report,
                      resamples: int = BOOTSTRAP["resamples"], level: float = BOOTSTRAP["level"],
                      seed: int = BOOTSTRAP["seed"]) -> dict[str, dict]:
    """How much ``rows`` beats ``reference`` (two models' pairs under this protocol on the same
    clips), per metric of ``INTERVAL_METRICS``: ``{"difference", "ci", "share_above"}`` where
    the interval comes from drawing the same clips for both models in each resample (paired:
    a hard clip is hard for both, so the interval is narrower than two separate ones), and
    ``share_above`` is the share of draws in which ``rows`` scores higher. Either side may be
    several runs (seeds of one configuration, see ``bootstrap_intervals``): their mean is compared.

    Raises ``DataError`` when the two were not scored on the same pairs.
    """
    if _pair_keys(_runs(reference)[0]) != _pair_keys(_runs(rows)[0]):
        raise DataError("the two reports were not scored on the same pairs (other clips, or "
                        "another protocol); evaluate both models on the same folders")
    first, second = _ClipSampler(reference), _ClipSampler(rows)
    chosen = first.choices(resamples, seed)
    before, after = first.draws(chosen), second.draws(chosen)
    point_before, point_after = first.point(), second.point()
    result = {}
    for name in INTERVAL_METRICS:
        delta = after[name] - before[name]
        result[name] = {"difference": point_after[name] - point_before[name],
                        "ci": _percentiles(delta, level),
                        "share_above": float(np.mean(delta[~np.isnan(delta)] > 0))
                        if (~np.isnan(delta)).any() else float("nan")}
    return result


def _pair_key(r: dict) -> tuple:
    """What makes a pair that pair, in a form that sorts (no None)."""
    return (r["kind"], r["video"], str(r.get("audio")), r.get("shift_s") or 0.0)


def _pair_keys(rows: Sequence[dict]) -> list[tuple]:
    return sorted(map(_pair_key, rows))


def _runs(report: Report) -> list[Sequence[dict]]:
    """A report as a list of runs' pairs: one model's pairs become a list of one."""
    return [report] if not report or isinstance(report[0], dict) else list(report)


class _ClipSampler:
    """The pairs of an evaluation (or of several runs' evaluations on the same pairs, averaged)
    as arrays, to recompute the headline metrics on any multiset of its clips (a bootstrap
    draw) without going through dicts each time."""

    def __init__(self, report: Report):
        runs = [sorted(rows, key=_pair_key) for rows in _runs(report)]
        if any(_pair_keys(rows) != _pair_keys(runs[0]) for rows in runs[1:]):
            raise DataError("the runs to average were not scored on the same pairs (other clips, "
                            "or another protocol); evaluate them on the same folders")
        rows = runs[0]
        self.names = sorted({r["video"] for r in rows})
        index = {name: i for i, name in enumerate(self.names)}
        clip_of = np.array([index[r["video"]] for r in rows], dtype=int)
        self.labels = np.array([r["label"] for r in rows]).astype(bool)
        self.scores = np.array([[r["p_real"] for r in run] for run in runs], dtype="float64")
        self.members = [np.flatnonzero(clip_of == c) for c in range(len(self.names))]
        tables = [_clip_wins(run) for run in runs]
        self.wins, self.comparisons = (
            np.array([[table.get(n, (0.0, 0))[k] for n in self.names] for table in tables], dtype="float64")
            for k in (0, 1))

    def choices(self, resamples: int, seed: int) -> np.ndarray:
        """``(resamples, clips)`` clip indices, drawn with replacement; none with < 2 clips."""
        if len(self.names) < 2:
            return np.zeros((0, len(self.names)), dtype=int)
        rng = np.random.default_rng(seed)
        return rng.integers(0, len(self.names), (resamples, len(self.names)))

    def point(self) -> dict[str, float]:
        return {name: float(values[0])
                for name, values in self.draws(np.arange(len(self.names))[None]).items()}

    def draws(self, chosen: np.ndarray) -> dict[str, np.ndarray]:
        """Each metric per draw (row of ``chosen``), averaged over the runs."""
        out = {name: np.full(len(chosen), np.nan) for name in INTERVAL_METRICS}
        for i, clips in enumerate(chosen):
            index = np.concatenate([self.members[c] for c in clips])
            real = self.labels[index]
            if real.any() and (~real).any():
                said_real = self.scores[:, index] > 0.5
                out["balanced_accuracy"][i] = np.mean(0.5 * (said_real[:, real].mean(1)
                                                             + (~said_real[:, ~real]).mean(1)))
                out["auc"][i] = np.mean([roc_auc(real, scores[index]) for scores in self.scores])
            # Within-clip ranking: the drawn clips' wins over their own comparisons, pooled.
            comparisons = self.comparisons[:, clips].sum(1)
            if comparisons.all():
                out["within_clip"][i] = np.mean(self.wins[:, clips].sum(1) / comparisons)
        return out


def _percentiles(values: np.ndarray, level: float) -> list[float]:
    if len(values) == 0 or np.mean(np.isnan(values)) >= 0.5:
        return [float("nan"), float("nan")]
    tail = 100 * (1 - level) / 2
    return [float(np.nanpercentile(values, tail)), float(np.nanpercentile(values, 100 - tail))]


def within_clip_ranking(rows: Sequence[dict]) -> float:
    """The share of (aligned, fake) pairs with the same video where the aligned pair scores
    higher (ties count half); NaN without any such pair.

    AUC pools every clip, so a model whose scores sit higher on one scene than on another loses
    there even when it orders each clip's own pairs right; this figure keeps only that order.
    """
    per_clip = _clip_wins(rows).values()
    comparisons = sum(n for _, n in per_clip)
    return sum(w for w, _ in per_clip) / comparisons if comparisons else float("nan")


def _clip_wins(rows: Sequence[dict]) -> dict[str, tuple[float, int]]:
    """Per video: (wins of its aligned pair over its fakes, ties half; number of its fakes)."""
    aligned = {r["video"]: r["p_real"] for r in rows if r["kind"] == "aligned"}
    table: dict[str, tuple[float, int]] = {}
    for r in rows:
        if r["kind"] != "aligned" and r["video"] in aligned:
            a = aligned[r["video"]]
            wins, count = table.get(r["video"], (0.0, 0))
            table[r["video"]] = (wins + float(a > r["p_real"]) + 0.5 * (a == r["p_real"]),
                                 count + 1)
    return table


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN without both classes."""
    from scipy.stats import rankdata

    labels = np.asarray(labels).astype(bool)
    positives, negatives = labels.sum(), (~labels).sum()
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2)
                 / (positives * negatives))


def per_clip(rows: Sequence[dict]) -> list[dict]:
    table: dict[str, dict] = {}
    for r in rows:
        entry = table.setdefault(r["video"], {"clip": r["video"], "seconds": 0.0})
        if r["kind"] == "aligned":
            entry["seconds"] = round(r["seconds"], 3)
            entry["aligned_p_real"] = r["p_real"]
            entry["aligned_offset_s"] = r.get("offset_s")
        elif r["kind"] == "swapped":
            entry["swapped_p_real"] = r["p_real"]
        else:
            entry[f"shift_{r['shift_s']:+g}_p_real"] = r["p_real"]
            entry[f"shift_{r['shift_s']:+g}_offset_s"] = r.get("offset_s")
    return list(table.values())


def _mean_of(values) -> float:
    values = [v for v in values if not np.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def round_metric(value: float) -> float | str:
    return "" if value is None or np.isnan(value) else round(float(value), 4)


def point_metrics(rows: Report) -> dict:
    """The interval metrics (``INTERVAL_METRICS``) of one model's pairs, or the mean over
    several runs' scored on the same pairs."""
    return _ClipSampler(rows).point()
