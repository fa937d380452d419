"""keras_vis.predict: windows, the offset grid, containers, batching, bad input, and the shipped
model's quality on recordings it never saw."""

from __future__ import annotations

import importlib
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from keras_vis.errors import DataError, KerasVisError
from keras_vis.inference.predict import (
    default_checkpoint,
    load_model,
    offset_grid,
    part_batches,
    predict,
    predict_many,
    search_warnings,
)
from keras_vis.inference.scoring import _audio_starts, _best_offset
from tests.media import event_sound, write_late_track, write_video
import zoo
from zoo.clip import clip_preset

TINY = clip_preset("tiny")


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A 4 s mp4 (25 fps, 96x128, AAC stereo 44.1 kHz), a mono 22.05 kHz wav, a silent video."""
    root = tmp_path_factory.mktemp("media")
    wav = root / "mono.wav"
    rng = np.random.default_rng(1)
    soundfile.write(wav, event_sound([0.5, 1.7, 3.1], 4.0, 22050, rng)[:, 0], 22050)
    return {
        "video": write_video(root / "clip.mp4", 4.0, 25, (96, 128)),
        "wav": wav,
        "no_audio": write_video(root / "mute.mp4", 4.0, 25, (96, 128), audio=False),
        "root": root,
    }


def test_prediction_fields_windows_and_grid(model_path, media):
    result = predict(media["video"], model=model_path)

    # 4 s recording, 2 s clips, hop 1 s: windows start at 0, 1 and 2 s.
    assert result.window_starts_s == [0.0, 1.0, 2.0]
    assert len(result.window_scores) == 3
    assert all(0.0 <= s <= 1.0 for s in result.window_scores)
    assert result.p_real == pytest.approx(np.mean(result.window_scores))
    # Default grid: -2..+2 s in one-frame steps of the model's 10 fps.
    assert result.offsets_s == pytest.approx(offset_grid(-2.0, 2.0, TINY.fps).tolist())
    assert len(result.offsets_s) == 41
    # Every offset in -2..+2 s is testable by some window of a 4 s recording.
    assert None not in result.offset_scores
    zero = result.offsets_s.index(0.0)
    assert result.offset_scores[zero] == pytest.approx(result.p_real)
    assert result.offset_s in result.offsets_s
    assert 0.0 <= result.confidence <= 1.0
    assert result.clip == TINY.to_dict()
    assert result.model == str(model_path)
    assert result.audio.endswith("(own audio track)")
    assert result.hop_s == 1.0

    data = json.loads(json.dumps(result.to_dict()))
    for key in ("p_real", "offset_s", "confidence", "window_scores", "offset_scores", "model",
                "clip", "window_starts_s", "offsets_s", "video", "audio", "backend"):
        assert key in data


def test_offsets_too_far_for_a_short_recording_are_reported_as_none(model_path, media, tmp_path):
    video = write_video(tmp_path / "short.mp4", 2.5, 25, (64, 64))
    result = predict(video, model=model_path, offsets=offset_grid(-1.0, 1.0, TINY.fps))
    # Windows start at 0 and 0.5 s (flush with the end): only |offset| <= 0.5 s fits the track.
    assert result.window_starts_s == [0.0, 0.5]
    for offset, score in zip(result.offsets_s, result.offset_scores):
        assert (score is None) == (abs(offset) > 0.5 + 1e-9), offset
    # ... and the user is told, since the best of a few close offsets still looks confident.
    assert any("could test only -0.50 to +0.50 s of the -1.00 to +1.00 s asked" in w
               for w in result.warnings)
    assert not any("offset search" in w for w in predict(media["video"], model=model_path).warnings)


def test_search_warnings_name_the_range_tested():
    grid = offset_grid(-1.0, 1.0, TINY.fps)
    every = np.zeros(len(grid))
    assert search_warnings(grid, every, TINY) == []
    one = np.where(grid == 0.0, 0.5, np.nan)
    assert "no offset but one" in search_warnings(grid, one, TINY)[0]
    near = np.where(np.abs(grid) <= 0.2 + 1e-9, 0.5, np.nan)
    assert "-0.20 to +0.20 s of the -1.00 to +1.00 s" in search_warnings(grid, near, TINY)[0]


def test_audio_from_a_separate_file_and_from_the_video_track(model_path, media):
    own = predict(media["video"], model=model_path, offsets=[0.0])
    separate = predict(media["video"], media["wav"], model=model_path, offsets=[0.0])
    assert separate.audio == str(media["wav"])
    assert own.audio != separate.audio
    assert len(own.window_scores) == len(separate.window_scores) == 3
    # Another soundtrack is another input: the scores must differ.
    assert not np.allclose(own.window_scores, separate.window_scores)


@pytest.mark.parametrize(
    "name, video_codec, audio_codec, fps, size, rate",
    [
        ("clip.avi", "mpeg4", "mp3", 15, (90, 160), 44100),
        ("clip.mkv", "libx264", "libopus", 30, (120, 100), 48000),
        ("clip.mov", "mjpeg", "pcm_s16le", 24, (72, 96), 22050),
    ],
)
def test_other_containers_codecs_rates_and_sizes(model_path, tmp_path, name, video_codec,
                                                 audio_codec, fps, size, rate):
    video = write_video(tmp_path / name, 3.0, fps, size, video_codec, audio_codec, rate)
    result = predict(video, model=model_path, offsets=offset_grid(-0.2, 0.2, TINY.fps))
    assert result.window_starts_s == [0.0, 1.0]
    assert len(result.offset_scores) == 5 and None not in result.offset_scores
    assert 0.0 <= result.p_real <= 1.0


def test_batching_gives_the_same_scores_as_one_by_one(model_path, media):
    model, _ = load_model(model_path)
    grid = [-0.1, 0.0, 0.1]
    batched = predict(media["video"], model=model, offsets=grid, batch_size=64)
    single = predict(media["video"], model=model, offsets=grid, batch_size=1)
    odd = predict(media["video"], model=model, offsets=grid, batch_size=4)
    for other in (single, odd):
        np.testing.assert_allclose(other.window_scores, batched.window_scores, atol=1e-5)
        np.testing.assert_allclose(other.offset_scores, batched.offset_scores, atol=1e-5)
    assert batched.model.startswith("keras.Model:")


def test_recordings_of_every_length_reach_each_part_in_one_shape(model_path, monkeypatch):
    module = importlib.import_module("keras_vis.inference.predict")
    model, _ = load_model(model_path)
    clip = zoo.clip_of(model)
    parts = module.model_parts(model)
    seen = {part.name: set() for part in parts}
    for part in parts:
        def counted(x, name=part.name, original=part.predict_on_batch):
            seen[name].add((x[0] if isinstance(x, list) else x).shape[0])
            return original(x)
        monkeypatch.setattr(part, "predict_on_batch", counted)
    frames = np.zeros((12 * clip.fps, clip.height, clip.width, 3), "uint8")
    waveform = np.random.default_rng(0).normal(0, 0.1, (12 * clip.sample_rate, clip.channels))
    # 1 to 12 s: with a batch per length, each would be a new shape to trace.
    for seconds in range(1, 13):
        module.score_media(model, frames[: seconds * clip.fps],
                           waveform[: seconds * clip.sample_rate].astype("float32"), clip,
                           offsets=offset_grid(-1, 1, clip.fps), batch_size=64)
    assert [seen[part.name] for part in parts] == [{size} for size in part_batches(64)]


def test_predict_many_scores_each_file_as_predict_does_and_skips_a_broken_one(model_path, media):
    model, _ = load_model(model_path)
    broken = media["root"] / "broken.mp4"
    broken.write_bytes(b"not a movie")
    videos = [media["video"], broken, media["no_audio"], media["video"]]
    found = list(predict_many(videos, model=model, offsets=[-0.1, 0.0, 0.1]))
    assert [video for video, _ in found] == videos
    one = predict(media["video"], model=model, offsets=[-0.1, 0.0, 0.1])
    for _, result in (found[0], found[3]):
        assert result.to_dict() == one.to_dict()
    assert isinstance(found[1][1], DataError) and "broken.mp4" in str(found[1][1])
    assert isinstance(found[2][1], DataError) and "no audio track" in str(found[2][1])
    assert list(predict_many([], model=model)) == []


@pytest.mark.parametrize("name", zoo.list_models())
def test_scoring_by_parts_gives_the_whole_model_scores(name, media, monkeypatch):
    module = importlib.import_module("keras_vis.inference.scoring")
    model = zoo.build(name, "tiny")
    assert module.model_parts(model) is not None
    # Offsets whole frames apart (tiny: 10 fps), so pairs share audio windows, and one that is not.
    grid = [-0.2, 0.0, 0.1, 0.3, 0.35]
    split = predict(media["video"], model=model, offsets=grid, batch_size=16)
    monkeypatch.setattr(module, "model_parts", lambda model: None)
    whole = predict(media["video"], model=model, offsets=grid, batch_size=16)
    np.testing.assert_allclose(split.window_scores, whole.window_scores, atol=1e-5)
    np.testing.assert_allclose(split.offset_scores, whole.offset_scores, atol=1e-5)


def test_candidate_offset_reads_the_audio_later_when_positive():
    # Offset o re-aligns audio that lags by o: the audio window starts o seconds after the video's.
    starts = np.array([0, 10])  # frames at 10 fps: 0 s and 1 s
    grid = np.array([-0.5, 0.0, 0.5])
    audio_starts, valid = _audio_starts(starts, grid, num_samples=4 * 16000, clip=TINY)
    assert audio_starts.tolist() == [[-8000, 0, 8000], [8000, 16000, 24000]]
    assert valid.tolist() == [[False, True, True], [True, True, True]]


def test_best_offset_and_confidence():
    grid = offset_grid(-1.0, 1.0, 10)
    flat = np.full(len(grid), 0.5)
    best, confidence = _best_offset(grid, flat, fps=10)
    assert grid[best] == 0.0  # ties go to the smallest |offset|
    assert confidence == pytest.approx(3 / len(grid))

    peaked = np.full(len(grid), 0.05)
    peaked[np.argmin(np.abs(grid - 0.5))] = 0.99
    best, confidence = _best_offset(grid, peaked, fps=10)
    assert grid[best] == pytest.approx(0.5)
    assert confidence > 0.9

    only_zero = np.where(grid == 0.0, 0.7, np.nan)
    best, confidence = _best_offset(grid, only_zero, fps=10)
    assert grid[best] == 0.0 and confidence == 0.0


def test_offset_grid_always_holds_zero():
    assert offset_grid(0.2, 0.4, 10).tolist() == pytest.approx([0.0, 0.2, 0.3, 0.4])
    assert offset_grid(0.0, 0.0, 10).tolist() == [0.0]
    with pytest.raises(KerasVisError, match="minimum is above"):
        offset_grid(1.0, -1.0, 10)


# Bad input: each a KerasVisError naming the file and the problem.


def test_not_a_video(model_path, tmp_path, media):
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    with pytest.raises(DataError, match="notes.mp4"):
        predict(text, model=model_path)
    with pytest.raises(DataError, match=r"mono\.wav.*no video stream"):
        predict(media["wav"], model=model_path)


def test_video_without_audio_and_no_audio_file(model_path, media):
    with pytest.raises(DataError, match=r"mute\.mp4.*no audio track.*--audio"):
        predict(media["no_audio"], model=model_path)
    # With a separate audio file the same video is fine.
    result = predict(media["no_audio"], media["wav"], model=model_path, offsets=[0.0])
    assert len(result.window_scores) == 3


def test_the_line_reports_an_offset_only_when_one_was_searched(model_path, media):
    searched = predict(media["no_audio"], media["wav"], model=model_path)
    assert "best offset" in searched.line() and "confidence" in searched.line()
    alone = predict(media["no_audio"], media["wav"], model=model_path, offsets=[0.0])
    assert "offset not searched" in alone.line() and "confidence" not in alone.line()
    assert alone.p_real == pytest.approx(searched.p_real, abs=1e-5)


def test_a_clip_shorter_than_the_window_is_padded_and_says_so(model_path, tmp_path):
    video = write_video(tmp_path / "blink.mp4", 1.5, 25, (64, 64))
    result = predict(video, model=model_path)
    assert result.video_s == pytest.approx(1.5, abs=0.03)  # 38 frames at 25 fps
    assert result.padded_s == pytest.approx(TINY.seconds - 1.5, abs=0.05)
    assert len(result.window_scores) == 1 and 0.0 <= result.p_real <= 1.0
    assert any("padded" in w for w in result.warnings)
    assert "padded=" in result.line()


def test_short_audio_is_scored_over_the_overlap_with_a_warning(model_path, media, tmp_path):
    wav = tmp_path / "beep.wav"
    soundfile.write(wav, 0.3 * np.random.default_rng(0).standard_normal(16000), 16000)
    result = predict(media["video"], wav, model=model_path)
    assert result.audio_s == pytest.approx(1.0)
    assert any("scored over the" in w for w in result.warnings)
    assert result.padded_s == pytest.approx(1.0)


def test_a_sound_track_that_starts_late_in_its_file_is_said(model_path, media, tmp_path):
    late = predict(write_late_track(tmp_path / "late.mp4", audio_late_s=0.25), model=model_path)
    assert any("sound track starts 0.2" in w and "after the picture" in w and "led by silence" in w
               for w in late.warnings), late.warnings
    in_step = predict(media["video"], model=model_path)
    assert not any("sound track starts" in w for w in in_step.warnings)


def test_a_rotated_phone_clip_is_read_upright(tmp_path):
    import av

    from keras_vis.data.media import probe_video, read_video

    path = tmp_path / "phone.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        # Stored sideways: the bright band is on the left of the stored frame; a player turns
        # it 90 degrees clockwise (display rotation -90), which puts the band on top.
        stream.set_display_rotation(-90)
        image = np.full((32, 64, 3), 20, np.uint8)
        image[:, :16] = 235
        for _ in range(5):
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe_video(path)
    assert (info.width, info.height) == (32, 64)
    frames = read_video(path, fps=10, size=(64, 32))
    grey = frames[0].mean(axis=(1, 2))
    assert grey[:12].mean() > 200 and grey[-40:].mean() < 60


def test_nan_audio_and_a_directory_are_named(model_path, media, tmp_path):
    wav = tmp_path / "broken.wav"
    samples = 0.1 * np.random.default_rng(0).standard_normal((4 * 16000, 2))
    samples[100] = np.nan
    soundfile.write(wav, samples, 16000, subtype="FLOAT")
    with pytest.raises(DataError, match=r"broken\.wav.*NaN/inf"):
        predict(media["video"], wav, model=model_path)
    with pytest.raises(DataError, match=r"is a directory"):
        predict(tmp_path, model=model_path)
    with pytest.raises(DataError, match=r"audio .*is a directory"):
        predict(media["video"], tmp_path, model=model_path)


@pytest.mark.parametrize("level", [0.0, 1e-6])
def test_silent_track(model_path, media, tmp_path, level):
    wav = tmp_path / "quiet.wav"
    noise = level * np.random.default_rng(0).standard_normal((4 * 16000, 2))
    soundfile.write(wav, noise, 16000, subtype="FLOAT")
    with pytest.raises(DataError, match=r"quiet\.wav.*silent"):
        predict(media["video"], wav, model=model_path)


def test_missing_files(model_path, media, tmp_path):
    with pytest.raises(KerasVisError, match=r"model file not found: .*nope\.keras"):
        predict(media["video"], model=tmp_path / "nope.keras")
    with pytest.raises(DataError, match=r"video file not found: .*gone\.mp4"):
        predict(tmp_path / "gone.mp4", model=model_path)
    with pytest.raises(DataError, match=r"audio file not found: .*gone\.wav"):
        predict(media["video"], tmp_path / "gone.wav", model=model_path)


def test_a_model_file_that_is_not_a_model(media, tmp_path):
    bogus = tmp_path / "bogus.keras"
    bogus.write_bytes(b"not a zip archive")
    with pytest.raises(KerasVisError, match=r"cannot load model .*bogus\.keras"):
        predict(media["video"], model=bogus)


def test_missing_default_checkpoint_is_a_clear_error(media, tmp_path, monkeypatch):
    module = importlib.import_module("keras_vis.inference.models")

    monkeypatch.setattr(module, "default_checkpoint", lambda: tmp_path / "model.keras")
    with pytest.raises(KerasVisError, match=r"default model not found: .*model\.keras"):
        predict(media["video"])


def test_package_exports_the_functions():
    import keras_vis

    importlib.import_module("keras_vis.inference.predict")
    assert callable(keras_vis.predict) and keras_vis.predict.__name__ == "predict"
    from keras_vis import Prediction, evaluate, predict as exported, run

    assert exported is predict and Prediction.__name__ == "Prediction"
    assert evaluate.__module__ == "keras_vis.inference.evaluate" and callable(evaluate)
    assert run.__module__ == "keras_vis.training.experiment" and callable(run)


def test_importing_the_package_imports_no_keras():
    """``--backend`` is applied after ``import keras_vis``: the package must not load keras."""
    import subprocess
    import sys

    code = ("import sys, keras_vis, keras_vis.cli, zoo; keras_vis.cli.build_parser(); "
            "assert 'keras' not in sys.modules, 'keras imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_default_checkpoint_lives_in_the_package_with_its_provenance():
    from keras_vis import checkpoints

    path = default_checkpoint()
    assert path.parts[-4:] == ("keras_vis", "checkpoints", "default", "model.keras")
    if path.is_file():
        meta = checkpoints.metadata("default")
        assert meta["command"].startswith("python -m keras_vis run experiments/")
        assert {"accuracy", "auc"} <= set(meta["synthetic_test"])
        assert meta["real_clips"]["clips"] >= 1


# Quality of the shipped model on recordings outside its training data (seed 9001).

QUALITY_SHIFT_S = 0.5


def shifted_wav(source, target, shift_s: float):
    """Write ``source`` delayed by ``shift_s`` (positive: the audio lags the video), same length."""
    audio, rate = soundfile.read(source, dtype="float32", always_2d=True)
    shift = int(round(abs(shift_s) * rate))
    pad = np.zeros((shift, audio.shape[1]), np.float32)
    if shift_s > 0:
        moved = np.concatenate([pad, audio[: len(audio) - shift]])
    else:
        moved = np.concatenate([audio[shift:], pad])
    soundfile.write(target, moved, rate)
    return target


@pytest.fixture(scope="module")
def default_model():
    path = default_checkpoint()
    if not path.is_file():
        # Until a trained default checkpoint ships (issue 6 stays open until then), there is
        # nothing to measure; the test runs, and must pass, as soon as the file exists.
        pytest.skip(f"no default checkpoint shipped yet: {path}")
    model, _ = load_model(None)
    return model


@pytest.mark.slow
def test_default_checkpoint_scores_unseen_recordings(default_model, tmp_path):
    """Three unseen recordings of the training family and three of the held-out family, each with
    its own audio and the audio shifted by +-0.5 s (``benchmarks/default_model_quality.py
    --recordings 3``): at least 15 of the 18 real/fake calls right and 12 of the 18 offsets
    within two frames (the model scores 0.85 on v2 test pairs; the README gives its figures)."""
    import zoo
    from keras_vis.data.synthetic import generate

    two_frames = 2.0 / zoo.clip_of(default_model).fps
    calls, offsets, lines = [], [], []
    for style, seed in (("v2", 9001), ("v2-outdoor", 9101)):
        root = tmp_path / style
        generate(root, recordings=3, seconds=10.0, seed=seed, style=style, quiet=True)
        for video, shift in itertools.product(sorted(root.glob("*_mic.mp4")),
                                              (0.0, QUALITY_SHIFT_S, -QUALITY_SHIFT_S)):
            wav = video.with_suffix(".wav")
            audio = wav if not shift else shifted_wav(wav, root / f"shift_{shift:+.1f}.wav", shift)
            result = predict(video, audio, model=default_model)
            calls.append((result.p_real > 0.5) == (shift == 0.0))
            offsets.append(abs(result.offset_s - shift) <= two_frames + 1e-9)
            lines.append(f"{video.name} shift {shift:+.1f}: {result.line()}")
    assert sum(calls) >= 15 and sum(offsets) >= 12, "\n".join(lines)


_SCORE_DEFAULT = """
import sys, numpy as np
import zoo
from keras_vis.inference.predict import load_model
model, _ = load_model(None)
clip = zoo.clip_of(model)
rng = np.random.default_rng(0)
x = {"video": rng.integers(0, 256, (4, *clip.video_shape), dtype="uint8"),
     "audio": rng.uniform(-0.5, 0.5, (4, *clip.audio_shape)).astype("float32")}
np.save(sys.argv[1], np.asarray(model.predict(x, verbose=0)))
"""


@pytest.mark.slow
def test_default_checkpoint_predicts_the_same_on_every_backend(tmp_path):
    import os
    import subprocess
    import sys

    if not default_checkpoint().is_file():
        pytest.skip(f"no default checkpoint shipped yet: {default_checkpoint()}")
    repo = Path(__file__).resolve().parents[2]
    scores = {}
    for backend in ("tensorflow", "jax", "torch"):
        out = tmp_path / f"{backend}.npy"
        env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(repo)}
        done = subprocess.run([sys.executable, "-c", _SCORE_DEFAULT, str(out)], cwd=repo,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{backend}: {done.stderr[-2000:]}"
        scores[backend] = np.load(out)
    for backend in ("jax", "torch"):
        np.testing.assert_allclose(scores[backend], scores["tensorflow"], atol=1e-4)
