"""What one Greatest Hits recording is, once its files have been probed."""

from __future__ import annotations

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Event:
    """One annotated line of ``<id>_times.txt``: ``<seconds> <material> <action> <reaction>``.

    ``None`` in the file (unlabelled) is kept as the string ``"None"``, as the dataset writes it.
    """

    time_s: float
    material: str = "None"
    action: str = "None"
    reaction: str = "None"


@dataclasses.dataclass(frozen=True)
class Recording:
    """A usable recording: its files, annotated events and media properties (from headers).

    ``duration`` is the usable length in seconds: the shorter of the video and the audio.
    ``notes`` lists what is odd but usable (mono, another sample rate), as scan reports it.
    """

    id: str
    video: Path
    audio: Path
    events: tuple[Event, ...]
    duration: float
    fps: float
    width: int
    height: int
    frames: int
    sample_rate: int
    channels: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["video"] = str(self.video)
        out["audio"] = str(self.audio)
        out["events"] = [dataclasses.asdict(e) for e in self.events]
        out["notes"] = list(self.notes)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Recording":
        data = dict(data)
        data["video"] = Path(data["video"])
        data["audio"] = Path(data["audio"])
        data["events"] = tuple(Event(**e) for e in data["events"])
        data["notes"] = tuple(data.get("notes", ()))
        return cls(**data)
