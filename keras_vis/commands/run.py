"""``run CONFIG`` or ``run --model NAME``: train one experiment and append its row to the
results table (``$KERAS_VIS_RESULTS``, else experiments/results.csv)."""

from __future__ import annotations

import argparse
from pathlib import Path

# The shipped recipe: what ``run --model NAME`` trains a zoo model with, so a new model needs
# no experiment file to be tried (the config defaults are the same recipe).
RECIPE = "experiments/motion_lag_fusion_mixed_small.toml"


def register(subparsers, parents):
    parser = subparsers.add_parser(
        "run",
        parents=parents,
        help="train and evaluate an experiment config (or a zoo model on the shipped recipe)",
        description="Train the experiment in CONFIG (a TOML file), or with --model a zoo model "
        f"on the shipped recipe ({RECIPE}), evaluate its best checkpoint on the fixed test "
        "pairs and append one row to the results table. Running the same command again after "
        "a kill resumes the unfinished run. A run with --set keeps its experiment's name; the "
        "overrides go to the row's overrides column.",
    )
    parser.add_argument("config", nargs="?", help="experiments/<name>.toml (or give --model)")
    parser.add_argument("--model", metavar="NAME",
                        help="train zoo model NAME on the shipped recipe, no TOML needed "
                        "(python -m keras_vis models lists the names)")
    parser.add_argument("--preset", default=None,
                        help="with --model: the model's preset (default: small)")
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
    add_output_arguments(parser)
    parser.set_defaults(func=main)


def add_output_arguments(parser) -> None:
    """``--runs-dir`` and ``--results``: where a command that makes a run writes it."""
    parser.add_argument("--runs-dir", default="runs", help="where run folders go (default: runs)")
    parser.add_argument(
        "--results", default=None,
        help="the results table to append to (default: $KERAS_VIS_RESULTS, else "
        "experiments/results.csv, the published table)",
    )


def experiment_of(args: argparse.Namespace) -> tuple[str, list[str]]:
    """The config file and ``--set`` overrides that ``args`` asks for: CONFIG as given, or for
    ``--model NAME`` the shipped recipe with that model and preset, named ``NAME_PRESET``."""
    from keras_vis.errors import ConfigError

    if args.model and args.config:
        raise ConfigError("give a CONFIG file or --model NAME, not both")
    if args.preset and not args.model:
        raise ConfigError("--preset goes with --model (a config file names its own preset)")
    if not args.model:
        if not args.config:
            raise ConfigError("give an experiment file (experiments/<name>.toml) or --model NAME")
        return args.config, list(args.overrides)
    preset = args.preset or "small"
    model = [f"name={args.model}_{preset}", f"model.name={args.model}",
             f"model.preset={preset}"]
    # The checkout's own file, wherever the command is started from.
    recipe = Path(__file__).resolve().parents[2] / RECIPE
    return str(recipe if recipe.is_file() else RECIPE), model + list(args.overrides)


def main(args) -> int:
    from keras_vis.commands.compare import default_results
    from keras_vis.invocation import invoked_command
    from keras_vis.training.experiment import run

    config, overrides = experiment_of(args)
    command = invoked_command()
    run(
        config,
        overrides=overrides,
        distribute=args.distribute,
        runs_dir=args.runs_dir,
        results_path=args.results or default_results(),
        command=command,
    )
    return 0
