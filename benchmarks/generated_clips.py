"""The real-footage protocol on generated footage: is a gap between our generator and real clips,
or between training and test?

Generates recordings with seeds no experiment trains on (one folder per style family), muxes each
``*_mic.mp4`` with its ``*_mic.wav`` into one video with its own sound, and scores every folder
with ``keras_vis.evaluate`` (aligned, shifted +-0.5 / +-1 s, swapped), next to the real clips
when ``--clips`` is given. The learning-free ``onset_sync_baseline`` at the model's preset is the
reference, scored on the same folders in the same run. One table.

``--mono`` adds each generated family once more with its sound downmixed to the same signal in
both channels, as most real clips carry it (12 of the 16 in ``../shared/data/real-clips``), while
the generator always writes a stereo field: is the gap there?

    python benchmarks/generated_clips.py [--model default] [--recordings 8] [--seconds 10]
                                         [--clips ../shared/data/real-clips] [--mono]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Seeds outside every experiment's data: the training family and the held-out one.
FAMILIES = (("v2", 9301), ("v2-outdoor", 9401))


def mux(video: Path, wav: Path, out: Path, mono: bool = False) -> None:
    """``video`` (no sound) and ``wav`` as one mp4 (H.264 + AAC), frame for frame; ``mono``:
    both channels carry the mean of the channels."""
    import av
    import soundfile

    audio, rate = soundfile.read(wav, dtype="float32", always_2d=True)
    if mono:
        audio = np.repeat(audio.mean(axis=1, keepdims=True), audio.shape[1], axis=1)
    with av.open(str(video)) as source, av.open(str(out), "w") as target:
        stream = source.streams.video[0]
        vout = target.add_stream("libx264", rate=stream.average_rate)
        vout.width, vout.height, vout.pix_fmt = stream.width, stream.height, "yuv420p"
        aout = target.add_stream("aac", rate=rate)
        layout = "stereo" if audio.shape[1] == 2 else "mono"
        aout.layout = layout
        for frame in source.decode(stream):
            image = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            target.mux(vout.encode(image))
        target.mux(vout.encode())
        for begin in range(0, len(audio), 1024):
            chunk = np.ascontiguousarray(audio[begin: begin + 1024].T)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate, frame.pts = rate, begin
            target.mux(aout.encode(frame))
        target.mux(aout.encode())


def generated_folders(root: Path, style: str, seed: int, recordings: int, seconds: float,
                      mono: bool) -> list[Path]:
    """``recordings`` of ``style`` as videos with their own sound, in ``root/style``, and with
    ``mono`` the same downmixed in ``root/style-mono``."""
    from keras_vis.data.synthetic import generate

    raw = root / f"{style}-raw"
    generate(raw, recordings=recordings, seconds=seconds, seed=seed, style=style, quiet=True)
    folders = []
    for downmix in (False, True) if mono else (False,):
        clips = root / (f"{style}-mono" if downmix else style)
        clips.mkdir()
        for video in sorted(raw.glob("*_mic.mp4")):
            mux(video, video.with_suffix(".wav"), clips / video.name, mono=downmix)
        folders.append(clips)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--recordings", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clips", action="append", default=[],
                        help="a folder of real videos with their own sound (repeatable)")
    parser.add_argument("--mono", action="store_true",
                        help="also score each generated family with its sound downmixed to mono")
    args = parser.parse_args()

    import zoo
    from keras_vis.inference.evaluate import evaluate
    from keras_vis.inference.predict import load_model

    model, name = load_model(args.model)
    clip = zoo.clip_of(model)
    matching = [preset for preset, spec in zoo.presets("onset_sync_baseline").items()
                if spec.clip == clip]
    if not matching:
        sys.exit(f"no onset_sync_baseline preset has the clip of {name} ({clip.key()})")
    reference = matching[0]
    with tempfile.TemporaryDirectory(prefix="keras-vis-generated-") as tmp:
        folders = [(f"generated {folder.name} (seeds {seed}+)", folder)
                   for style, seed in FAMILIES
                   for folder in generated_folders(Path(tmp), style, seed, args.recordings,
                                                   args.seconds, args.mono)]
        folders += [(f"real: {folder}", Path(folder)) for folder in args.clips]
        print(f"{args.recordings} recordings of {args.seconds:g} s per generated family; "
              f"model {name}; reference onset_sync_baseline:{reference}")
        print()
        print("| clips | model | clips | pairs | balanced acc | AUC | within-clip | offset ok |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for label, folder in folders:
            for shown, chosen in ((name, model), (f"onset_sync_baseline:{reference}",
                                                  f"onset_sync_baseline:{reference}")):
                m = evaluate(chosen, clips=folder).metrics
                print(f"| {label} | {shown} | {m['clips']} | {m['pairs']} "
                      f"| {m['balanced_accuracy']:.3f} | {m['auc']:.3f} | {m['within_clip']:.3f} "
                      f"| {m['offset_ok']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
