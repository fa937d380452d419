"""Media to score: one video and the audio to score against it, decoded at a model's clip spec
(``read_media``), and the checks that say when a file cannot answer (silent audio, a frame rate
or a length too low for the model's clip) before anything is scored."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from keras_vis.errors import DataError
from zoo.clip import ClipSpec


# Below this RMS (about -80 dBFS on a [-1, 1] waveform) a track holds no usable sound.
SILENCE_RMS = 1e-4


# Media that cannot answer: under half the model's frame rate most frames it sees are repeats
# (the timing, and the offset, rest on a few frames); under half a window most of what it
# scores is padding (aligned and swapped pairs then score alike).
MIN_FPS_FRACTION = 0.5


MIN_SECONDS_FRACTION = 0.5


@dataclasses.dataclass
class Media:
    """One video and the audio to score against it, decoded at a model's clip spec."""

    frames: np.ndarray
    waveform: np.ndarray
    video: Path
    audio_label: str
    video_s: float
    audio_s: float
    warnings: list[str]


def read_media(video: str | os.PathLike, audio: str | os.PathLike | None, clip: ClipSpec) -> Media:
    """Decode ``video`` and ``audio`` (default: the video's own track) at ``clip``'s fps, size
    and rate. Raises ``DataError`` naming the file for every input that cannot be scored."""
    from keras_vis.data.media import probe_video, read_audio, read_video

    video_path = Path(video)
    audio_path = Path(audio) if audio is not None else video_path
    for path, what in ((video_path, "video"), (audio_path, "audio")):
        if path.is_dir():
            raise DataError(f"{what} {path}: is a directory, not a file")
        if not path.is_file():
            raise DataError(f"{what} file not found: {path}")

    frames = read_video(video_path, fps=clip.fps, size=(clip.height, clip.width))
    try:
        waveform = read_audio(audio_path, sample_rate=clip.sample_rate, channels=clip.channels)
    except DataError as error:
        if audio is None:
            raise DataError(f"{error}; pass an audio file (--audio WAV) to score") from None
        raise
    audio_label = str(audio_path) if audio is not None else f"{video_path} (own audio track)"
    check_audio(waveform, audio_label)
    info = probe_video(video_path)
    # The header's length, not frames x 1/fps: sampling at the model's fps rounds up a frame.
    video_s = min(info.duration, len(frames) / clip.fps)
    audio_s = len(waveform) / clip.sample_rate
    warnings = length_warnings(video_s, audio_s, clip) + frame_rate_warnings(info.fps, clip)
    if audio is None and info.audio_lead_s is not None and abs(info.audio_lead_s) >= 0.5 / clip.fps:
        lead = info.audio_lead_s
        warnings.append(
            f"its sound track starts {abs(lead):.2f} s {'after' if lead > 0 else 'before'} "
            f"the picture in the file: read on the picture's clock "
            f"({'led by silence' if lead > 0 else 'its first part cut'})"
        )
    return Media(frames, waveform, video_path, audio_label, video_s, audio_s, warnings)


def check_audio(waveform: np.ndarray, label: str) -> None:
    """Refuse audio that holds NaN/inf samples or no sound, naming the file."""
    if not np.all(np.isfinite(waveform)):
        raise DataError(f"{label}: audio holds NaN/inf samples")
    rms = float(np.sqrt(np.mean(np.square(waveform, dtype="float64"))))
    if not rms >= SILENCE_RMS:
        raise DataError(
            f"{label}: audio is silent (RMS {rms:.2g}, below {SILENCE_RMS:g}); "
            f"nothing to match against the video"
        )


def length_warnings(video_s: float, audio_s: float, clip: ClipSpec) -> list[str]:
    """What to tell the user about the lengths: scored over the overlap, or padded."""
    warnings = []
    if abs(video_s - audio_s) > max(0.5, 0.1 * min(video_s, audio_s)):
        warnings.append(
            f"audio is {audio_s:.2f} s and video {video_s:.2f} s long: scored over the "
            f"{min(video_s, audio_s):.2f} s both cover"
        )
    if min(video_s, audio_s) < clip.seconds:
        warnings.append(
            f"{min(video_s, audio_s):.2f} s is shorter than one clip of the model "
            f"({clip.seconds:g} s): padded, so the score rests on less evidence"
        )
    return warnings


def frame_rate_warnings(source_fps: float, clip: ClipSpec) -> list[str]:
    """A warning when the video's own frame rate is too low for the model's (``MIN_FPS_FRACTION``)."""
    if source_fps >= MIN_FPS_FRACTION * clip.fps:
        return []
    return [f"the video has {source_fps:.3g} fps, under half the model's {clip.fps:g}: most "
            f"frames the model sees are repeats, so p_real and the offset rest on few frames"]


def check_answerable(path: str | os.PathLike, clip: ClipSpec) -> None:
    """``DataError`` naming ``path`` when the video cannot answer at ``clip``: too few frames a
    second (``frame_rate_warnings``), or shorter than ``MIN_SECONDS_FRACTION`` of a window.
    ``evaluate`` reports such a clip and leaves it out of its metrics."""
    from keras_vis.data.media import probe_video

    info = probe_video(path)
    problems = frame_rate_warnings(info.fps, clip)
    if info.duration < MIN_SECONDS_FRACTION * clip.seconds:
        problems.append(f"it lasts {info.duration:.2f} s, under half the model's "
                        f"{clip.seconds:g} s window: most of each scored window is padding")
    if problems:
        raise DataError(f"{path}: cannot be scored fairly: {'; '.join(problems)}")
