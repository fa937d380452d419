"""What real footage buys: models scored on the real clips and on the corpus's held-out part.

Every model named is scored, in this one run, with the real-footage protocol
(``keras_vis.evaluate``) on two sets it never trained on: the development clips
(``../shared/data/real-clips``) and the held-out part of the real corpus (its ``test`` part, split
by source video exactly as a run with ``data.footage`` splits it). One markdown table: balanced
accuracy and AUC with their clip-bootstrap intervals, aligned pairs called real, and shifted
pairs whose offset is found within 0.15 s, on each set.

    python benchmarks/real_footage.py default runs/motion_lag_fusion_footage_mixed_small ...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIPS = ROOT.parent / "shared" / "data" / "real-clips"
CORPUS = ROOT.parent / "shared" / "data" / "real-corpus"


def cells(metrics: dict) -> list[str]:
    """Balanced accuracy [interval], AUC [interval], aligned called real, offsets within 0.15 s."""
    def ranged(name):
        low, high = metrics[f"{name}_ci"]
        return f"{metrics[name]:.3f} [{low:.2f}, {high:.2f}]"

    aligned = round(metrics["aligned_accuracy"] * metrics["aligned_pairs"])
    return [ranged("balanced_accuracy"), ranged("auc"),
            f"{aligned} of {metrics['aligned_pairs']}", f"{metrics['offset_ok']:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="anything evaluate takes: default, a .keras "
                        "file, a run folder, an experiment's folder of runs")
    parser.add_argument("--clips", default=str(CLIPS), help="the development clips")
    parser.add_argument("--corpus", default=str(CORPUS), help="the real corpus (its test part)")
    parser.add_argument("--split-seed", type=int, default=0)
    args = parser.parse_args()

    from keras_vis.invocation import select_backend

    select_backend(None, default="jax")
    from keras_vis.data.footage import footage_part
    from keras_vis.inference.evaluate import evaluate

    held_out = [str(path) for path in footage_part([args.corpus], "test", seed=args.split_seed)]
    rows = []
    for model in args.models:
        dev = evaluate(model, args.clips).metrics
        corpus = evaluate(model, held_out).metrics
        rows.append([model, *cells(dev), *cells(corpus)])
        print(f"scored {model}", file=sys.stderr)
    print(f"real clips: {Path(args.clips).name} ({dev['clips']} clips); corpus held-out: the "
          f"test part of {Path(args.corpus).name} ({corpus['clips']} clips, split by source "
          f"video, seed {args.split_seed})")
    print("| model | real clips bal. acc | AUC | aligned called real | offsets within 0.15 s "
          "| corpus held-out bal. acc | AUC | aligned called real | offsets within 0.15 s |")
    print("|---|---|---|---:|---:|---|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
