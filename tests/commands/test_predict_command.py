"""``python -m keras_vis predict``: the readable line, --json, --audio, --offsets, and bad input
as one ``error:`` line with exit code 2."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from keras_vis import cli
from keras_vis.commands.predict import parse_offsets
from keras_vis.invocation import KERAS_EXTRAS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recording(synthetic_root):
    video = sorted(Path(synthetic_root).glob("*_mic.mp4"))[0]
    return video, video.with_suffix(".wav")


@pytest.fixture(scope="module")
def video_with_sound(tmp_path_factory):
    """A 3 s mkv (H.264 at 25 fps, 64x96) with its own AAC stereo track."""
    import av

    path = tmp_path_factory.mktemp("own_track") / "take.mkv"
    rng = np.random.default_rng(3)
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        audio = container.add_stream("aac", rate=44100, layout="stereo")
        for k in range(75):
            image = np.full((64, 96, 3), 30 + 2 * k, np.uint8)
            for packet in video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        sound = (0.2 * rng.standard_normal((2, 3 * 44100))).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(sound, format="fltp", layout="stereo")
        frame.sample_rate = 44100
        for packet in [*audio.encode(frame), *audio.encode()]:
            container.mux(packet)
    return path


def run_cli(capsys, *argv):
    code = cli.main(["predict", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_readable_line(capsys, model_path, recording):
    video, wav = recording
    code, out, err = run_cli(capsys, video, "--audio", wav, "--model", model_path, "--offsets", "0.3")
    assert code == 0, err
    line = out.strip()
    assert "\n" not in line
    assert re.fullmatch(
        r"(in sync|not in sync(: audio about \d\.\d\d s (late|early))?|uncertain) "
        r"\(p_real \d\.\d\d; best offset [+-]\d\.\d\d s, confidence \d\.\d\d: "
        r"(high|medium|low|none)\) model=" + re.escape(str(model_path)),
        line,
    ), line


def test_json_holds_the_whole_prediction(capsys, model_path, recording):
    video, wav = recording
    code, out, err = run_cli(
        capsys, video, "--audio", wav, "--model", model_path, "--json", "--offsets=-0.3:0.2"
    )
    assert code == 0, err
    found = json.loads(out)
    # A list for one file as for many: one shape to parse.
    assert isinstance(found, list) and len(found) == 1
    data = found[0]
    assert list(data)[:2] == ["verdict", "confidence_level"]
    assert data["confidence_level"] in ("high", "medium", "low", "none")
    assert data["offsets_s"] == pytest.approx([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2])
    assert len(data["offset_scores"]) == 6
    assert len(data["window_scores"]) == len(data["window_starts_s"]) >= 1
    assert data["p_real"] == pytest.approx(np.mean(data["window_scores"]))
    assert data["offset_s"] in data["offsets_s"]
    assert 0.0 <= data["confidence"] <= 1.0
    assert data["model"] == str(model_path)
    assert data["audio"] == str(wav)
    assert data["video"] == str(video)
    assert data["clip"]["fps"] > 0


def test_own_audio_track_and_no_offset_search(capsys, model_path, video_with_sound):
    code, out, err = run_cli(
        capsys, video_with_sound, "--model", model_path, "--json", "--offsets", "0"
    )
    assert code == 0, err
    [data] = json.loads(out)
    assert data["offsets_s"] == [0.0]
    assert data["confidence_level"] == "none" and "offset not searched" not in data["verdict"]
    assert data["offset_s"] == 0.0 and data["confidence"] == 0.0
    assert data["audio"].endswith("(own audio track)")


def test_offsets_argument():
    assert parse_offsets("-1:0.5") == (-1.0, 0.5)
    assert parse_offsets("1.5") == (-1.5, 1.5)
    assert parse_offsets("-1.5") == (-1.5, 1.5)
    for bad in ("a:b", "1:-1", "1:2:3", "nan", "-inf:1", "0:nan"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_offsets(bad)


def test_bad_offsets_is_a_usage_error(capsys, model_path, recording):
    video, _ = recording
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["predict", str(video), "--model", str(model_path), "--offsets", "x:y"])
    assert exit_info.value.code == 2
    assert "MIN:MAX" in capsys.readouterr().err


def test_bad_inputs_are_one_error_line(capsys, model_path, recording, tmp_path):
    video, wav = recording
    not_video = tmp_path / "holiday.mov"
    not_video.write_bytes(b"\x00\x01 definitely not a movie")
    silent = tmp_path / "silence.wav"
    soundfile.write(silent, np.zeros((16000 * 4, 2)), 16000)
    short = tmp_path / "short.wav"
    soundfile.write(short, 0.2 * np.random.default_rng(0).standard_normal(8000), 16000)
    cases = [
        ((video, "--model", tmp_path / "missing.keras"), "missing.keras", "not found"),
        ((not_video, "--model", model_path), "holiday.mov", "cannot open"),
        ((wav, "--model", model_path), str(wav.name), "no video stream"),
        ((video, "--model", model_path), str(video.name), "no audio track"),
        ((video, "--audio", silent, "--model", model_path), "silence.wav", "silent"),
        ((video, "--audio", tmp_path / "gone.wav", "--model", model_path), "gone.wav", "not found"),
    ]
    for argv, name, problem in cases:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2, (argv, err)
        assert out == ""
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert name in err and problem in err, err


def test_short_audio_is_scored_with_warnings(capsys, model_path, recording, tmp_path):
    video, _ = recording
    short = tmp_path / "short.wav"
    soundfile.write(short, 0.2 * np.random.default_rng(0).standard_normal(8000), 16000)
    code, out, err = run_cli(capsys, video, "--audio", short, "--model", model_path)
    assert code == 0 and "(p_real " in out and "padded=" in out
    assert "warning: " in err and "scored over the" in err and "padded" in err


def test_several_videos_and_a_folder_in_one_process(capsys, model_path, recording,
                                                     video_with_sound, tmp_path):
    video, wav = recording
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(video_with_sound.read_bytes())
    (folder / "b.mp4").write_bytes(video_with_sound.read_bytes())
    (folder / "notes.txt").write_text("not a video\n")
    code, out, err = run_cli(capsys, folder, "--model", model_path, "--offsets", "0")
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split(": ")[0] for line in lines] == [str(folder / "a.mp4"),
                                                       str(folder / "b.mp4")]
    assert lines[0].split(": ")[1] == lines[1].split(": ")[1]  # the same clip, the same score
    code, out, err = run_cli(capsys, folder, "--model", model_path, "--offsets", "0", "--json")
    assert code == 0 and [r["video"] for r in json.loads(out)] == [str(folder / "a.mp4"),
                                                                   str(folder / "b.mp4")]
    code, out, err = run_cli(capsys, folder, "--audio", wav, "--model", model_path)
    assert code == 2 and "take one video" in err
    # A broken file among them is reported and skipped; the others are still scored.
    (folder / "broken.mp4").write_bytes(b"not a movie")
    code, out, err = run_cli(capsys, folder, "--model", model_path, "--offsets", "0", "--json")
    found = json.loads(out)
    assert code == 2 and [r["video"] for r in found] == [str(folder / n) for n in
                                                        ("a.mp4", "b.mp4", "broken.mp4")]
    assert "p_real" in found[0] and "broken.mp4" in found[2]["error"]
    assert "broken.mp4" in err and "skipped" in err and "1 of 3 videos" in err


def test_no_traceback_from_a_real_process(model_path, tmp_path):
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("plain text\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "keras_vis", "predict", str(not_video), "--model", str(model_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "notes.mp4" in done.stderr


def test_a_predict_process_leaves_out_what_it_does_not_need(model_path, recording):
    # matplotlib and pandas: 0.5 s of a 3 s process (keras_vis.invocation.KERAS_EXTRAS);
    # scipy.signal: 0.4 s (on JAX Keras makes a named STFT window with it; scipy's resampler:
    # the recording's 96 kHz sound is resampled to the model's 16 kHz here). None may come
    # back unnoticed.
    video, wav = recording
    unwanted = (*KERAS_EXTRAS, "scipy.signal")
    code = (
        "import sys\n"
        "from keras_vis.cli import main\n"
        "assert main(sys.argv[1:]) == 0\n"
        f"loaded = [m for m in {unwanted!r} if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "predict", str(video), "--audio", str(wav),
         "--model", str(model_path), "--offsets=0:0", "--backend", "jax"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
