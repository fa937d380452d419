"""``demo``: the main job on the built-in synthetic data, end to end."""

from __future__ import annotations

# The shipped default's recipe on the built-in data alone: the default itself also trains on real
# footage (experiments/motion_lag_fusion_footage_mixed_small.toml), which a fresh machine may not
# have; the demo needs nothing but this checkout, and trains at `small` in minutes on 2 cores.
DEFAULT_EXPERIMENT = "experiments/motion_lag_fusion_mixed_small.toml"


def register(subparsers, parents):
    parser = subparsers.add_parser(
        "demo",
        parents=parents,
        help="generate the synthetic dataset, train the default experiment, compare",
        description="Generate the built-in synthetic recordings (once), check they are in sync, "
        "train the default experiment and print the comparison table.",
    )
    parser.add_argument("--config", default=DEFAULT_EXPERIMENT, help="experiment to train")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a config value (repeatable)",
    )
    parser.add_argument(
        "--check-sync", type=int, default=0, metavar="N",
        help="check the sync of N recordings spread over the dataset before training "
        "(-1 checks all; default 0: check-sync's visual onset, the stop of the striker, comes "
        "after the sound on recordings v2, whose stick bounces off, so it flags in-sync "
        "recordings there)",
    )
    parser.add_argument("--runs-dir", default="runs", help="where run folders go (default: runs)")
    parser.add_argument(
        "--results", default="experiments/results.csv",
        help="the results table to append to; RESULTS.md is written beside it",
    )
    parser.set_defaults(func=main)


def main(args) -> int:
    import sys
    from pathlib import Path

    from keras_vis.invocation import invoked_command
    from keras_vis.results.compare import results_document, write_results_md
    from keras_vis.training.config import ExperimentConfig
    from keras_vis.data import check_sync, scan
    from keras_vis.training.experiment import ensure_dataset, run

    config = ExperimentConfig.from_toml(args.config, args.overrides)
    root = ensure_dataset(config.data.dataset, "data.dataset")
    if args.check_sync:
        # A spot check: decoding every recording takes about a second each on 2 cores.
        recordings = scan(root).recordings
        count = len(recordings) if args.check_sync < 0 else min(args.check_sync, len(recordings))
        sample = [recordings[i * len(recordings) // count] for i in range(count)]
        estimates = check_sync(sample, quiet=False)
        flagged = [e for e in estimates if e.flagged]
        print(
            f"check-sync: {len(estimates)} of {len(recordings)} recordings checked, "
            f"{len(flagged)} flagged out of sync",
            file=sys.stderr,
        )
    command = invoked_command()
    run(config, results_path=args.results, runs_dir=args.runs_dir, command=command)
    document = results_document(args.results, source=args.results)
    print(document)
    write_results_md(document, Path(args.results).with_name("RESULTS.md"))
    return 0
