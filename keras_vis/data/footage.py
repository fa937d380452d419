"""Real footage as training data: any folder of videos with their own sound.

A clip's own soundtrack is a free label: the aligned sound is real, the same sound shifted or
another clip's sound is fake. ``scan_footage`` turns a folder (searched recursively; any
container, frame rate, size, sample rate and channel count) into the same ``Recording`` objects
as a Greatest Hits folder, so the clip cache, the pair tables and ``AVPairs`` take it as they
are. There is no ``times.txt``: a recording's events are the onsets of its own sound, so the
pair windows are placed around moments where something is heard (a window of steady hum says
nothing about sync).

Pieces of one video (``NAME__part1.mp4``, ``NAME__part2.mp4``, as the real corpus names them)
share a source (``source_of``): ``split`` keeps a source on one side, so no train window and
test window come from the same recording.

A file that cannot be read, has no sound track, is silent, holds NaN samples or is shorter than
``min_seconds`` is reported in ``skipped`` with its reason and never used. Each file's result is
kept in a small scan cache (keyed by its size and mtime), so a folder of 10,000 clips is decoded
once, not on every run.

Example:
>>> report = scan_footage("../shared/data/real-corpus")  # doctest: +SKIP
>>> len(report.recordings), report.skipped[:1]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from keras_vis import files
from keras_vis.data.recording import Event, Recording
from keras_vis.data.scan import ScanReport
from keras_vis.errors import DataError

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
# Below this RMS (full scale 1.0) a soundtrack is taken as silent: nothing to pair with.
SILENCE_RMS = 1e-4
# Onsets: the sound is read at this rate for finding them; peaks at least this far apart and
# this many median absolute deviations above the median onset strength.
ONSET_SAMPLE_RATE = 16000
MIN_EVENT_GAP_S = 0.25
EVENT_THRESHOLD_MADS = 4.0
# ... and at least this share of the clip's strongest onset, and a rise of log energy of at
# least this much (e in energy): a clip of steady noise has no events.
EVENT_RELATIVE = 0.2
EVENT_MIN_RISE = 1.0
MAX_EVENTS_PER_S = 2.0
_SCAN_CACHE_VERSION = 2
_PART = re.compile(r"__part\d+$")


def source_of(recording_id: str) -> str:
    """The source video of a footage recording: its id without a ``__partN`` suffix."""
    return _PART.sub("", recording_id)


def footage_files(root: Path) -> list[Path]:
    """Every video file under ``root`` (recursive), sorted by relative path."""
    return sorted(
        (p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES),
        key=lambda p: p.relative_to(root).as_posix(),
    )


def recording_id(root: Path, path: Path) -> str:
    """A file-name-safe id from the path under ``root``: ``a/b/c.mp4`` -> ``a~b~c``."""
    return path.relative_to(root).with_suffix("").as_posix().replace("/", "~")


def sound_events(audio: np.ndarray, sample_rate: int) -> list[Event]:
    """The onsets of a soundtrack as events: peaks of ``audio_onsets`` well above its median
    and near the clip's strongest, at least ``MIN_EVENT_GAP_S`` apart, the strongest
    ``MAX_EVENTS_PER_S`` a second."""
    from keras_vis.data.sync import ONSET_RATE, audio_onsets

    strength = audio_onsets(audio, sample_rate)
    if len(strength) < 3:
        return []
    median = float(np.median(strength))
    spread = float(np.median(np.abs(strength - median))) + 1e-9
    gap = max(1, int(MIN_EVENT_GAP_S * ONSET_RATE))
    # A peak is the largest value within +-gap steps.
    padded = np.pad(strength, gap, mode="constant", constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * gap + 1)
    threshold = max(median + EVENT_THRESHOLD_MADS * spread,
                    EVENT_RELATIVE * float(strength.max()), EVENT_MIN_RISE)
    peaks = np.flatnonzero((strength >= windows.max(axis=1)) & (strength > threshold))
    limit = max(1, int(MAX_EVENTS_PER_S * len(strength) / ONSET_RATE))
    strongest = np.sort(peaks[np.argsort(strength[peaks])[::-1][:limit]])
    return [Event(round(float(i) / ONSET_RATE, 4), action="onset") for i in strongest]


def _sound_header(path: Path) -> tuple[int, int] | None:
    """The first sound track's (sample rate, channels), or None when there is none."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels if hasattr(stream.codec_context, "channels") \
                else len(stream.layout.channels)
            return int(stream.rate or 0), int(channels or 0)
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise DataError(f"{path}: cannot open as a media container ({error})") from None


