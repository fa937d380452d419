"""The codec benchmark: every codec and bit rate timed, and the batch row against its reference."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import audio_codec  # noqa: E402

from keras_vis.data.augment import DEFAULTS  # noqa: E402


def test_prints_one_table_with_each_codec_and_the_batch_against_its_reference(capsys):
    rows = audio_codec.main(["--preset", "tiny", "--batch", "4", "--repeats", "1"])
    codec = DEFAULTS["codec"]
    assert len(rows) == len(codec["codecs"]) * len(codec["kbps"]) + 2
    assert all(row["ms"] > 0 for row in rows)
    assert rows[-2]["ratio"] == 1.0 and rows[-1]["ratio"] == rows[-1]["ms"] / rows[-2]["ms"]
    out = capsys.readouterr().out
    assert out.count("\n| ") == len(rows) + 1 and "round trip, mp2 16 kbit/s" in out
