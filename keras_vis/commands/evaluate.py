"""``evaluate MODEL --clips DIR``: how a model does on real videos with their own sound."""

from __future__ import annotations

import json
import sys

from keras_vis.errors import KerasVisError


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "evaluate", parents=parents, help="score a model on real clips (aligned, shifted, swapped)",
        description="Score MODEL on every video in --clips with the fixed real-footage protocol: "
        "each clip's own audio (real), its audio shifted by +-0.5 s and +-1.0 s where 2 s still "
        "overlap (fake), and another clip's soundtrack (fake). Prints balanced accuracy, AUC and "
        "the within-clip ranking, each with a 95 %% interval over resampled clips, and the share "
        "of shifted pairs whose offset is found within 0.15 s.",
    )
    p.add_argument("model", help="a .keras file, a run folder, 'default' (the shipped model), or "
                   "a zoo model without weights (onset_sync_baseline[:PRESET])")
    p.add_argument("--clips", required=True, action="append", metavar="DIR",
                   help="folder of videos with their own sound (repeat for several)")
    p.add_argument("--json", action="store_true",
                   help="print everything as JSON: summary, every pair, a per-clip table")
    p.add_argument("--batch-size", type=int, default=64,
                   help="pairs per call of the fusion head; the video and audio encoders "
                        "take a sixteenth and a quarter of it per call (default 64)")
    p.add_argument("--footage-part", choices=("train", "val", "test"),
                   help="score only this part of --clips taken as footage: every video under "
                        "it (recursive) split by source video as a run with data.footage "
                        "splits it (--split-seed, --val-fraction, --test-fraction), e.g. the "
                        "held-out 'test' part of a training corpus")
    p.add_argument("--split-seed", type=int, default=0, help="with --footage-part (default 0)")
    p.add_argument("--val-fraction", type=float, default=0.15,
                   help="with --footage-part (default 0.15)")
    p.add_argument("--test-fraction", type=float, default=0.15,
                   help="with --footage-part (default 0.15)")
    p.add_argument("--plot", metavar="PNG",
                   help="also draw a reliability diagram of p_real and the histogram of offset "
                        "errors to this PNG file")
    p.set_defaults(func=main)


def main(args) -> int:
    from keras_vis.invocation import import_keras_without_extras

    import_keras_without_extras()
    from keras_vis.inference.evaluate import evaluate, format_report

    if args.batch_size < 1:
        raise KerasVisError(f"--batch-size must be at least 1, got {args.batch_size}")
    clips = _footage_part(args) if args.footage_part else args.clips
    report = evaluate(args.model, clips, batch_size=args.batch_size,
                      progress=sys.stderr.isatty())
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=float))
    else:
        print(format_report(report))
    if args.plot:
        from keras_vis.inference.evaluate import MAX_OFFSET_S, OFFSET_TOLERANCE_S
        from keras_vis.results.reliability import plot_report

        path = plot_report(report, args.plot, OFFSET_TOLERANCE_S, MAX_OFFSET_S)
        print(f"plot: {path}", file=sys.stderr)
    return 0


def _footage_part(args) -> list[str]:
    """The video files of one part of the footage under ``--clips``, split by source video."""
    import zoo
    from keras_vis.data.footage import footage_part
    from keras_vis.inference.models import load_model

    # A run scanning footage skips clips shorter than its model's window, so the split must too.
    seconds = zoo.clip_of(load_model(args.model)[0]).seconds
    chosen = footage_part(args.clips, args.footage_part, val_fraction=args.val_fraction,
                          test_fraction=args.test_fraction, seed=args.split_seed,
                          min_seconds=seconds)
    print(f"{args.footage_part} part of {', '.join(args.clips)}: {len(chosen)} clips "
          f"(each folder split by source video, seed {args.split_seed})", file=sys.stderr)
    return [str(path) for path in chosen]
