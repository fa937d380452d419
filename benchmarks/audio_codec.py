"""What the ``codec`` augmentation costs: one sound track's round trip, and a train batch.

Prints one markdown table, all rows from the same run:
  round trip   one window of ``--preset``'s audio (2 s at 16 kHz) coded and decoded by each
               codec at each bit rate of the switch's defaults, median of ``--repeats``
  batch        one augmented batch of ``--batch`` windows with the footage recipe's switches
               (``experiments/motion_lag_fusion_footage_mixed_small.toml``), without and with
               ``codec`` at its defaults, median of ``--repeats`` alternating rounds; the
               ratio is the reference in the same run

    python benchmarks/audio_codec.py
    python benchmarks/audio_codec.py --batch 32 --repeats 20 --preset small
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_layers import _timed  # noqa: E402  (median of timed calls; no keras)

RECIPE = ("crop", "flip", "color", "time_jitter", "gain", "noise", "eq",
          "resolution", "compression", "framerate", "bandlimit")


def knocks(samples: int, channels: int, rng: np.random.Generator) -> np.ndarray:
    """A window of decaying noise bursts over quiet noise, as a struck object's sound track."""
    audio = 0.01 * rng.standard_normal((samples, channels))
    for start in rng.integers(0, max(1, samples - 400), 6):
        n = min(400, samples - start)
        audio[start : start + n] += 0.3 * rng.standard_normal((n, channels)) * np.exp(
            -np.arange(n) / 80)[:, None]
    return audio.astype(np.float32)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="small", help="clip spec of the windows (default small)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)

    from keras_vis.data import codec
    from keras_vis.data.augment import DEFAULTS, Augmenter
    from zoo.clip import CLIP_PRESETS

    clip = CLIP_PRESETS[args.preset]
    rng = np.random.default_rng(0)
    samples = clip.samples
    window = knocks(samples, clip.channels, rng)
    rows = []
    for name in DEFAULTS["codec"]["codecs"]:
        for kbps in DEFAULTS["codec"]["kbps"]:
            codec.codec_delay(name, clip.sample_rate, kbps)  # measured once, outside the timing
            ms = 1000 * _timed(lambda: codec.roundtrip(window, clip.sample_rate, name, kbps),
                               args.repeats, warmup=0)
            rows.append({"what": f"round trip, {name} {kbps} kbit/s", "ms": ms, "ratio": None})

    video = rng.integers(0, 256, (args.batch, clip.frames, clip.height, clip.width, 3), np.uint8)
    audio = np.stack([knocks(samples, clip.channels, rng) for _ in range(args.batch)])
    without = Augmenter({name: True for name in RECIPE}, seed=0, sample_rate=clip.sample_rate)
    with_codec = Augmenter({name: True for name in (*RECIPE, "codec")}, seed=0,
                           sample_rate=clip.sample_rate)
    times: dict[str, list[float]] = {"without": [], "with": []}
    for step in range(args.repeats):  # alternating, so a busy moment hits both alike
        for key, aug in (("without", without), ("with", with_codec)):
            start = time.perf_counter()
            aug(video, audio, step=(0, step))
            times[key].append((time.perf_counter() - start) * 1000)
    base = statistics.median(times["without"])
    coded = statistics.median(times["with"])
    rows.append({"what": f"batch of {args.batch}, footage recipe's switches", "ms": base, "ratio": 1.0})
    rows.append({"what": f"batch of {args.batch}, the same + codec (p = "
                         f"{DEFAULTS['codec']['probability']})", "ms": coded, "ratio": coded / base})

    print(f"audio codec augmentation, {args.preset} windows ({clip.seconds:g} s at "
          f"{clip.sample_rate} Hz, {clip.channels} channel(s)), median of {args.repeats}")
    print("\n| what | ms | against the recipe's batch |\n|---|---:|---:|")
    for row in rows:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        print(f"| {row['what']} | {row['ms']:.1f} | {ratio} |")
    return rows


if __name__ == "__main__":
    main()
