"""Train / val / test by recording, never by clip, so no recording is on two sides."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

import numpy as np

from keras_vis.data.recording import Recording
from keras_vis.errors import DataError


@dataclasses.dataclass(frozen=True)
class Split:
    """Three disjoint lists of recordings, each sorted by id. ``source`` says how they were
    made: ``"official"`` (train.txt / test.txt) or ``"seeded"``."""

    train: list[Recording]
    val: list[Recording]
    test: list[Recording]
    source: str = "seeded"

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "train": [r.id for r in self.train],
            "val": [r.id for r in self.val],
            "test": [r.id for r in self.test],
        }


def _read_ids(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read the official split ({error})") from None
    # Lines may hold an id or a file name of the recording; keep the id part.
    ids = []
    for line in text.split():
        name = Path(line).name
        for suffix in ("_mic.mp4", "_mic.wav", "_times.txt", "_denoised.wav"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        ids.append(name)
    return ids


def _counts(total: int, val_fraction: float, test_fraction: float, need_test: bool) -> tuple[int, int]:
    n_val = int(round(total * val_fraction))
    n_test = int(round(total * test_fraction)) if need_test else 0
    # Every split must hold at least one recording.
    n_val = max(n_val, 1)
    if need_test:
        n_test = max(n_test, 1)
    return n_val, n_test


def _take(order: list[Recording], seed: int, salt: int) -> list[Recording]:
    rng = np.random.default_rng([seed, salt])
    return [order[i] for i in rng.permutation(len(order))]


def split(
    recordings: list[Recording],
    *,
    root: str | Path | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
    group_of: Callable[[str], str] | None = None,
) -> Split:
    """Split recordings into train / val / test.

    When ``root`` holds the official ``train.txt`` and ``test.txt``, test is the official
    test list and val is carved (``val_fraction`` of the train list, seeded) from train.
    Otherwise recordings are shuffled with ``seed`` and cut by the fractions. ``group_of`` maps
    a recording id to its source (``keras_vis.data.footage.source_of``): then whole sources are
    shuffled and cut, so pieces of one video never straddle two splits. The result does not
    depend on the order of ``recordings``. Raises DataError when a split would be empty.

    Example:
    >>> parts = split(scan("data/synthetic").recordings, seed=0)  # doctest: +SKIP
    >>> len(parts.train), len(parts.val), len(parts.test)
    (28, 6, 6)
    """
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 < value < 1.0:
            raise DataError(f"{name} must be between 0 and 1, got {value}")
    if val_fraction + test_fraction >= 1.0:
        raise DataError(f"val_fraction + test_fraction must be below 1, got {val_fraction + test_fraction}")
    by_id: dict[str, Recording] = {}
    for r in recordings:
        if r.id in by_id:
            raise DataError(f"recording {r.id} appears twice")
        by_id[r.id] = r
    ordered = [by_id[i] for i in sorted(by_id)]

    official = root is not None and (Path(root) / "train.txt").is_file() and (Path(root) / "test.txt").is_file()
    if official:
        train_ids = set(_read_ids(Path(root) / "train.txt"))
        test_ids = set(_read_ids(Path(root) / "test.txt"))
        both = sorted(train_ids & test_ids)
        if both:
            raise DataError(f"{root}: ids in both train.txt and test.txt: {', '.join(both[:5])}")
        train_pool = [r for r in ordered if r.id in train_ids]
        test = [r for r in ordered if r.id in test_ids]
        n_val, _ = _counts(len(train_pool), val_fraction, test_fraction, need_test=False)
        if not test or len(train_pool) - n_val < 1:
            raise DataError(
                f"{root}: the official split leaves {len(train_pool)} usable train and {len(test)} "
                f"usable test recordings; need at least 2 train (1 kept for val) and 1 test"
            )
        shuffled = _take(train_pool, seed, 1)
        val, train = shuffled[:n_val], shuffled[n_val:]
        source = "official"
    elif group_of is not None:
        test, val, train = _split_groups(ordered, group_of, val_fraction, test_fraction, seed)
        source = "seeded by source"
    else:
        n_val, n_test = _counts(len(ordered), val_fraction, test_fraction, need_test=True)
        if len(ordered) - n_val - n_test < 1:
            raise DataError(
                f"{len(ordered)} recording(s) are too few to split into train, val and test "
                f"(val {val_fraction}, test {test_fraction}); need at least 3, one per split"
            )
        shuffled = _take(ordered, seed, 0)
        test, val, train = shuffled[:n_test], shuffled[n_test:n_test + n_val], shuffled[n_test + n_val:]
        source = "seeded"

    def by_name(items):
        return sorted(items, key=lambda r: r.id)

    return Split(train=by_name(train), val=by_name(val), test=by_name(test), source=source)


def _split_groups(ordered: list[Recording], group_of, val_fraction: float, test_fraction: float,
                  seed: int) -> tuple[list, list, list]:
    """Test, val and train made of whole groups, shuffled with ``seed``; each split takes groups
    until it holds its fraction of the recordings (at least one group each)."""
    groups: dict[str, list[Recording]] = {}
    for recording in ordered:
        groups.setdefault(group_of(recording.id), []).append(recording)
    if len(groups) < 3:
        raise DataError(
            f"{len(groups)} source video(s) are too few to split into train, val and test by "
            f"source; need at least 3"
        )
    keys = sorted(groups)
    order = [keys[i] for i in np.random.default_rng([seed, 2]).permutation(len(keys))]
    n_val, n_test = _counts(len(ordered), val_fraction, test_fraction, need_test=True)
    parts: list[list[Recording]] = [[], []]
    position = 0
    for part, wanted in ((0, n_test), (1, n_val)):
        while position < len(order) - 1 and (not parts[part] or len(parts[part]) < wanted):
            parts[part].extend(groups[order[position]])
            position += 1
    train = [r for key in order[position:] for r in groups[key]]
    if not train:
        raise DataError("no source video is left for the train split; lower the fractions")
    return parts[0], parts[1], train
