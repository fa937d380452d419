"""``python -m keras_vis compare``: what the runs in results.csv scored.

By default a concise table (the best group of runs per model and task, with the real-clip
columns) and the last run appended, so a run just finished is found at once; ``--all`` for
every group, ``--filter`` for some, ``--last N`` for the latest runs one by one. Nothing is
written unless ``--write PATH`` asks (``--all --write docs/results.md`` makes the results page).
"""

from __future__ import annotations

import argparse
import os
import sys

# Where runs go and are read from unless --results says otherwise. $KERAS_VIS_RESULTS keeps a
# user's own runs in a table of their own, never the published experiments/results.csv.
PUBLISHED_RESULTS = os.path.join("experiments", "results.csv")
RESULTS_VARIABLE = "KERAS_VIS_RESULTS"


def default_results() -> str:
    """The results table ``run``, ``compare`` and ``plot`` use when not told: ``$KERAS_VIS_RESULTS``,
    else ``experiments/results.csv``."""
    return os.environ.get(RESULTS_VARIABLE) or PUBLISHED_RESULTS


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "compare",
        parents=parents,
        help="what the runs scored: the best per model and task, or --all, --filter, --last N",
        description=(
            "Print what the runs in the results table scored: by default the best group of runs "
            "(an experiment with its --set overrides, on one backend and device; mean +- std "
            "over seeds) per task and model, with the real-clip columns, then the last run. "
            "--all prints every group, --last N the last N runs; --filter keeps some. Writes a "
            "file only with --write. With --reports: compare real-clip reports instead "
            "(evaluate --json outputs or run folders), each against the first, with paired "
            "intervals from resampling the same clips."
        ),
    )
    p.add_argument("--reports", nargs="+", metavar="REPORT",
                   help="evaluate --json files or run folders (their real_clips.json) scored on "
                   "the same clips; the first is the reference. A,B,C: several runs of one "
                   "configuration (seeds), compared by their mean")
    p.add_argument("--results", default=None,
                   help=f"results table (default: ${RESULTS_VARIABLE}, else {PUBLISHED_RESULTS})")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--all", action="store_true",
                      help="every group of runs (grouped by --by), not only the best per model")
    view.add_argument("--last", type=int, metavar="N",
                      help="the last N runs appended, one line each")
    p.add_argument("--filter", "--pattern", dest="filter", metavar="TEXT",
                   help="only runs whose experiment or model holds TEXT (or matches it as a "
                   "glob: * ? [])")
    p.add_argument("--by", default=None,
                   help="with --all: columns to group by (a,b,c; default: like with like, "
                   "experiment,overrides,preset,task,dataset,backend,device)")
    p.add_argument("--format", choices=("markdown", "csv"), default="markdown",
                   help="with --all: the table as markdown or csv")
    p.add_argument("--metric", default="test_accuracy",
                   help="the column that picks the best group (default: %(default)s; "
                   "e.g. real_balanced_accuracy)")
    p.add_argument("--write", metavar="PATH",
                   help="also write the whole table (every group) as a markdown page to PATH, "
                   "e.g. docs/results.md")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.reports:
        return compare_reports(args.reports)
    from keras_vis.errors import DataError
    from keras_vis.results.compare import (DEFAULT_BY, compare, concise, last_runs,
                                           mixed_groups, results_document, select,
                                           write_results_md)
    from keras_vis.results.table import read_results

    results = args.results or default_results()
    if not os.path.exists(results):
        raise DataError(
            f"{results}: no results yet; train an experiment first "
            "(python -m keras_vis run experiments/<name>.toml)"
        )
    table = read_results(results)
    if table.empty:
        raise DataError(f"{results}: holds no runs yet (only a header, or nothing)")
    if args.filter:
        table = select(table, args.filter)
    by = args.by or ",".join(DEFAULT_BY)

    if args.last is not None:
        sys.stdout.write(last_runs(table, args.last))
    elif args.all:
        sys.stdout.write(compare(table, by=by, metric=args.metric, fmt=args.format))
        if args.format == "csv":
            for note in mixed_groups(table, by):
                print(note, file=sys.stderr)
    else:
        sys.stdout.write(concise(table, metric=args.metric))
        print(f"\nThe best of {len(table)} runs per task and model by {args.metric}. "
              "The last run:")
        sys.stdout.write(last_runs(table, 1))
        print("(--last N: the latest runs; --all: every group; --filter NAME: some)")
    if args.write:
        write_results_md(results_document(table, by, args.metric, results, out=args.write),
                         args.write)
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


def compare_reports(paths: list[str]) -> int:
    """Print the paired real-clip comparison of ``paths`` (see ``format_paired``); a path
    ``A,B,C`` is several runs of one configuration, averaged."""
    from keras_vis.inference.evaluate import format_paired, read_report

    reports = [[read_report(part)[1] for part in path.split(",") if part] for path in paths]
    sys.stdout.write(format_paired(list(paths), reports))
    return 0
