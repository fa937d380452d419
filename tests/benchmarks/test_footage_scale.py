"""The footage-scale benchmark: linked folders of two sizes, every step timed per clip."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import footage_scale  # noqa: E402

from tests.media import write_video  # noqa: E402


def test_two_sizes_give_one_table_of_every_step(tmp_path, monkeypatch, capsys):
    source = tmp_path / "videos"
    source.mkdir()
    for i in range(3):
        write_video(source / f"v{i}.mp4", seconds=2.5, fps=12, size=(32, 48), seed=i)
    monkeypatch.setattr(sys, "argv", ["footage_scale.py", "--source", str(source), "--sizes",
                                      "6,10", "--batches", "1", "--per-recording", "6",
                                      "--out", str(tmp_path / "work")])
    footage_scale.main()
    table = capsys.readouterr().out
    # Every link is a clip of its own to the scan, the cache and the split.
    assert "footage folders of 6, 10 clips" in table
    assert len(list((tmp_path / "work" / "footage-10").iterdir())) == 10
    for step in ("scan (cold)", "scan (warm)", "| cache |", "cache (warm)", "pairs", "batch"):
        assert step in table, step
    assert table.count("\n|") == 8  # header, rule, six steps
