"""Quality of a checkpoint (default: the one shipped in the package) on recordings it never saw.

Generates recordings with seeds and styles outside the training data, then scores each with
``keras_vis.predict`` three ways: the audio as recorded (must score real, offset ~0) and the
same audio shifted by +-SHIFT s (must score fake, with the offset found). Prints one table.

    .venv/bin/python benchmarks/default_model_quality.py [--model PATH] [--recordings 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHIFT_S = 0.5
# Seeds no training set uses: the training family of recordings v2 and the held-out one.
STYLES = (("v2", 9001), ("v2-outdoor", 9101))


def shifted_copy(source: Path, target: Path, shift_s: float) -> Path:
    """``source`` delayed by ``shift_s`` (positive: the audio lags the video), same length."""
    audio, rate = soundfile.read(source, dtype="float32", always_2d=True)
    shift = int(round(abs(shift_s) * rate))
    pad = np.zeros((shift, audio.shape[1]), np.float32)
    moved = (np.concatenate([pad, audio[: len(audio) - shift]]) if shift_s > 0
             else np.concatenate([audio[shift:], pad]))
    soundfile.write(target, moved, rate)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a .keras file (default: the shipped one)")
    parser.add_argument("--recordings", type=int, default=4, help="per style")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    from keras_vis.data.synthetic import generate
    from keras_vis.inference.predict import load_model, predict

    model, name = load_model(args.model)
    frame_s = 1.0 / model.clip.fps
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for style, seed in STYLES:
            root = Path(folder) / style
            generate(root, recordings=args.recordings, seconds=args.seconds, seed=seed,
                     style=style, quiet=True)
            for video in sorted(root.glob("*_mic.mp4")):
                wav = video.with_suffix(".wav")
                for shift in (0.0, SHIFT_S, -SHIFT_S):
                    audio = wav if shift == 0 else shifted_copy(
                        wav, root / f"{video.stem}{shift:+.1f}.wav", shift)
                    result = predict(video, audio, model=model)
                    correct = (result.p_real > 0.5) == (shift == 0)
                    error_frames = abs(result.offset_s - shift) / frame_s
                    rows.append((style, shift, correct, error_frames, result.p_real))

    print(f"model: {name} ({model.clip.fps:g} fps; unseen recordings of {args.seconds:g} s, "
          + ", ".join(f"seeds {seed}+ {style}" for style, seed in STYLES) + ")")
    print("| style | audio | pairs | real/fake correct | offset within 2 frames | "
          "mean offset error (frames) | mean p_real |")
    print("|---|---|---|---|---|---|---|")
    for style, _ in STYLES:
        for shift in (0.0, SHIFT_S, -SHIFT_S):
            chosen = [r for r in rows if r[0] == style and r[1] == shift]
            label = "as recorded" if shift == 0 else f"shifted {shift:+.1f} s"
            correct = sum(r[2] for r in chosen)
            within = sum(r[3] <= 2.0 for r in chosen)
            print(f"| {style} | {label} | {len(chosen)} | {correct}/{len(chosen)} | "
                  f"{within}/{len(chosen)} | {np.mean([r[3] for r in chosen]):.2f} | "
                  f"{np.mean([r[4] for r in chosen]):.2f} |")


if __name__ == "__main__":
    main()
