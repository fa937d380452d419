from fractions import Fraction

import av
import numpy as np
import pytest
import soundfile

from keras_vis.data.media import probe_audio, probe_video, read_audio, read_video
from keras_vis.errors import DataError
from tests.media import write_late_track


def write_video(path, frames=30, rate=Fraction(30000, 1001), size=(64, 96), audio_rate=None, fmt=None):
    """Frame i is a flat grey of level 4 * i (up to 63 frames), so a decoded frame tells its index."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "qp": "0"}
        sound = container.add_stream("aac", rate=audio_rate, layout="stereo") if audio_rate else None
        for i in range(frames):
            image = np.full((*size, 3), 4 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            seconds = frames / float(rate)
            t = np.arange(int(seconds * audio_rate)) / audio_rate
            wave = np.stack([np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 440 * t)]).astype(np.float32)
            for start in range(0, wave.shape[1], 1024):
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(wave[:, start:start + 1024]),
                                                   format="fltp", layout="stereo")
                frame.sample_rate = audio_rate
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path


def index_of(frame):
    return int(round(frame.mean() / 4))


def test_probe_video_reads_header(tmp_path):
    info = probe_video(write_video(tmp_path / "a.mp4", frames=30))
    assert info.codec == "h264"
    assert (info.width, info.height, info.frames) == (96, 64, 30)
    assert info.fps == pytest.approx(30000 / 1001)
    assert info.duration == pytest.approx(30 * 1001 / 30000, abs=0.01)


def test_read_video_picks_nearest_frame_by_time(tmp_path):
    path = write_video(tmp_path / "a.mp4", frames=30)
    frames = read_video(path, fps=10, size=(32, 48))
    assert frames.shape == (11, 32, 48, 3) and frames.dtype == np.uint8
    # Output frame k is at k / 10 s; the nearest source frame is round(k * 2.997), the last
    # target (1.0 s) lies within the last frame (0.968 - 1.001 s).
    assert [index_of(f) for f in frames] == [min(29, round(k * 0.1 * 30000 / 1001)) for k in range(11)]


def test_read_video_from_a_start_time_and_length(tmp_path):
    path = write_video(tmp_path / "a.mkv", frames=60, fmt="matroska")
    frames = read_video(path, fps=10, size=(64, 96), start_s=1.2, seconds=0.6)
    assert frames.shape[0] == 6
    assert [index_of(f) for f in frames] == [round((1.2 + k / 10) * 30000 / 1001) for k in range(6)]


def test_read_video_past_the_end_is_an_error(tmp_path):
    path = write_video(tmp_path / "a.mp4", frames=30)
    with pytest.raises(DataError, match="a.mp4"):
        read_video(path, fps=10, size=(32, 32), start_s=0.5, seconds=2.0)


def test_corrupt_and_missing_video(tmp_path):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00not a video" * 100)
    with pytest.raises(DataError, match="garbage.mp4"):
        probe_video(garbage)
    with pytest.raises(DataError, match="file not found"):
        probe_video(tmp_path / "missing.mp4")


def test_read_audio_resamples_wav_and_duplicates_mono(tmp_path):
    path = tmp_path / "mono.wav"
    soundfile.write(str(path), np.zeros(96000, np.float32), 96000, subtype="PCM_16")
    assert probe_audio(path).channels == 1
    audio = read_audio(path, 16000)
    assert audio.shape == (16000, 2) and audio.dtype == np.float32


def test_read_audio_resampling_keeps_the_band_and_removes_what_would_fold_back(tmp_path):
    # 96 kHz -> 16 kHz: a 1 kHz tone keeps its level; a 12 kHz tone (above the new 8 kHz
    # Nyquist frequency) must not come back folded to 4 kHz.
    rate = 96000
    t = np.arange(rate) / rate
    for freq, expected_rms in ((1000.0, 0.5 / np.sqrt(2)), (12000.0, 0.0)):
        path = tmp_path / f"tone{int(freq)}.wav"
        soundfile.write(str(path), (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate,
                        subtype="FLOAT")
        audio = read_audio(path, 16000)[1000:-1000, 0]
        assert abs(np.sqrt(np.mean(audio ** 2)) - expected_rms) < 0.01


def test_read_audio_keeps_first_two_of_many_channels(tmp_path):
    path = tmp_path / "four.wav"
    data = np.tile(np.float32([0.1, 0.2, 0.3, 0.4]), (4410, 1))
    soundfile.write(str(path), data, 44100, subtype="FLOAT")
    audio = read_audio(path, 44100)
    assert audio.shape == (4410, 2)
    np.testing.assert_allclose(audio[100], [0.1, 0.2], atol=1e-6)


def test_read_audio_from_a_video_container(tmp_path):
    path = write_video(tmp_path / "with_sound.mp4", frames=30, audio_rate=48000)
    audio = read_audio(path, 16000)
    assert audio.shape[1] == 2 and abs(audio.shape[0] - 16000) < 1600
    # The left channel was written twice as loud as the right one.
    ratio = np.abs(audio[2000:-2000, 0]).mean() / np.abs(audio[2000:-2000, 1]).mean()
    assert ratio == pytest.approx(2.0, rel=0.1)


def first_click_s(audio, rate):
    loud = np.flatnonzero(np.abs(audio[:, 0]) > 0.1)
    return loud[0] / rate if len(loud) else None


@pytest.mark.parametrize("audio_late_s, video_late_frames, expected_s", [
    (0.0, 0, 0.5),     # both from 0: as written
    (0.25, 0, 0.75),   # the sound starts 0.25 s after the picture: led by 0.25 s of silence
    (0.0, 5, 0.3),     # the picture starts 0.2 s after the sound: its first 0.2 s are cut
])
def test_read_audio_puts_a_container_track_on_its_video_clock(tmp_path, audio_late_s,
                                                              video_late_frames, expected_s):
    path = write_late_track(tmp_path / "late.mp4", audio_late_s, video_late_frames)
    audio = read_audio(path, 16000)
    assert first_click_s(audio, 16000) == pytest.approx(expected_s, abs=0.002)
    # The header says so too (AAC's encoder delay moves the track's start by up to 1024 samples).
    lead = audio_late_s - video_late_frames / 25
    assert probe_video(path).audio_lead_s == pytest.approx(lead, abs=0.03)
    # The picture, read the same way, starts at its own first frame.
    assert read_video(path, fps=25, size=(32, 32), seconds=0.04)[0].mean() == pytest.approx(0, abs=2)


def test_an_audio_track_that_ends_before_the_video_starts(tmp_path):
    path = write_late_track(tmp_path / "early.mp4", video_late_frames=75)  # 3 s late, 2 s of sound
    with pytest.raises(DataError, match="ends .* before the video starts"):
        read_audio(path, 16000)


def test_read_audio_without_audio_track(tmp_path):
    with pytest.raises(DataError, match="no audio track"):
        read_audio(write_video(tmp_path / "silent.mp4"), 16000)


def test_empty_and_corrupt_wav(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="empty.wav"):
        probe_audio(empty)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00garbage" * 10)
    with pytest.raises(DataError, match="corrupt.wav"):
        probe_audio(corrupt)
