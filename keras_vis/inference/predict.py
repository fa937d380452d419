"""Score any video: is its audio the real, in-sync soundtrack, and if not, how far off is it?

The model's clip window slides over the whole recording. Each window is scored with the audio
as given (offset 0) and, for the offset search, with the audio read earlier or later by each
candidate offset against the same video frames. Every (window, offset) pair goes through the
model in large batches, so a 10 s recording with a +-2 s search is a few hundred clips.

Offsets follow ``check-sync``: ``offset_s > 0`` means the audio lags the video. Scoring the
candidate ``o`` reads the audio window at ``video_start + o``, which re-aligns a recording whose
audio lags by ``o``. (In pair terms: the recording's audio presented shifted by ``d`` means
``audio_start = video_start - d``; candidate ``o`` undoes a shift ``d = o``.)

Example:
>>> from keras_vis import predict
>>> result = predict("clip.mp4")                                  # doctest: +SKIP
>>> print(result.line())                                          # doctest: +SKIP
in sync (p_real 0.93; best offset +0.00 s, confidence 0.88: high) model=default
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from tqdm import tqdm

from keras_vis.errors import DataError, KerasVisError
# Model resolution lives in keras_vis.inference.models; re-exported for callers of predict.
from keras_vis.inference.models import (  # noqa: F401
    DEFAULT_MODEL_NAME, MAX_CLIP, check_clip_bounds, default_checkpoint, load_model, refuse_broken_weights,
)
from zoo.clip import ClipSpec

# Search range of the default offset grid, in seconds either side of 0.
DEFAULT_MAX_OFFSET_S = 2.0
# Below this RMS (about -80 dBFS on a [-1, 1] waveform) a track holds no usable sound.
SILENCE_RMS = 1e-4
# The float32 video windows of one encoder call: past this, --batch-size cannot fit.
MAX_VIDEO_BATCH_BYTES = 2 << 30
# Media that cannot answer: under half the model's frame rate most frames it sees are repeats
# (the timing, and the offset, rest on a few frames); under half a window most of what it
# scores is padding (aligned and swapped pairs then score alike).
MIN_FPS_FRACTION = 0.5
MIN_SECONDS_FRACTION = 0.5
# The verdict (``Prediction.verdict``): p_real at offset 0 must clear 0.5 by this much either way
# to call a pair in sync or not; a shifted offset must beat offset 0 by as much, with at least
# MEDIUM_CONFIDENCE, to be reported as the audio's lag.
VERDICT_MARGIN = 0.1
# Words for ``confidence`` (the share of the offset scores' softmax within one frame of the best
# offset): a flat curve over the default 61 candidates gives about 0.05, one sharp peak near 1.
MEDIUM_CONFIDENCE, HIGH_CONFIDENCE = 0.3, 0.6


@dataclasses.dataclass
class Prediction:
    """What ``predict`` found for one video (and its audio).

    - ``p_real``: mean over windows of the model's p_real for the pair as given (offset 0).
    - ``offset_s``: the candidate offset with the highest mean p_real (positive: audio lags video).
    - ``confidence``: probability mass within one frame of ``offset_s`` under a softmax, over the
      testable candidate offsets, of the logit of each offset's mean p_real. A flat score curve
      gives about 3 / len(offsets); one sharp peak gives close to 1. 0 when fewer than two
      offsets could be tested (the recording is too short to shift its audio).
    - ``window_starts_s`` / ``window_scores``: each window's start and its p_real at offset 0.
    - ``offsets_s`` / ``offset_scores``: each candidate offset and its mean p_real over the
      windows whose shifted audio lies inside the recording (``None`` where none does).
    - ``video_s`` / ``audio_s``: the length of each as read; ``padded_s``: how much was added
      to reach one clip of the model when the shorter of the two was shorter than that (the
      video repeats its last frame, the audio is silent); ``warnings``: what the user should
      know about the inputs (lengths that disagree, padding).
    """

    p_real: float
    offset_s: float
    confidence: float
    window_starts_s: list[float]
    window_scores: list[float]
    offsets_s: list[float]
    offset_scores: list[float | None]
    model: str
    clip: dict
    video: str
    audio: str
    hop_s: float
    backend: str
    video_s: float = 0.0
    audio_s: float = 0.0
    padded_s: float = 0.0
    warnings: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        """Every field, with ``verdict`` and ``confidence_level`` first (``predict --json``)."""
        return {"verdict": self.verdict(), "confidence_level": self.confidence_level(),
                **dataclasses.asdict(self)}

    def confidence_level(self) -> str:
        """``confidence`` in words: ``high``, ``medium`` or ``low``; ``none`` when no offset
        was searched (``--offsets 0``, or a recording too short to shift)."""
        if len(self.offsets_s) < 2 or self.confidence <= 0:
            return "none"
        if self.confidence >= HIGH_CONFIDENCE:
            return "high"
        return "medium" if self.confidence >= MEDIUM_CONFIDENCE else "low"

    def verdict(self) -> str:
        """``in sync``, ``not in sync: audio about 0.40 s late`` (or ``early``), ``not in
        sync`` or ``uncertain``.

        A shifted offset is the verdict when it scores above 0.5, beats the audio as given by
        ``VERDICT_MARGIN`` and holds at least ``MEDIUM_CONFIDENCE``; otherwise p_real at offset
        0 decides, with ``uncertain`` within ``VERDICT_MARGIN`` of 0.5."""
        scores = [s for s in self.offset_scores if s is not None]
        frame_s = 1.0 / float(self.clip.get("fps", 15))
        best = max(scores, default=self.p_real)
        if (abs(self.offset_s) > frame_s + 1e-9 and best > 0.5
                and best - self.p_real >= VERDICT_MARGIN
                and self.confidence >= MEDIUM_CONFIDENCE):
            side = "late" if self.offset_s > 0 else "early"
            return f"not in sync: audio about {abs(self.offset_s):.2f} s {side}"
        if self.p_real >= 0.5 + VERDICT_MARGIN:
            return "in sync"
        if self.p_real <= 0.5 - VERDICT_MARGIN:
            return "not in sync"
        return "uncertain"

    def line(self) -> str:
        """One short readable line, as ``python -m keras_vis predict`` prints it: the verdict,
        then the numbers it rests on."""
        padded = f" padded={self.padded_s:.2f} s" if self.padded_s else ""
        # One candidate (--offsets 0): there was no search, so no offset to report.
        offset = (f"best offset {self.offset_s:+.2f} s, confidence {self.confidence:.2f}: "
                  f"{self.confidence_level()}" if len(self.offsets_s) > 1
                  else "offset not searched")
        return f"{self.verdict()} (p_real {self.p_real:.2f}; {offset}) model={self.model}{padded}"


@dataclasses.dataclass
class Scores:
    """What the model says about one (frames, waveform) pair; ``predict`` and ``evaluate``
    both build on it. Window starts are in frames of the model's clip fps."""

    p_real: float
    offset_s: float
    confidence: float
    window_starts: np.ndarray
    window_scores: np.ndarray
    offsets_s: np.ndarray
    offset_scores: np.ndarray
    padded_s: float


