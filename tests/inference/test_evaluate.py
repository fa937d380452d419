"""keras_vis.evaluate: the real-footage protocol (pairs, cuts, metrics), unreadable clips, the
results-row hook and the command, on short clips made in the test."""

from __future__ import annotations

import json

import numpy as np
import pytest

from keras_vis.errors import DataError
from keras_vis.inference.evaluate import (
    Clip,
    bootstrap_intervals,
    cut,
    paired_difference,
    read_report,
    evaluate,
    find_clips,
    protocol_pairs,
    roc_auc,
    summarize,
)
from tests.media import write_video

FPS, RATE = 10, 1000


def synthetic_clip(name: str, seconds: float) -> Clip:
    """Frames and audio that both count time: frame k holds k, sample i holds i / RATE."""
    frames = np.arange(int(round(seconds * FPS)), dtype=np.uint8)[:, None, None, None]
    waveform = (np.arange(int(round(seconds * RATE))) / RATE).astype("float32")[:, None]
    return Clip(name, frames, waveform, FPS, RATE)


def test_pairs_follow_the_protocol():
    clips = [synthetic_clip("a", 6.0), synthetic_clip("b", 2.3), synthetic_clip("c", 3.0)]
    pairs = protocol_pairs(clips)
    kinds = {name: [p.kind for p in pairs if p.video == name] for name in "abc"}
    # 6 s: every shift keeps >= 2 s; 2.3 s: none; 3 s: +-0.5 (2.5 s) and +-1.0 (2.0 s).
    assert kinds["a"] == ["aligned", "shifted", "shifted", "shifted", "shifted", "swapped"]
    assert kinds["b"] == ["aligned", "swapped"]
    assert kinds["c"].count("shifted") == 4
    swapped = {p.video: p.audio for p in pairs if p.kind == "swapped"}
    assert swapped == {"a": "b", "b": "c", "c": "a"}
    assert all(p.seconds >= 2.0 - 1e-9 for p in pairs if p.kind == "shifted")
    assert [p.label for p in pairs].count(1) == 3


@pytest.mark.parametrize("shift", [-1.0, -0.5, 0.5, 1.0])
def test_a_shifted_pair_hears_each_frame_shift_seconds_late(shift):
    clip = synthetic_clip("a", 6.0)
    (pair,) = [p for p in protocol_pairs([clip]) if p.shift_s == shift and p.kind == "shifted"]
    frames, waveform = cut(pair, {"a": clip})
    assert len(frames) / FPS == pytest.approx(len(waveform) / RATE, abs=1.0 / FPS)
    video_time = frames[:, 0, 0, 0] / FPS  # the source time each frame shows
    audio_time = waveform[np.arange(len(frames)) * RATE // FPS, 0]  # source time heard then
    # The audio lags by `shift`: what is heard at a frame was made `shift` seconds earlier.
    np.testing.assert_allclose(video_time - audio_time, shift, atol=1e-3)


def test_summary_metrics():
    rows = [
        {"kind": "aligned", "video": "a", "label": 1, "p_real": 0.9, "offset_s": 0.0,
         "offset_ok": True},
        {"kind": "aligned", "video": "b", "label": 1, "p_real": 0.4, "offset_s": 0.3,
         "offset_ok": False},
        {"kind": "shifted", "video": "a", "label": 0, "p_real": 0.2, "offset_s": 0.5,
         "offset_ok": True},
        {"kind": "shifted", "video": "b", "label": 0, "p_real": 0.6, "offset_s": 0.0,
         "offset_ok": False},
        {"kind": "swapped", "video": "a", "label": 0, "p_real": 0.1},
        {"kind": "swapped", "video": "b", "label": 0, "p_real": 0.3},
    ]
    m = summarize(rows, clips=2)
    assert m["balanced_accuracy"] == pytest.approx(0.5 * (1 / 2 + 3 / 4))
    assert m["offset_ok"] == 0.5 and m["aligned_offset_ok"] == 0.5
    assert m["shifted_accuracy"] == 0.5 and m["swapped_accuracy"] == 1.0
    assert m["auc"] == pytest.approx(roc_auc([1, 1, 0, 0, 0, 0], [0.9, 0.4, 0.2, 0.6, 0.1, 0.3]))
    assert roc_auc([1, 0, 1, 0], [0.8, 0.2, 0.7, 0.7]) == pytest.approx(0.875)  # tie counts half
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))
    # Within a clip: a beats both its fakes; b beats its swap (0.3) but not its shift (0.6).
    assert m["within_clip"] == pytest.approx(3 / 4)


