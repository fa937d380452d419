"""``python -m keras_vis plot RUN_OR_EXPERIMENT...``: learning-curve PNGs per run or experiment
and a bar chart of test accuracy per model x backend."""

from __future__ import annotations

import argparse
import os
import sys



def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "plot",
        parents=parents,
        help="draw learning curves and test accuracy bars as PNG files",
        description=(
            "RUN_OR_EXPERIMENT is a run folder (runs/<name>/<backend>-<time>), an experiment "
            "name or experiments/<name>.toml (its latest run per backend). Writes "
            "curves-<name>.png per argument and accuracy bars of those experiments' rows in "
            "results.csv, and prints the paths."
        ),
    )
    p.add_argument("targets", nargs="+", metavar="RUN_OR_EXPERIMENT")
    p.add_argument(
        "--out", default=os.path.join("runs", "plots"), help="PNG folder (default: runs/plots)"
    )
    p.add_argument(
        "--results", default=None,
        help="results table for the bars (default: $KERAS_VIS_RESULTS, else experiments/results.csv)"
    )
    p.add_argument("--runs", default="runs", help="folder of the run folders (default: runs)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from keras_vis.errors import DataError, KerasVisError
    from keras_vis.results.plot import accuracy_bars, learning_curves, resolve_runs
    from keras_vis.results.table import read_results

    failures = 0
    experiments: list[str] = []
    for target in args.targets:
        # One bad argument must not cost the pictures of the others.
        try:
            resolved = resolve_runs(target, args.runs)
            for note in resolved.skipped:
                print(f"skipped {note}", file=sys.stderr)
            name = resolved.experiment
            if resolved.single_run:
                name = f"{name}-{resolved.run_dirs[0].name}"
            print(learning_curves(resolved.run_dirs, os.path.join(args.out, f"curves-{name}.png")))
        except KerasVisError as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
            continue
        if resolved.experiment not in experiments:
            experiments.append(resolved.experiment)

    from keras_vis.commands.compare import default_results

    results = args.results or default_results()
    if experiments and not os.path.exists(results):
        if args.results:
            raise DataError(f"{results}: no such results table")
        print(f"no bar chart: {results} does not exist yet", file=sys.stderr)
    elif experiments:
        table = read_results(results)
        rows = table[table["experiment"].isin(experiments)]
        if rows["test_accuracy"].notna().any():
            stem = f"accuracy-{experiments[0]}" if len(experiments) == 1 else "accuracy"
            print(accuracy_bars(rows, os.path.join(args.out, f"{stem}.png")))
        else:
            names = ", ".join(experiments)
            print(f"no bar chart: {results} has no test accuracy for {names}", file=sys.stderr)
    return 2 if failures else 0
