import re

import av
import numpy as np
import pytest
import soundfile

from keras_vis.data.media import probe_video
from keras_vis.data.scan import parse_times
from keras_vis.data.synthetic import (
    MATERIALS, STYLE_MATERIALS, _pan, _stick_height, _Swing, generate, load_stats,
)
from keras_vis.errors import DataError

ID = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$")


def ids_of(root):
    return sorted({p.name.split("_")[0] for p in root.iterdir()})


def test_exact_greatest_hits_layout(synthetic_root):
    ids = ids_of(synthetic_root)
    assert len(ids) == 6 and all(ID.match(i) for i in ids)
    names = sorted(p.name for p in synthetic_root.iterdir())
    assert names == sorted(f"{i}{s}" for i in ids for s in ("_mic.mp4", "_mic.wav", "_times.txt"))


def test_media_formats(synthetic_root):
    rec_id = ids_of(synthetic_root)[0]
    video = synthetic_root / f"{rec_id}_mic.mp4"
    info = probe_video(video)
    assert info.codec == "h264" and (info.height, info.width) == (128, 228)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert float(stream.average_rate) == pytest.approx(30000 / 1001)
        assert stream.codec_context.pix_fmt == "yuv420p"
    wav = soundfile.info(str(synthetic_root / f"{rec_id}_mic.wav"))
    assert (wav.samplerate, wav.channels, wav.subtype) == (96000, 2, "PCM_16")
    assert abs(wav.duration - info.duration) < 0.05


def test_times_follow_the_dataset_vocabulary(synthetic_root):
    stats = load_stats()
    rates, labelled, total = [], 0, 0
    for rec_id in ids_of(synthetic_root):
        path = synthetic_root / f"{rec_id}_times.txt"
        assert all(len(line.split()) == 4 for line in path.read_text().splitlines())
        events = parse_times(path)
        times = [e.time_s for e in events]
        assert times == sorted(times) and min(np.diff(times)) > 0.2
        for e in events:
            assert e.material in stats["material_counts"] and e.action in stats["action_counts"]
            assert (e.material == "None") == (e.action == "None") == (e.reaction == "None")
            if e.material != "None":
                assert e.material in STYLE_MATERIALS["studio"]
                assert e.reaction == MATERIALS[e.material].reaction
        labelled += sum(e.material != "None" for e in events)
        total += len(events)
        rates.append(len(events) / 8.0)
    q = stats["events_per_second_quantiles"]
    assert q["1"] * 0.5 <= np.median(rates) <= q["99"]
    assert 0.3 < labelled / total < 0.9


def test_sound_starts_at_each_contact(synthetic_root):
    # Loudness 1 ms after each annotated time over 1 ms before it. Some rises are small
    # (a soft hit while a metal plate still rings), as in real recordings.
    ratios = []
    for rec_id in ids_of(synthetic_root):
        audio, rate = soundfile.read(str(synthetic_root / f"{rec_id}_mic.wav"))
        for e in parse_times(synthetic_root / f"{rec_id}_times.txt"):
            at = int(round(e.time_s * rate))
            before = np.sqrt((audio[at - 96:at] ** 2).mean())
            after = np.sqrt((audio[at:at + 96] ** 2).mean())
            ratios.append(after / before)
    ratios = np.array(ratios)
    assert np.median(ratios) > 10 and (ratios > 2).mean() > 0.85 and (ratios > 1.1).all()


def test_stick_touches_exactly_at_contact_and_misses_stay_above():
    swings = [
        _Swing(t=1.0, x=0.3, y=0.5, drag=0.0, drag_s=0.0, strength=1.0, miss=False, patch=0, labelled=True),
        _Swing(t=1.7, x=0.6, y=0.5, drag=0.1, drag_s=0.3, strength=1.0, miss=False, patch=0, labelled=True),
        _Swing(t=2.8, x=0.6, y=0.5, drag=0.0, drag_s=0.0, strength=0.5, miss=True, patch=0, labelled=True),
    ]
    t = np.array([0.5, 0.9, 1.0, 1.35, 1.7, 1.85, 2.0, 2.8, 3.5])
    height, xs, _ = _stick_height(t, swings, lift=100.0)
    assert height[2] == 0 and height[4] == height[5] == height[6] == 0
    assert height[1] > 0 and height[3] > 50 and height[0] == 100
    assert height[7] > 30  # a miss stops short of the surface
    assert xs[4] == pytest.approx(0.6) and xs[6] == pytest.approx(0.7, abs=1e-3)  # a scratch drags


def test_pan_is_mirror_symmetric():
    for x in np.linspace(0, 1, 11):
        left, right = _pan(x)
        assert _pan(1 - x) == pytest.approx((right, left))
        assert left ** 2 + right ** 2 == pytest.approx(1.0)
    assert _pan(0.1)[0] > _pan(0.1)[1]


def test_same_seed_same_files(tmp_path):
    for name in ("a", "b"):
        generate(tmp_path / name, recordings=1, seconds=3.0, seed=5, size=(64, 96), workers=1, quiet=True)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    generate(tmp_path / "c", recordings=1, seconds=3.0, seed=6, size=(64, 96), workers=1, quiet=True)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) != files


def test_outdoor_style_uses_other_materials(tmp_path):
    generate(tmp_path, recordings=2, seconds=4.0, seed=0, style="outdoor", size=(64, 96), workers=1, quiet=True)
    materials = {e.material for p in tmp_path.glob("*_times.txt") for e in parse_times(p)} - {"None"}
    assert materials and materials <= set(STYLE_MATERIALS["outdoor"])


def test_bad_arguments():
    with pytest.raises(DataError, match="style"):
        generate("unused", style="underwater")
    with pytest.raises(DataError, match="even"):
        generate("unused", size=(65, 96))
    with pytest.raises(DataError, match="recordings"):
        generate("unused", recordings=0)
