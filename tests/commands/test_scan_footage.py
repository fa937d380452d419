"""scan --footage: a folder of the user's own videos, reported as training data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.media import write_video

REPO = Path(__file__).resolve().parents[2]


def scan(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "keras_vis", "scan", "--footage", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_scan_footage_reports_usable_clips_sources_and_skips(tmp_path):
    for i in range(3):
        write_video(tmp_path / f"holiday__part{i + 1}.mp4", seconds=2.5, fps=12, size=(32, 48),
                    seed=i)
    (tmp_path / "trip").mkdir()
    for i in range(3):
        write_video(tmp_path / "trip" / f"walk{i}.mp4", seconds=2.5, fps=12, size=(32, 48),
                    seed=10 + i)
    write_video(tmp_path / "trip" / "mute.mp4", seconds=2.5, fps=12, size=(32, 48), audio=False)
    done = scan(str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "6 usable clips" in done.stdout and "4 source videos" in done.stdout
    assert "1 skipped" in done.stdout and "trip~mute" in done.stdout
    assert "no sound track" in done.stdout and "split by source video" in done.stdout
    report = json.loads(scan(str(tmp_path), "--json").stdout)
    assert len(report["recordings"]) == 6 and report["skipped"][0]["id"] == "trip~mute"


def test_scan_footage_with_nothing_usable_exits_1(tmp_path):
    write_video(tmp_path / "mute.mp4", seconds=2.5, fps=12, size=(32, 48), audio=False)
    done = scan(str(tmp_path))
    assert done.returncode == 1 and "no usable footage" in done.stderr


def test_evaluate_scores_the_held_out_part_of_a_footage_folder(tmp_path):
    for i in range(6):
        write_video(tmp_path / f"v{i}__part1.mp4", seconds=2.5, fps=12, size=(32, 48), seed=i)
        write_video(tmp_path / f"v{i}__part2.mp4", seconds=2.5, fps=12, size=(32, 48),
                    seed=20 + i)
    done = subprocess.run(
        [sys.executable, "-m", "keras_vis", "evaluate", "onset_sync_baseline:tiny", "--clips",
         str(tmp_path), "--footage-part", "test", "--test-fraction", "0.3", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "test part of" in done.stderr and ": 4 clips (each folder split by source" in done.stderr
    clips = {row["clip"] for row in json.loads(done.stdout)["clips"]}
    # Both pieces of each held-out video, and nothing else.
    sources = {name.split("__")[0] for name in clips}
    assert len(clips) == 4 and len(sources) == 2
