"""``python -m keras_vis check-sync ROOT``: estimate each recording's audio/video offset."""

from __future__ import annotations

import json
import sys


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "check-sync", parents=parents, help="estimate audio/video offsets and flag out-of-sync recordings",
        description="Cross-correlate audio onsets with visual motion onsets per recording. "
        "offset_s > 0 means the audio lags the video. An estimate with a confidence below "
        "0.4 is reported as uncertain, never flagged. With --strict, exits 1 when any "
        "recording is flagged.",
    )
    p.add_argument("root", help="dataset folder (Greatest Hits layout)")
    p.add_argument("--json", action="store_true", help="print a JSON list of estimates")
    p.add_argument("--tolerance", type=float, default=None,
                   help="flag offsets beyond this many seconds (default: 1.5 frames at 29.97 fps)")
    p.add_argument("--max-offset", type=float, default=2.0, help="search range in seconds (default 2)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any recording is flagged")
    p.set_defaults(func=main)


def main(args) -> int:
    from keras_vis.data.scan import scan
    from keras_vis.data.sync import DEFAULT_TOLERANCE_S, MIN_CONFIDENCE, check_sync
    from keras_vis.errors import DataError

    tolerance = DEFAULT_TOLERANCE_S if args.tolerance is None else args.tolerance
    report = scan(args.root)
    # What scan left out is said, as scan and prepare say it: a recording never just vanishes.
    for item in report.skipped:
        print(f"skipped {item['id']}: {item['reason']}", file=sys.stderr)
    if not report.recordings:
        raise DataError(f"{args.root}: no usable recordings to check")
    estimates = check_sync(report.recordings, max_offset_s=args.max_offset, tolerance_s=tolerance,
                           quiet=args.json)
    if args.json:
        print(json.dumps([e.to_dict() for e in estimates], indent=1))
    else:
        fps = 30000 / 1001
        for e in estimates:
            mark = {"in sync": "ok", "out of sync": "FLAGGED", "uncertain": "uncertain"}[e.status]
            print(f"{e.id}  offset {e.offset_s:+.3f} s ({e.offset_s * fps:+.1f} frames)  "
                  f"confidence {e.confidence:.2f}  {mark}")
        flagged = sum(e.flagged for e in estimates)
        uncertain = sum(e.status == "uncertain" for e in estimates)
        print(f"{len(estimates)} recordings: {flagged} beyond +-{tolerance:.3f} s, {uncertain} "
              f"uncertain (confidence below {MIN_CONFIDENCE:g}: no offset claimed); positive "
              f"offset: audio lags video")
    return 1 if args.strict and any(e.flagged for e in estimates) else 0
