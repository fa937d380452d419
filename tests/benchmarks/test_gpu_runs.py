"""benchmarks/gpu_runs.sh: the listed runs side by side (here on the CPU), their rows in one table
and their folders and logs in two archives; a failing line costs only its own run."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_runs_side_by_side_come_back_as_rows_and_archives(tmp_path, synthetic_root):
    config = tmp_path / "tiny.toml"
    config.write_text("\n".join([
        'description = "gpu_runs test"',
        "[model]", 'name = "resnet_gru_fusion"',
        "overrides = {widths = [4, 8], depths = [1, 1], gru_units = 8, head_units = 8}",
        "[data]", 'task = "sync"', "train_pairs_per_recording = 4",
        "eval_pairs_per_recording = 8", f'cache_dir = "{tmp_path / "cache"}"',
        "[data.dataset]", f'root = "{synthetic_root}"',
        "[train]", "epochs = 1", "batch_size = 8",
    ]) + "\n")
    runs = tmp_path / "runs.txt"
    runs.write_text(f"# two seeds and a line that cannot run\n{config} --set train.seed=0\n\n"
                    f"{config} --set train.seed=1\n{config} --set train.epochs=x\n")
    out = tmp_path / "out"
    env = dict(os.environ, PYTHON=sys.executable, KERAS_BACKEND="jax",
               RUNS_DIR=str(tmp_path / "runs"))
    done = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu_runs.sh"), str(runs), str(out),
                           "3", "300"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert sorted(row["seed"] for row in rows) == ["0", "1"]
    assert all(row["device"] for row in rows)
    assert "run 3 exited 2" in done.stdout  # the bad line's config error, the others kept
    with tarfile.open(out / "runs.tar.gz") as archive:
        names = archive.getnames()
    folders = {n.rsplit("/", 1)[0] for n in names if n.endswith("/metrics.json")}
    assert len(folders) == 2 and not any(n.endswith(".keras") for n in names)
    with tarfile.open(out / "logs.tar.gz") as archive:
        assert {"logs/1.log", "logs/2.log", "logs/3.log", "runs.txt"} <= set(archive.getnames())
    assert sum(line.startswith("| tiny | ") for line in done.stdout.splitlines()) == 2
    assert sorted(p.name for p in out.iterdir()) == ["logs.tar.gz", "results.csv", "runs.tar.gz"]
