"""Recordings benchmark: generation speed, scan speed and check-sync error; prints one table.

    .venv/bin/python benchmarks/recordings.py [--recordings 8] [--workers 2]

Generation: N studio recordings of 20 s at the default 256x456. Scan: 100 recordings (the
generated files hard-linked under 100 ids; scan reads headers, so content does not matter).
Check-sync: each generated recording with its audio shifted by 0, +-0.2 and +-0.5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keras_vis.data.scan import scan  # noqa: E402
from keras_vis.data.sync import check_sync  # noqa: E402
from keras_vis.data.synthetic import generate  # noqa: E402

FRAME_S = 1001 / 30000
SHIFTS = (0.0, 0.2, -0.2, 0.5, -0.5)


def shifted_copy(recording, folder: Path, shift_s: float, tag: int) -> None:
    audio, rate = soundfile.read(str(recording.audio), dtype="int16")
    n = int(round(abs(shift_s) * rate))
    pad = np.zeros((n, audio.shape[1]), audio.dtype)
    audio = np.concatenate([pad, audio[: len(audio) - n]]) if shift_s > 0 else np.concatenate([audio[n:], pad])
    rec_id = f"{recording.id}-s{tag}"
    os.link(recording.video, folder / f"{rec_id}_mic.mp4")
    soundfile.write(str(folder / f"{rec_id}_mic.wav"), audio, rate, subtype="PCM_16")
    os.link(recording.video.with_name(f"{recording.id}_times.txt"), folder / f"{rec_id}_times.txt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        generate(tmp / "gen", recordings=args.recordings, seconds=20.0, seed=0, workers=args.workers, quiet=True)
        elapsed = time.perf_counter() - start
        rows.append(("generate (20 s, 256x456, %d workers)" % args.workers,
                     f"{args.recordings / elapsed:.2f} recordings/s", f"{args.recordings} in {elapsed:.1f} s"))

        many = tmp / "many"
        many.mkdir()
        sources = sorted((tmp / "gen").glob("*_mic.mp4"))
        for i in range(100):
            src = sources[i % len(sources)].name[: -len("_mic.mp4")]
            for suffix in ("_mic.mp4", "_mic.wav", "_times.txt"):
                os.link(tmp / "gen" / f"{src}{suffix}", many / f"2016-01-01-00-{i // 60:02d}-{i % 60:02d}{suffix}")
        start = time.perf_counter()
        report = scan(many)
        elapsed = time.perf_counter() - start
        assert len(report.recordings) == 100, report.skipped
        rows.append(("scan (100 recordings)", f"{100 / elapsed:.1f} recordings/s", f"100 in {elapsed:.2f} s"))

        shifted = tmp / "shifted"
        shifted.mkdir()
        truth = {}
        for recording in scan(tmp / "gen").recordings:
            for tag, shift in enumerate(SHIFTS):
                shifted_copy(recording, shifted, shift, tag)
                truth[f"{recording.id}-s{tag}"] = shift
        start = time.perf_counter()
        estimates = check_sync(shifted)
        elapsed = time.perf_counter() - start
        errors = np.array([abs(e.offset_s - truth[e.id]) / FRAME_S for e in estimates])
        within = int((errors <= 1.0).sum())
        rows.append(("check-sync error, shifts 0 +-0.2 +-0.5 s",
                     f"mean {errors.mean():.2f} / max {errors.max():.2f} frames",
                     f"{within}/{len(errors)} within 1 frame, {len(errors) / elapsed:.1f} rec/s"))
    width = [max(len(r[i]) for r in rows + [("measure", "result", "detail")]) for i in range(3)]
    line = "| " + " | ".join("{:<%d}" % w for w in width) + " |"
    print(line.format("measure", "result", "detail"))
    print("|" + "|".join("-" * (w + 2) for w in width) + "|")
    for row in rows:
        print(line.format(*row))


if __name__ == "__main__":
    main()