def _clip_rows(video: str, aligned: float, fakes: list[float]) -> list[dict]:
    return ([{"kind": "aligned", "video": video, "label": 1, "p_real": aligned}]
            + [{"kind": "swapped", "video": video, "label": 0, "p_real": p} for p in fakes])


def test_bootstrap_resamples_whole_clips():
    # Every clip orders its own pairs right, at levels that differ from clip to clip: whichever
    # clips a draw takes, the within-clip ranking stays 1 while accuracy and AUC move.
    rows = [r for i in range(8) for r in _clip_rows(f"c{i}", 0.2 + 0.1 * i, [0.1 * i + 0.1])]
    intervals = bootstrap_intervals(rows, resamples=300)
    assert intervals["within_clip"] == [1.0, 1.0]
    low, high = intervals["balanced_accuracy"]
    point = summarize(rows, clips=8)
    assert low < point["balanced_accuracy"] < high
    assert low < high and intervals["auc"][0] < intervals["auc"][1] <= 1.0
    assert point["balanced_accuracy_ci"] == bootstrap_intervals(rows)["balanced_accuracy"]
    assert bootstrap_intervals(rows, resamples=300) == intervals  # seeded: repeats exactly


def test_bootstrap_of_a_perfect_model_and_of_one_clip():
    rows = [r for i in range(5) for r in _clip_rows(f"c{i}", 0.9, [0.1, 0.2])]
    assert bootstrap_intervals(rows, resamples=200) == {
        "balanced_accuracy": [1.0, 1.0], "auc": [1.0, 1.0], "within_clip": [1.0, 1.0]}
    single = bootstrap_intervals(_clip_rows("only", 0.9, [0.1]), resamples=50)
    assert all(np.isnan(bound) for interval in single.values() for bound in interval)


def _report_rows(aligned_scores, fake_scores):
    return [r for i, (a, f) in enumerate(zip(aligned_scores, fake_scores))
            for r in _clip_rows(f"c{i}", a, [f])]


def test_paired_difference_draws_the_same_clips_for_both():
    # B is A with every score nudged up by the same amount: on every clip and every draw B
    # calls one more pair real where A sat just under 0.5, never fewer.
    a = _report_rows([0.45, 0.7, 0.8, 0.48, 0.9, 0.6], [0.2, 0.3, 0.1, 0.4, 0.2, 0.3])
    b = [{**r, "p_real": r["p_real"] + 0.06} for r in a]
    result = paired_difference(a, b, resamples=300)
    bal = result["balanced_accuracy"]
    assert bal["difference"] == pytest.approx(summarize(b, 6)["balanced_accuracy"]
                                              - summarize(a, 6)["balanced_accuracy"])
    assert bal["ci"][0] >= 0 and bal["share_above"] > 0.8  # never worse in any draw
    # Orderings are unchanged, so AUC and within-clip ranking do not move at all.
    assert result["auc"] == {"difference": 0.0, "ci": [0.0, 0.0], "share_above": 0.0}
    with pytest.raises(DataError, match="same pairs"):
        paired_difference(a, a[:-1])


def test_several_runs_are_compared_by_their_mean():
    a = _report_rows([0.45, 0.7, 0.8, 0.48, 0.9, 0.6], [0.2, 0.3, 0.1, 0.4, 0.2, 0.3])
    b = [{**r, "p_real": r["p_real"] + 0.06} for r in a]
    worse = [{**r, "p_real": 1 - r["p_real"]} for r in a]  # every order reversed
    assert bootstrap_intervals([a, a], resamples=300) == bootstrap_intervals(a, resamples=300)
    one, mean = paired_difference(a, b, resamples=300), paired_difference(a, [b, worse], resamples=300)
    reversed_auc = paired_difference(a, worse, resamples=300)["auc"]["difference"]
    assert mean["auc"]["difference"] == pytest.approx(reversed_auc / 2)  # (0 + reversed) / 2
    assert mean["balanced_accuracy"]["difference"] == pytest.approx(
        (one["balanced_accuracy"]["difference"]
         + paired_difference(a, worse, resamples=300)["balanced_accuracy"]["difference"]) / 2)
    shuffled = list(reversed(b))  # the same pairs in another order: matched pair by pair
    assert paired_difference(a, [shuffled, shuffled], resamples=300) == one
    with pytest.raises(DataError, match="runs to average were not scored on the same pairs"):
        bootstrap_intervals([a, a[:-1]])


