"""Trained models on the held-out family of generated recordings, without training them again.

A ``*_heldout`` experiment trains its recipe and tests on the ``v2-outdoor`` family that no
model trains on. This scores finished models (run folders, ``.keras`` files or ``default``) on
that family's fixed test pairs, the very pairs such an experiment's test step uses (same
dataset, split, task and pair settings: ``experiments/motion_lag_fusion_mixed_small_heldout.toml``),
so a recipe that took half an hour to train gets its held-out figure in a minute. One table,
every model scored in the same run.

    python benchmarks/heldout_family.py default runs/motion_lag_fusion_footage_mixed_small
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXPERIMENT = ROOT / "experiments" / "motion_lag_fusion_mixed_small_heldout.toml"


def newest_run(reference: str) -> str:
    """An experiment's folder of runs stands for its newest finished run."""
    from keras_vis.training.pretrained import resolve_init

    path = Path(reference)
    return str(resolve_init(reference).parent) if path.is_dir() else reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+",
                        help="run folders, experiment folders under runs/, .keras files or default")
    parser.add_argument("--experiment", default=str(EXPERIMENT),
                        help="the held-out experiment whose test pairs are scored")
    args = parser.parse_args()

    from keras_vis.invocation import select_backend

    select_backend(None)
    import keras

    import zoo
    from keras_vis.data import AVPairs, prepare
    from keras_vis.inference.models import load_model
    from keras_vis.training.config import ExperimentConfig
    from keras_vis.training.experiment import _split, _usable_recordings, ensure_dataset

    config = ExperimentConfig.from_toml(args.experiment)
    data = config.data
    rows = []
    for reference in args.models:
        model, name = load_model(newest_run(reference))
        clip = zoo.clip_of(model)
        root = ensure_dataset(data.test_dataset, "data.test_dataset")
        recordings = _usable_recordings(root)
        cache = prepare(root, clip, cache_dir=data.cache_dir or None, recordings=recordings,
                        quiet=True)
        test = AVPairs(
            cache, _split(recordings, root, data).test, config.train.batch_size,
            task=data.task, split_name="test", seed=data.split_seed,
            per_recording=data.eval_pairs_per_recording,
            offset_range=(data.sync_offset_min_s, data.sync_offset_max_s),
            tolerance_s=data.sync_tolerance_s, windows=data.windows,
        )
        model.compile(loss="binary_crossentropy",
                      metrics=["accuracy", keras.metrics.AUC(name="auc")])
        scores = model.evaluate(test, return_dict=True, verbose=0)
        rows.append((name, len(test.table), scores["accuracy"], scores["auc"]))

    print(f"held-out family: {data.test_dataset.synthetic.style} ({data.test_dataset.root}), "
          f"task {data.task}, the test pairs of {Path(args.experiment).name}")
    print("| model | pairs | accuracy | AUC |")
    print("|---|---:|---:|---:|")
    for name, pairs, accuracy, auc in rows:
        print(f"| {name} | {pairs} | {accuracy:.3f} | {auc:.3f} |")


if __name__ == "__main__":
    main()
