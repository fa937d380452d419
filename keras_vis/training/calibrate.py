"""Calibrate p_real on held-out real footage (Platt scaling), never on clips that measure a model.

The footage's validation part (by source video, ``keras_vis.data.footage``) is scored with the
real-footage protocol (``keras_vis.inference.evaluate``: aligned, shifted and swapped
soundtracks), and ``sigmoid(scale * logit(p) + bias)`` is fitted to its labels, the two classes
weighted equally (the protocol has about four fakes to one real). The result goes into the
fusion head (``zoo.layers.calibration``).
"""

from __future__ import annotations

import sys
from typing import Sequence

import numpy as np

from keras_vis.errors import DataError

# A gentle pull towards the identity, so a handful of clips cannot send the scale to infinity.
RIDGE = 1e-2
# The scale stays positive and within these bounds: calibration moves and stretches p_real,
# it never turns a ranking round (a negative scale would call every real pair fake).
SCALE_BOUNDS = (0.25, 4.0)
# Below this AUC on the calibration clips the model does not rank them: a fit there is noise,
# so calibration is skipped (with a warning) rather than trusted.
MIN_AUC = 0.55


def fit_platt(p_real: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    """``(scale, bias)`` minimising the class-balanced log loss of
    ``sigmoid(scale * logit(p) + bias)``. Raises DataError without both classes."""
    from scipy.optimize import minimize

    p = np.clip(np.asarray(p_real, dtype=np.float64), 1e-6, 1 - 1e-6)
    y = np.asarray(labels, dtype=np.float64)
    if not (y == 1).any() or not (y == 0).any():
        raise DataError("calibration needs real and fake pairs")
    logit = np.log(p) - np.log1p(-p)
    weight = np.where(y == 1, 0.5 / (y == 1).sum(), 0.5 / (y == 0).sum())

    def loss(params):
        scale, bias = params
        z = scale * logit + bias
        # log(1 + e^-z) for reals, log(1 + e^z) for fakes, computed without overflow.
        nll = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
        sig = 1 / (1 + np.exp(-z))
        grad_z = weight * (sig - y)
        value = float(np.sum(weight * nll) + RIDGE * ((scale - 1) ** 2 + bias ** 2))
        grad = np.array([np.sum(grad_z * logit) + 2 * RIDGE * (scale - 1),
                         np.sum(grad_z) + 2 * RIDGE * bias])
        return value, grad

    result = minimize(loss, x0=np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
                      bounds=[SCALE_BOUNDS, (None, None)])
    scale, bias = (float(v) for v in result.x)
    return scale, bias


def calibrate_on_footage(model, clip_files: Sequence, *, batch_size: int = 64):
    """``(model, report)``: the model with Platt scaling fitted on ``clip_files`` (real footage
    held out of training), or the model unchanged when it does not rank those clips (AUC below
    ``MIN_AUC``; ``report["skipped"]`` says why). The report holds the fit, the AUC and the
    balanced accuracy before and after."""
    from keras_vis.inference.evaluate import evaluate
    from zoo.model import with_calibration

    if len(clip_files) < 2:
        raise DataError(f"calibration needs at least 2 held-out footage clips, got "
                        f"{len(clip_files)}")
    print(f"calibrating p_real on {len(clip_files)} held-out footage clips", file=sys.stderr)
    report = evaluate(model, [str(f) for f in clip_files], batch_size=batch_size,
                      search_offsets=False, progress=True)
    p_real = [row["p_real"] for row in report.pairs]
    labels = [row["label"] for row in report.pairs]
    auc = float(report.metrics["auc"])
    if not auc >= MIN_AUC:
        reason = (f"the model ranks the {report.metrics['clips']} calibration clips at AUC "
                  f"{auc:.3f}, below {MIN_AUC}: a scale fitted there would be noise")
        print(f"warning: calibration skipped: {reason}", file=sys.stderr)
        return model, {"skipped": reason, "auc": auc, "clips": report.metrics["clips"],
                       "pairs": len(p_real),
                       "balanced_accuracy_before": _balanced(np.asarray(p_real),
                                                             np.asarray(labels))}
    scale, bias = fit_platt(p_real, labels)
    after = platt(np.asarray(p_real), scale, bias)
    summary = {
        "scale": scale, "bias": bias, "auc": auc, "clips": report.metrics["clips"],
        "pairs": len(p_real),
        "balanced_accuracy_before": _balanced(np.asarray(p_real), np.asarray(labels)),
        "balanced_accuracy_after": _balanced(after, np.asarray(labels)),
    }
    print(f"calibration: scale {scale:.3f} bias {bias:+.3f}; balanced accuracy on those clips "
          f"{summary['balanced_accuracy_before']:.3f} -> {summary['balanced_accuracy_after']:.3f}",
          file=sys.stderr)
    return with_calibration(model, scale, bias), summary


def platt(p_real: np.ndarray, scale: float, bias: float) -> np.ndarray:
    """``sigmoid(scale * logit(p) + bias)``: what ``zoo.layers.calibration`` computes, in numpy."""
    p = np.clip(p_real, 1e-6, 1 - 1e-6)
    return 1 / (1 + np.exp(-(scale * (np.log(p) - np.log1p(-p)) + bias)))


def _balanced(p: np.ndarray, labels: np.ndarray) -> float:
    said = p > 0.5
    return float(np.mean([said[labels == 1].mean(), (~said[labels == 0]).mean()]))
