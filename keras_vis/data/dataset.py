"""``AVPairs``: batches of real/fake audio-visual pairs from the clip cache, as a Keras PyDataset.

Items are ``({"video": uint8 (B,T,H,W,3), "audio": float32 (B,S,C)}, label float32 (B,1))``;
plain numpy, so ``model.fit`` takes them on TensorFlow, JAX and PyTorch alike. With
``offsets=True`` the inputs also hold ``"offset_s"`` float32 (B,), each pair's true audio offset
(NaN for another recording's audio), the free label of ``keras_vis.training.lag_loss``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from keras_vis.data.augment import SWITCHES, Augmenter
from keras_vis.data.cache import ClipCache
from keras_vis.data.pairs import (
    COLUMNS, DEFAULT_PER_RECORDING, OFFSET_RANGE_S, TOLERANCE_S, fixed_pairs, train_pairs,
)
from keras_vis.data.recording import Recording
from keras_vis.errors import ConfigError, DataError
from zoo.clip import ClipSpec, clip_preset

SPLITS = ("train", "val", "test")


def _check_augment(augment) -> None:
    if not (augment is None or isinstance(augment, (bool, Mapping, Augmenter))):
        raise ConfigError(
            "augment must be True (every augmentation at its defaults), False or None (none), "
            f"a dict of switches ({', '.join(SWITCHES)}) or an Augmenter; got "
            f"{type(augment).__name__} {augment!r}"
        )


class AVPairs(keras.utils.PyDataset):
    """Batches of pairs drawn from ``cache``.

    ``pairs_source`` is either a pair table (a DataFrame with the columns of
    ``keras_vis.data.pairs.COLUMNS``, used as is) or the recordings of one split. With
    recordings, ``split_name="train"`` draws fresh pairs every epoch (seeded by
    ``(seed, epoch)``) and shuffles them; ``"val"``/``"test"`` use the fixed table stored in the
    cache. ``augment`` applies to train only: True turns every augmentation on at its defaults,
    False or None none, a dict picks switches (see ``keras_vis.data.augment``).
    ``offsets=True`` adds each pair's true offset to the inputs (see the module docstring).
    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` go to ``keras.utils.PyDataset``.

    Example:
    >>> train = AVPairs.from_directory("data/synthetic", preset="tiny", split="train",
    ...                                augment={"flip": True})  # doctest: +SKIP
    >>> model.fit(train, epochs=2)  # doctest: +SKIP
    """

    def __init__(
        self,
        cache: ClipCache,
        pairs_source: pd.DataFrame | list[Recording] | dict[str, Recording],
        batch_size: int,
        *,
        task: str = "sync",
        split_name: str = "train",
        augment: dict | bool | Augmenter | None = None,
        seed: int = 0,
        shuffle: bool | None = None,
        per_recording: int = DEFAULT_PER_RECORDING,
        offset_range: tuple[float, float] = OFFSET_RANGE_S,
        tolerance_s: float = TOLERANCE_S,
        windows: str = "events",
        offsets: bool = False,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ):
        super().__init__(
            workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size
        )
        if split_name not in SPLITS:
            raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {split_name!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        _check_augment(augment)
        if augment and split_name != "train":
            raise ConfigError(f"augmentation is for the train split only, not {split_name!r}")
        self.cache = cache
        self.clip = cache.clip
        self.batch_size = batch_size
        self.task = task
        self.split_name = split_name
        self.seed = int(seed)
        self.offsets = bool(offsets)
        self.epoch = 0
        self._pair_settings = {
            "per_recording": per_recording,
            "offset_range": offset_range,
            "tolerance_s": tolerance_s,
            "windows": windows,
        }
        if isinstance(augment, Augmenter) or augment is None or augment is False:
            self.augmenter = augment or None
        else:
            self.augmenter = Augmenter(augment, seed=self.seed, sample_rate=self.clip.sample_rate)

        if isinstance(pairs_source, pd.DataFrame):
            self._recordings = None
            self.table = self._checked_table(pairs_source)
        else:
            self._recordings = self._split_recordings(pairs_source)
            if split_name == "train":
                self.table = self._draw(self.epoch)
            else:
                self.table = fixed_pairs(
                    cache, self._recordings, task, split_name, seed=self.seed, **self._pair_settings
                )
        self.shuffle = (split_name == "train") if shuffle is None else bool(shuffle)
        if len(self.table) < batch_size:
            raise DataError(
                f"batch size {batch_size} is larger than the {split_name} split's "
                f"{len(self.table)} pairs"
            )
        self._order = self._ordering(self.epoch)

    # ------------------------------------------------------------------ set-up
    def _split_recordings(self, recordings) -> list[Recording]:
        if isinstance(recordings, dict):
            recordings = list(recordings.values())
        recordings = list(recordings)
        if not recordings:
            raise DataError(f"the {self.split_name} split has no recordings")
        missing = [r.id for r in recordings if r.id not in self.cache]
        if missing:
            raise DataError(
                f"recording(s) {missing[:5]} of the {self.split_name} split are not in the clip "
                f"cache {self.cache.directory}; run prepare on this dataset"
            )
        # Durations from the cache: what was decoded is what windows must fit in.
        return [self.cache.recordings[r.id] for r in recordings]

    def _checked_table(self, table: pd.DataFrame) -> pd.DataFrame:
        missing = set(COLUMNS) - set(table.columns)
        if missing:
            raise DataError(f"pair table lacks column(s) {sorted(missing)}")
        unknown = (set(table.video_id) | set(table.audio_id)) - set(self.cache.recordings)
        if unknown:
            raise DataError(f"pair table names recordings not in the cache: {sorted(unknown)[:5]}")
        return table.reset_index(drop=True)

    def _draw(self, epoch: int) -> pd.DataFrame:
        return train_pairs(
            self._recordings, self.task, self.clip, self.seed, epoch, **self._pair_settings
        )

    def _ordering(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.table))
        return np.random.default_rng([self.seed, epoch, 0x0D]).permutation(len(self.table))

    # ------------------------------------------------------------------ PyDataset
    def __len__(self) -> int:
        return math.ceil(len(self.table) / self.batch_size)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range ({len(self)} batches)")
        rows = self.table.iloc[self._order[index * self.batch_size : (index + 1) * self.batch_size]]
        video_ids = rows["video_id"].to_numpy()
        audio_ids = rows["audio_id"].to_numpy()
        video_starts = rows["video_start_s"].to_numpy(dtype=np.float64)
        audio_starts = rows["audio_start_s"].to_numpy(dtype=np.float64)
        rng = None
        if self.augmenter is not None:
            rng = self.augmenter.rng((self.epoch, index))
            video_starts, audio_starts = self.augmenter.shift_windows(
                video_starts, audio_starts,
                self._room(video_ids), self._room(audio_ids), self.clip.fps, rng,
            )
        # Memory-map windows, read once: straight into the augmented batch, or stacked.
        video = [self._video_window(v, s) for v, s in zip(video_ids, video_starts)]
        audio = [self._audio_window(a, s) for a, s in zip(audio_ids, audio_starts)]
        if self.augmenter is not None:
            video, audio = self.augmenter.apply(video, audio, rng)
        else:
            video, audio = np.stack(video), np.stack(audio)
        labels = rows["label"].to_numpy(dtype=np.float32)[:, None]
        inputs = {"video": video, "audio": audio}
        if self.offsets:
            # The table's: time jitter moves both windows together, so it leaves them unchanged.
            inputs["offset_s"] = rows["offset_s"].to_numpy(dtype=np.float32)
        return inputs, labels

    def on_epoch_end(self) -> None:
        self.set_epoch(self.epoch + 1)

    def set_epoch(self, epoch: int) -> None:
        """Serve the pairs and order of ``epoch``: a resumed run continues where it stopped."""
        self.epoch = int(epoch)
        if self._recordings is not None and self.split_name == "train":
            self.table = self._draw(self.epoch)
        self._order = self._ordering(self.epoch)

    # ------------------------------------------------------------------ windows
    def _room(self, ids: np.ndarray) -> np.ndarray:
        durations = np.array([self.cache.recordings[i].duration for i in ids])
        return np.maximum(durations - self.clip.seconds, 0.0)

    def _video_window(self, rec_id: str, start_s: float) -> np.ndarray:
        return self._window(self.cache.video(rec_id), start_s * self.clip.fps, self.clip.frames, rec_id)

    def _audio_window(self, rec_id: str, start_s: float) -> np.ndarray:
        return self._window(
            self.cache.audio(rec_id), start_s * self.clip.sample_rate, self.clip.samples, rec_id
        )

    @staticmethod
    def _window(array: np.ndarray, start: float, length: int, rec_id: str) -> np.ndarray:
        first = int(round(start))
        # A start that rounds one step past the end is float noise at the boundary.
        if first + length == len(array) + 1:
            first -= 1
        if first < 0 or first + length > len(array):
            raise DataError(
                f"recording {rec_id!r}: window [{first}, {first + length}) is outside its "
                f"{len(array)} cached steps; the pair table does not match the cache"
            )
        return array[first : first + length]

    # ------------------------------------------------------------------ from a folder
    @classmethod
    def from_directory(
        cls,
        root: str | Path,
        preset: str | ClipSpec = "tiny",
        split: str = "train",
        task: str = "sync",
        batch_size: int = 32,
        augment: dict | bool | None = None,
        seed: int = 0,
        cache_dir: str | Path | None = None,
        *,
        quiet: bool = False,
        **pydataset_kwargs,
    ) -> "AVPairs":
        """Scan ``root``, split it by recording, prepare the clip cache if needed, and serve
        the pairs of ``split``. ``preset`` is a clip preset name or a ClipSpec; ``augment`` is
        True (every augmentation), False/None (none) or a dict of switches."""
        from keras_vis.data.cache import prepare
        from keras_vis.data.scan import scan
        from keras_vis.data.split import split as split_recordings

        if split not in SPLITS:
            raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
        _check_augment(augment)
        clip = preset if isinstance(preset, ClipSpec) else clip_preset(preset)
        report = scan(root)
        cache = prepare(root, clip, cache_dir=cache_dir, quiet=quiet, recordings=list(report.recordings))
        parts = split_recordings(list(report.recordings), root=root)
        chosen = [r for r in getattr(parts, split) if r.id in cache]
        return cls(
            cache, chosen, batch_size, task=task, split_name=split, augment=augment, seed=seed,
            **pydataset_kwargs,
        )
