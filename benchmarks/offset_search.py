"""How the offset search turns per-window scores into one offset: rules compared on the same scores.

``score_media`` scores every (window, candidate offset) pair of a recording, then takes the
offset whose scores are best over the windows. This scores the protocol's shifted pairs
(``keras_vis.inference.protocol``: each clip's audio 0.5 s and 1.0 s late and early) once per
model and set, and reads the offset out of the same score matrix with each rule below, so the
rules differ in nothing else. One table: per model and set, the share of shifted pairs whose
offset lies within 0.15 s of the truth under each rule.

Choose a rule on a set no model is measured on (the corpus's ``val`` part, the default); the
development clips and the corpus's ``test`` part are for reporting what the choice does.

    python benchmarks/offset_search.py default --sets val
    python benchmarks/offset_search.py default --sets val test dev
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIPS = ROOT.parent / "shared" / "data" / "real-clips"
CORPUS = ROOT.parent / "shared" / "data" / "real-corpus"
EPS = 1e-6


def _logits(scores: np.ndarray) -> np.ndarray:
    p = np.clip(scores, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def mean_p(scores):
    """The mean p_real over windows (what ``score_media`` does)."""
    return np.nanmean(scores, axis=0)


def mean_logit(scores):
    """The mean logit over windows: a geometric mean of the odds."""
    return np.nanmean(_logits(scores), axis=0)


def median_p(scores):
    """The median p_real over windows: one loud window does not decide."""
    return np.nanmedian(scores, axis=0)


def window_softmax(scores):
    """Each window's scores made a distribution over the offsets it can test (softmax of its
    logits), then averaged: every window gets one vote's weight, however confident it is."""
    logits = _logits(scores)
    logits = np.where(np.isnan(logits), -np.inf, logits)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.nanmean(shifted / shifted.sum(axis=1, keepdims=True), axis=0)


def window_vote(scores):
    """Each window's best offset gets a vote; the offset with most votes wins."""
    ranked = np.where(np.isnan(scores), -np.inf, scores)
    votes = np.zeros(scores.shape[1])
    np.add.at(votes, ranked.argmax(axis=1), 1.0)
    return votes


RULES = {"mean p (current)": mean_p, "mean logit": mean_logit, "median p": median_p,
         "window softmax": window_softmax, "window vote": window_vote}


def best(grid: np.ndarray, aggregate: np.ndarray, testable: np.ndarray) -> float:
    """The best testable offset, picked as ``score_media`` picks it (``best_candidate``)."""
    from keras_vis.inference.scoring import best_candidate

    return float(grid[best_candidate(grid, np.where(testable, aggregate, np.nan))])


def clip_paths(name: str, corpus: Path, clips: Path, seconds: float) -> list[str]:
    """``dev``: the development clips; ``val`` / ``test``: that part of the corpus, split by
    source video as a run with ``data.footage`` splits it."""
    if name == "dev":
        return [str(clips)]
    from keras_vis.data.footage import footage_part

    return [str(p) for p in footage_part([corpus], name, min_seconds=seconds)]


def shifted_pairs(model, paths):
    """The model's clip spec, the clips under ``paths`` decoded at it (by name), and the
    protocol's shifted pairs of them."""
    import zoo
    from keras_vis.inference.protocol import find_clips, load_clips, protocol_pairs

    clip = zoo.clip_of(model)
    loaded, _ = load_clips(find_clips(paths), clip)
    return clip, {c.name: c for c in loaded}, [
        spec for spec in protocol_pairs(loaded) if spec.kind == "shifted"]


def shifted_hits(model, paths, batch_size: int) -> dict[str, list[bool]]:
    """Per rule, whether each shifted pair's offset lies within the tolerance."""
    from keras_vis.inference.evaluate import MAX_OFFSET_S
    from keras_vis.inference.protocol import cut
    from keras_vis.inference.scoring import offset_grid, score_media
    from keras_vis.inference.statistics import OFFSET_TOLERANCE_S

    clip, by_name, specs = shifted_pairs(model, paths)
    grid = offset_grid(-MAX_OFFSET_S, MAX_OFFSET_S, clip.fps)
    hits = {rule: [] for rule in RULES}
    for spec in specs:
        frames, waveform = cut(spec, by_name)
        scores = score_media(model, frames, waveform, clip, offsets=grid, batch_size=batch_size)
        testable = ~np.isnan(scores.offset_scores)
        matrix = scores.pair_scores
        for rule, aggregate in RULES.items():
            found = best(scores.offsets_s, aggregate(matrix), testable)
            hits[rule].append(abs(found - spec.shift_s) <= OFFSET_TOLERANCE_S + 1e-9)
    return hits


def set_arguments(description: str, sets: list[str]) -> argparse.Namespace:
    """The command line shared by the real-footage quality benchmarks: models, sets, folders."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("models", nargs="+", help="anything evaluate takes: default, a .keras "
                        "file, a run folder")
    parser.add_argument("--sets", nargs="+", default=["val"], choices=sets,
                        help="a part of the corpus, or the development clips (dev)")
    parser.add_argument("--clips", type=Path, default=CLIPS)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--batch-size", type=int, default=64)
    return parser.parse_args()


def each_set(args: argparse.Namespace):
    """``(model name, set name, loaded model, clip paths)`` for every model and set asked, on
    JAX unless ``KERAS_BACKEND`` says otherwise."""
    from keras_vis.invocation import select_backend

    select_backend(None, default="jax")
    import zoo
    from keras_vis.inference.models import load_model

    for reference in args.models:
        model, _ = load_model(reference)
        seconds = zoo.clip_of(model).seconds
        for name in args.sets:
            yield reference, name, model, clip_paths(name, args.corpus, args.clips, seconds)
            print(f"scored {reference} on {name}", file=sys.stderr)


def print_table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    args = set_arguments(__doc__.splitlines()[0], ["val", "test", "dev"])
    import warnings

    warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
    warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
    rows = []
    for reference, name, model, paths in each_set(args):
        hits = shifted_hits(model, paths, args.batch_size)
        pairs = len(next(iter(hits.values())))
        rows.append([reference, name, str(pairs)] + [f"{np.mean(h):.2f}" for h in hits.values()])
    print_table(["model", "set", "shifted pairs", *RULES], rows)


if __name__ == "__main__":
    main()
