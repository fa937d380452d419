import os
import shutil

import av
import numpy as np
import pytest
import soundfile

from keras_vis.data.scan import parse_times, scan
from keras_vis.errors import DataError


@pytest.fixture
def dataset(synthetic_root, tmp_path):
    """A private copy of two good recordings; each test breaks what it needs."""
    ids = sorted({p.name.split("_")[0] for p in synthetic_root.iterdir()})[:2]
    for rec_id in ids:
        for suffix in ("_mic.mp4", "_mic.wav", "_times.txt"):
            shutil.copy(synthetic_root / f"{rec_id}{suffix}", tmp_path / f"{rec_id}{suffix}")
    return tmp_path, ids


def reasons(report):
    return {item["id"]: item["reason"] for item in report.skipped}


def test_good_recordings_are_found(dataset):
    root, ids = dataset
    report = scan(root)
    assert [r.id for r in report.recordings] == ids
    assert report.skipped == [] and report.notes == []
    rec = report.recordings[0]
    assert rec.sample_rate == 96000 and rec.channels == 2
    assert (rec.height, rec.width) == (128, 228)
    assert rec.fps == pytest.approx(30000 / 1001)
    assert rec.events and all(0 <= e.time_s <= rec.duration for e in rec.events)
    assert report.to_dict()["recordings"][0]["id"] == ids[0]


def test_truncated_video(dataset):
    root, ids = dataset
    video = root / f"{ids[0]}_mic.mp4"
    video.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    report = scan(root)
    assert [r.id for r in report.recordings] == [ids[1]]
    assert "_mic.mp4" in reasons(report)[ids[0]]


def test_corrupt_video(dataset):
    root, ids = dataset
    (root / f"{ids[0]}_mic.mp4").write_bytes(os.urandom(5000))
    assert ids[0] in reasons(scan(root))


def test_video_with_no_frames(dataset):
    root, ids = dataset
    video = root / f"{ids[0]}_mic.mp4"
    video.unlink()
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.start_encoding()
        for packet in stream.encode():
            container.mux(packet)
    assert video.stat().st_size > 0
    assert f"{ids[0]}_mic.mp4" in reasons(scan(root))[ids[0]]


def test_missing_wav_and_partial_ids(dataset):
    root, ids = dataset
    (root / f"{ids[0]}_mic.wav").unlink()
    (root / "2015-01-01-00-00-00_times.txt").write_text("1.0 wood hit static\n")
    report = scan(root)
    found = reasons(report)
    assert found[ids[0]] == f"missing {ids[0]}_mic.wav"
    assert "2015-01-01-00-00-00_mic.mp4" in found["2015-01-01-00-00-00"]


def test_empty_and_corrupt_wav(dataset):
    root, ids = dataset
    (root / f"{ids[0]}_mic.wav").write_bytes(b"")
    (root / f"{ids[1]}_mic.wav").write_bytes(b"RIFF" + os.urandom(400))
    report = scan(root)
    assert report.recordings == []
    assert "empty" in reasons(report)[ids[0]]
    assert ids[1] in reasons(report)


def test_mono_and_other_rate_are_usable_but_noted(dataset):
    root, ids = dataset
    for rec_id, rate in ((ids[0], 96000), (ids[1], 44100)):
        audio, source_rate = soundfile.read(str(root / f"{rec_id}_mic.wav"))
        frames = int(len(audio) * rate / source_rate)
        soundfile.write(str(root / f"{rec_id}_mic.wav"), np.zeros(frames), rate, subtype="PCM_16")
    report = scan(root)
    assert len(report.recordings) == 2
    notes = {n["id"]: n["note"] for n in report.notes}
    assert "mono" in notes[ids[0]]
    assert "44100" in notes[ids[1]]


