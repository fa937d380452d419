import argparse
import json

import pytest

from keras_vis.commands import check_sync, generate, scan
from keras_vis.errors import KerasVisError


def parser():
    root = argparse.ArgumentParser()
    subparsers = root.add_subparsers(dest="command", required=True)
    for module in (generate, scan, check_sync):
        module.register(subparsers, [])
    return root


def run(argv):
    args = parser().parse_args(argv)
    return args.func(args)


def test_generate_then_scan_json(tmp_path, capsys):
    out = tmp_path / "data"
    assert run(["generate", str(out), "--recordings", "2", "--seconds", "3", "--seed", "1",
                "--size", "64x96", "--workers", "1", "--quiet"]) == 0
    assert "wrote 2 studio recordings" in capsys.readouterr().out
    (out / "broken_mic.mp4").write_bytes(b"nothing")
    assert run(["scan", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["recordings"]) == 2
    assert report["recordings"][0]["height"] == 64
    assert report["skipped"] == [{"id": "broken", "reason": "missing broken_mic.wav, broken_times.txt"}]


def test_scan_readable_summary_and_nothing_usable(synthetic_root, tmp_path, capsys):
    assert run(["scan", str(synthetic_root)]) == 0
    assert "6 usable recordings" in capsys.readouterr().out
    (tmp_path / "x_mic.wav").write_bytes(b"")
    assert run(["scan", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "no usable recordings" in captured.err and "skipped x" in captured.out


def test_scan_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(KerasVisError, match="does not exist"):
        run(["scan", str(tmp_path / "nope")])


def test_check_sync_json(synthetic_root, capsys):
    assert run(["check-sync", str(synthetic_root), "--json", "--tolerance", "5"]) == 0
    estimates = json.loads(capsys.readouterr().out)
    assert len(estimates) == 6
    assert set(estimates[0]) == {"id", "offset_s", "confidence", "flagged", "status"}
    assert not any(e["flagged"] for e in estimates)


def test_generate_rejects_a_bad_size(tmp_path):
    with pytest.raises(SystemExit):
        run(["generate", str(tmp_path), "--size", "big"])
