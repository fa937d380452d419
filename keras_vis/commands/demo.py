"""``demo``: the main job on the built-in synthetic data, end to end."""

from __future__ import annotations

DEFAULT_EXPERIMENT = "experiments/siamese_fusion_sync_tiny.toml"


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
    parser.add_argument("--results", default="experiments/results.csv")
    parser.set_defaults(func=main)


def main(args) -> int:
    import sys

    from keras_vis.cli import invoked_command
    from keras_vis.compare import results_document, write_results_md
    from keras_vis.config import ExperimentConfig
    from keras_vis.data import check_sync
    from keras_vis.experiment import ensure_dataset, run

    config = ExperimentConfig.from_toml(args.config, args.overrides)
    root = ensure_dataset(config.data.dataset, "data.dataset")
    estimates = check_sync(root)
    flagged = [e for e in estimates if e.flagged]
    print(
        f"check-sync: {len(estimates)} recordings, {len(flagged)} flagged out of sync",
        file=sys.stderr,
    )
    command = invoked_command()
    run(config, results_path=args.results, command=command)
    document = results_document(args.results)
    print(document)
    write_results_md(document)
    return 0