def probe_footage(root: Path, path: Path, min_seconds: float) -> Recording | dict:
    """One file -> a Recording, or ``{"id", "reason"}`` saying why it cannot be used."""
    from keras_vis.data.media import probe_video, read_audio

    rec_id = recording_id(root, path)
    name = path.relative_to(root).as_posix()
    try:
        video = probe_video(path)
        header = _sound_header(path)
        if header is None:
            return {"id": rec_id, "reason": f"{name}: no sound track"}
        audio = read_audio(path, ONSET_SAMPLE_RATE, channels=1)
    except DataError as error:
        return {"id": rec_id, "reason": str(error).replace(str(root) + "/", "")}
    except Exception as error:  # a broken file must not end a scan of thousands
        return {"id": rec_id, "reason": f"{name}: cannot decode ({type(error).__name__}: {error})"}
    if not np.all(np.isfinite(audio)):
        return {"id": rec_id, "reason": f"{name}: sound holds NaN/inf samples"}
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    if not rms >= SILENCE_RMS:
        return {"id": rec_id, "reason": f"{name}: sound is silent (RMS {rms:.2g})"}
    duration = min(video.duration, len(audio) / ONSET_SAMPLE_RATE)
    if duration < min_seconds:
        return {"id": rec_id,
                "reason": f"{name}: too short ({duration:.2f} s, needs {min_seconds:g} s)"}
    events = sound_events(audio, ONSET_SAMPLE_RATE)
    notes = [] if events else ["no clear sound onsets: windows placed anywhere"]
    rate, channels = header
    return Recording(
        id=rec_id, video=path, audio=path, events=tuple(events), duration=float(duration),
        fps=video.fps, width=video.width, height=video.height, frames=video.frames,
        sample_rate=rate or ONSET_SAMPLE_RATE, channels=channels or 1, notes=tuple(notes),
    )


def _scan_cache_path(root: Path) -> Path:
    from keras_vis.data.cache import default_cache_dir

    digest = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
    return default_cache_dir() / "footage-scan" / f"{digest}.json"


def _read_scan_cache(path: Path) -> dict:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("version") == _SCAN_CACHE_VERSION:
            return stored["files"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return {}


def _stamp(path: Path, min_seconds: float) -> list:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, min_seconds]


def scan_footage(root: str | Path, *, min_seconds: float = 2.0, workers: int = 4,
                 quiet: bool = True) -> ScanReport:
    """Probe every video under ``root`` (recursive) as footage with its own sound.

    Returns a ``ScanReport`` (recordings sorted by id; skipped files with their reason; notes).
    Raises DataError when ``root`` is not a folder; a folder with no video gives an empty
    report. ``min_seconds``: shorter clips are skipped (a clip must hold one model window).
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: footage folder does not exist" if not root.exists()
                        else f"{root}: not a folder")
    paths = footage_files(root)
    cache_path = _scan_cache_path(root)
    known = _read_scan_cache(cache_path)
    results: dict[str, Recording | dict] = {}
    todo = []
    for path in paths:
        key = path.relative_to(root).as_posix()
        entry = known.get(key)
        if entry and entry.get("stamp") == _stamp(path, min_seconds):
            stored = entry["result"]
            results[key] = (stored if "reason" in stored
                            else Recording.from_dict({**stored, "video": path, "audio": path}))
        else:
            todo.append(path)
    with tqdm(total=len(todo), desc=f"scanning footage in {root}", disable=quiet or not todo) as bar:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for path, result in zip(todo, pool.map(
                    lambda p: probe_footage(root, p, min_seconds), todo)):
                results[path.relative_to(root).as_posix()] = result
                bar.update()
    if todo:
        _write_scan_cache(cache_path, root, results, min_seconds)
    recordings, skipped, seen = [], [], {}
    for key in sorted(results):
        result = results[key]
        if isinstance(result, dict):
            skipped.append(dict(result))
        elif result.id in seen:
            skipped.append({"id": result.id,
                            "reason": f"{key}: same id as {seen[result.id]} (rename one)"})
        else:
            seen[result.id] = key
            recordings.append(result)
    recordings.sort(key=lambda r: r.id)
    notes = [{"id": r.id, "note": note} for r in recordings for note in r.notes]
    return ScanReport(root=root, recordings=recordings, skipped=skipped, notes=notes)


def _write_scan_cache(path: Path, root: Path, results: dict, min_seconds: float) -> None:
    entries = {}
    for key, result in results.items():
        file = root / key
        if not file.exists():
            continue
        stored = result if isinstance(result, dict) else result.to_dict()
        entries[key] = {"stamp": _stamp(file, min_seconds), "result": stored}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        files.write_text(path, json.dumps({"version": _SCAN_CACHE_VERSION, "files": entries}))
    except OSError:
        pass  # a read-only cache only costs the next scan its time


def manifest_digest(root: str | Path) -> str:
    """SHA-256 (first 16 hex digits) of every ``manifest.tsv`` under ``root``, or of the file
    list with sizes where there is none: what a checkpoint's metadata names as its footage."""
    root = Path(root)
    digest = hashlib.sha256()
    manifests = sorted(root.rglob("manifest.tsv"))
    if manifests:
        for path in manifests:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    else:
        for path in footage_files(root):
            digest.update(f"{path.relative_to(root).as_posix()}:{path.stat().st_size};".encode())
    return digest.hexdigest()[:16]


