"""Probing and decoding media files: video through PyAV, wav through soundfile.

Every loader (scan, the clip cache, predict, check-sync) reads media through these four
functions, so all of them accept the same containers (mp4, mov, avi, mkv, wav) and refuse
the same broken files with a :class:`~keras_vis.errors.DataError` naming the file.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from keras_vis.errors import DataError

# Below this start time decoding from the beginning is cheaper than a seek.
_SEEK_AFTER_S = 1.0


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What a video header says: frame rate, frame size, frame count, length and codec, and
    how long after the picture its own sound track starts (``None``: no sound track, or no
    start time in the header; negative: the sound starts first)."""

    fps: float
    width: int
    height: int
    frames: int
    duration: float
    codec: str
    audio_lead_s: float | None = None


@dataclasses.dataclass(frozen=True)
class AudioInfo:
    """What an audio header says: rate, channels, samples per channel, length and sample
    format (libsndfile's subtype: ``PCM_16``, ``FLOAT``, ...)."""

    sample_rate: int
    channels: int
    samples: int
    duration: float
    subtype: str = ""

    @property
    def floating(self) -> bool:
        """Whether samples are floats, which (unlike integers) can be NaN or infinite."""
        return self.subtype in ("FLOAT", "DOUBLE")


def _open_container(path: Path):
    import av

    try:
        return av.open(str(path))
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise DataError(f"{path}: cannot open as a media container ({error})") from None


def _video_stream(container, path: Path):
    if not container.streams.video:
        raise DataError(f"{path}: no video stream")
    return container.streams.video[0]


def _stream_fps(stream, path: Path) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate or float(rate) <= 0:
        raise DataError(f"{path}: video stream has no frame rate")
    return float(rate)


def _stream_duration(stream, container) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def probe_video(path: str | Path) -> VideoInfo:
    """Read a video's header and its first frame (to prove the stream decodes).

    Raises DataError naming the file when it cannot be opened, has no video stream,
    no frames, or a corrupt first frame.

    Example:
    >>> info = probe_video("2015-02-16-16-49-06_mic.mp4")  # doctest: +SKIP
    >>> info.fps, info.width, info.height
    (29.97002997002997, 456, 256)
    """
    import av

    path = Path(path)
    with _open_container(path) as container:
        stream = _video_stream(container, path)
        fps = _stream_fps(stream, path)
        duration = _stream_duration(stream, container)
        frames = int(stream.frames or 0)
        if frames <= 0 and duration:
            frames = int(round(duration * fps))
        if duration is None or duration <= 0:
            duration = frames / fps if frames else 0.0
        codec = stream.codec_context.name
        width, height = stream.codec_context.width, stream.codec_context.height
        audio_lead_s = _audio_lead_s(container, stream)
        try:
            first = next(container.decode(stream), None)
        except (av.error.FFmpegError, OSError, ValueError) as error:
            raise DataError(f"{path}: corrupt video stream ({error})") from None
        if first is None or frames <= 0:
            raise DataError(f"{path}: video has no frames")
        width, height = width or first.width, height or first.height
        if int(round((getattr(first, "rotation", 0) or 0) / 90)) % 2:
            # Shown upright, a sideways-stored frame swaps its width and height.
            width, height = height, width
    return VideoInfo(
        fps=fps, width=int(width), height=int(height), frames=frames,
        duration=float(duration), codec=str(codec), audio_lead_s=audio_lead_s,
    )


def _audio_lead_s(container, video) -> float | None:
    """Seconds from the video stream's start to its container's first audio stream's, by
    their headers (``None`` where a header has no start): what ``read_audio`` corrects."""
    if not container.streams.audio or video.start_time is None:
        return None
    audio = container.streams.audio[0]
    if audio.start_time is None or audio.time_base is None or video.time_base is None:
        return None
    return float(audio.start_time * audio.time_base - video.start_time * video.time_base)


def probe_audio(path: str | Path) -> AudioInfo:
    """Read an audio file's header with soundfile (wav, flac, ...).

    Raises DataError naming the file when it is missing, unreadable, corrupt or empty.
    """
    import soundfile

    path = Path(path)
    try:
        info = soundfile.info(str(path))
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except (soundfile.LibsndfileError, RuntimeError, OSError) as error:
        if path.exists() and path.stat().st_size == 0:
            raise DataError(f"{path}: empty audio file") from None
        raise DataError(f"{path}: cannot read as audio ({error})") from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise DataError(f"{path}: audio has no samples")
    return AudioInfo(
        sample_rate=int(info.samplerate), channels=int(info.channels),
        samples=int(info.frames), duration=info.frames / info.samplerate,
        subtype=str(info.subtype or ""),
    )


