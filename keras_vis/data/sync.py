"""Is a recording in sync? Estimate the audio/video offset from the signals themselves.

Sign convention: ``offset_s > 0`` means the **audio lags the video** (a sound is heard
``offset_s`` seconds after the contact that made it is seen); negative means audio leads.

How: the audio onset envelope (rises of log energy in 1 ms steps) is cross-correlated with
a visual onset signal, the *drop* of motion energy between consecutive frame differences
(a strike moves fast and stops at the surface at the moment of the sound). The lag with the
highest correlation within ``max_offset_s`` is refined to sub-millisecond by a parabola
through the peak. Confidence compares the peak with the best lag away from it.

A low confidence means another lag explains the onsets almost as well: the estimate is then
reported as ``uncertain`` and never flagged, rather than as a wrong offset. The threshold
(``MIN_CONFIDENCE``) was chosen on generated recordings (studio v1 and v2-outdoor, 40 each):
above 0.4 every estimate was within one frame of the truth, below it most were not. On the
16 real clips in ``../shared/data/real-clips`` (all in sync) every estimate fell below it: the
global motion of real footage (hands, camera, several objects) rarely shows the stick's stop
clearly enough, so check-sync says "uncertain" there instead of a wrong offset.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
from tqdm import tqdm

from keras_vis.data.media import read_audio, read_video
from keras_vis.data.recording import Recording
from keras_vis.errors import DataError

ONSET_RATE = 1000  # audio onset envelope: one value per millisecond
ANALYSIS_SAMPLE_RATE = 16000
ANALYSIS_SIZE = (72, 128)
DEFAULT_TOLERANCE_S = 1.5 / (30000 / 1001)  # a frame and a half of the dataset's video
MIN_CONFIDENCE = 0.4
STATUSES = ("in sync", "out of sync", "uncertain")


@dataclasses.dataclass(frozen=True)
class SyncEstimate:
    """Estimated offset of one recording (positive: audio lags video) and a confidence in
    [0, 1]. ``status``: ``"uncertain"`` below ``MIN_CONFIDENCE``, else ``"out of sync"`` when
    ``|offset_s|`` exceeds the tolerance and ``"in sync"`` when not; ``flagged`` is
    ``status == "out of sync"``."""

    id: str
    offset_s: float
    confidence: float
    flagged: bool
    status: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def audio_onsets(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Onset strength at ``ONSET_RATE`` Hz: positive rises of log energy, centred on the rise."""
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    hop = sample_rate // ONSET_RATE
    frames = len(mono) // hop
    energy = (mono[: frames * hop].astype(np.float64) ** 2).reshape(frames, hop).mean(axis=1)
    # 3 ms of energy around each step, then the rise over +-4 ms.
    energy = np.convolve(energy, np.ones(3) / 3, "same")
    floor = np.percentile(energy, 30) + 1e-12
    level = np.log(energy + floor)
    half = 4
    rise = np.zeros_like(level)
    rise[half:-half] = level[2 * half:] - level[: -2 * half]
    return np.maximum(rise, 0.0)


