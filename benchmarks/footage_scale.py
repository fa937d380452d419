"""A footage folder at scale: what scanning, caching and pairing cost per clip, at two sizes.

A user's own folder may hold 10,000 clips (VGGSound, a Greatest Hits download). This builds
folders of ``--sizes`` clips as hard links to the videos under ``--source`` (the real corpus by
default; each link is a file of its own to the scanner and the cache), and times, for each size
in the same run:
  scan (cold)   probing every file (``scan_footage``: streams, duration, sound, onsets)
  scan (warm)   the same folder again, answered by the per-file scan cache
  cache         decoding every clip once into the clip cache at ``--preset``'s spec
  cache (warm)  ``prepare_footage`` again: the cache is found, nothing is decoded
  pairs         ``AVPairs`` over the train part (pair tables for ``--per-recording`` pairs a clip)
  batch         one augmented train batch of 16, the mean of ``--batches``
Each row gives the milliseconds per clip (per batch for the last); a per-clip cost that holds
from the small size to the large one scales linearly, and the table's last column projects it
to 10,000 clips.

    python benchmarks/footage_scale.py                       # --sizes 134,536
    python benchmarks/footage_scale.py --sizes 500,2000 --source my-videos/
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "data" / "real-corpus"


def linked_folder(source: Path, folder: Path, count: int) -> Path:
    """``count`` hard links (copies where links fail) to the videos under ``source``, cycled;
    each source video's links keep their own ``__partN``-free name, so each is a source of
    its own to the split."""
    from keras_vis.data.footage import footage_files

    videos = footage_files(source)
    if not videos:
        sys.exit(f"{source}: no videos to build the folder from")
    folder.mkdir(parents=True)
    for i in range(count):
        video = videos[i % len(videos)]
        target = folder / f"c{i:05d}_{video.stem.replace('__part', '_p')}{video.suffix}"
        try:
            os.link(video, target)
        except OSError:
            shutil.copyfile(video, target)
    return folder


def timed(step, *args, **kwargs):
    start = time.perf_counter()
    result = step(*args, **kwargs)
    return result, time.perf_counter() - start


def measure(folder: Path, cache_dir: Path, clip, per_recording: int, batches: int) -> dict:
    from keras_vis.data import AVPairs
    from keras_vis.data.footage import prepare_footage, scan_footage

    count = len(list(folder.iterdir()))
    report, cold = timed(scan_footage, folder, min_seconds=clip.seconds)
    _, warm = timed(scan_footage, folder, min_seconds=clip.seconds)
    usable = len(report.recordings)
    footage, cached = timed(prepare_footage, folder, clip, cache_dir=cache_dir)
    _, cached_warm = timed(prepare_footage, folder, clip, cache_dir=cache_dir)
    pairs, pairing = timed(AVPairs, footage.cache, footage.split.train, 16, task="mixed",
                           augment=True, per_recording=per_recording)
    start = time.perf_counter()
    for step in range(batches):
        pairs[step % len(pairs)]
    batch = (time.perf_counter() - start) / batches
    # Decoding is counted per usable clip; scanning per file in the folder.
    return {"clips": count, "usable": usable, "train": len(footage.split.train),
            "scan (cold)": cold / count, "scan (warm)": warm / count,
            "cache": (cached - warm) / usable, "cache (warm)": (cached_warm - warm) / usable,
            "pairs": pairing / max(1, len(footage.split.train)), "batch": batch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(CORPUS), help="videos to link (default: the "
                        "real corpus)")
    parser.add_argument("--sizes", default="134,536", help="folder sizes, comma-separated")
    parser.add_argument("--preset", default="small", help="the shipped default's preset, "
                        "whose clip spec the cache holds")
    parser.add_argument("--per-recording", type=int, default=12)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--out", help="work folder (default: a temporary one, removed after)")
    args = parser.parse_args()

    import zoo
    from keras_vis.checkpoints import metadata

    model = metadata("default")["model"]
    clip = zoo.get_preset(model, args.preset).clip
    sizes = [int(size) for size in args.sizes.split(",")]
    work = Path(args.out or tempfile.mkdtemp(prefix="keras-vis-footage-scale-"))
    rows = []
    try:
        for size in sizes:
            folder = linked_folder(Path(args.source), work / f"footage-{size}", size)
            rows.append(measure(folder, work / f"cache-{size}", clip, args.per_recording,
                                args.batches))
            print(f"measured {size} clips", file=sys.stderr)
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)

    steps = ("scan (cold)", "scan (warm)", "cache", "cache (warm)", "pairs", "batch")
    print(f"footage folders of {', '.join(str(r['clips']) for r in rows)} clips linked from "
          f"{args.source}; clip spec {model} {args.preset} ({clip.seconds:g} s, "
          f"{clip.fps} fps, {clip.height}x{clip.width}); train parts "
          f"{', '.join(str(r['train']) for r in rows)} clips")
    print("| step | " + " | ".join(f"ms a clip at {r['clips']}" for r in rows)
          + f" | {rows[-1]['clips']} / {rows[0]['clips']} | projected for 10,000 clips |")
    print("|---|" + "---:|" * (len(rows) + 2))
    for step in steps:
        cost = [r[step] * 1000 for r in rows]
        per = "ms a batch" if step == "batch" else ""
        projected = "-" if step == "batch" else f"{cost[-1] * 10_000 / 1000 / 60:.1f} min"
        print(f"| {step}{' (' + per + ')' if per else ''} | "
              + " | ".join(f"{c:.1f}" for c in cost)
              + f" | {cost[-1] / cost[0]:.2f}x | {projected} |")


if __name__ == "__main__":
    main()
