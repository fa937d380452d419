"""``run CONFIG``: train one experiment and append its row to experiments/results.csv."""

from __future__ import annotations


def register(subparsers, parents):
    parser = subparsers.add_parser(
        "run",
        parents=parents,
        help="train and evaluate an experiment config",
        description="Train the experiment in CONFIG (a TOML file), evaluate its best checkpoint "
        "on the fixed test pairs and append one row to the results table. Running the same "
        "command again after a kill resumes the unfinished run.",
    )
    parser.add_argument("config", help="experiments/<name>.toml")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set train.epochs=3 (repeatable)",
    )
    parser.add_argument(
        "--distribute",
        action="store_true",
        help="data-parallel over every visible device (keras.distribution.DataParallel; jax)",
    )
    parser.add_argument("--runs-dir", default="runs", help="where run folders go (default: runs)")
    parser.add_argument(
        "--results", default="experiments/results.csv", help="the results table to append to"
    )
    parser.set_defaults(func=main)


def main(args) -> int:
    from keras_vis.invocation import invoked_command
    from keras_vis.training.experiment import run

    command = invoked_command()
    run(
        args.config,
        overrides=args.overrides,
        distribute=args.distribute,
        runs_dir=args.runs_dir,
        results_path=args.results,
        command=command,
    )
    return 0
