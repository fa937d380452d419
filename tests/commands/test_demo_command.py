"""``demo``: generate on first use, spot-check sync, train, append a row, write the table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from keras_vis.results.table import read_results

REPO = Path(__file__).resolve().parents[2]


def test_demo_generates_trains_and_writes_the_table(tmp_path):
    root = tmp_path / "generated"
    config = tmp_path / "mini.toml"
    config.write_text("\n".join([
        "[model]",
        'name = "siamese_fusion"',
        'preset = "tiny"',
        "overrides = {widths = [4, 8], depths = [1, 1], head_units = 8, temporal_width = 8}",
        "[data]",
        # 8 short recordings leave one for test: too few for the default mixed task's fakes
        # from another recording.
        'task = "sync"',
        "train_pairs_per_recording = 4",
        "eval_pairs_per_recording = 4",
        f'cache_dir = "{tmp_path / "cache"}"',
        "[data.dataset]",
        f'root = "{root}"',
        "[data.dataset.synthetic]",
        "recordings = 8",
        "seconds = 4.0",
        "seed = 3",
        "[train]",
        "epochs = 1",
        "batch_size = 4",
    ]) + "\n")
    results = tmp_path / "tables" / "results.csv"
    done = subprocess.run(
        [sys.executable, "-m", "keras_vis", "demo", "--backend", "jax", "--config", str(config),
         "--check-sync", "2", "--runs-dir", str(tmp_path / "runs"), "--results", str(results)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(list(root.glob("*_mic.mp4"))) == 8
    assert "check-sync: 2 of 8 recordings checked" in done.stderr
    table = read_results(results)
    assert list(table["experiment"]) == ["mini"]
    assert "--check-sync 2" in table["command"].iloc[0]
    written = (results.parent / "RESULTS.md").read_text()
    # Grouped like with like: the row names the experiment (and its preset, task, dataset).
    assert "| mini | - | tiny |" in written and "| mini | - | tiny |" in done.stdout
    assert (tmp_path / "runs" / "mini").is_dir()
