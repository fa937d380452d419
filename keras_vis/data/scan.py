"""Find the usable recordings of a Greatest Hits folder, and say why the others are not.

A recording is the three files ``<id>_mic.mp4``, ``<id>_mic.wav`` and ``<id>_times.txt``.
Only headers are probed (and one video frame decoded), so scanning is fast; a float wav is
read through once as well, as its samples may be NaN or infinite. Every file in
the folder ends up somewhere: in a recording, in ``skipped`` with its reason, or among the
known extras of the layout (``train.txt``, ``test.txt``, the ``_denoised`` files).
"""

from __future__ import annotations

import dataclasses
import math
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from keras_vis.data.media import check_finite_audio, probe_audio, probe_video
from keras_vis.data.recording import Event, Recording
from keras_vis.errors import DataError

DATASET_SAMPLE_RATE = 96000
DATASET_FPS = 30000 / 1001
REQUIRED = ("_mic.mp4", "_mic.wav", "_times.txt")
# Files of the released dataset that the loaders do not use but that are not strays.
EXTRAS = ("_denoised.wav", "_denoised.mp4", "_denoised_thumb.mp4")
SPLIT_FILES = ("train.txt", "test.txt")
# Written by ``generate`` beside the recordings: what made them (keras_vis.data.synthetic).
KNOWN_EXTRAS = (*SPLIT_FILES, "manifest.json")
_NAME = re.compile(r"^(?P<id>.+?)(?P<suffix>" + "|".join(map(re.escape, REQUIRED + EXTRAS)) + r")$")


@dataclasses.dataclass
class ScanReport:
    """What ``scan`` found: usable recordings (sorted by id), skipped ones with a reason, and
    notes about usable recordings that are odd (mono, another sample rate, dropped events)."""

    root: Path
    recordings: list[Recording]
    skipped: list[dict]
    notes: list[dict]

    def to_dict(self) -> dict:
        return {
            "root": str(self.root),
            "recordings": [r.to_dict() for r in self.recordings],
            "skipped": list(self.skipped),
            "notes": list(self.notes),
        }


def parse_times(path: Path) -> list[Event]:
    """Parse ``<id>_times.txt``: one ``<seconds> <material> <action> <reaction>`` per line.

    Blank lines are ignored; a missing trailing field is ``None``, as the dataset writes it; a
    UTF-8 byte-order mark (an editor's) is skipped; a line repeating an earlier event exactly is
    dropped (``read_times`` also says which). Raises DataError naming the file and line for
    anything else.
    """
    return read_times(path)[0]


