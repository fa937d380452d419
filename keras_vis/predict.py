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
p_real=0.93 offset=+0.00 s (confidence 0.88) model=default
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from keras_vis.errors import DataError, KerasVisError

DEFAULT_MODEL_NAME = "default"
# Search range of the default offset grid, in seconds either side of 0.
DEFAULT_MAX_OFFSET_S = 2.0
# Below this RMS (about -80 dBFS on a [-1, 1] waveform) a track holds no usable sound.
SILENCE_RMS = 1e-4


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

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def line(self) -> str:
        """One short readable line, as ``python -m keras_vis predict`` prints it."""
        return (
            f"p_real={self.p_real:.2f} offset={self.offset_s:+.2f} s "
            f"(confidence {self.confidence:.2f}) model={self.model}"
        )


def default_checkpoint() -> Path:
    """The trained checkpoint shipped in the package (``keras_vis/checkpoints/default.keras``)."""
    return Path(str(importlib.resources.files("keras_vis") / "checkpoints" / "default.keras"))


def offset_grid(min_s: float, max_s: float, fps: float) -> np.ndarray:
    """Candidate offsets from ``min_s`` to ``max_s`` in one-frame steps at ``fps``, always with 0.

    >>> offset_grid(-0.2, 0.2, fps=10).tolist()
    [-0.2, -0.1, 0.0, 0.1, 0.2]
    """
    if min_s > max_s:
        raise KerasVisError(f"offset range {min_s:g}:{max_s:g}: the minimum is above the maximum")
    steps = np.arange(math.ceil(min_s * fps - 1e-9), math.floor(max_s * fps + 1e-9) + 1)
    return np.union1d(steps, [0]) / fps


def load_model(model=None):
    """Resolve ``model`` to ``(keras.Model, name)``.

    ``None`` or ``"default"``: the shipped checkpoint; a path: that ``.keras`` file; a
    ``keras.Model``: itself. Nothing is downloaded: a missing file is a ``KerasVisError``.
    """
    import keras

    if isinstance(model, keras.Model):
        return model, f"keras.Model:{model.name}"
    if model is None or str(model) == DEFAULT_MODEL_NAME:
        path = default_checkpoint()
        if not path.is_file():
            raise KerasVisError(
                f"default model not found: {path} (the package ships it; reinstall keras-vis "
                f"or pass --model PATH to a .keras file)"
            )
        name = DEFAULT_MODEL_NAME
    else:
        path = Path(model)
        if not path.is_file():
            raise KerasVisError(
                f"model file not found: {path} (give a path to a .keras file, or "
                f"'{DEFAULT_MODEL_NAME}' for the shipped model)"
            )
        name = str(path)
    resolved = path.resolve()
    return _load_checkpoint(str(resolved), resolved.stat().st_mtime_ns), name


