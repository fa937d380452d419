"""The scoring engine: a model's clip window slides over a recording, and each window is scored
with the audio as given and, for the offset search, read earlier or later by each candidate
offset against the same frames. Every (window, offset) pair goes through the model in large
batches. ``predict`` (one video for a user) and ``evaluate`` (the real-clip protocol) and the
experiment's test step all build on ``score_media``; it knows nothing of files or commands.

Offsets follow ``check-sync``: ``offset_s > 0`` means the audio lags the video.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
from tqdm import tqdm

from keras_vis.errors import KerasVisError
from zoo.clip import ClipSpec


# Search range of the default offset grid, in seconds either side of 0.
DEFAULT_MAX_OFFSET_S = 2.0


# The float32 video windows of one encoder call: past this, --batch-size cannot fit.
MAX_VIDEO_BATCH_BYTES = 2 << 30


@dataclasses.dataclass
class Scores:
    """What the model says about one (frames, waveform) pair; ``predict`` and ``evaluate``
    both build on it. Window starts are in frames of the model's clip fps; ``pair_scores`` is
    p_real for each (window, offset), NaN where the offset's audio leaves the track."""

    p_real: float
    offset_s: float
    confidence: float
    window_starts: np.ndarray
    window_scores: np.ndarray
    offsets_s: np.ndarray
    offset_scores: np.ndarray
    padded_s: float
    pair_scores: np.ndarray


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


def search_defaults(clip: ClipSpec, offsets: Sequence[float] | None = None,
                    hop_s: float | None = None) -> tuple[Sequence[float], float]:
    """``(offsets, hop_s)`` as ``predict`` uses them: the default grid (-2 s to +2 s in frames
    of ``clip``) and half a clip where not given."""
    if offsets is None:
        offsets = offset_grid(-DEFAULT_MAX_OFFSET_S, DEFAULT_MAX_OFFSET_S, clip.fps)
    return offsets, clip.seconds / 2 if hop_s is None else float(hop_s)


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
        offsets_s=grid, offset_scores=offset_scores, padded_s=padded_s, pair_scores=scores,
    )


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


def best_candidate(grid: np.ndarray, offset_scores: np.ndarray) -> int:
    """Index of the highest score that is not NaN (untestable); ties go to the smallest
    |offset|, so a flat profile says "in sync"."""
    ranked = np.where(np.isnan(offset_scores), -np.inf, offset_scores)
    ties = np.flatnonzero(ranked == ranked.max())
    return int(ties[np.argmin(np.abs(grid[ties]))])


def _best_offset(grid, offset_scores, fps: float) -> tuple[int, float]:
    """Index of the best candidate (``best_candidate``) and its confidence."""
    testable = ~np.isnan(offset_scores)
    best = best_candidate(grid, offset_scores)
    if testable.sum() < 2:
        return best, 0.0
    eps = 1e-6
    p = np.clip(offset_scores[testable], eps, 1 - eps)
    logits = np.log(p) - np.log1p(-p)
    weights = np.exp(logits - logits.max())
    near = np.abs(grid[testable] - grid[best]) <= 1.0 / fps + 1e-9
    return best, float(weights[near].sum() / weights.sum())
