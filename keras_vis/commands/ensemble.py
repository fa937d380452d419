"""``ensemble RUN RUN ...``: average finished runs of one recipe (its seeds) into one model,
scored as a run with its own results row (``keras_vis.training.ensemble``)."""

from __future__ import annotations


def register(subparsers, parents) -> None:
    from keras_vis.commands.run import add_output_arguments

    parser = subparsers.add_parser(
        "ensemble", parents=parents,
        help="average finished runs of one recipe (seeds) into one model and score it as a run",
        description="Average the p_real logits of finished runs that differ only in their "
        "seed, save the ensemble as runs/<experiment>+ensemble/<backend>-<time>/best.keras, "
        "score it like a trained run (val and test pairs, eval.clips, held-out footage) and "
        "append its row to the results table. Running the same command again after a kill "
        "finishes the same run folder.",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN",
                        help="finished run folders (or experiment folders: their newest "
                        "finished run), two or more")
    add_output_arguments(parser)
    parser.set_defaults(func=main)


def main(args) -> int:
    from keras_vis.commands.compare import default_results
    from keras_vis.invocation import invoked_command
    from keras_vis.training.ensemble import ensemble_runs

    ensemble_runs(args.runs, runs_dir=args.runs_dir,
                  results_path=args.results or default_results(), command=invoked_command())
    return 0