def test_durations_that_disagree(dataset):
    root, ids = dataset
    audio, rate = soundfile.read(str(root / f"{ids[0]}_mic.wav"))
    soundfile.write(str(root / f"{ids[0]}_mic.wav"), audio[: len(audio) // 2], rate, subtype="PCM_16")
    report = scan(root, tolerance_s=0.5)
    assert "differ" in reasons(report)[ids[0]]
    assert len(scan(root, tolerance_s=10.0).recordings) == 2


def test_unparseable_and_non_utf8_times(dataset):
    root, ids = dataset
    (root / f"{ids[0]}_times.txt").write_text("1.0 wood hit static\nabc wood hit static\n")
    (root / f"{ids[1]}_times.txt").write_bytes(b"1.0 wood hit \xff\xfe\n")
    report = scan(root)
    assert ":2: event time 'abc'" in reasons(report)[ids[0]]
    assert "not UTF-8" in reasons(report)[ids[1]]


def test_events_outside_the_recording(dataset):
    root, ids = dataset
    (root / f"{ids[0]}_times.txt").write_text("1.0 wood hit static\n99.0 wood hit static\n")
    (root / f"{ids[1]}_times.txt").write_text("-1.0 wood hit static\n99.0 None None None\n")
    report = scan(root)
    assert [r.id for r in report.recordings] == [ids[0]]
    assert [e.time_s for e in report.recordings[0].events] == [1.0]
    assert "99.000" in report.notes[0]["note"]
    assert "outside" in reasons(report)[ids[1]]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_permissions(dataset):
    root, ids = dataset
    path = root / f"{ids[0]}_mic.wav"
    path.chmod(0)
    try:
        assert "permission denied" in reasons(scan(root))[ids[0]]
    finally:
        path.chmod(0o644)


def test_unreadable_file_reported_even_as_root(dataset, monkeypatch):
    root, ids = dataset
    import builtins

    real_open = builtins.open
    target = str(root / f"{ids[0]}_times.txt")

    def fake_open(file, *args, **kwargs):
        if str(file) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    assert "permission denied" in reasons(scan(root))[ids[0]]


def test_stray_files_are_reported(dataset):
    root, ids = dataset
    (root / "notes.md").write_text("hello")
    (root / "train.txt").write_text(ids[0] + "\n")
    report = scan(root)
    assert "stray" in reasons(report)["notes.md"]
    assert "train.txt" not in reasons(report)


def test_missing_root_and_empty_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        scan(tmp_path / "nope")
    report = scan(tmp_path)
    assert report.recordings == [] and report.skipped == []


def test_parse_times_fills_missing_labels(tmp_path):
    path = tmp_path / "x_times.txt"
    path.write_text("0.5 None None None\n\n1.25 metal\n")
    events = parse_times(path)
    assert [(e.time_s, e.material, e.action) for e in events] == [(0.5, "None", "None"), (1.25, "metal", "None")]


def test_times_with_a_utf8_bom_is_read(dataset):
    root, ids = dataset
    times = root / f"{ids[0]}_times.txt"
    original = parse_times(times)
    times.write_bytes(b"\xef\xbb\xbf" + times.read_bytes())  # as Windows Notepad saves it
    assert parse_times(times) == original
    report = scan(root)
    assert [r.id for r in report.recordings] == ids and report.skipped == []
    assert report.notes == []


def test_duplicated_times_lines_are_dropped_and_noted(dataset):
    root, ids = dataset
    times = root / f"{ids[0]}_times.txt"
    times.write_text("1.0 wood hit static\n2.0 metal scratch None\n1.0 wood hit static\n"
                     "2.0 metal scratch\n2.0 rock hit static\n")
    assert [(e.time_s, e.material) for e in parse_times(times)] == [
        (1.0, "wood"), (2.0, "metal"), (2.0, "rock"),  # same time, other labels: kept
    ]
    report = scan(root)
    assert [r.id for r in report.recordings] == ids  # a note, not a rejection
    (recording,) = [r for r in report.recordings if r.id == ids[0]]
    assert [e.time_s for e in recording.events] == [1.0, 2.0, 2.0]
    (note,) = [n["note"] for n in report.notes if n["id"] == ids[0]]
    assert "dropped 2 duplicated line(s)" in note and f"{ids[0]}_times.txt" in note
    assert "line 3 (= line 1), 4 (= line 2)" in note
