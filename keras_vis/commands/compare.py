"""``python -m keras_vis compare``: the comparison table from results.csv, printed and written
to RESULTS.md."""

from __future__ import annotations

import argparse
import os
import sys

from keras_vis.results.table import DEFAULT_GROUPING

DEFAULT_RESULTS = os.path.join("experiments", "results.csv")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "compare",
        parents=parents,
        help="print the comparison table of experiments/results.csv",
        description=(
            "Group the runs in results.csv (mean +- std over seeds, best per task marked), "
            "print the table and write it to RESULTS.md beside results.csv. With --reports: "
            "compare real-clip reports instead (evaluate --json outputs or run folders), each "
            "against the first, with paired intervals from resampling the same clips."
        ),
    )
    p.add_argument("--reports", nargs="+", metavar="REPORT",
                   help="evaluate --json files or run folders (their real_clips.json) scored on "
                   "the same clips; the first is the reference. A,B,C: several runs of one "
                   "configuration (seeds), compared by their mean")
    p.add_argument(
        "--results", default=DEFAULT_RESULTS, help=f"results table (default: {DEFAULT_RESULTS})"
    )
    p.add_argument("--by", default=",".join(DEFAULT_GROUPING),
                   help="columns to group by (a,b,c; default: %(default)s, like with like)")
    p.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    p.add_argument("--metric", default="test_accuracy", help="the column that picks the best row")
    p.add_argument(
        "--out", default=None, help="markdown file to write (default: RESULTS.md beside --results)"
    )
    p.add_argument("--no-write", action="store_true", help="print only; do not write RESULTS.md")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.reports:
        return compare_reports(args.reports)
    from keras_vis.results.compare import compare, mixed_groups, results_document, write_results_md
    from keras_vis.errors import DataError
    from keras_vis.results.table import read_results

    if not os.path.exists(args.results):
        raise DataError(
            f"{args.results}: no results yet; train an experiment first "
            "(python -m keras_vis run experiments/<name>.toml)"
        )
    table = read_results(args.results)
    if table.empty:
        raise DataError(f"{args.results}: holds no runs yet (only a header, or nothing)")

    printed = compare(table, by=args.by, metric=args.metric, fmt=args.format)
    sys.stdout.write(printed)
    if args.format == "csv":
        for note in mixed_groups(table, args.by):
            print(note, file=sys.stderr)
    if args.no_write:
        return 0
    out = args.out or os.path.join(os.path.dirname(args.results), "RESULTS.md")
    write_results_md(results_document(table, args.by, args.metric, args.results), out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def compare_reports(paths: list[str]) -> int:
    """Print the paired real-clip comparison of ``paths`` (see ``format_paired``); a path
    ``A,B,C`` is several runs of one configuration, averaged."""
    from keras_vis.inference.evaluate import format_paired, read_report

    reports = [[read_report(part)[1] for part in path.split(",") if part] for path in paths]
    sys.stdout.write(format_paired(list(paths), reports))
    return 0
