"""Real and fake audio-visual pairs: which video window goes with which audio window.

A pair is one row ``(video_id, video_start_s, audio_id, audio_start_s, offset_s, kind, label)``.
Sign convention (as check-sync's): ``offset_s = video_start_s - audio_start_s`` for windows of the
same recording; positive means the audio lags the video (an event's sound is heard ``offset_s``
after its frame). ``kind`` is ``"real"`` (label 1: same recording, ``|offset_s| <= tolerance_s``),
``"shifted"`` (label 0: same recording, ``|offset_s|`` in ``offset_range``) or
``"other_recording"`` (label 0: audio of another recording, ``offset_s`` NaN).

Windows are placed around annotated events by default (``windows="events"``): a video window
holds at least one event of its ``_times.txt`` away from its edges, as the Greatest Hits work
trains on clips around hits. A window of silence with a still stick is the same whether or
not the audio is shifted, so uniform windows (``windows="anywhere"``) put pairs no model can
tell apart into every split: on the synthetic studio data about 11 % of uniform pairs have no
event in either window. Recordings without events fall back to uniform windows.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from keras_vis.data.recording import Recording
from keras_vis.errors import ConfigError, DataError
from zoo.clip import ClipSpec

TASKS = ("correspondence", "sync", "mixed")
# Pair defaults (the experiment config's too): a shifted fake moves the audio 0.2-1.0 s either
# way; a real pair is within 0.04 s.
OFFSET_RANGE_S = (0.2, 1.0)
TOLERANCE_S = 0.04
COLUMNS = ("video_id", "video_start_s", "audio_id", "audio_start_s", "offset_s", "kind", "label")
DEFAULT_PER_RECORDING = 8
WINDOWS = ("events", "anywhere")
# An event drawn into a window lies at least this share of the clip away from both edges.
EVENT_MARGIN = 0.2
# Grid arithmetic slack: a start exactly on a boundary must count as inside.
_EPS = 1e-9


def _as_list(recordings) -> list[Recording]:
    if isinstance(recordings, dict):
        recordings = recordings.values()
    return sorted(recordings, key=lambda r: r.id)


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; known: {', '.join(TASKS)}")


def _frame_starts(rng, room_s: np.ndarray, fps: float, low_s=None, events=None, clip_s=0.0):
    """Starts on the 1/fps grid within [low_s, room_s] (room_s >= low_s, >= one grid point).

    With ``events`` (one array of event times per row), each start is drawn so that a randomly
    chosen event of that row lies inside the window, ``EVENT_MARGIN * clip_s`` from its edges;
    rows whose events cannot be placed so get a uniform start.
    """
    low = np.zeros_like(room_s) if low_s is None else low_s
    first = np.ceil(low * fps - 1e-6)
    last = np.floor(room_s * fps + 1e-6)
    if events is not None:
        margin = EVENT_MARGIN * clip_s
        for i, times in enumerate(events):
            lo = np.maximum(first[i], np.ceil((times - clip_s + margin) * fps - 1e-6))
            hi = np.minimum(last[i], np.floor((times - margin) * fps + 1e-6))
            ok = np.flatnonzero(lo <= hi)
            if len(ok):
                j = ok[rng.integers(len(ok))]
                first[i], last[i] = lo[j], hi[j]
    k = first + np.floor(rng.random(len(room_s)) * (last - first + 1))
    return np.minimum(k, last) / fps


def _event_times(recordings: list[Recording], which: np.ndarray, windows: str):
    """Per-row event times for ``_frame_starts``, or None for uniform windows."""
    if windows == "anywhere":
        return None
    times = [np.array([e.time_s for e in r.events], dtype=float) for r in recordings]
    return [times[i] for i in which]


def pairs(
    recordings: Iterable[Recording] | dict[str, Recording],
    task: str,
    clip: ClipSpec,
    seed: int | Sequence[int],
    *,
    per_recording: int = DEFAULT_PER_RECORDING,
    offset_range: tuple[float, float] = OFFSET_RANGE_S,
    tolerance_s: float = TOLERANCE_S,
    windows: str = "events",
) -> pd.DataFrame:
    """Draw a balanced table of real and fake pairs for ``task`` from ``recordings``.

    About ``per_recording`` pairs per recording (rounded up so that labels split exactly 50/50,
    and for ``mixed`` the fakes split exactly half ``other_recording``, half ``shifted``). Video
    starts lie on the clip's frame grid; every video and audio window fits inside its recording.
    ``seed`` may be a sequence (``(seed, epoch)`` for a new draw every epoch). ``windows``:
    ``"events"`` places video windows (and the other recording's audio window) around annotated
    events, ``"anywhere"`` uniformly.

    Example:
    >>> table = pairs(recordings, "sync", clip_preset("tiny"), seed=0)  # doctest: +SKIP
    >>> table.label.mean()
    0.5
    """
    _check_task(task)
    low, high = (float(v) for v in offset_range)
    if not 0 <= low <= high:
        raise ConfigError(f"offset_range must be 0 <= low <= high, got {offset_range}")
    if tolerance_s < 0 or (task != "correspondence" and tolerance_s >= low):
        raise ConfigError(
            f"tolerance_s must be >= 0 and below the smallest sync offset, got {tolerance_s} "
            f"with offset_range {offset_range}"
        )
    if per_recording < 1:
        raise ConfigError(f"per_recording must be >= 1, got {per_recording}")
    if windows not in WINDOWS:
        raise ConfigError(f"unknown windows {windows!r}; known: {', '.join(WINDOWS)}")
    recordings = _as_list(recordings)
    if not recordings:
        raise DataError("no recordings to draw pairs from")
    usable = [r for r in recordings if r.duration + _EPS >= clip.seconds]
    if not usable:
        longest = max(r.duration for r in recordings)
        raise DataError(
            f"a clip of {clip.seconds:g} s is longer than every recording "
            f"(the longest is {longest:.2f} s)"
        )

    multiple = 4 if task == "mixed" else 2
    total = multiple * math.ceil(per_recording * len(usable) / multiple)
    n_fake = total // 2
    n_other = {"correspondence": n_fake, "sync": 0, "mixed": n_fake // 2}[task]
    n_shifted = n_fake - n_other

    rng = np.random.default_rng(seed)
    rows = [_real(rng, usable, clip, total // 2, tolerance_s, windows)]
    if n_other:
        rows.append(_other_recording(rng, usable, clip, n_other, windows))
    if n_shifted:
        rows.append(_shifted(rng, usable, clip, n_shifted, low, high, windows))
    import pandas as pd  # here, not at the top: see _table

    table = pd.concat(rows, ignore_index=True)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    return table[list(COLUMNS)]


def _spread(rng, count: int, n: int) -> np.ndarray:
    """``count`` recording indices in [0, n), each used equally often (up to one)."""
    reps = np.tile(np.arange(n), count // n + 1)[:count]
    return rng.permutation(reps) if count % n else reps


def _table(video_ids, video_starts, audio_ids, audio_starts, offsets, kind, label) -> pd.DataFrame:
    # pandas is imported where a table is made (0.2 s): ``keras_vis.data`` imports this module,
    # and ``predict`` imports ``keras_vis.data`` for its decoders but never makes a table.
    import pandas as pd

    return pd.DataFrame(
        {
            "video_id": video_ids,
            "video_start_s": video_starts,
            "audio_id": audio_ids,
            "audio_start_s": audio_starts,
            "offset_s": offsets,
            "kind": kind,
            "label": np.full(len(video_ids), label, dtype=np.int64),
        }
    )


def _room(recordings: list[Recording], clip: ClipSpec) -> np.ndarray:
    return np.maximum(np.array([r.duration for r in recordings]) - clip.seconds, 0.0)


def _real(rng, recordings, clip, count, tolerance_s, windows) -> pd.DataFrame:
    which = _spread(rng, count, len(recordings))
    room = _room(recordings, clip)[which]
    events = _event_times(recordings, which, windows)
    video = _frame_starts(rng, room, clip.fps, events=events, clip_s=clip.seconds)
    jitter = rng.uniform(-tolerance_s, tolerance_s, count)
    audio = np.clip(video - jitter, 0.0, room)
    ids = np.array([r.id for r in recordings])[which]
    return _table(ids, video, ids, audio, video - audio, "real", 1)


def _other_recording(rng, recordings, clip, count, windows) -> pd.DataFrame:
    n = len(recordings)
    if n < 2:
        raise DataError(
            f"fakes from another recording need at least 2 recordings that fit a "
            f"{clip.seconds:g} s clip; got {n}"
        )
    which = _spread(rng, count, n)
    other = (which + rng.integers(1, n, count)) % n
    rooms = _room(recordings, clip)
    video = _frame_starts(
        rng, rooms[which], clip.fps, events=_event_times(recordings, which, windows),
        clip_s=clip.seconds,
    )
    # Audio around an event too, so a fake is not told apart by being silent.
    audio = _frame_starts(
        rng, rooms[other], clip.fps, events=_event_times(recordings, other, windows),
        clip_s=clip.seconds,
    )
    ids = np.array([r.id for r in recordings])
    return _table(ids[which], video, ids[other], audio, np.nan, "other_recording", 0)


def _shifted(rng, recordings, clip, count, low, high, windows) -> pd.DataFrame:
    # A shift |s| needs room for both windows plus one frame of grid for the video start.
    step = 1.0 / clip.fps
    rooms_all = _room(recordings, clip)
    eligible = np.flatnonzero(rooms_all - step + _EPS >= low)
    if len(eligible) == 0:
        raise DataError(
            f"no recording is long enough for a {clip.seconds:g} s clip shifted by {low:g} s "
            f"(needs {clip.seconds + low + step:.2f} s)"
        )
    which = eligible[_spread(rng, count, len(eligible))]
    room = rooms_all[which]
    magnitude = low + rng.random(count) * (np.minimum(high, room - step) - low)
    shift = np.where(rng.random(count) < 0.5, -magnitude, magnitude)
    # offset = video - audio = shift; both starts within [0, room].
    video = _frame_starts(
        rng, np.minimum(room, room + shift), clip.fps, low_s=np.maximum(0.0, shift),
        events=_event_times(recordings, which, windows), clip_s=clip.seconds,
    )
    audio = np.clip(video - shift, 0.0, room)
    ids = np.array([r.id for r in recordings])[which]
    return _table(ids, video, ids, audio, video - audio, "shifted", 0)


def train_pairs(recordings, task: str, clip: ClipSpec, seed: int, epoch: int, **kwargs) -> pd.DataFrame:
    """The train table of ``epoch``: a fresh draw seeded by ``(seed, epoch)``."""
    return pairs(recordings, task, clip, (int(seed), int(epoch)), **kwargs)


def _split_seed(split_name: str, seed: int) -> tuple[int, int]:
    return (int(seed), zlib.crc32(split_name.encode()))


def fixed_pairs(
    cache,
    recordings: Iterable[Recording] | dict[str, Recording],
    task: str,
    split_name: str,
    *,
    seed: int = 0,
    per_recording: int = DEFAULT_PER_RECORDING,
    offset_range: tuple[float, float] = OFFSET_RANGE_S,
    tolerance_s: float = TOLERANCE_S,
    windows: str = "events",
) -> pd.DataFrame:
    """The FIXED table of a val or test split: drawn once, stored as CSV in the cache, reused.

    The file is keyed by the split's recordings (ids and cached durations), the task, the pair
    settings and the seed, inside the cache folder of the dataset and clip spec; so every
    experiment on the same data is measured on the same pairs. Written atomically.
    """
    from keras_vis.files import write_text as atomic_write_text

    _check_task(task)
    recordings = _as_list(recordings)
    key_source = {
        "recordings": [[r.id, round(r.duration, 6)] for r in recordings],
        "task": task,
        "split": split_name,
        "seed": seed,
        "per_recording": per_recording,
        "offset_range": [float(v) for v in offset_range],
        "tolerance_s": tolerance_s,
        "windows": windows,
        "clip": cache.clip.to_dict(),
    }
    key = hashlib.sha1(json.dumps(key_source, sort_keys=True).encode()).hexdigest()[:12]
    folder = Path(cache.directory) / "pairs"
    path = folder / f"{split_name}-{task}-{key}.csv"
    table = _read_table(path)
    if table is not None:
        return table
    table = pairs(
        recordings, task, cache.clip, _split_seed(split_name, seed),
        per_recording=per_recording, offset_range=offset_range, tolerance_s=tolerance_s,
        windows=windows,
    )
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, table.to_csv(index=False))
    # Return what was stored, so the first call and every later one see identical numbers.
    stored = _read_table(path)
    if stored is None:
        raise DataError(f"{path}: pair table unreadable right after writing it")
    return stored


def _read_table(path: Path) -> pd.DataFrame | None:
    import pandas as pd

    if not path.exists():
        return None
    try:
        table = pd.read_csv(path, dtype={"video_id": str, "audio_id": str, "kind": str})
    except (OSError, ValueError, pd.errors.ParserError):
        return None
    if list(table.columns) != list(COLUMNS) or table.empty:
        return None
    return table
