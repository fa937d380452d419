"""``evaluate --plot``: is p_real a probability, and how far off are the offsets it finds?

Two panels from one evaluation report (``keras_vis.inference.evaluate``): a reliability diagram
(pairs binned by p_real; the share of real pairs in each bin against the bin's mean p_real, the
diagonal being a calibrated model, with the pairs per bin beneath) and the histogram of offset
errors (found minus true, for every pair with a true offset), with the tolerance that counts
as found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

BINS = 10


def reliability(rows: Sequence[dict], bins: int = BINS) -> dict:
    """Per p_real bin: its edges, mean p_real, share of real pairs and count (empty bins NaN)."""
    p = np.array([r["p_real"] for r in rows], dtype=float)
    labels = np.array([r["label"] for r in rows], dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore"):
        mean_p = np.bincount(which, weights=p, minlength=bins) / count
        real = np.bincount(which, weights=labels, minlength=bins) / count
    # Expected calibration error: the gap of each bin weighted by its share of the pairs.
    gaps = np.where(count > 0, np.abs(np.nan_to_num(mean_p) - np.nan_to_num(real)), 0.0)
    return {"edges": edges, "mean_p_real": mean_p, "real_share": real, "count": count,
            "ece": float(np.sum(gaps * count) / max(1, count.sum()))}


def offset_errors(rows: Sequence[dict]) -> np.ndarray:
    """Found minus true offset (seconds) of every pair that has both."""
    return np.array([r["offset_s"] - r["shift_s"] for r in rows
                     if r.get("offset_s") is not None and r.get("shift_s") is not None],
                    dtype=float)


def plot_report(report, path: str | Path, tolerance_s: float, max_offset_s: float) -> Path:
    """Write the two panels of ``report`` (an ``Evaluation``) to ``path`` (PNG)."""
    # The Agg canvas directly, as keras_vis.results.plot draws: no pyplot state, no display.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from keras_vis import files

    path = Path(path)
    table = reliability(report.pairs)
    errors = offset_errors(report.pairs)
    figure = Figure(figsize=(11, 4.5))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    centres = (table["edges"][:-1] + table["edges"][1:]) / 2
    filled = table["count"] > 0
    left.plot([0, 1], [0, 1], ls=":", color="grey", label="calibrated")
    left.plot(table["mean_p_real"][filled], table["real_share"][filled], "o-",
              label=f"this model (ECE {table['ece']:.3f})")
    left.axvline(0.5, ls="--", color="tab:red", lw=0.8, label="threshold 0.5")
    twin = left.twinx()
    twin.bar(centres, table["count"], width=0.09, alpha=0.2, color="tab:blue")
    twin.set_ylabel("pairs in bin")
    # The curve in front of the counts' bars.
    left.set_zorder(twin.get_zorder() + 1)
    left.patch.set_visible(False)
    left.set_xlim(0, 1)
    left.set_ylim(0, 1)
    left.set_xlabel("p_real (bin mean)")
    left.set_ylabel("share of real pairs")
    left.set_title(f"reliability: {report.metrics['pairs']} pairs, {report.metrics['clips']} clips")
    left.legend(loc="upper left", fontsize=8)
    within = float(np.mean(np.abs(errors) <= tolerance_s + 1e-9)) if len(errors) else float("nan")
    right.hist(errors, bins=np.linspace(-2 * max_offset_s, 2 * max_offset_s, 41),
               color="tab:green")
    right.axvspan(-tolerance_s, tolerance_s, color="tab:orange", alpha=0.2,
                  label=f"within {tolerance_s:g} s: {within:.0%}")
    right.set_xlabel("found offset - true offset (s)")
    right.set_ylabel("pairs")
    right.set_title(f"offset errors: {len(errors)} pairs with a true offset")
    right.legend(loc="upper left", fontsize=8)
    figure.suptitle(f"{report.model}")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with files.atomic_path(path, suffix=".png") as partial:
        figure.savefig(partial, dpi=110, format="png")
    return path