def test_read_report_takes_json_or_run_folder_and_names_bad_files(tmp_path):
    rows = _report_rows([0.9, 0.8], [0.1, 0.2])
    (tmp_path / "report.json").write_text(json.dumps({"model": "m", "pairs": rows}))
    assert read_report(tmp_path / "report.json") == ("m", rows)
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(DataError, match="holds no real_clips.json"):
        read_report(run)
    (run / "real_clips.json").write_text(json.dumps({"model": "r", "pairs": rows}))
    assert read_report(run) == ("r", rows)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataError, match="bad.json: not an evaluate report"):
        read_report(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text(json.dumps({"pairs": [{"video": "a"}]}))
    with pytest.raises(DataError, match="other.json: not an evaluate report"):
        read_report(tmp_path / "other.json")
    with pytest.raises(DataError, match="missing.json: no such file"):
        read_report(tmp_path / "missing.json")


@pytest.fixture(scope="module")
def clips_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    write_video(root / "long.mp4", 4.5, 25, (72, 96), seed=1)
    write_video(root / "short.mov", 2.2, 15, (60, 80), seed=2)
    write_video(root / "other.mkv", 3.0, 30, (64, 64), seed=3)
    (root / "broken.mp4").write_bytes(b"not a video at all")
    (root / "notes.txt").write_text("not a video, not looked at\n")
    return root


def test_evaluate_reports_unreadable_clips_and_is_deterministic(clips_dir):
    first = evaluate("onset_sync_baseline", clips_dir)
    assert [s["clip"] for s in first.skipped] == ["broken.mp4"]
    assert "broken.mp4" in first.skipped[0]["reason"]
    m = first.metrics
    assert m["clips"] == 3 and m["aligned_pairs"] == 3 and m["swapped_pairs"] == 3
    assert m["shifted_pairs"] == 4 + 4  # long (4.5 s) and other (3 s) keep >= 2 s at every shift
    assert 0.0 <= m["balanced_accuracy"] <= 1.0
    assert {c["clip"] for c in first.clips} == {"long.mp4", "short.mov", "other.mkv"}
    assert all("offset_ok" in p for p in first.pairs if p["kind"] != "swapped")
    second = evaluate("onset_sync_baseline", [clips_dir])
    assert second.pairs == first.pairs
    assert set(first.results_columns()) == {"real_balanced_accuracy", "real_auc",
                                            "real_within_clip", "real_offset_ok", "real_clips"}


def test_no_readable_clip_is_an_error_naming_the_folder(tmp_path):
    with pytest.raises(DataError, match="no video files"):
        find_clips(tmp_path)
    with pytest.raises(DataError, match="clips folder not found"):
        find_clips(tmp_path / "missing")
    (tmp_path / "bad.mp4").write_bytes(b"garbage")
    with pytest.raises(DataError, match="none of the clips"):
        evaluate("onset_sync_baseline", tmp_path)


def test_results_row_hook_leaves_cells_empty_without_clips(clips_dir, tmp_path, capsys):
    from keras_vis.training.experiment import evaluate_real_clips
    from keras_vis.inference.predict import load_model

    model, _ = load_model("onset_sync_baseline")
    empty = evaluate_real_clips(model, [str(tmp_path / "nowhere")], tmp_path)
    assert set(empty.values()) == {""}
    assert "not found" in capsys.readouterr().err
    cells = evaluate_real_clips(model, [str(clips_dir)], tmp_path)
    assert cells["real_clips"] == 3 and 0 <= cells["real_balanced_accuracy"] <= 1
    saved = json.loads((tmp_path / "real_clips.json").read_text())
    assert saved["metrics"]["clips"] == 3


def test_command_prints_the_summary_and_json(clips_dir, capsys):
    from keras_vis.cli import main

    assert main(["evaluate", "onset_sync_baseline", "--clips", str(clips_dir)]) == 0
    out = capsys.readouterr().out
    assert "balanced accuracy" in out and "swapped" in out
    assert main(["evaluate", "onset_sync_baseline", "--clips", str(clips_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["metrics"]["clips"] == 3 and len(report["clips"]) == 3
    assert main(["evaluate", "no_such_model.keras", "--clips", str(clips_dir)]) == 2
    assert "model file not found" in capsys.readouterr().err