@functools.lru_cache(maxsize=2)
def _load_checkpoint(path: str, mtime_ns: int):
    # mtime_ns is part of the cache key so a retrained file at the same path is reloaded.
    from zoo import registry

    try:
        # compile=False: scoring needs no optimizer or loss, and skips restoring them.
        return registry.load(path, compile=False)
    except Exception as error:
        # Keras raises many kinds for a file it cannot read (zip, json, h5, unknown layer):
        # every one of them is a problem with the user's file, named as such.
        raise KerasVisError(f"cannot load model {path}: {error}") from error


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
    clip). Raises ``KerasVisError`` / ``DataError`` naming the file for every bad input.
    """
    from keras_vis.data.media import read_audio, read_video
    from zoo import registry

    keras_model, model_name = load_model(model)
    try:
        clip = registry.clip_of(keras_model)
    except TypeError as error:
        raise KerasVisError(f"model {model_name}: {error}") from None
    video_path = Path(video)
    audio_path = Path(audio) if audio is not None else video_path
    for path, what in ((video_path, "video"), (audio_path, "audio")):
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
    _check_media(frames, waveform, clip, video_path, audio_label)

    hop_s = clip.seconds / 2 if hop_s is None else float(hop_s)
    if hop_s <= 0:
        raise KerasVisError(f"hop must be positive, got {hop_s:g} s")
    if offsets is None:
        grid = offset_grid(-DEFAULT_MAX_OFFSET_S, DEFAULT_MAX_OFFSET_S, clip.fps)
    else:
        grid = np.union1d(np.asarray(offsets, dtype="float64").ravel(), [0.0])
    starts = _window_starts(len(frames), len(waveform), clip, hop_s)
    audio_starts, valid = _audio_starts(starts, grid, len(waveform), clip)

    scores = np.full(valid.shape, np.nan)
    window_index, offset_index = np.nonzero(valid)
    scores[window_index, offset_index] = _score_pairs(
        keras_model,
        frames,
        waveform,
        starts=starts,
        window_index=window_index,
        audio_starts=audio_starts[window_index, offset_index],
        clip=clip,
        batch_size=batch_size,
        progress=progress,
    )

    zero = int(np.argmin(np.abs(grid)))
    window_scores = scores[:, zero]
    # An offset that no window can test (its audio would leave the track) stays NaN -> None.
    offset_scores = np.array(
        [scores[column, j].mean() if column.any() else np.nan for j, column in enumerate(valid.T)]
    )
    best, confidence = _best_offset(grid, offset_scores, clip.fps)

    import keras

    return Prediction(
        p_real=float(window_scores.mean()),
        offset_s=float(round(grid[best], 6)),
        confidence=confidence,
        window_starts_s=[round(float(s) / clip.fps, 6) for s in starts],
        window_scores=[float(s) for s in window_scores],
        offsets_s=[round(float(o), 6) for o in grid],
        offset_scores=[None if np.isnan(s) else float(s) for s in offset_scores],
        model=model_name,
        clip=clip.to_dict(),
        video=str(video_path),
        audio=audio_label,
        hop_s=hop_s,
        backend=keras.backend.backend(),
    )


def _check_media(frames, waveform, clip, video_path, audio_label) -> None:
    if len(frames) < clip.frames:
        raise DataError(
            f"{video_path}: video is {len(frames) / clip.fps:.2f} s long, shorter than one "
            f"clip of the model ({clip.seconds:g} s)"
        )
    if len(waveform) < clip.samples:
        raise DataError(
            f"{audio_label}: audio is {len(waveform) / clip.sample_rate:.2f} s long, shorter "
            f"than one clip of the model ({clip.seconds:g} s)"
        )
    rms = float(np.sqrt(np.mean(np.square(waveform, dtype="float64"))))
    if not rms >= SILENCE_RMS:  # also catches NaN
        raise DataError(
            f"{audio_label}: audio is silent (RMS {rms:.2g}, below {SILENCE_RMS:g}); "
            f"nothing to match against the video"
        )


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

    When the model splits into a video branch and the rest, the video branch runs once per
    window and only the rest runs per (window, offset) pair: the same numbers, a fraction of
    the work. Every batch has the same shape (the last one is padded by repeating its first
    item) so a compiled predict function is traced once.
    """
    from keras_vis.progress import Progress

    frame_offsets = np.arange(clip.frames)
    sample_offsets = np.arange(clip.samples)
    batch_size = max(1, int(batch_size))

    def video_at(windows):
        return frames[starts[windows][:, None] + frame_offsets]

    def audio_at(pairs):
        return waveform[audio_starts[pairs][:, None] + sample_offsets]

    branches = split_video_branch(model)
    steps = math.ceil(len(window_index) / batch_size)
    if branches is not None:
        steps += math.ceil(len(starts) / batch_size)
    with Progress(steps, "scoring", quiet=not progress) as bar:
        if branches is None:
            return _batched(
                lambda pairs: model.predict_on_batch(
                    {"video": video_at(window_index[pairs]), "audio": audio_at(pairs)}
                ),
                len(window_index), batch_size, bar,
            )[0].astype("float64").reshape(-1)
        video_branch, rest = branches
        features = _batched(
            lambda windows: video_branch.predict_on_batch(video_at(windows)),
            len(starts), batch_size, bar,
        )
        return _batched(
            lambda pairs: rest.predict_on_batch(
                [*(f[window_index[pairs]] for f in features), audio_at(pairs)]
            ),
            len(window_index), batch_size, bar,
        )[0].astype("float64").reshape(-1)


def _batched(run, total: int, batch_size: int, bar) -> list[np.ndarray]:
    """``run(indices)`` over ``range(total)`` in fixed-size batches; its outputs, concatenated.

    ``run`` returns one array or a list of arrays, each with the batch on its first axis.
    """
    size = min(batch_size, total)
    chunks = []
    for begin in range(0, total, size):
        index = np.arange(begin, min(begin + size, total))
        padded = np.concatenate([index, np.full(size - len(index), index[0])])
        outputs = run(padded)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        chunks.append([np.asarray(o)[: len(index)] for o in outputs])
        bar.advance()
    return [np.concatenate(parts) for parts in zip(*chunks)]


@functools.lru_cache(maxsize=4)
def split_video_branch(model):
    """``(video_branch, rest)`` such that ``rest([*video_branch(video), audio]) == model(...)``.

    ``video_branch`` maps frames to the tensors that depend on the video alone and feed the
    part of the graph that mixes in the audio; ``rest`` takes those and the audio. ``None``
    when the model is not a functional graph with a separate video branch (it is then scored
    whole). Cached per model, so repeated calls reuse the traced predict functions.
    """
    import keras

    try:
        inputs = {tensor.name: tensor for tensor in model.inputs}
        if set(inputs) != {"video", "audio"}:
            return None
        sources: dict[int, frozenset] = {}

        def sources_of(tensor) -> frozenset:
            key = id(tensor)
            if key not in sources:
                operation, node_index, _ = tensor._keras_history
                node = operation._inbound_nodes[node_index]
                if node.is_input:
                    sources[key] = frozenset([tensor.name])
                else:
                    sources[key] = frozenset().union(*map(sources_of, node.input_tensors))
            return sources[key]

        frontier: dict[int, object] = {}
        visited: set[int] = set()

        def walk(tensor) -> None:
            # From the output back: stop at the first tensor that depends on the video alone.
            if id(tensor) in visited:
                return
            visited.add(id(tensor))
            if sources_of(tensor) == {"video"}:
                frontier[id(tensor)] = tensor
                return
            operation, node_index, _ = tensor._keras_history
            for parent in operation._inbound_nodes[node_index].input_tensors:
                walk(parent)

        for output in keras.tree.flatten(model.output):
            walk(output)
        features = list(frontier.values())
        if not features or any(tensor is inputs["video"] for tensor in features):
            return None
        video_branch = keras.Model(inputs["video"], features, name=f"{model.name}_video")
        rest = keras.Model([*features, inputs["audio"]], model.output, name=f"{model.name}_rest")
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        # Not a plain functional graph (a subclassed model, an unexpected node layout).
        return None
    return video_branch, rest


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