def check_finite_audio(path: str | Path, block: int = 1 << 18) -> None:
    """Raise ``DataError`` naming ``path`` when its samples hold NaN or infinity; read in
    blocks, so a long file costs one pass and little memory. One NaN sample silences a log-mel
    spectrogram's whole window and trains a model whose loss looks fine (issue 39)."""
    import soundfile

    path = Path(path)
    try:
        with soundfile.SoundFile(str(path)) as handle:
            rate, start = handle.samplerate, 0
            for chunk in handle.blocks(blocksize=block, dtype="float64", always_2d=True):
                _refuse_non_finite(path, chunk, rate, start)
                start += len(chunk)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as error:
        raise DataError(f"{path}: cannot read as audio ({error})") from None


def _refuse_non_finite(path: Path, audio: np.ndarray, rate: int, offset: int = 0) -> None:
    bad = ~np.isfinite(audio).all(axis=1)
    if bad.any():
        first = (offset + int(bad.argmax())) / rate
        raise DataError(
            f"{path}: {int(bad.sum())} audio sample(s) are NaN/inf (the first at "
            f"{first:.3f} s); fix or drop the recording"
        )


def _upright(frame, reformatter) -> np.ndarray:
    """A decoded frame as RGB, turned as its display matrix says (phone clips are stored
    sideways with a rotation tag; players show them upright, and so do we).

    ``reformatter`` is one ``av.video.reformatter.VideoReformatter`` for the whole video, on
    one thread: ``frame.to_ndarray(format="rgb24")`` sets up a scaler and its threads for
    every frame, which made the colour conversion 3 to 4 times slower for the same pixels."""
    rgb = reformatter.reformat(frame, format="rgb24", threads=1).to_ndarray()
    turns = int(round((getattr(frame, "rotation", 0) or 0) / 90)) % 4
    # ``rotation`` is counter-clockwise, as np.rot90 turns.
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb


def _resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    height, width = size
    if rgb.shape[0] == height and rgb.shape[1] == width:
        return rgb
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)


