"""A folder of synthetic recordings in exactly the Greatest Hits layout: ``generate`` writes it
with the generator its style needs (version 1 or 2) and a ``manifest.json`` that says what made
it; ``read_manifest`` reads that back.

Files per recording, as in the real dataset:
``<id>_mic.mp4`` (H.264, yuv420p), ``<id>_mic.wav`` (96 kHz stereo 16-bit) and
``<id>_times.txt`` (``<seconds> <material> <action> <reaction>``, ``None`` unlabelled).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm import tqdm

from keras_vis import files
from keras_vis.data.synthetic.materials import load_stats
from keras_vis.data.synthetic.styles import STYLES, generator_version, seed_index
from keras_vis.data.synthetic.v2.settings import HELD_OUT, STYLE_FAMILIES
from keras_vis.errors import DataError

MANIFEST = "manifest.json"
DEFAULT_SIZE = (256, 456)
# Bounds of one call: 4K UHD frames and an hour per recording, far beyond the dataset's (about
# 30 s at 256x456); past them a typo would take the machine's memory or disk.
MAX_SIZE = (2160, 3840)
MAX_SECONDS = 3600.0


def recording_ids(count: int, seed: int, style: str = "studio") -> list[str]:
    """Unique, sorted ids like ``2015-02-16-16-49-06``, determined by ``seed`` and ``style``."""
    rng = np.random.default_rng([seed, seed_index(style), 7])
    start = datetime.datetime(2015, 1, 5, 9, 0, 0) + datetime.timedelta(
        days=int(rng.integers(0, 120)), seconds=int(rng.integers(0, 36000))
    )
    gaps = rng.integers(45, 900, size=count)
    stamps = start + np.cumsum(gaps).astype(object) * datetime.timedelta(seconds=1)
    return [s.strftime("%Y-%m-%d-%H-%M-%S") for s in stamps]


def read_manifest(root: str | Path) -> dict | None:
    """What ``generate`` wrote into ``root/manifest.json``; None when there is none.

    Example:
    >>> read_manifest("data/synthetic")["version"]  # doctest: +SKIP
    1
    """
    path = Path(root) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not a readable manifest ({error})") from None
    if not isinstance(manifest, dict):
        raise DataError(f"{path}: not a readable manifest (expected a JSON object)")
    return manifest


def _write_manifest(out: Path, manifest: dict) -> None:
    # Written last and atomically: a manifest says the folder is complete.
    files.write_text(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def recording_tasks(out: Path, ids: list[str], seed: int, style: str, seconds: float, size,
                    stats: dict) -> list[dict]:
    """What each worker needs to write one recording: the i-th is seeded (seed, style, i)."""
    return [
        {"out": str(out), "id": rec_id, "seed": (int(seed), seed_index(style), i),
         "seconds": float(seconds), "style": style, "size": size, "stats": stats}
        for i, rec_id in enumerate(ids)
    ]


def generate(
    out: str | Path,
    recordings: int = 40,
    seconds: float = 20.0,
    seed: int = 0,
    style: str = "studio",
    size: tuple[int, int] = DEFAULT_SIZE,
    workers: int | None = None,
    quiet: bool = False,
) -> list[str]:
    """Write ``recordings`` synthetic recordings of ``seconds`` each into ``out``, and
    ``out/manifest.json`` (generator version, seed, style, recordings, seconds, size).

    ``size`` is (height, width), both even (yuv420p); v2 styles draw each recording's size
    (and frame rate) at or below it. The same arguments always give the same files.
    Returns the ids written, in order.

    Example:
    >>> ids = generate("data/synthetic", recordings=2, seconds=4.0, quiet=True)  # doctest: +SKIP
    >>> sorted(p.name for p in Path("data/synthetic").iterdir())[:3]  # doctest: +SKIP
    ['2015-..._mic.mp4', '2015-..._mic.wav', '2015-..._times.txt']
    """
    if style not in STYLES:
        raise DataError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    if recordings < 1:
        raise DataError(f"recordings must be at least 1, got {recordings}")
    # ``not <=``: a nan is refused too, before any folder is made.
    if not 2.0 <= seconds <= MAX_SECONDS:
        raise DataError(f"seconds must lie between 2.0 and {MAX_SECONDS:g}, got {seconds}")
    height, width = int(size[0]), int(size[1])
    if height < 32 or width < 32 or height % 2 or width % 2:
        raise DataError(f"size must be even and at least 32x32 (height, width), got {size}")
    if height > MAX_SIZE[0] or width > MAX_SIZE[1]:
        raise DataError(f"size {height}x{width} is beyond {MAX_SIZE[0]}x{MAX_SIZE[1]} (height x "
                        f"width): each frame is drawn in memory at that size")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: is a file, not a folder to write recordings into")
    out.mkdir(parents=True, exist_ok=True)
    stats = load_stats()
    ids = recording_ids(recordings, seed, style)
    tasks = recording_tasks(out, ids, seed, style, seconds, (height, width), stats)
    version = generator_version(style)
    # Imported before any fork, so that the workers share the heavy imports.
    write_recording = _writer(version)
    workers = min(workers or os.cpu_count() or 1, recordings)
    with tqdm(total=recordings, desc=f"generating {style}", disable=quiet) as progress:
        if workers <= 1:
            for task in tasks:
                write_recording(task)
                progress.update()
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # fork where there is one: spawn would re-run a caller's script that lacks a
            # __main__ guard. Workers only use numpy, scipy, cv2 and av.
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                for _ in pool.map(write_recording, tasks):
                    progress.update()
    manifest = {
        "version": version, "seed": int(seed), "style": style,
        "recordings": recordings, "seconds": float(seconds), "size": [height, width],
    }
    if version == 2:
        manifest["families"] = list(STYLE_FAMILIES[style])
        if HELD_OUT not in STYLE_FAMILIES[style]:
            manifest["held_out"] = HELD_OUT
    _write_manifest(out, manifest)
    return ids


def _writer(version: int) -> Callable[[dict], str]:
    """The function that writes one recording of generator ``version``. Version 2 imports the
    video and audio libraries at module level, so it is only imported when asked for."""
    if version == 2:
        from keras_vis.data.synthetic.v2.recording import write_recording
    else:
        from keras_vis.data.synthetic.v1 import write_recording
    return write_recording
