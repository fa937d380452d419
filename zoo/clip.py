"""The clip spec: the one small value object that data and models share.

Kept free of keras so the data pipeline can use it without loading a backend.
"""

from __future__ import annotations

import dataclasses
import json


@dataclasses.dataclass(frozen=True)
class ClipSpec:
    """What one training example holds: ``seconds`` of video at ``fps`` and ``height`` x ``width``,
    and of audio at ``sample_rate`` with ``channels`` channels (2: stereo, both kept).

    Example:
    >>> clip = ClipSpec(seconds=2.0, fps=10, height=64, width=64)
    >>> clip.frames, clip.samples
    (20, 32000)
    """

    seconds: float
    fps: float
    height: int
    width: int
    sample_rate: int = 16000
    channels: int = 2

    def __post_init__(self):
        for field in ("seconds", "fps", "height", "width", "sample_rate", "channels"):
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"ClipSpec.{field} must be a positive number, got {value!r}")
        if self.channels not in (1, 2):
            raise ValueError(f"ClipSpec.channels must be 1 or 2, got {self.channels}")
        if abs(self.frames - self.seconds * self.fps) > 1e-6:
            raise ValueError(
                f"ClipSpec: seconds * fps must be a whole number of frames, got "
                f"{self.seconds} * {self.fps}"
            )

    @property
    def frames(self) -> int:
        """Video frames per clip."""
        return int(round(self.seconds * self.fps))

    @property
    def samples(self) -> int:
        """Audio samples per channel per clip."""
        return int(round(self.seconds * self.sample_rate))

    @property
    def video_shape(self) -> tuple[int, int, int, int]:
        return (self.frames, self.height, self.width, 3)

    @property
    def audio_shape(self) -> tuple[int, int]:
        return (self.samples, self.channels)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, config: dict) -> "ClipSpec":
        unknown = set(config) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"ClipSpec: unknown field(s) {sorted(unknown)}")
        return cls(**config)

    def key(self) -> str:
        """A short stable string naming this spec (used in cache paths)."""
        return (
            f"{self.seconds:g}s-{self.fps:g}fps-{self.height}x{self.width}"
            f"-{self.sample_rate}hz-{self.channels}ch"
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


# Named clip specs. Model presets refer to these by name, and
# `python -m keras_vis prepare --preset NAME` accepts them too.
CLIP_PRESETS: dict[str, ClipSpec] = {
    # Small enough to train on two CPU cores in minutes; 2 s so a sync shift of up to 1 s
    # still leaves shared context, 10 fps so a 0.2 s shift is two frames.
    "tiny": ClipSpec(seconds=2.0, fps=10, height=64, width=64, sample_rate=16000),
    # Between the two: a real drumstick (a few pixels wide in a 456 x 256 frame) stays visible
    # at 128 x 128, and 15 fps catches the frame where it stops; narrow networks keep a run on
    # two CPU cores under half an hour.
    "small": ClipSpec(seconds=2.0, fps=15, height=128, width=128, sample_rate=16000),
    # The seed project's scale: 2 s at 15 fps, 112 x 112.
    "base": ClipSpec(seconds=2.0, fps=15, height=112, width=112, sample_rate=16000),
}


def clip_preset(name: str) -> ClipSpec:
    """The named clip spec, with a clear error for an unknown name."""
    try:
        return CLIP_PRESETS[name]
    except KeyError:
        raise ValueError(
            f"unknown clip preset {name!r}; known: {', '.join(sorted(CLIP_PRESETS))}"
        ) from None
