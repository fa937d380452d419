"""AVPairs: batches, epochs, fixed val/test pairs, bad inputs, and model.fit on every backend."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from keras_vis.data.cache import prepare
from keras_vis.data.dataset import AVPairs
from keras_vis.errors import ConfigError, DataError
from zoo.clip import ClipSpec, clip_preset

REPO = Path(__file__).resolve().parents[2]
TINY = clip_preset("tiny")


@pytest.fixture(scope="module")
def cache_dir(synthetic_root, tmp_path_factory):
    """The shared synthetic set prepared once at the tiny spec (serially: fast on 2 cores)."""
    folder = tmp_path_factory.mktemp("clip-cache")
    prepare(synthetic_root, TINY, cache_dir=folder, workers=1, quiet=True)
    return folder


def loader(root, cache_dir, **kwargs):
    kwargs.setdefault("batch_size", 4)
    return AVPairs.from_directory(root, preset="tiny", cache_dir=cache_dir, quiet=True, **kwargs)


def test_items_have_the_contract_shapes(synthetic_root, cache_dir):
    train = loader(synthetic_root, cache_dir, split="train", task="mixed",
                   augment={"crop": True, "flip": True, "color": True, "time_jitter": True,
                            "gain": True, "noise": True, "eq": True})
    inputs, labels = train[0]
    assert inputs["video"].shape == (4, *TINY.video_shape) and inputs["video"].dtype == np.uint8
    assert inputs["audio"].shape == (4, *TINY.audio_shape) and inputs["audio"].dtype == np.float32
    assert labels.shape == (4, 1) and labels.dtype == np.float32
    # Labels come from the table untouched by augmentation; an epoch is balanced.
    every = np.concatenate([train[i][1] for i in range(len(train))])
    order = train._order
    assert np.array_equal(every[:, 0], train.table.label.to_numpy()[order].astype(np.float32))
    assert every.mean() == 0.5


def test_offsets_are_the_served_windows_offsets(synthetic_root, cache_dir):
    plain = loader(synthetic_root, cache_dir, split="train", task="mixed")
    assert set(plain[0][0]) == {"video", "audio"}
    # Without augmentation the served windows are the table's.
    exact = loader(synthetic_root, cache_dir, split="train", task="mixed", offsets=True,
                   batch_size=8)
    inputs, labels = exact[0]
    rows = exact.table.iloc[exact._order[:8]]
    same = (rows.video_id == rows.audio_id).to_numpy()
    assert inputs["offset_s"].shape == (8,) and inputs["offset_s"].dtype == np.float32
    assert np.isnan(inputs["offset_s"][~same]).all()
    assert np.allclose(inputs["offset_s"][same], rows.offset_s.to_numpy()[same], atol=1e-6)
    assert np.array_equal(inputs["video"], plain_batch(exact, 0)["video"])
    # Time jitter moves both windows together: the offset of a pair survives it.
    jittered = loader(synthetic_root, cache_dir, split="train", task="mixed", offsets=True,
                      batch_size=8, augment={"time_jitter": True})
    got = jittered[0][0]["offset_s"]
    assert np.allclose(got[same], rows.offset_s.to_numpy()[same], atol=1e-6)


def plain_batch(dataset, index):
    """The same batch from a copy of ``dataset`` without offsets."""
    copy = AVPairs(dataset.cache, dataset.table, dataset.batch_size, shuffle=dataset.shuffle)
    copy._order = dataset._order
    return copy[index][0]


def test_train_pairs_redrawn_each_epoch_and_deterministic(synthetic_root, cache_dir):
    a = loader(synthetic_root, cache_dir, split="train", augment={"flip": True, "noise": True})
    b = loader(synthetic_root, cache_dir, split="train", augment={"flip": True, "noise": True})
    first = a[1]
    assert np.array_equal(first[0]["video"], b[1][0]["video"])
    assert np.array_equal(first[0]["audio"], b[1][0]["audio"])
    table = a.table.copy()
    a.on_epoch_end()
    assert not a.table.equals(table) and len(a) == len(b)


def test_val_and_test_use_the_same_fixed_pairs_every_time(synthetic_root, cache_dir):
    for split in ("val", "test"):
        one = loader(synthetic_root, cache_dir, split=split, batch_size=2)
        two = loader(synthetic_root, cache_dir, split=split, batch_size=2)
        assert one.table.equals(two.table)
        one.on_epoch_end()
        assert one.table.equals(two.table)
        assert np.array_equal(one[0][0]["video"], two[0][0]["video"])


def test_no_recording_in_two_splits(synthetic_root, cache_dir):
    ids = {}
    for split in ("train", "val", "test"):
        table = loader(synthetic_root, cache_dir, split=split, batch_size=2, task="sync").table
        ids[split] = set(table.video_id) | set(table.audio_id)
    assert not ids["train"] & ids["val"] and not ids["train"] & ids["test"]
    assert not ids["val"] & ids["test"]


def test_bad_inputs(synthetic_root, cache_dir):
    with pytest.raises(DataError, match="larger than"):
        loader(synthetic_root, cache_dir, split="val", batch_size=10_000)
    with pytest.raises(ConfigError, match="train split only"):
        loader(synthetic_root, cache_dir, split="val", batch_size=2, augment={"flip": True})
    with pytest.raises(ConfigError, match="split must be"):
        loader(synthetic_root, cache_dir, split="holdout")
    long_clip = ClipSpec(seconds=20.0, fps=2, height=16, width=16)
    with pytest.raises(DataError, match="longer than every recording"):
        AVPairs.from_directory(synthetic_root, preset=long_clip, cache_dir=cache_dir, quiet=True,
                               batch_size=2)
    cache = prepare(synthetic_root, TINY, cache_dir=cache_dir, workers=1, quiet=True)
    with pytest.raises(DataError, match="split has no recordings"):
        AVPairs(cache, [], 2, split_name="val")


def test_augment_true_means_every_augmentation_and_false_none(synthetic_root, cache_dir):
    from keras_vis.data.augment import SWITCHES

    every = loader(synthetic_root, cache_dir, split="train", augment=True)
    assert every.augmenter.enabled == SWITCHES
    assert every[0][0]["video"].shape == (4, *TINY.video_shape)
    assert loader(synthetic_root, cache_dir, split="train", augment=False).augmenter is None
    # False on val/test is "no augmentation", not a request to augment them.
    val = loader(synthetic_root, cache_dir, split="val", batch_size=2, augment=False)
    assert val.augmenter is None
    with pytest.raises(ConfigError, match="train split only"):
        loader(synthetic_root, cache_dir, split="val", batch_size=2, augment=True)
    for wrong in ("flip", 1, ["flip"]):
        with pytest.raises(ConfigError, match=f"augment must be True .*got {type(wrong).__name__}"):
            loader(synthetic_root, cache_dir, split="train", augment=wrong)


FIT = """
import os, sys
import keras, numpy as np
from keras_vis.data.dataset import AVPairs
root, cache = sys.argv[1], sys.argv[2]
kw = dict(preset="tiny", cache_dir=cache, quiet=True, batch_size=4)
train = AVPairs.from_directory(root, split="train", task="mixed", augment={"flip": True, "gain": True}, **kw)
val = AVPairs.from_directory(root, split="val", task="sync", **kw)
video = keras.Input((20, 64, 64, 3), dtype="uint8", name="video")
audio = keras.Input((32000, 2), name="audio")
v = keras.layers.GlobalAveragePooling3D()(keras.layers.Rescaling(1 / 255)(video))
a = keras.layers.GlobalAveragePooling1D()(keras.ops.abs(audio))
out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([v, a]))
model = keras.Model({"video": video, "audio": audio}, out)
model.compile("adam", "binary_crossentropy")
history = model.fit(train, validation_data=val, epochs=2, verbose=0)
assert train.epoch >= 1, train.epoch
print("OK", keras.backend.backend(), len(history.history["loss"]), np.isfinite(history.history["val_loss"]).all())
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_model_fit_on_every_backend(backend, synthetic_root, cache_dir):
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FIT), str(synthetic_root), str(cache_dir)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"OK {backend} 2 True" in result.stdout
