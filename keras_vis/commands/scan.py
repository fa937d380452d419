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
    p.add_argument("root", help="dataset folder (Greatest Hits layout)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--tolerance", type=float, default=0.5,
                   help="allowed audio/video length difference in seconds (default 0.5)")
    p.set_defaults(func=main)


def main(args) -> int:
    from keras_vis.data.scan import scan

    report = scan(args.root, tolerance_s=args.tolerance)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        total = sum(r.duration for r in report.recordings)
        events = sum(len(r.events) for r in report.recordings)
        print(f"{report.root}: {len(report.recordings)} usable recordings "
              f"({total / 60:.1f} min, {events} events), {len(report.skipped)} skipped")
        for item in report.skipped:
            print(f"  skipped {item['id']}: {item['reason']}")
        for item in report.notes:
            print(f"  note {item['id']}: {item['note']}")
    if not report.recordings:
        print(f"error: no usable recordings in {report.root}", file=sys.stderr)
        return 1
    return 0
