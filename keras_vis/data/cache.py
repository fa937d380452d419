"""The clip cache: every recording decoded once, at the clip's frame rate, size and sample rate.

Layout, under the cache directory (``$KERAS_VIS_CACHE``, else ``~/.cache/keras-vis``)::

    <sha1 of the resolved dataset root>/<clip.key()>/
        <id>.video.npy    uint8 (N, height, width, 3), read memory-mapped
        <id>.audio.npy    float32 (S, channels), read memory-mapped
        <id>.json         the manifest: clip spec, source sizes + mtimes, array shapes, bytes, CRC-32
        pairs/            the fixed val/test pair tables (see keras_vis.data.pairs)

An entry is valid only when its manifest exists, names this clip spec and the current size and
mtime of both source files, and both arrays have the recorded shape, byte size and CRC-32 (a file
overwritten in place, same size, reads as invalid and is rebuilt). The manifest
is written last and every file is written atomically (``keras_vis.files``), so a prepare killed
at any point leaves either a valid entry or one that reads as invalid and is rebuilt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from keras_vis import files
from keras_vis.data.recording import Recording
from keras_vis.errors import DataError
from zoo.clip import ClipSpec

CACHE_ENV = "KERAS_VIS_CACHE"
MANIFEST_VERSION = 3  # 2: arrays carry a CRC-32; 3: audio resampled with soxr


def default_cache_dir() -> Path:
    """``$KERAS_VIS_CACHE`` when set, else ``~/.cache/keras-vis``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "keras-vis"


def cache_directory(root: str | Path, clip: ClipSpec, cache_dir: str | Path | None = None) -> Path:
    """Where the clips of dataset ``root`` at ``clip`` live (one folder per dataset and spec)."""
    base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    dataset = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return base / dataset / clip.key()


def _source_stat(path: Path) -> dict:
    st = os.stat(path)
    return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _save_npy(path: Path, array: np.ndarray) -> None:
    # Through an open handle: np.save given a path would add ".npy" to the temporary name.
    with files.atomic_path(path) as partial, open(partial, "wb") as handle:
        np.save(handle, array, allow_pickle=False)


def _paths(directory: Path, rec_id: str) -> tuple[Path, Path, Path]:
    return (
        directory / f"{rec_id}.video.npy",
        directory / f"{rec_id}.audio.npy",
        directory / f"{rec_id}.json",
    )


def _crc32(path: Path) -> int:
    # CRC-32 runs at gigabytes a second: checking a whole dataset's cache costs a second or two.
    crc = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            crc = zlib.crc32(block, crc)
    return crc


def _array_matches(path: Path, expected: dict) -> bool:
    try:
        if path.stat().st_size != expected["bytes"]:
            return False
        array = np.load(path, mmap_mode="r", allow_pickle=False)
        if list(array.shape) != expected["shape"] or str(array.dtype) != expected["dtype"]:
            return False
        return _crc32(path) == expected["crc32"]
    except (OSError, ValueError, KeyError):
        return False


def read_manifest(directory: Path, recording: Recording, clip: ClipSpec) -> dict | None:
    """The entry's manifest when the entry is valid for ``recording`` and ``clip``, else None."""
    video_path, audio_path, manifest_path = _paths(directory, recording.id)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("version") != MANIFEST_VERSION or manifest.get("clip") != clip.to_dict():
            return None
        for key, source in (("video", recording.video), ("audio", recording.audio)):
            if manifest["sources"][key] != _source_stat(Path(source)):
                return None
        if not (
            _array_matches(video_path, manifest["video"])
            and _array_matches(audio_path, manifest["audio"])
        ):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return manifest


def _array_entry(path: Path, array: np.ndarray) -> dict:
    return {
        "file": path.name,
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "bytes": path.stat().st_size,
        "crc32": _crc32(path),
    }


