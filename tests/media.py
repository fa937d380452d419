"""Short media files made inside tests: videos whose events are visible and audible together."""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def write_video(path, seconds, fps, size, video_codec="libx264", audio_codec="aac",
                sample_rate=44100, audio=True, seed=0, silent=False):
    """A video with a bright square on each event frame and a noise burst on each event sound
    (``silent``: a sound track of zeros; ``audio=False``: none)."""
    import av

    rng = np.random.default_rng(seed)
    height, width = size
    events = np.sort(rng.uniform(0.1, seconds - 0.2, size=max(2, int(seconds * 2))))
    with av.open(str(path), "w") as container:
        vstream = container.add_stream(video_codec, rate=Fraction(fps).limit_denominator(1001))
        vstream.width, vstream.height = width, height
        vstream.pix_fmt = "yuvj420p" if video_codec == "mjpeg" else "yuv420p"
        astream = None
        if audio:
            astream = container.add_stream(audio_codec, rate=sample_rate, layout="stereo")
        for k in range(int(round(seconds * fps))):
            image = np.full((height, width, 3), 40, np.uint8)
            if np.any(np.abs(events - k / fps) < 0.05):
                image[height // 4 : height // 2, width // 4 : width // 2] = 230
            for packet in vstream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in vstream.encode():
            container.mux(packet)
        if astream is not None:
            wave = event_sound(events, seconds, sample_rate, rng).T
            if silent:
                wave = np.zeros_like(wave)
            for begin in range(0, wave.shape[1], 4096):
                chunk = np.ascontiguousarray(wave[:, begin : begin + 4096])
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                frame.sample_rate, frame.pts = sample_rate, begin
                for packet in astream.encode(frame):
                    container.mux(packet)
            for packet in astream.encode():
                container.mux(packet)
    return path


def event_sound(events, seconds, sample_rate, rng) -> np.ndarray:
    """float32 (samples, 2): quiet noise with a decaying burst at each event time."""
    n = int(seconds * sample_rate)
    wave = 0.01 * rng.standard_normal((n, 2))
    decay = np.exp(-np.arange(sample_rate // 20) / (sample_rate / 150))
    for time_s in events:
        i = int(time_s * sample_rate)
        burst = decay[:, None] * rng.standard_normal((len(decay), 2))
        wave[i : i + len(decay)] += 0.5 * burst[: n - i]
    return wave.astype(np.float32)


def write_late_track(path, audio_late_s=0.0, video_late_frames=0, click_s=0.5, rate=44100):
    """An mp4 whose audio track starts ``audio_late_s`` after time 0 and whose video starts
    ``video_late_frames`` frames (at 25 fps) after it; the audio holds one click ``click_s``
    into the track."""
    import av

    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.height, video.width, video.pix_fmt = 32, 32, "yuv420p"
        sound = container.add_stream("aac", rate=rate, layout="stereo")
        for i in range(50):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 4 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i + video_late_frames, Fraction(1, 25)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        wave = np.zeros((2, 2 * rate), np.float32)
        wave[:, int(click_s * rate): int(click_s * rate) + 100] = 0.5
        late = int(round(audio_late_s * rate))
        for start in range(0, wave.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(wave[:, start:start + 1024]),
                                               format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = rate, start + late, Fraction(1, rate)
            for packet in sound.encode(frame):
                container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)
    return path
