"""How right is ``check-sync`` on recordings known to be in sync, and is its confidence honest?

For each folder (generated recordings in the Greatest Hits layout, or videos with their own
sound), every file is taken as in sync and estimated; the table gives the share within one
frame of 0, and how many estimates are confident (>= ``MIN_CONFIDENCE``) and right or wrong.
``MIN_CONFIDENCE`` was chosen on generated folders; real footage only measures it.

    python benchmarks/check_sync_quality.py data/synthetic-studio-160 \\
        data/synthetic-v2-outdoor-48 ../shared/data/real-clips [--limit 40]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keras_vis.data import sync  # noqa: E402
from keras_vis.data.media import probe_video, read_audio, read_video  # noqa: E402


def estimate_file(video: Path) -> tuple[float, float, float]:
    """(offset_s, confidence, fps) of one file, with its ``_mic.wav`` when there is one."""
    wav = video.with_name(video.name.replace(".mp4", ".wav"))
    fps = min(float(probe_video(video).fps), 30.0)
    frames = read_video(video, fps=fps, size=sync.ANALYSIS_SIZE)
    audio = read_audio(wav if wav.exists() else video, sync.ANALYSIS_SAMPLE_RATE, channels=1)
    drops, times = sync.visual_onsets(frames, fps)
    onsets = sync.audio_onsets(audio, sync.ANALYSIS_SAMPLE_RATE)
    offset, confidence = sync.estimate_offset(onsets, drops, times)
    return offset, confidence, fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--limit", type=int, default=40, help="files per folder (by name)")
    args = parser.parse_args()
    print(f"| folder | files | within one frame | confident (>= {sync.MIN_CONFIDENCE:g}) "
          f"and right | confident and wrong |")
    print("|---|---|---|---|---|")
    for folder in map(Path, args.folders):
        results = [estimate_file(p) for p in sorted(folder.glob("*.mp4"))[: args.limit]]
        right = np.array([abs(o) <= 1 / fps + 1e-9 for o, _, fps in results])
        sure = np.array([c >= sync.MIN_CONFIDENCE for _, c, _ in results])
        print(f"| {folder.name} | {len(results)} | {right.mean():.2f} | {(right & sure).sum()} "
              f"| {(~right & sure).sum()} |")


if __name__ == "__main__":
    main()
