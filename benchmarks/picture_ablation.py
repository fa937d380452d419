"""Does a model's real-clip score come from the picture's timing? The real clips scored three
ways, the sound untouched (its packets copied as they are):
- ``unchanged``: the picture decoded and encoded again (H.264, crf 18): the control, so that the
  encoding itself is not taken for an effect;
- ``frozen``: every frame is the clip's first: no motion at all;
- ``shuffled``: the clip's own frames in a random order (seeded): the same pictures, no timing.
Each ablation's paired difference from ``unchanged`` comes from the same draws of clips
(``keras_vis.inference.evaluate.paired_difference``). One table. Measuring only: nothing here
is trained on the clips.

    python benchmarks/picture_ablation.py [--model default] [--model RUN_FOLDER ...]
                                          [--clips ../shared/data/real-clips]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ABLATIONS = ("unchanged", "frozen", "shuffled")


def ablate(source: Path, out: Path, ablation: str, rng: np.random.Generator) -> None:
    """``source`` written to ``out`` with its picture ablated and its sound packets copied."""
    import av

    with av.open(str(source)) as reader:
        video = reader.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in reader.decode(video)]
    if ablation == "frozen":
        frames = [frames[0]] * len(frames)
    elif ablation == "shuffled":
        frames = [frames[i] for i in rng.permutation(len(frames))]
    height, width = (frames[0].shape[0] // 2) * 2, (frames[0].shape[1] // 2) * 2  # yuv420p
    with av.open(str(source)) as reader, av.open(str(out), "w") as writer:
        picture = writer.add_stream("libx264", rate=reader.streams.video[0].average_rate)
        picture.width, picture.height, picture.pix_fmt = width, height, "yuv420p"
        picture.options = {"crf": "18", "preset": "ultrafast"}
        sound = writer.add_stream_from_template(reader.streams.audio[0])
        for frame in frames:
            image = np.ascontiguousarray(frame[:height, :width])
            writer.mux(picture.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        writer.mux(picture.encode())
        for packet in reader.demux(reader.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = sound
                writer.mux(packet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[],
                        help="a model evaluate takes (repeatable; default: default)")
    parser.add_argument("--clips", default=str(ROOT.parent / "shared" / "data" / "real-clips"))
    args = parser.parse_args()

    from keras_vis.inference.evaluate import evaluate, find_clips, paired_difference

    sources = find_clips(args.clips)
    with tempfile.TemporaryDirectory(prefix="keras-vis-ablation-") as tmp:
        rng = np.random.default_rng(0)
        for ablation in ABLATIONS:
            (Path(tmp) / ablation).mkdir()
            for source in sources:
                ablate(source, Path(tmp) / ablation / source.name, ablation, rng)
        print(f"{len(sources)} clips from {args.clips}; sound unchanged in every row; paired "
              f"95 % intervals against 'unchanged' over resampled clips")
        print()
        print("| model | picture | balanced acc | vs unchanged | AUC | vs unchanged "
              "| within-clip | vs unchanged |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for model in args.model or ["default"]:
            reports = {a: evaluate(model, clips=Path(tmp) / a) for a in ABLATIONS}
            for ablation, report in reports.items():
                cells = []
                diff = (paired_difference(reports["unchanged"].pairs, report.pairs)
                        if ablation != "unchanged" else None)
                for name in ("balanced_accuracy", "auc", "within_clip"):
                    cells.append(f"{report.metrics[name]:.3f}")
                    if diff is None:
                        cells.append("")
                    else:
                        low, high = diff[name]["ci"]
                        cells.append(f"{diff[name]['difference']:+.3f} [{low:+.2f}, {high:+.2f}]")
                print(f"| {model} | {ablation} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
