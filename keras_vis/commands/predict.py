"""``predict VIDEO``: is this audio the real, in-sync soundtrack of this video, and how far off is it?"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from keras_vis.errors import KerasVisError


# Whole process on a 10 s clip, 2 idle cores (benchmarks/predict.py): JAX 2.75 s with its
# compilation cache (7.5 s the first time on a machine), PyTorch 3.7 s, TensorFlow 4.0 s.
BACKEND = "jax"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "predict",
        parents=parents,
        help="score a video's audio: real and in sync? best offset?",
        description=(
            "Slide the model's clip window over VIDEO, score each window with the audio as given "
            "(p_real) and with the audio shifted by each candidate offset, and print a verdict "
            "per file: 'in sync', 'not in sync: audio about 0.40 s late' (or early), 'not in "
            "sync' or 'uncertain', then the numbers it rests on: p_real, the best offset "
            "(positive: the audio lags the video) and its confidence, in words too (high >= "
            "0.6, medium >= 0.3, low). Without --backend or $KERAS_BACKEND, predict runs on "
            "JAX: the quickest whole process once its compiled programs are on disk."
        ),
    )
    p.add_argument("video", nargs="+",
                   help="video file(s) (mp4, mov, avi, mkv, ...; any codec, fps and size) or "
                   "folders of them: one process scores them all, loading the model once and decoding "
                   "the next file while scoring the current one; a file that cannot be read is "
                   "reported and skipped (exit status 2)")
    p.add_argument(
        "--audio",
        metavar="WAV",
        help="audio file to score against the video (default: the video's own audio track)",
    )
    p.add_argument(
        "--model",
        metavar="MODEL",
        default=None,
        help="a .keras checkpoint, a run folder, or onset_sync_baseline (default: the model "
        "shipped in the package)",
    )
    p.add_argument("--json", action="store_true",
                   help="print a JSON list, one object per file whatever their number: "
                   "video, verdict, confidence_level, p_real, offset_s, confidence, the "
                   "per-window and per-offset scores, model, clip, warnings; a file that could "
                   "not be scored is {video, error}")
    p.add_argument(
        "--offsets",
        metavar="MIN:MAX",
        type=parse_offsets,
        default=None,
        help="offset search range in seconds, as MIN:MAX or MAX for -MAX:MAX; write a negative "
        "minimum as --offsets=-1:1; 0 scores offset 0 only (default: -2:2)",
    )
    p.add_argument(
        "--hop",
        metavar="SECONDS",
        type=float,
        default=None,
        help="stride between scored windows (default: half a clip)",
    )
    p.add_argument("--batch-size", type=int, default=64,
                   help="pairs per call of the fusion head; the video and audio encoders "
                        "take a sixteenth and a quarter of it per call (default 64)")
    p.add_argument("--plot", metavar="PNG", default=None,
                   help="also draw p_real over time and the score of every offset to PNG "
                   "(the dotted lines: the 0.5 threshold and offset 0)")
    p.set_defaults(func=main, default_backend=BACKEND)


def parse_offsets(text: str) -> tuple[float, float]:
    """``"MIN:MAX"`` -> (MIN, MAX); ``"MAX"`` -> (-MAX, MAX)."""
    try:
        if ":" in text:
            low, high = (float(part) for part in text.split(":"))
        else:
            high = abs(float(text))
            low = -high
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected MIN:MAX or MAX in seconds, got {text!r}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise argparse.ArgumentTypeError(f"{text!r}: offsets must be finite numbers of seconds")
    if low > high:
        raise argparse.ArgumentTypeError(f"{text!r}: MIN is above MAX")
    return low, high


def main(args) -> int:
    from keras_vis.invocation import import_keras_without_extras

    import_keras_without_extras()
    import zoo
    from keras_vis.inference.predict import load_model, offset_grid, predict, predict_many

    if args.batch_size < 1:
        raise KerasVisError(f"--batch-size must be at least 1, got {args.batch_size}")
    offsets = None
    if args.offsets is not None:
        # The grid steps by the model's frames; load_model caches, so predict reuses this load.
        model, _ = load_model(args.model)
        offsets = offset_grid(*args.offsets, fps=zoo.clip_of(model).fps)
    videos = _videos(args.video)
    options = dict(model=args.model, offsets=offsets, hop_s=args.hop,
                   batch_size=args.batch_size, progress=sys.stderr.isatty())
    if len(videos) == 1:
        result = predict(videos[0], audio=args.audio, **options)
        for warning in result.warnings:
            print(f"warning: {videos[0]}: {warning}", file=sys.stderr)
        if args.plot:
            from keras_vis.results.plot import prediction_figure

            print(f"plot: {prediction_figure(result, args.plot)}", file=sys.stderr)
        # --json is a list for one file as for many: one shape to parse.
        print(json.dumps([result.to_dict()], indent=2) if args.json else result.line())
        return 0
    if args.audio or args.plot:
        raise KerasVisError("--audio and --plot take one video; score several with their own "
                            "audio tracks")
    # Several files: a file that cannot be scored is reported and skipped, and the exit
    # status says that one was.
    results, failed = [], 0
    for video, result in predict_many(videos, **options):
        if isinstance(result, KerasVisError):
            failed += 1
            print(f"error: {result} (skipped)", file=sys.stderr)
            results.append({"video": str(video), "error": str(result)})
            continue
        for warning in result.warnings:
            print(f"warning: {video}: {warning}", file=sys.stderr)
        if not args.json:
            print(f"{video}: {result.line()}", flush=True)
        results.append(result.to_dict())
    if args.json:
        print(json.dumps(results, indent=2))
    if failed:
        print(f"error: {failed} of {len(videos)} videos could not be scored", file=sys.stderr)
    return 2 if failed else 0


def _videos(targets: list[str]) -> list[Path]:
    """The files named, and the video files inside each folder named (sorted)."""
    from keras_vis.inference.evaluate import find_clips

    videos = []
    for target in map(Path, targets):
        videos += find_clips(target) if target.is_dir() else [target]
    return videos
