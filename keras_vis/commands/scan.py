"""``python -m keras_vis scan ROOT``: which recordings are usable, and why the others are not."""

from __future__ import annotations

import json
import sys


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "scan", parents=parents, help="list usable and skipped recordings of a dataset folder",
        description="Probe every <id>_mic.mp4 / <id>_mic.wav / <id>_times.txt under ROOT (headers "
        "only). Exits 0 when at least one recording is usable, 1 when none is.",
    )
    p.add_argument("root", help="dataset folder (Greatest Hits layout), or with --footage any "
                   "folder of videos with their own sound")
    p.add_argument("--footage", action="store_true",
                   help="ROOT is real footage: every video under it (recursive) with its own "
                   "sound, as data.footage trains on it; unreadable, soundless, silent or too "
                   "short files are listed with the reason and skipped")
    p.add_argument("--min-seconds", type=float, default=2.0,
                   help="with --footage: shorter clips are skipped (default 2.0, one window "
                   "of the zoo's presets)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--tolerance", type=float, default=0.5,
                   help="allowed audio/video length difference in seconds (default 0.5)")
    p.set_defaults(func=main)


def main(args) -> int:
    if args.footage:
        report, summary, what = _footage(args)
    else:
        from keras_vis.data.scan import scan

        report = scan(args.root, tolerance_s=args.tolerance)
        total = sum(r.duration for r in report.recordings)
        events = sum(len(r.events) for r in report.recordings)
        summary = [f"{report.root}: {len(report.recordings)} usable recordings "
                   f"({total / 60:.1f} min, {events} events), {len(report.skipped)} skipped"]
        what = "recordings"
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        print("\n".join(summary))
        for item in report.skipped:
            print(f"  skipped {item['id']}: {item['reason']}")
        for item in report.notes:
            print(f"  note {item['id']}: {item['note']}")
    if not report.recordings:
        print(f"error: no usable {what} in {report.root}", file=sys.stderr)
        return 1
    return 0


def _footage(args):
    """The footage report, its summary lines (with the split a run would make) and its noun."""
    from keras_vis.data.footage import footage_summary, scan_footage, source_of, split_footage

    report = scan_footage(args.root, min_seconds=args.min_seconds, quiet=not sys.stderr.isatty())
    events = sum(len(r.events) for r in report.recordings)
    summary = [f"{footage_summary(report)}; {events} sound onsets"]
    if len({source_of(r.id) for r in report.recordings}) >= 3:
        parts = split_footage(report.recordings)
        summary.append(f"  split by source video (seed 0): {len(parts.train)} train, "
                       f"{len(parts.val)} val, {len(parts.test)} test clips")
    return report, summary, "footage"
