"""No command prints TensorFlow's start-up lines (absl's notice, CUDA, CPU instructions)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_tensorflow_command_starts_quietly():
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(
        [sys.executable, "-m", "keras_vis", "models", "--pattern", "onset", "--backend",
         "tensorflow"], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "onset_sync_baseline" in done.stdout
    for noise in ("absl::InitializeLog", "cudart_stub", "cpu_feature_guard"):
        assert noise not in done.stderr, done.stderr
