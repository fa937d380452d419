"""MixedPairs: train batches drawn from several pair sources by weight, each source walking its
own epochs; validation sets served one after another."""

from __future__ import annotations

import numpy as np
import pytest

from keras_vis.data.mix import MixedPairs
from keras_vis.errors import ConfigError


class Source:
    """A stand-in for AVPairs: ``length`` batches an epoch, each batch says (name, epoch, i)."""

    def __init__(self, name: str, length: int):
        self.name, self.length, self.epoch, self.epochs_set = name, length, 0, []

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        assert 0 <= index < self.length
        return (self.name, self.epoch, index)

    def set_epoch(self, epoch):
        self.epoch = epoch
        self.epochs_set.append(epoch)


def served(mixed: MixedPairs) -> list:
    return [mixed[i] for i in range(len(mixed))]


def test_shares_follow_the_weights_and_the_first_source_is_walked_once():
    synthetic, footage = Source("synthetic", 30), Source("footage", 7)
    mixed = MixedPairs([synthetic, footage], [0.75, 0.25], seed=0)
    assert len(mixed) == 40
    batches = served(mixed)
    names = [name for name, _, _ in batches]
    assert names.count("synthetic") == 30 and names.count("footage") == 10
    # Every synthetic batch exactly once; the footage source starts its second epoch when its
    # 7 batches run out, with fresh pairs.
    assert sorted(i for name, _, i in batches if name == "synthetic") == list(range(30))
    footage_seen = [(epoch, i) for name, epoch, i in batches if name == "footage"]
    assert footage_seen == [(0, i) for i in range(7)] + [(1, i) for i in range(3)]


def test_epochs_continue_where_the_last_stopped_and_resume_identically():
    def run(epochs, resume_at=None):
        sources = [Source("a", 5), Source("b", 3)]
        mixed = MixedPairs(sources, [0.5, 0.5], seed=3)
        out = []
        for epoch in range(epochs):
            if resume_at is not None and epoch < resume_at:
                continue
            if resume_at is not None and epoch == resume_at:
                mixed.set_epoch(epoch)
            out.append(served(mixed))
            mixed.on_epoch_end()
        return out

    full = run(4)
    assert full[0] != full[1]  # a new plan each epoch
    assert run(4, resume_at=2) == full[2:]
    b_epochs = [epoch for batches in full for name, epoch, _ in batches if name == "b"]
    assert b_epochs == sorted(b_epochs) and b_epochs[-1] == 6  # 20 b-batches, 3 an epoch


def test_solo_epochs_serve_the_first_source_alone_then_mix_and_resume_identically():
    def run(epochs, resume_at=0):
        sources = [Source("synthetic", 6), Source("footage", 2)]
        mixed = MixedPairs(sources, [0.5, 0.5], seed=1, solo_epochs=2)
        out = []
        for epoch in range(resume_at, epochs):
            mixed.set_epoch(epoch)
            out.append(served(mixed))
        return out

    full = run(4)
    assert [len(batches) for batches in full] == [12] * 4  # the schedule's steps never change
    for batches in full[:2]:
        assert {name for name, _, _ in batches} == {"synthetic"}
    # Alone, the first source walks two of its epochs a step-count epoch, each batch once.
    synthetic = [(epoch, i) for batches in full for name, epoch, i in batches
                 if name == "synthetic"]
    assert sorted(synthetic[:24]) == [(e, i) for e in range(4) for i in range(6)]
    for batches in full[2:]:
        assert [name for name, _, _ in batches].count("footage") == 6
    footage = [(epoch, i) for batches in full for name, epoch, i in batches if name == "footage"]
    assert footage[:2] == [(0, 0), (0, 1)]  # footage starts at its own first epoch
    assert run(4, resume_at=3) == full[3:] and run(4, resume_at=1) == full[1:]


@pytest.mark.parametrize("solo", [-1, 1.5, True])
def test_solo_epochs_is_checked(solo):
    with pytest.raises(ConfigError, match="solo_epochs"):
        MixedPairs([Source("a", 2), Source("b", 2)], [0.5, 0.5], solo_epochs=solo)


def test_validation_sets_are_served_one_after_another():
    mixed = MixedPairs([Source("synthetic", 2), Source("footage", 3)])
    assert served(mixed) == [("synthetic", 0, 0), ("synthetic", 0, 1), ("footage", 0, 0),
                             ("footage", 0, 1), ("footage", 0, 2)]


@pytest.mark.parametrize("weights", [[1.0], [0.5, 0.0], [0.5, float("nan")], [-1, 2]])
def test_weights_are_checked(weights):
    with pytest.raises(ConfigError, match="weight"):
        MixedPairs([Source("a", 2), Source("b", 2)], weights)


def test_out_of_range_step_is_an_index_error():
    mixed = MixedPairs([Source("a", 2), Source("b", 2)], [0.5, 0.5])
    with pytest.raises(IndexError):
        mixed[len(mixed)]
    assert np.all(np.bincount([s for s in mixed._plan]) == [2, 2])