def visual_onsets(frames: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Drops of motion energy and the times they belong to (seconds from the first frame).

    Motion energy ``m[i]`` is the mean absolute grey-level difference of frames i and i+1,
    centred at ``(i + 0.5) / fps``; its drop ``m[i - 1] - m[i]`` is placed at frame i.
    """
    grey = frames.astype(np.float32).mean(axis=3)
    motion = np.abs(np.diff(grey, axis=0)).mean(axis=(1, 2))
    drop = np.maximum(motion[:-1] - motion[1:], 0.0)
    times = np.arange(1, len(motion)) / fps
    return drop, times


def estimate_offset(
    onsets: np.ndarray, drops: np.ndarray, times: np.ndarray, max_offset_s: float = 2.0
) -> tuple[float, float]:
    """The lag (seconds, positive: audio lags) that best lines up audio onsets with visual
    onsets, and a confidence in [0, 1]."""
    # Smooth the audio onsets to about a video frame so the score varies smoothly with lag.
    sigma = 12.0
    kernel = np.exp(-0.5 * (np.arange(-40, 41) / sigma) ** 2)
    envelope = np.convolve(onsets, kernel / kernel.sum(), "same")
    lags = np.arange(-int(max_offset_s * ONSET_RATE), int(max_offset_s * ONSET_RATE) + 1)
    weights = drops - drops.mean()
    positions = np.round(times * ONSET_RATE).astype(int)
    index = positions[None, :] + lags[:, None]
    valid = (index >= 0) & (index < len(envelope))
    values = np.where(valid, envelope[np.clip(index, 0, len(envelope) - 1)], 0.0)
    score = values @ weights
    best = int(np.argmax(score))
    shift = 0.0
    if 0 < best < len(score) - 1:
        left, mid, right = score[best - 1], score[best], score[best + 1]
        curvature = left - 2 * mid + right
        if curvature < 0:
            shift = 0.5 * (left - right) / curvature
    offset = (lags[best] + shift) / ONSET_RATE
    peak = score[best]
    away = np.abs(lags - lags[best]) > 0.15 * ONSET_RATE
    rival = score[away].max() if away.any() else 0.0
    confidence = 0.0 if peak <= 0 else float(np.clip(1.0 - max(rival, 0.0) / peak, 0.0, 1.0))
    return float(offset), confidence


def estimate_recording(recording: Recording, max_offset_s: float = 2.0) -> tuple[float, float]:
    """(offset_s, confidence) for one recording, read from its files."""
    frames = read_video(recording.video, fps=recording.fps, size=ANALYSIS_SIZE)
    audio = read_audio(recording.audio, ANALYSIS_SAMPLE_RATE, channels=1)
    drops, times = visual_onsets(frames, recording.fps)
    onsets = audio_onsets(audio, ANALYSIS_SAMPLE_RATE)
    if not drops.size or not onsets.size:
        raise DataError(f"{recording.video}: too short to estimate the offset")
    return estimate_offset(onsets, drops, times, max_offset_s)


def sync_status(offset_s: float, confidence: float,
                tolerance_s: float = DEFAULT_TOLERANCE_S) -> str:
    """One of ``STATUSES`` for an estimate (see ``SyncEstimate``)."""
    # ``not >=``: a nan confidence (or offset) is no evidence, never a flag.
    if not confidence >= MIN_CONFIDENCE or not math.isfinite(offset_s):
        return "uncertain"
    return "out of sync" if abs(offset_s) > tolerance_s else "in sync"


def check_sync(
    root_or_recordings: str | Path | list[Recording],
    *,
    max_offset_s: float = 2.0,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    quiet: bool = True,
) -> list[SyncEstimate]:
    """Estimate each recording's audio/video offset; flag those confidently beyond
    ``tolerance_s`` (an estimate below ``MIN_CONFIDENCE`` is ``"uncertain"``, never flagged).

    ``offset_s > 0``: audio lags video. Accepts a folder (scanned first) or recordings.

    Example:
    >>> for e in check_sync("data/synthetic"):  # doctest: +SKIP
    ...     print(e.id, round(e.offset_s, 3), e.flagged)
    2015-05-04-10-18-40 0.001 False
    """
    if isinstance(root_or_recordings, (str, Path)):
        from keras_vis.data.scan import scan

        recordings = scan(root_or_recordings).recordings
    else:
        recordings = list(root_or_recordings)
    estimates = []
    with tqdm(total=len(recordings), desc="checking sync", disable=quiet) as progress:
        for recording in recordings:
            offset, confidence = estimate_recording(recording, max_offset_s)
            status = sync_status(offset, confidence, tolerance_s)
            estimates.append(SyncEstimate(
                id=recording.id, offset_s=round(offset, 4), confidence=round(confidence, 3),
                flagged=status == "out of sync", status=status,
            ))
            progress.update()
    return estimates