def footage_summary(report: ScanReport) -> str:
    """One line: usable clips, minutes, sources, skipped."""
    minutes = sum(r.duration for r in report.recordings) / 60
    sources = len({source_of(r.id) for r in report.recordings})
    return (f"{report.root}: {len(report.recordings)} usable clips ({minutes:.1f} min, "
            f"{sources} source videos), {len(report.skipped)} skipped")


@dataclasses.dataclass
class Footage:
    """One footage folder ready to train on: its scan, its clip cache and its split by source.
    ``test`` files are its held-out part, scored with the real-footage protocol."""

    root: Path
    report: ScanReport
    cache: object  # keras_vis.data.cache.ClipCache
    split: object  # keras_vis.data.split.Split

    def files(self, part: str) -> list[Path]:
        """The video files of split ``part`` ("train", "val" or "test")."""
        return [Path(r.video) for r in getattr(self.split, part)]


def prepare_footage(root: str | Path, clip, *, cache_dir: str | Path | None = None,
                    val_fraction: float = 0.15, test_fraction: float = 0.15,
                    seed: int = 0) -> Footage:
    """Scan ``root`` as footage (skipped files listed on stderr), decode it once into the clip
    cache at ``clip`` and split it by source video. Raises DataError when nothing is usable."""
    from keras_vis.data.cache import prepare

    report = scan_footage(root, min_seconds=clip.seconds, quiet=not sys.stderr.isatty())
    print(footage_summary(report), file=sys.stderr)
    for item in report.skipped:
        print(f"  skipped {item['id']}: {item['reason']}", file=sys.stderr)
    if not report.recordings:
        raise DataError(f"{root}: no usable footage (videos with their own sound, at least "
                        f"{clip.seconds:g} s long)")
    cache = prepare(root, clip, cache_dir=cache_dir, recordings=report.recordings,
                    quiet=not sys.stderr.isatty())
    for item in cache.skipped:
        print(f"  not decoded {item['id']}: {item['reason']}", file=sys.stderr)
    # Split the scan, as footage_part does, then drop what failed to decode: a clip that scans
    # but cannot be decoded must not move any other clip to another part.
    parts = split_footage(report.recordings, val_fraction=val_fraction,
                          test_fraction=test_fraction, seed=seed)
    decoded = {}
    for name in ("train", "val", "test"):
        decoded[name] = [cache.recordings[r.id] for r in getattr(parts, name) if r.id in cache]
        if not decoded[name]:
            raise DataError(f"{root}: no clip of the footage's {name} part could be decoded")
    return Footage(Path(root), report, cache, dataclasses.replace(parts, **decoded))


def split_footage(recordings, *, val_fraction: float = 0.15, test_fraction: float = 0.15,
                  seed: int = 0):
    """Train / val / test of footage recordings by source video: how a run splits a footage
    folder (``data.val_fraction``, ``data.test_fraction``, ``data.split_seed``), and how
    ``evaluate --footage-part`` finds the same held-out part again."""
    from keras_vis.data.split import split

    return split(recordings, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed,
                 group_of=source_of)


def footage_part(roots, part: str, *, val_fraction: float = 0.15, test_fraction: float = 0.15,
                 seed: int = 0, min_seconds: float = 2.0) -> list[Path]:
    """The video files of split ``part`` ("train", "val" or "test") of every folder in
    ``roots``, each folder split by source video on its own, as a run with ``data.footage``
    splits it: how a model that never trained on a folder is measured on the same held-out part
    (``eval.footage``, ``evaluate --footage-part``)."""
    if part not in ("train", "val", "test"):
        raise ValueError(f"footage part must be train, val or test, got {part!r}")
    chosen = []
    for root in roots:
        recordings = scan_footage(root, min_seconds=min_seconds).recordings
        parts = split_footage(recordings, val_fraction=val_fraction,
                              test_fraction=test_fraction, seed=seed)
        chosen += [Path(r.video) for r in getattr(parts, part)]
    return chosen


__all__ = ["Footage", "prepare_footage", "split_footage", "footage_part", "VIDEO_SUFFIXES", "scan_footage", "source_of", "sound_events", "manifest_digest",
           "footage_summary", "footage_files", "recording_id"]
