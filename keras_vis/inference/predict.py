"""Score any video: is its audio the real, in-sync soundtrack, and if not, how far off is it?
``predict`` gives one answer per file, with a verdict in words; the engine it runs is
``keras_vis.inference.scoring``, the model comes from ``keras_vis.inference.models`` and the
media from ``keras_vis.inference.media``.

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
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from keras_vis.errors import KerasVisError
from keras_vis.inference.media import Media, read_media
from keras_vis.inference.models import load_model
from keras_vis.inference.scoring import score_media, search_defaults, search_warnings

# What predict held before it was split: model resolution (models), decoding and the media
# checks (media) and the scoring engine (scoring). Re-exported for callers of the old address.
from keras_vis.inference.media import (  # noqa: E402,F401
    MIN_FPS_FRACTION, MIN_SECONDS_FRACTION, SILENCE_RMS, check_answerable, check_audio,
    frame_rate_warnings, length_warnings,
)
from keras_vis.inference.models import (  # noqa: E402,F401
    DEFAULT_MODEL_NAME, MAX_CLIP, check_clip_bounds, default_checkpoint, refuse_broken_weights,
)
from keras_vis.inference.scoring import (  # noqa: E402,F401
    DEFAULT_MAX_OFFSET_S, MAX_VIDEO_BATCH_BYTES, Scores, check_batch_size, model_parts, offset_grid,
    part_batches,
)

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


