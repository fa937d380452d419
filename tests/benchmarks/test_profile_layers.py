"""The per-layer profile: every part and layer of a model gets a time, in float32 and mixed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import profile_layers  # noqa: E402


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_every_part_and_layer_is_timed(precision):
    result = profile_layers.cell("motion_lag_fusion", "tiny", batch=2, repeats=1,
                                 with_layers=True, torch_ops=0, precision=precision)
    rows = result["rows"]
    assert [r["name"] for r in rows if r["kind"] != "layer"] == ["train_on_batch",
                                                                  *profile_layers.PARTS]
    layers = {r["name"] for r in rows if r["kind"] == "layer"}
    assert {"video_encoder/video_motion_grid", "audio_encoder/audio_log_mel"} <= layers
    assert all(r["s"] > 0 for r in rows)
