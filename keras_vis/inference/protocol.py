"""The real-clip protocol's pairs: which clips (``find_clips``), decoded at the model's clip spec
(``load_clips``), and for each clip its aligned, shifted and swapped pairs (``protocol_pairs``),
cut to the frames and samples they show (``cut``). Fixed, so figures compare across models."""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from keras_vis.data.footage import VIDEO_SUFFIXES
from keras_vis.errors import DataError
from zoo.clip import ClipSpec


SHIFTS_S = (-1.0, -0.5, 0.5, 1.0)


MIN_OVERLAP_S = 2.0


KINDS = ("aligned", "shifted", "swapped")


@dataclasses.dataclass
class Clip:
    """One decoded clip at the model's clip spec: ``frames`` from t = 0 and its own audio."""

    name: str
    frames: np.ndarray
    waveform: np.ndarray
    fps: float
    sample_rate: int

    @property
    def seconds(self) -> float:
        return min(len(self.frames) / self.fps, len(self.waveform) / self.sample_rate)


@dataclasses.dataclass(frozen=True)
class PairSpec:
    """Video of ``video`` from ``video_start_s`` with audio of ``audio`` from
    ``audio_start_s``, ``seconds`` long. ``shift_s``: how much the audio lags (+) or leads (-)
    the video; ``None`` for a swapped soundtrack."""

    kind: str
    video: str
    audio: str
    video_start_s: float
    audio_start_s: float
    seconds: float
    shift_s: float | None

    @property
    def label(self) -> int:
        return int(self.kind == "aligned")


def find_clips(folders: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """Every video file directly in ``folders`` (one folder or several; a video file given
    itself is taken as it is), sorted by name."""
    if isinstance(folders, (str, os.PathLike)):
        folders = [folders]
    found = []
    for folder in map(Path, folders):
        if folder.is_file() and folder.suffix.lower() in VIDEO_SUFFIXES:
            found.append(folder)
            continue
        if not folder.is_dir():
            raise DataError(f"{folder}: clips folder not found")
        found += [p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
    if not found:
        raise DataError(f"no video files ({', '.join(VIDEO_SUFFIXES)}) in "
                        f"{', '.join(map(str, folders))}")
    return sorted(found, key=lambda p: (p.name, str(p)))


def load_clips(paths: Iterable[Path], clip: ClipSpec) -> tuple[list[Clip], list[dict]]:
    """Decode each file at ``clip``'s fps, size and rate; a file that cannot be read (or has no
    sound) is reported in the second list and left out."""
    from keras_vis.data.media import read_audio, read_video
    from keras_vis.inference.media import check_answerable, check_audio

    loaded, skipped = [], []
    for path in paths:
        try:
            frames = read_video(path, fps=clip.fps, size=(clip.height, clip.width))
            waveform = read_audio(path, sample_rate=clip.sample_rate, channels=clip.channels)
            check_audio(waveform, str(path))
            check_answerable(path, clip)
        except DataError as error:
            skipped.append({"clip": path.name, "reason": str(error)})
            continue
        loaded.append(Clip(path.name, frames, waveform, clip.fps, clip.sample_rate))
    return loaded, skipped


def protocol_pairs(clips: Sequence[Clip]) -> list[PairSpec]:
    """The protocol's pairs for ``clips`` (see the module docstring), in a fixed order."""
    pairs = []
    for i, clip in enumerate(clips):
        length = clip.seconds
        pairs.append(PairSpec("aligned", clip.name, clip.name, 0.0, 0.0, length, 0.0))
        for shift in SHIFTS_S:
            # The video starts on a frame boundary; the audio, sample-exact, ``shift`` earlier.
            video_start = math.ceil(max(shift, 0.0) * clip.fps - 1e-9) / clip.fps
            audio_start = video_start - shift
            overlap = min(len(clip.frames) / clip.fps - video_start,
                          len(clip.waveform) / clip.sample_rate - audio_start)
            if overlap >= MIN_OVERLAP_S - 1e-9:
                pairs.append(PairSpec("shifted", clip.name, clip.name, video_start,
                                      audio_start, overlap, shift))
        if len(clips) > 1:
            other = clips[(i + 1) % len(clips)]
            pairs.append(PairSpec("swapped", clip.name, other.name, 0.0, 0.0,
                                  min(length, other.seconds), None))
    return pairs


def cut(pair: PairSpec, clips: dict[str, Clip]) -> tuple[np.ndarray, np.ndarray]:
    """The frames and waveform of one pair."""
    video, audio = clips[pair.video], clips[pair.audio]
    first = int(round(pair.video_start_s * video.fps))
    frames = video.frames[first: first + int(round(pair.seconds * video.fps))]
    begin = int(round(pair.audio_start_s * audio.sample_rate))
    waveform = audio.waveform[begin: begin + int(round(pair.seconds * audio.sample_rate))]
    return frames, waveform