def read_video(
    path: str | Path,
    fps: float,
    size: tuple[int, int],
    start_s: float = 0.0,
    seconds: float | None = None,
) -> np.ndarray:
    """Decode a video into uint8 RGB frames ``(T, height, width, 3)`` at ``fps``.

    Output frame ``k`` is the source frame whose presentation time is nearest to
    ``start_s + k / fps`` (timestamps, not frame counting, so variable-rate files stay in
    time). ``seconds=None`` reads to the end. Frames are resized with ``cv2.INTER_AREA``.

    Example:
    >>> frames = read_video("clip.mp4", fps=10, size=(64, 64), seconds=2.0)  # doctest: +SKIP
    >>> frames.shape
    (20, 64, 64, 3)
    """
    import av
    from av.video.reformatter import VideoReformatter

    path = Path(path)
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if start_s < 0:
        raise ValueError(f"start_s must be >= 0, got {start_s}")
    height, width = int(size[0]), int(size[1])
    with _open_container(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        source_fps = _stream_fps(stream, path)
        time_base = stream.time_base or Fraction(1, 1)
        origin = stream.start_time or 0
        if seconds is not None:
            count = int(round(seconds * fps))
        else:
            duration = _stream_duration(stream, container)
            if duration is None:
                raise DataError(f"{path}: unknown duration; pass seconds=")
            # Every output time must lie before the end of the last source frame.
            count = int(math.floor((duration - start_s) * fps - 1e-6)) + 1
        if count <= 0:
            raise DataError(f"{path}: nothing to read from {start_s:.3f} s")
        targets = start_s + np.arange(count) / fps
        if start_s > _SEEK_AFTER_S:
            # Land on a keyframe a little before the start so the nearest frame is seen.
            seek_to = origin + int((start_s - 2.0 / source_fps) / time_base)
            container.seek(max(seek_to, origin), stream=stream, backward=True)

        out = np.empty((count, height, width, 3), dtype=np.uint8)
        reformatter = VideoReformatter()
        k = 0
        prev_time = None
        prev_frame = None
        prev_rgb = None
        index = 0
        try:
            for frame in container.decode(stream):
                if frame.pts is not None:
                    t = float((frame.pts - origin) * time_base)
                else:
                    t = index / source_fps
                index += 1
                if prev_frame is not None:
                    while k < count and abs(targets[k] - prev_time) <= abs(targets[k] - t):
                        if prev_rgb is None:
                            prev_rgb = _resize(_upright(prev_frame, reformatter), (height, width))
                        out[k] = prev_rgb
                        k += 1
                if k >= count:
                    break
                prev_time, prev_frame, prev_rgb = t, frame, None
        except (av.error.FFmpegError, OSError, ValueError) as error:
            raise DataError(f"{path}: corrupt video stream ({error})") from None
        if k < count and prev_frame is not None:
            last_end = prev_time + 1.0 / source_fps
            if targets[-1] >= last_end + 1e-6:
                raise DataError(
                    f"{path}: video ends at {last_end:.3f} s, asked up to {targets[-1]:.3f} s"
                )
            rgb = _resize(_upright(prev_frame, reformatter), (height, width))
            out[k:] = rgb
            k = count
        if k == 0:
            raise DataError(f"{path}: video has no frames")
    return out


def _decode_audio_track(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream of any container as float32 ``(samples, channels)``, on the
    clock of the container's video when it has one (``_on_video_clock``)."""
    import av

    with _open_container(path) as container:
        if not container.streams.audio:
            raise DataError(f"{path}: no audio track")
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        rate = stream.codec_context.sample_rate or stream.rate
        channels = stream.codec_context.channels
        resampler = av.AudioResampler(format="fltp", layout=stream.codec_context.layout, rate=rate)
        chunks = []
        try:
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray())
            for converted in resampler.resample(None):
                chunks.append(converted.to_ndarray())
        except (av.error.FFmpegError, OSError, ValueError) as error:
            raise DataError(f"{path}: corrupt audio track ({error})") from None
        videos = container.streams.video
        lead_s = _audio_lead_s(container, videos[0]) if videos else None
    if not chunks or not rate:
        raise DataError(f"{path}: audio track has no samples")
    audio = np.concatenate(chunks, axis=1)[:channels].T
    if lead_s is not None:
        audio = _on_video_clock(path, audio, int(rate), lead_s)
    return np.ascontiguousarray(audio, dtype=np.float32), int(rate)


def _on_video_clock(path: Path, audio: np.ndarray, rate: int, lead_s: float) -> np.ndarray:
    """``audio`` with its sample 0 at the video's first frame, which ``read_video`` calls 0 s.

    A container places each track on one timeline, and its audio may start ``lead_s``
    seconds after the video (a phone's or an editor's file, a cut made without re-encoding)
    or before it (``lead_s < 0``). Read from their own starts, the two would be that far out
    of sync: a track that starts later is led by silence, one that starts earlier is cut.
    """
    shift = int(round(lead_s * rate))
    if shift > 0:
        return np.concatenate([np.zeros((shift, audio.shape[1]), audio.dtype), audio])
    if -shift >= len(audio):
        raise DataError(f"{path}: the audio track ends {-lead_s:.3f} s before the video starts")
    return audio[-shift:]


def _read_samples(path: Path) -> tuple[np.ndarray, int]:
    import soundfile

    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except (soundfile.LibsndfileError, RuntimeError):
        # Not something libsndfile knows (mp4, mov, mkv, ...): take the container's audio track.
        return _decode_audio_track(path)
    return audio, int(rate)


def read_audio(path: str | Path, sample_rate: int, channels: int = 2) -> np.ndarray:
    """Read audio as float32 ``(samples, channels)`` at ``sample_rate``.

    Accepts a wav (or anything soundfile reads) or the audio track of a video container;
    a container's track starts where its video's first frame does (``read_video``'s 0 s),
    led by silence where the track starts later, cut where it starts earlier.
    Resampling uses soxr's high-quality preset (flat to about 0.91 of the new Nyquist
    frequency, nothing folded back from above it); soxr imports in milliseconds, where
    ``scipy.signal`` took 0.4 s of a 3 s ``predict`` process. For ``channels=2`` mono is
    duplicated and only the first two of more channels are kept; ``channels=1`` averages the
    channels. Raises DataError when there is no audio.

    Example:
    >>> audio = read_audio("2015-02-16-16-49-06_mic.wav", sample_rate=16000)  # doctest: +SKIP
    >>> audio.dtype, audio.shape[1]
    (dtype('float32'), 2)
    """
    path = Path(path)
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    audio, rate = _read_samples(path)
    if audio.shape[0] == 0:
        raise DataError(f"{path}: audio has no samples")
    _refuse_non_finite(path, audio, rate)
    if channels == 1:
        audio = audio.mean(axis=1, keepdims=True)
    elif audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    else:
        audio = audio[:, :2]
    if rate != sample_rate:
        import soxr

        audio = soxr.resample(np.ascontiguousarray(audio), int(rate), int(sample_rate),
                              quality="HQ")
    return np.ascontiguousarray(audio, dtype=np.float32)