def _build_entry(directory: Path, recording: Recording, clip: ClipSpec) -> dict:
    """Decode one recording into the cache; returns its manifest. Runs in a worker process."""
    from keras_vis.data.media import read_audio, read_video

    video_path, audio_path, manifest_path = _paths(directory, recording.id)
    # The manifest goes first: from here until the new one lands the entry reads as invalid.
    manifest_path.unlink(missing_ok=True)
    sources = {
        "video": _source_stat(Path(recording.video)),
        "audio": _source_stat(Path(recording.audio)),
    }
    frames = read_video(recording.video, clip.fps, size=(clip.height, clip.width))
    audio = read_audio(recording.audio, clip.sample_rate, channels=clip.channels)
    _save_npy(video_path, frames)
    _save_npy(audio_path, audio)
    manifest = {
        "version": MANIFEST_VERSION,
        "id": recording.id,
        "clip": clip.to_dict(),
        "sources": sources,
        "video": _array_entry(video_path, frames),
        "audio": _array_entry(audio_path, audio),
        "duration": min(frames.shape[0] / clip.fps, audio.shape[0] / clip.sample_rate),
    }
    files.write_text(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _build_or_reason(directory: Path, recording: Recording, clip: ClipSpec) -> tuple[str, dict | str]:
    try:
        return recording.id, _build_entry(directory, recording, clip)
    except DataError as error:
        return recording.id, str(error)
    except Exception as error:  # one bad file must not end a batch job: report it instead
        return recording.id, f"{recording.video}: cannot decode ({type(error).__name__}: {error})"


def fingerprint(manifests: dict[str, dict]) -> str:
    """A short hash of the ids, sizes and mtimes of every source file (for results tables)."""
    digest = hashlib.sha1()
    for rec_id in sorted(manifests):
        sources = manifests[rec_id]["sources"]
        for key in ("video", "audio"):
            digest.update(f"{rec_id}:{key}:{sources[key]['size']}:{sources[key]['mtime_ns']};".encode())
    return digest.hexdigest()[:12]


class ClipCache:
    """Prepared clips of one dataset at one clip spec; made by :func:`prepare`.

    ``recordings`` maps id -> Recording whose ``duration`` is the cached usable length
    (the shorter of the decoded frames and samples), so every window drawn from it fits.
    ``video(id)`` is a read-only memory map ``(N, H, W, 3)`` uint8; ``audio(id)`` a read-only
    ``(S, channels)`` float32 map. ``fingerprint`` names the source files' state.
    """

    def __init__(
        self,
        directory: Path,
        clip: ClipSpec,
        recordings: dict[str, Recording],
        manifests: dict[str, dict],
        skipped: list[dict],
    ):
        self.directory = Path(directory)
        self.clip = clip
        self.recordings = recordings
        self.skipped = skipped
        self.fingerprint = fingerprint(manifests)
        self._manifests = manifests
        self._open: dict[tuple[str, str], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.recordings)

    def __contains__(self, rec_id: str) -> bool:
        return rec_id in self.recordings

    def __getstate__(self):
        # Memory maps do not travel to worker processes; each process opens its own.
        state = dict(self.__dict__)
        state["_open"] = {}
        return state

    def _array(self, rec_id: str, kind: str) -> np.ndarray:
        key = (rec_id, kind)
        array = self._open.get(key)
        if array is None:
            if rec_id not in self._manifests:
                raise KeyError(f"recording {rec_id!r} is not in the clip cache {self.directory}")
            path = self.directory / self._manifests[rec_id][kind]["file"]
            try:
                array = np.load(path, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as error:
                raise DataError(f"{path}: unreadable cache entry ({error}); run prepare again") from None
            if list(array.shape) != self._manifests[rec_id][kind]["shape"]:
                raise DataError(f"{path}: cache entry changed since prepare; run prepare again")
            self._open[key] = array
        return array

    def video(self, rec_id: str) -> np.ndarray:
        """Frames of recording ``rec_id``: memory-mapped uint8 ``(N, H, W, 3)`` at ``clip.fps``."""
        return self._array(rec_id, "video")

    def audio(self, rec_id: str) -> np.ndarray:
        """Audio of recording ``rec_id``: memory-mapped float32 ``(S, channels)``."""
        return self._array(rec_id, "audio")


def prepare(
    root: str | Path,
    clip: ClipSpec,
    *,
    cache_dir: str | Path | None = None,
    workers: int | None = None,
    quiet: bool = False,
    recordings: list[Recording] | None = None,
) -> ClipCache:
    """Decode every usable recording of ``root`` once into the clip cache; returns the cache.

    Entries that are valid for ``clip`` and the current source files are kept, so a second call
    is a no-op; missing, truncated, stale or other-spec entries are (re)built, in parallel over
    ``workers`` processes (default: one per CPU). ``recordings`` skips the scan (pass
    ``scan(root).recordings``). Recordings that cannot be decoded are reported in
    ``cache.skipped`` (``{"id", "reason"}`` dicts, as scan's) next to those scan skipped.

    Example:
    >>> cache = prepare("data/synthetic", clip_preset("tiny"), quiet=True)  # doctest: +SKIP
    >>> cache.video(next(iter(cache.recordings))).shape[1:]
    (64, 64, 3)
    """
    from filelock import FileLock

    skipped: list = []
    if recordings is None:
        from keras_vis.data.scan import scan

        report = scan(root)
        recordings = list(report.recordings)
        skipped.extend(report.skipped)
    if not recordings:
        raise DataError(f"{root}: no usable recordings to prepare")

    directory = cache_directory(root, clip, cache_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with FileLock(str(directory / ".lock")):
        # Under the lock no other prepare is writing here: any temporary file is a dead one's.
        files.remove_temporaries(directory)
        manifests: dict[str, dict] = {}
        todo = []
        for recording in recordings:
            manifest = read_manifest(directory, recording, clip)
            if manifest is None:
                todo.append(recording)
            else:
                manifests[recording.id] = manifest
        built = _build_all(directory, todo, clip, workers, quiet)
        for rec_id, result in built:
            if isinstance(result, dict):
                manifests[rec_id] = result
            else:
                skipped.append({"id": rec_id, "reason": result})

    usable = {}
    for recording in recordings:
        if recording.id in manifests:
            usable[recording.id] = dataclasses.replace(
                recording, duration=float(manifests[recording.id]["duration"])
            )
    if not usable:
        reasons = "; ".join(f"{s['id']}: {s['reason']}" for s in skipped[:5])
        raise DataError(f"{root}: no recording could be decoded ({reasons})")
    return ClipCache(directory, clip, usable, manifests, skipped)


def _build_all(directory, todo, clip, workers, quiet) -> list[tuple[str, dict | str]]:
    if not todo:
        return []
    workers = min(workers or os.cpu_count() or 1, len(todo))
    results = []
    with tqdm(total=len(todo), desc=f"decoding clips ({clip.key()})", disable=quiet) as bar:
        if workers <= 1:
            for recording in todo:
                results.append(_build_or_reason(directory, recording, clip))
                bar.update()
        else:
            # Threads, not processes: PyAV decoding and OpenCV resizing release the GIL, fork
            # is unsafe under a running backend (TF, JAX), and spawn re-runs a user's script
            # that has no ``if __name__ == "__main__"`` guard.
            with ThreadPoolExecutor(workers) as pool:
                futures = [pool.submit(_build_or_reason, directory, r, clip) for r in todo]
                for future in futures:
                    results.append(future.result())
                    bar.update()
    return results