def read_times(path: Path) -> tuple[list[Event], list[str]]:
    """``parse_times`` and its notes: what was dropped or skipped (duplicated lines)."""
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        # utf-8-sig: a leading byte-order mark is not part of the first event's time.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start})") from None
    events = []
    first_line: dict[Event, int] = {}
    repeats: list[tuple[int, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) > 4:
            raise DataError(f"{path}:{number}: expected '<seconds> <material> <action> <reaction>', got {line!r}")
        try:
            time_s = float(fields[0])
        except ValueError:
            raise DataError(f"{path}:{number}: event time {fields[0]!r} is not a number") from None
        if not math.isfinite(time_s):
            raise DataError(f"{path}:{number}: event time {fields[0]!r} is not finite")
        labels = fields[1:] + ["None"] * (4 - len(fields))
        event = Event(time_s, *labels)
        if event in first_line:
            repeats.append((number, first_line[event]))
            continue
        first_line[event] = number
        events.append(event)
    notes = []
    if repeats:
        shown = ", ".join(f"{line} (= line {first})" for line, first in repeats[:5])
        more = f" and {len(repeats) - 5} more" if len(repeats) > 5 else ""
        notes.append(f"dropped {len(repeats)} duplicated line(s) of {path.name}: "
                     f"line {shown}{more}")
    return events, notes


def _readable(path: Path) -> str | None:
    """Why ``path`` cannot be read, or None."""
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except PermissionError:
        return f"{path.name}: permission denied"
    except IsADirectoryError:
        return f"{path.name}: is a directory"
    except OSError as error:
        return f"{path.name}: cannot read ({error.strerror or error})"
    return None


def _probe(rec_id: str, files: dict[str, Path], tolerance_s: float) -> Recording | dict:
    """A Recording, or {"id", "reason"} saying why this id is not usable."""
    missing = [rec_id + suffix for suffix in REQUIRED if suffix not in files]
    if missing:
        return {"id": rec_id, "reason": "missing " + ", ".join(missing)}
    for suffix in REQUIRED:
        problem = _readable(files[suffix])
        if problem:
            return {"id": rec_id, "reason": problem}
    try:
        events, notes = read_times(files["_times.txt"])
        video = probe_video(files["_mic.mp4"])
        audio = probe_audio(files["_mic.wav"])
        if audio.floating:
            check_finite_audio(files["_mic.wav"])
    except DataError as error:
        return {"id": rec_id, "reason": str(error).replace(str(files["_mic.mp4"].parent) + "/", "")}
    gap = abs(video.duration - audio.duration)
    if gap > tolerance_s:
        return {
            "id": rec_id,
            "reason": f"audio ({audio.duration:.3f} s) and video ({video.duration:.3f} s) lengths "
            f"differ by {gap:.3f} s (tolerance {tolerance_s} s)",
        }
    duration = min(video.duration, audio.duration)
    if audio.channels == 1:
        notes.append("mono audio (duplicated to both channels when read)")
    elif audio.channels > 2:
        notes.append(f"{audio.channels}-channel audio (the first two are kept)")
    if audio.sample_rate != DATASET_SAMPLE_RATE:
        notes.append(f"audio at {audio.sample_rate} Hz, not {DATASET_SAMPLE_RATE} (resampled when read)")
    if abs(video.fps - DATASET_FPS) > 0.01:
        notes.append(f"video at {video.fps:.3f} fps, not 29.970 (resampled when read)")
    outside = [e for e in events if not 0.0 <= e.time_s <= duration]
    if events and len(outside) == len(events):
        return {
            "id": rec_id,
            "reason": f"every event time in {rec_id}_times.txt lies outside the recording "
            f"(0 - {duration:.3f} s)",
        }
    if outside:
        shown = ", ".join(f"{e.time_s:.3f}" for e in outside[:5])
        notes.append(
            f"dropped {len(outside)} event(s) outside the recording (0 - {duration:.3f} s): {shown} s"
        )
        events = [e for e in events if 0.0 <= e.time_s <= duration]
    if not events:
        notes.append("no annotated events")
    return Recording(
        id=rec_id, video=files["_mic.mp4"], audio=files["_mic.wav"],
        events=tuple(sorted(events, key=lambda e: e.time_s)), duration=duration, fps=video.fps,
        width=video.width, height=video.height, frames=video.frames,
        sample_rate=audio.sample_rate, channels=audio.channels, notes=tuple(notes),
    )


def scan(
    root: str | Path, *, tolerance_s: float = 0.5, quiet: bool = True, workers: int = 4
) -> ScanReport:
    """Probe every recording under ``root`` (not recursive).

    ``tolerance_s``: how much the audio and video lengths may differ. Raises DataError when
    ``root`` is not a folder; a folder with nothing usable gives an empty ``recordings``.

    Example:
    >>> report = scan("data/synthetic")  # doctest: +SKIP
    >>> len(report.recordings), report.skipped
    (40, [])
    """
    root = Path(root)
    if not root.exists():
        raise DataError(f"{root}: folder does not exist")
    if not root.is_dir():
        raise DataError(f"{root}: not a folder")
    try:
        entries = sorted(root.iterdir())
    except PermissionError:
        raise DataError(f"{root}: permission denied") from None

    groups: dict[str, dict[str, Path]] = {}
    skipped = []
    for entry in entries:
        match = _NAME.match(entry.name)
        if entry.name in KNOWN_EXTRAS and entry.is_file():
            continue
        if match is None or entry.is_dir():
            kind = "folder" if entry.is_dir() else "file"
            skipped.append({
                "id": entry.name,
                "reason": f"stray {kind}: not <id>_mic.mp4, <id>_mic.wav or <id>_times.txt",
            })
            continue
        groups.setdefault(match["id"], {})[match["suffix"]] = entry

    ids = sorted(groups)
    results: list[Recording | dict] = []
    with tqdm(total=len(ids), desc="scanning", disable=quiet) as progress:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for result in pool.map(lambda i: _probe(i, groups[i], tolerance_s), ids):
                results.append(result)
                progress.update()
    recordings = [r for r in results if isinstance(r, Recording)]
    skipped = [r for r in results if isinstance(r, dict)] + skipped
    notes = [{"id": r.id, "note": note} for r in recordings for note in r.notes]
    return ScanReport(root=root, recordings=recordings, skipped=skipped, notes=notes)
