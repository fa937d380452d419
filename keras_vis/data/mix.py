"""``MixedPairs``: batches from several pair sources (generated recordings, real footage) by weight.

Each batch comes whole from one source, so another recording's audio in a fake is always from
the same kind of data as its picture: a generated picture with a real clip's sound would be
told apart by the look of the data, not by its timing. Which source serves each step of an epoch
is drawn from ``(seed, epoch)``, in proportion to the weights; each source walks its own batches
in its own order and starts its next epoch when it runs out, so a small footage folder is
repeated (with fresh pairs and augmentation) while a large dataset is walked once.

``solo_epochs`` starts training with that many epochs of the first source alone, as many steps
each as a mixed epoch (the learning-rate schedule counts steps): a curriculum for models that sit
at chance when real footage is in their batches from the first step but learn from generated
recordings, where the timing is clean.

Without weights (``weights=None``) the sources are served one after the other, every batch of
each once: the validation set of a mixed run.
"""

from __future__ import annotations

import math
import threading
from typing import Sequence

import keras
import numpy as np

from keras_vis.errors import ConfigError


class MixedPairs(keras.utils.PyDataset):
    """Batches of ``sources`` (``AVPairs``), mixed by ``weights``.

    ``steps``: batches per epoch; by default every batch of the first source once, and the
    other sources' shares on top of it (``len(sources[0]) / weights[0]`` steps in all).
    ``solo_epochs``: epochs at the start served by the first source alone.
    """

    def __init__(self, sources: Sequence, weights: Sequence[float] | None = None, *,
                 seed: int = 0, steps: int | None = None, workers: int = 1,
                 solo_epochs: int = 0):
        super().__init__(workers=workers)
        if not sources:
            raise ConfigError("MixedPairs needs at least one source")
        self.sources = list(sources)
        self.seed = int(seed)
        self.epoch = 0
        if isinstance(solo_epochs, bool) or not isinstance(solo_epochs, int) or solo_epochs < 0:
            raise ConfigError(f"MixedPairs: solo_epochs must be a whole number >= 0, got "
                              f"{solo_epochs!r}")
        self.solo_epochs = solo_epochs
        # One lock per source: loader threads may reach a source across its epoch boundary.
        self._locks = [threading.Lock() for _ in self.sources]
        if weights is None:
            self.weights = None
            self._plan = np.concatenate([np.full(len(s), i) for i, s in enumerate(self.sources)])
            self._rank = np.concatenate([np.arange(len(s)) for s in self.sources])
            return
        weights = np.asarray(weights, dtype=float)
        if (len(weights) != len(self.sources) or not np.all(np.isfinite(weights))
                or np.any(weights <= 0)):
            raise ConfigError(f"MixedPairs: one positive weight per source, got {list(weights)}")
        self.weights = weights / weights.sum()
        total = steps or max(1, math.ceil(len(self.sources[0]) / self.weights[0]))
        counts = np.floor(self.weights * total).astype(int)
        # The steps left over go to the largest remainders, so the shares add up exactly; the
        # same counts every epoch, so where each source stands is a product, never a replay.
        left = total - counts.sum()
        counts[np.argsort(self.weights * total - counts)[::-1][:left]] += 1
        self.counts = counts
        self.solo_counts = np.zeros_like(counts)
        self.solo_counts[0] = total
        self._plan_epoch(0)

    def _plan_epoch(self, epoch: int) -> None:
        solo = min(epoch, self.solo_epochs)
        counts = self.solo_counts if epoch < self.solo_epochs else self.counts
        # Batches each source served before this epoch: where it stands is a product of the
        # epoch, never a replay, so a resumed run draws what the killed one would have.
        before = solo * self.solo_counts + (epoch - solo) * self.counts
        rng = np.random.default_rng([self.seed, epoch, 0x313])
        self._plan = rng.permutation(np.repeat(np.arange(len(self.sources)), counts))
        self._rank = np.empty(len(self._plan), dtype=int)
        for source in range(len(self.sources)):
            where = np.flatnonzero(self._plan == source)
            self._rank[where] = before[source] + np.arange(len(where))

    def __len__(self) -> int:
        return len(self._plan)

    def __getitem__(self, step: int):
        if not 0 <= step < len(self):
            raise IndexError(f"batch {step} out of range ({len(self)} batches)")
        source = int(self._plan[step])
        dataset, rank = self.sources[source], int(self._rank[step])
        if self.weights is None:
            return dataset[rank]
        # The source's own epoch: a source that ran out starts its next draw of pairs.
        source_epoch, index = divmod(rank, len(dataset))
        with self._locks[source]:
            if dataset.epoch != source_epoch:
                dataset.set_epoch(source_epoch)
            return dataset[index]

    def on_epoch_end(self) -> None:
        self.set_epoch(self.epoch + 1)

    def set_epoch(self, epoch: int) -> None:
        """Serve epoch ``epoch``'s plan: a resumed run continues where it stopped."""
        self.epoch = int(epoch)
        if self.weights is not None:
            self._plan_epoch(self.epoch)