def offset_grid(min_s: float, max_s: float, fps: float) -> np.ndarray:
    """Candidate offsets from ``min_s`` to ``max_s`` in one-frame steps at ``fps``, always with 0.

    >>> offset_grid(-0.2, 0.2, fps=10).tolist()
    [-0.2, -0.1, 0.0, 0.1, 0.2]
    """
    if min_s > max_s:
        raise KerasVisError(f"offset range {min_s:g}:{max_s:g}: the minimum is above the maximum")
    steps = np.arange(math.ceil(min_s * fps - 1e-9), math.floor(max_s * fps + 1e-9) + 1)
    return np.union1d(steps, [0]) / fps


def check_batch_size(clip: ClipSpec, batch_size: int) -> None:
    """``KerasVisError`` when one video-encoder call of ``batch_size`` pairs would pass
    ``MAX_VIDEO_BATCH_BYTES`` of float32 frames: refused with the largest that fits, not left
    to the backend's out-of-memory traceback."""
    window = clip.frames * clip.height * clip.width * 3 * 4
    needed = part_batches(batch_size)[0] * window
    if needed > MAX_VIDEO_BATCH_BYTES:
        largest = 16 * max(1, MAX_VIDEO_BATCH_BYTES // window)
        raise KerasVisError(
            f"--batch-size {batch_size}: one call of the video encoder would take "
            f"{needed / 2**30:.1f} GiB of frames at this model's clip "
            f"({clip.frames}x{clip.height}x{clip.width}); use --batch-size {largest} or less")


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


def predict(
    video: str | os.PathLike,
    audio: str | os.PathLike | None = None,
    model=None,
    *,
    offsets: Sequence[float] | None = None,
    hop_s: float | None = None,
    batch_size: int = 64,
    progress: bool = False,
) -> Prediction:
    """Score ``video`` with ``audio`` (a file; default: the video's own audio track).

    ``model``: ``None`` (the shipped default), a path to a ``.keras`` file, or a ``keras.Model``.
    ``offsets``: candidate offsets in seconds (default: -2 s to +2 s in one-frame steps of the
    model's clip fps; 0 is always added). ``hop_s``: stride between windows (default half a
    clip). ``batch_size``: pairs per call of the fusion head (``part_batches``: the encoders
    take fewer). Raises ``KerasVisError`` / ``DataError`` naming the file for every bad input.
    """
    keras_model, model_name, clip = _model_and_clip(model)
    return _predict_media(keras_model, model_name, clip, read_media(video, audio, clip),
                          offsets=offsets, hop_s=hop_s, batch_size=batch_size,
                          progress=progress)


def predict_many(
    videos: Sequence[str | os.PathLike],
    model=None,
    *,
    offsets: Sequence[float] | None = None,
    hop_s: float | None = None,
    batch_size: int = 64,
    progress: bool = False,
) -> Iterator[tuple[Path, Prediction | KerasVisError]]:
    """Score each of ``videos`` with its own audio track, in order, loading the model once.

    Yields ``(video, Prediction)``, or ``(video, error)`` for a file that cannot be scored, so
    one broken file does not stop the rest. The next file is decoded in a background thread
    while the current one is scored. On 2 cores that hides little of the decoding (0.29 s
    against 0.31 s a 10 s clip on JAX): PyAV's per-frame Python work holds the GIL, and both
    want the cores. A decoding process would overlap more, but ``spawn`` re-imports the
    caller's script, which breaks scripts without a ``__main__`` guard, and ``fork`` is unsafe
    once the backend's threads run. Other arguments as for ``predict``.
    """
    from concurrent.futures import ThreadPoolExecutor

    keras_model, model_name, clip = _model_and_clip(model)
    videos = [Path(v) for v in videos]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode") as pool:
        pending = pool.submit(read_media, videos[0], None, clip) if videos else None
        for i, video in enumerate(videos):
            current = pending
            if i + 1 < len(videos):
                pending = pool.submit(read_media, videos[i + 1], None, clip)
            try:
                media = current.result()
            except KerasVisError as error:
                yield video, error
                continue
            yield video, _predict_media(keras_model, model_name, clip, media, offsets=offsets,
                                        hop_s=hop_s, batch_size=batch_size, progress=progress)


def _model_and_clip(model):
    """``(keras.Model, name, ClipSpec)`` for anything ``load_model`` takes."""
    import zoo

    keras_model, model_name = load_model(model)
    try:
        return keras_model, model_name, zoo.clip_of(keras_model)
    except TypeError as error:
        raise KerasVisError(f"model {model_name}: {error}") from None


def search_defaults(clip: ClipSpec, offsets: Sequence[float] | None = None,
                    hop_s: float | None = None) -> tuple[Sequence[float], float]:
    """``(offsets, hop_s)`` as ``predict`` uses them: the default grid (-2 s to +2 s in frames
    of ``clip``) and half a clip where not given."""
    if offsets is None:
        offsets = offset_grid(-DEFAULT_MAX_OFFSET_S, DEFAULT_MAX_OFFSET_S, clip.fps)
    return offsets, clip.seconds / 2 if hop_s is None else float(hop_s)


def _predict_media(keras_model, model_name: str, clip, media: Media, *, offsets, hop_s,
                   batch_size: int, progress: bool) -> Prediction:
    offsets, hop_s = search_defaults(clip, offsets, hop_s)
    scores = score_media(keras_model, media.frames, media.waveform, clip, offsets=offsets,
                         hop_s=hop_s, batch_size=batch_size, progress=progress)

    import keras

    return Prediction(
        p_real=scores.p_real,
        offset_s=scores.offset_s,
        confidence=scores.confidence,
        window_starts_s=[round(float(s) / clip.fps, 6) for s in scores.window_starts],
        window_scores=[float(s) for s in scores.window_scores],
        offsets_s=[round(float(o), 6) for o in scores.offsets_s],
        offset_scores=[None if np.isnan(s) else float(s) for s in scores.offset_scores],
        model=model_name,
        clip=clip.to_dict(),
        video=str(media.video),
        audio=media.audio_label,
        hop_s=hop_s,
        backend=keras.backend.backend(),
        video_s=round(media.video_s, 4),
        audio_s=round(media.audio_s, 4),
        padded_s=round(scores.padded_s, 4),
        warnings=list(media.warnings) + search_warnings(scores.offsets_s, scores.offset_scores,
                                                        clip),
    )


def score_media(model, frames: np.ndarray, waveform: np.ndarray, clip: ClipSpec, *,
                offsets: Sequence[float] = (0.0,), hop_s: float | None = None,
                batch_size: int = 64, progress: bool = False) -> Scores:
    """Score decoded ``frames`` (at ``clip.fps`` and size) against ``waveform`` (at
    ``clip.sample_rate``), both starting at the same instant.

    Windows of one clip slide every ``hop_s`` over the part both cover; each is scored with the
    audio as given and with the audio read ``o`` seconds later for every candidate ``o`` in
    ``offsets`` (0 is always added). A pair shorter than one clip is padded to one clip (the
    last frame repeated, silence after the audio) and ``Scores.padded_s`` says by how much.
    """
    hop_s = search_defaults(clip, offsets, hop_s)[1]
    if not hop_s > 0:
        raise KerasVisError(f"hop must be positive, got {hop_s:g} s")
    check_batch_size(clip, batch_size)
    grid = np.union1d(np.asarray(offsets, dtype="float64").ravel(), [0.0])
    if not np.all(np.isfinite(grid)):
        raise KerasVisError(f"offsets must be finite numbers, got {grid.tolist()}")
    frames, waveform, padded_s = _pad_to_clip(frames, waveform, clip)
    starts = _window_starts(len(frames), len(waveform), clip, hop_s)
    audio_starts, valid = _audio_starts(starts, grid, len(waveform), clip)

    scores = np.full(valid.shape, np.nan)
    window_index, offset_index = np.nonzero(valid)
    scores[window_index, offset_index] = _score_pairs(
        model, frames, waveform, starts=starts, window_index=window_index,
        audio_starts=audio_starts[window_index, offset_index], clip=clip,
        batch_size=batch_size, progress=progress,
    )
    zero = int(np.argmin(np.abs(grid)))
    window_scores = scores[:, zero]
    # An offset that no window can test (its audio would leave the track) stays NaN.
    offset_scores = np.array(
        [scores[column, j].mean() if column.any() else np.nan for j, column in enumerate(valid.T)]
    )
    best, confidence = _best_offset(grid, offset_scores, clip.fps)
    return Scores(
        p_real=float(window_scores.mean()), offset_s=float(round(grid[best], 6)),
        confidence=confidence, window_starts=starts, window_scores=window_scores,
        offsets_s=grid, offset_scores=offset_scores, padded_s=padded_s,
    )


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


def search_warnings(offsets_s: np.ndarray, offset_scores: np.ndarray,
                    clip: ClipSpec) -> list[str]:
    """What to tell the user when the offset search could not test every offset asked: at an
    offset the audio must cover a whole window, so a recording little longer than one clip
    leaves a narrow range, and an offset outside it cannot be found (the best of a few close
    candidates still looks confident)."""
    offsets_s, testable = np.asarray(offsets_s), ~np.isnan(np.asarray(offset_scores))
    if testable.all() or len(offsets_s) < 2:
        return []
    asked = f"{offsets_s.min():+.2f} to {offsets_s.max():+.2f} s"
    if testable.sum() < 2:
        return [f"the offset search could test no offset but one of the {asked} asked (the "
                f"audio must cover a whole {clip.seconds:g} s window at each): its offset and "
                f"confidence say nothing"]
    low, high = offsets_s[testable].min(), offsets_s[testable].max()
    half_step = 0.5 / clip.fps
    if low <= offsets_s.min() + half_step and high >= offsets_s.max() - half_step:
        return []
    return [f"the offset search could test only {low:+.2f} to {high:+.2f} s of the {asked} "
            f"asked (the audio must cover a whole {clip.seconds:g} s window at each offset): "
            f"an offset outside that range cannot be found"]


def _pad_to_clip(frames, waveform, clip):
    """Cut both to the part they share, padded to one clip when that is shorter."""
    seconds = min(len(frames) / clip.fps, len(waveform) / clip.sample_rate)
    if seconds >= clip.seconds:
        return frames, waveform, 0.0
    keep_frames = max(1, int(round(seconds * clip.fps)))
    keep_samples = int(round(seconds * clip.sample_rate))
    frames = frames[:keep_frames]
    tail = np.repeat(frames[-1:], clip.frames - len(frames), axis=0)
    silence = np.zeros((clip.samples - keep_samples, waveform.shape[1]), waveform.dtype)
    return (np.concatenate([frames, tail]), np.concatenate([waveform[:keep_samples], silence]),
            clip.seconds - seconds)


def _window_starts(num_frames: int, num_samples: int, clip, hop_s: float) -> np.ndarray:
    """First frame of each window: every ``hop_s`` while both video and unshifted audio fit,
    plus one window flush with the end so the tail of the recording is scored too."""
    audio_frames = int(num_samples * clip.fps // clip.sample_rate)
    last = min(num_frames, audio_frames) - clip.frames
    hop = max(1, int(round(hop_s * clip.fps)))
    starts = np.arange(0, last + 1, hop)
    if starts[-1] != last:
        starts = np.append(starts, last)
    return starts


def _audio_starts(starts, grid, num_samples: int, clip):
    """Audio sample where each (window, offset) pair starts, and whether it lies in the track."""
    seconds = starts[:, None] / clip.fps + grid[None, :]
    audio_starts = np.round(seconds * clip.sample_rate).astype("int64")
    valid = (audio_starts >= 0) & (audio_starts + clip.samples <= num_samples)
    return audio_starts, valid


def _score_pairs(model, frames, waveform, *, starts, window_index, audio_starts, clip,
                 batch_size, progress) -> np.ndarray:
    """p_real for each pair (window ``starts[window_index[i]]``, audio from ``audio_starts[i]``).

    A zoo model is scored through its named parts (``zoo.layers.parts``): the video encoder once
    per window, the audio encoder once per distinct audio window, and only the small fusion head
    once per (window, offset) pair. Windows slide by whole frames and candidate offsets are
    whole frames apart, so most pairs share their audio window with another pair (a 10 s clip
    at 15 fps: about 480 pairs, under 200 distinct audio windows). The numbers are the whole
    model's; a model without parts is scored whole. Each part is called with batches of one
    size (``part_batches``; the last one padded by repeating its first item), so each
    compiled predict function is traced once in a process, whatever the recording's length.
    """
    batch_size = max(1, int(batch_size))

    # Stacked slices are contiguous copies: about 25x faster than one gather through a
    # (batch, samples) index array (0.7 ms against 20 ms for 64 two-second stereo windows).
    def video_at(windows):
        return np.stack([frames[s: s + clip.frames] for s in starts[windows]])

    def audio_from(first_samples):
        return np.stack([waveform[s: s + clip.samples] for s in first_samples])

    found = model_parts(model)
    if found is None:
        size = part_batches(batch_size)[0]  # a pair costs at least a video window here
        with tqdm(total=math.ceil(len(window_index) / size), desc="scoring",
                  disable=not progress) as bar:
            return _batched(
                lambda pairs: model.predict_on_batch(
                    {"video": video_at(window_index[pairs]), "audio": audio_from(audio_starts[pairs])}
                ),
                len(window_index), size, bar,
            )[0].astype("float64").reshape(-1)
    video_encoder, audio_encoder, fusion_head = found
    distinct, audio_index = np.unique(audio_starts, return_inverse=True)
    audio_index = audio_index.reshape(-1)
    video_batch, audio_batch, head_batch = part_batches(batch_size)
    steps = sum(math.ceil(n / size) for n, size in (
        (len(starts), video_batch), (len(distinct), audio_batch), (len(window_index), head_batch)))
    with tqdm(total=steps, desc="scoring", disable=not progress) as bar:
        (video_features,) = _batched(
            lambda windows: video_encoder.predict_on_batch(video_at(windows)),
            len(starts), video_batch, bar,
        )
        (audio_features,) = _batched(
            lambda chosen: audio_encoder.predict_on_batch(audio_from(distinct[chosen])),
            len(distinct), audio_batch, bar,
        )
        return _batched(
            lambda pairs: fusion_head.predict_on_batch(
                [video_features[window_index[pairs]], audio_features[audio_index[pairs]]]
            ),
            len(window_index), head_batch, bar,
        )[0].astype("float64").reshape(-1)


def _batched(run, total: int, size: int, bar) -> list[np.ndarray]:
    """``run(indices)`` over ``range(total)`` in batches of exactly ``size`` (the last one
    padded by repeating its first item); its outputs, concatenated.

    ``run`` returns one array or a list of arrays, each with the batch on its first axis.
    """
    chunks = []
    for begin in range(0, total, size):
        index = np.arange(begin, min(begin + size, total))
        padded = np.concatenate([index, np.full(size - len(index), index[0])])
        outputs = run(padded)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        chunks.append([np.asarray(o)[: len(index)] for o in outputs])
        bar.update()
    return [np.concatenate(parts) for parts in zip(*chunks)]


def part_batches(batch_size: int) -> tuple[int, int, int]:
    """Batch sizes of the video encoder, the audio encoder and the fusion head for
    ``batch_size`` pairs a call: ``batch_size // 16``, ``// 4`` and itself.

    Every call of a part has its one size, so its compiled predict function is traced once
    in a process, whatever the recordings' lengths (with a shape per length, JAX spent 10.2
    s scoring a folder of 16 real clips of 2 to 10 s the first time and 1.4 s the second).
    The sizes follow the cost of an item, so that padding the last batch wastes little: a
    video window (30 frames) costs about ten audio windows, an audio window about ten head
    pairs, and on a CPU 4 video or 16 audio windows go through faster per window than 64,
    whose intermediates leave the cache.

    >>> part_batches(64)
    (4, 16, 64)
    """
    return max(1, batch_size // 16), max(1, batch_size // 4), batch_size


def model_parts(model):
    """``(video_encoder, audio_encoder, fusion_head)`` of a zoo model, ``None`` for a model
    without them (it is then scored whole)."""
    from zoo.layers.parts import parts

    return parts(model)


def _best_offset(grid, offset_scores, fps: float) -> tuple[int, float]:
    """Index of the best candidate (ties: the smallest |offset|) and its confidence."""
    testable = ~np.isnan(offset_scores)
    ranked = np.where(testable, offset_scores, -np.inf)
    best_value = ranked.max()
    ties = np.flatnonzero(ranked == best_value)
    best = int(ties[np.argmin(np.abs(grid[ties]))])
    if testable.sum() < 2:
        return best, 0.0
    eps = 1e-6
    p = np.clip(offset_scores[testable], eps, 1 - eps)
    logits = np.log(p) - np.log1p(-p)
    weights = np.exp(logits - logits.max())
    near = np.abs(grid[testable] - grid[best]) <= 1.0 / fps + 1e-9
    return best, float(weights[near].sum() / weights.sum())
