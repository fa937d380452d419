"""``python -m keras_vis generate OUT``: write synthetic recordings in the Greatest Hits layout."""

from __future__ import annotations

import argparse

from keras_vis.data.synthetic import STYLES
from keras_vis.errors import KerasVisError


def _size(text: str) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 256x456 (height x width), got {text!r}")
    return height, width


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "generate", parents=parents, help="write synthetic recordings (Greatest Hits layout)",
        description="Write N synthetic recordings: <id>_mic.mp4 (H.264), <id>_mic.wav "
        "(96 kHz stereo) and <id>_times.txt, and manifest.json. Same seed, same files.",
    )
    p.add_argument("out", help="folder to write into (created if missing)")
    p.add_argument("--recordings", type=int, default=40, help="how many recordings (default 40)")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each recording (default 20)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--style", choices=STYLES, default="studio",
                   help="generator 1: studio, outdoor (29.97 fps, for out-of-distribution tests); "
                   "generator 2: v2-indoor, v2-tabletop, v2-outdoor, and v2 = all v2 families "
                   "but v2-outdoor, held out; v2-photo = v2 with surfaces cut from photographs; "
                   "v2-strikers = v2's recordings struck with mallets, hammers and hands too; "
                   "v2-rhythm = v2's recordings, most struck to a steady beat; v2-all = every v2 "
                   "family, none held out (default studio)")
    p.add_argument("--size", type=_size, default=(256, 456), metavar="HxW",
                   help="frame size, height x width (default 256x456, as vis-data-256; "
                   "v2 styles: the largest size)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=main)


def main(args) -> int:
    from pathlib import Path

    from keras_vis.data.synthetic import generate

    if args.workers is not None and args.workers < 1:
        raise KerasVisError(f"--workers must be at least 1, got {args.workers}")
    # Resolved first, as the system would: OUT = sub/../gen makes gen alone, not a stray empty sub.
    out = Path(args.out).resolve()
    ids = generate(
        out, recordings=args.recordings, seconds=args.seconds, seed=args.seed,
        style=args.style, size=args.size, workers=args.workers, quiet=getattr(args, "quiet", False),
    )
    print(f"wrote {len(ids)} {args.style} recordings of {args.seconds:g} s to {args.out}")
    return 0
