"""The lag loss on every backend: its value against a numpy reference (soft targets between
frames, pairs without an offset masked), a fit that trains the zoo model's own weights and a
checkpoint that saves that model, not the wrapper; a model without a lag profile in its head
trained through a training-only profile over its encoders, which its checkpoint leaves out; a
model without the zoo's parts is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from keras_vis.invocation import BACKENDS

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, os, sys, tempfile
    import numpy as np
    import keras
    import zoo
    from keras_vis.training.callbacks import AtomicModelCheckpoint
    from keras_vis.training.lag_loss import LagTargetLoss, lag_trainer

    profile = np.linspace(-0.2, 0.3, 4 * 5, dtype="float32").reshape(4, 5) ** 2
    offset_s = np.array([0.0, 0.15, np.nan, 9.0], dtype="float32")
    layer = LagTargetLoss(fps=10.0, weight=2.0)
    p_real = np.full((4, 1), 0.25, dtype="float32")
    out = layer([p_real, profile, offset_s])
    out_equal = bool(np.allclose(keras.ops.convert_to_numpy(out), p_real))
    loss = float(keras.ops.convert_to_numpy(layer.losses[0]))

    model = zoo.build("motion_lag_fusion", "tiny")
    clip = zoo.get_preset("motion_lag_fusion", "tiny").clip
    trainer = lag_trainer(model, clip, 1.0)
    trainer.compile(optimizer="adam", loss="binary_crossentropy")
    rng = np.random.default_rng(0)
    x = {"video": rng.integers(0, 255, (4, *clip.video_shape), dtype=np.uint8),
         "audio": rng.normal(size=(4, *clip.audio_shape)).astype("float32"),
         "offset_s": np.array([0.0, 0.4, np.nan, -0.3], dtype="float32")}
    y = np.array([[1], [0], [0], [0]], dtype="float32")
    before = keras.ops.convert_to_numpy(model.get_layer("video_encoder").weights[0]).copy()
    path = os.path.join(tempfile.mkdtemp(), "best.keras")
    checkpoint = AtomicModelCheckpoint(path, monitor="loss", saved_model=model)
    trainer.fit(x, y, epochs=2, verbose=0, callbacks=[checkpoint])
    after = keras.ops.convert_to_numpy(model.get_layer("video_encoder").weights[0])
    saved = keras.saving.load_model(path)
    plain = {"video": x["video"], "audio": x["audio"]}
    gap = float(np.abs(saved.predict(plain, verbose=0) - trainer.predict(x, verbose=0)).max())
    # No lag profile in the head: one over the encoders, for training only.
    other = zoo.build("resnet_gru_fusion", "tiny")
    other_trainer = lag_trainer(other, clip, 1.0)
    other_trainer.compile(optimizer="adam", loss="binary_crossentropy")
    encoder = other.get_layer("audio_encoder").weights[0]
    other_before = keras.ops.convert_to_numpy(encoder).copy()
    other_trainer.fit(x, y, epochs=1, verbose=0)
    encoder_trained = bool((keras.ops.convert_to_numpy(encoder) != other_before).any())
    extra = sorted({w.path.split("/")[0] for w in other_trainer.weights}
                   - {w.path.split("/")[0] for w in other.weights})
    other_path = os.path.join(tempfile.mkdtemp(), "other.keras")
    other.save(other_path)
    reloaded = keras.saving.load_model(other_path)
    other_gap = float(np.abs(reloaded.predict(plain, verbose=0)
                             - other.predict(plain, verbose=0)).max())
    try:
        lag_trainer(keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]), clip, 1.0)
        refused = ""
    except ValueError as error:
        refused = str(error)
    print(json.dumps({"out_equal": out_equal, "loss": loss, "trained": bool((before != after).any()),
                      "inputs": sorted(saved.input), "gap": gap, "refused": refused,
                      "encoder_trained": encoder_trained, "extra": extra,
                      "other_inputs": sorted(reloaded.input), "other_gap": other_gap}))
""")


def reference_loss(profile, offset_s, fps, weight, scale=10.0):
    """What the layer must compute, written out with numpy."""
    lags = profile.shape[1]
    max_lag = (lags - 1) // 2
    logits = profile * scale
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    losses = []
    for row, offset in zip(log_p, offset_s * fps):
        if np.isnan(offset) or abs(offset) > max_lag:
            continue
        low = int(np.floor(offset)) + max_lag
        frac = offset + max_lag - low
        upper = min(low + 1, lags - 1)
        losses.append(-((1 - frac) * row[low] + frac * row[upper]))
    return weight * float(np.mean(losses))


@pytest.fixture(scope="module")
def outcomes():
    """Each backend's script, all three side by side (the backend is fixed at import)."""
    running = {
        backend: subprocess.Popen(
            [sys.executable, "-c", SCRIPT], cwd=REPO, text=True,
            env={**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for backend in BACKENDS
    }
    done = {}
    for backend, process in running.items():
        stdout, stderr = process.communicate(timeout=600)
        done[backend] = (process.returncode, stdout, stderr)
    return done


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_lag_loss_trains_the_zoo_model_and_saves_it(backend, outcomes):
    returncode, stdout, stderr = outcomes[backend]
    assert returncode == 0, stderr[-3000:]
    got = json.loads(stdout.strip().splitlines()[-1])
    profile = np.linspace(-0.2, 0.3, 20, dtype="float32").reshape(4, 5) ** 2
    offset_s = np.array([0.0, 0.15, np.nan, 9.0], dtype="float32")
    assert got["out_equal"], "the layer must pass p_real through unchanged"
    # Pairs 0 (lag 0) and 1 (1.5 frames: half on +1, half on +2) count; 2 (no offset) and 3
    # (outside the profile) do not.
    assert got["loss"] == pytest.approx(reference_loss(profile, offset_s, 10.0, 2.0), rel=1e-4)
    assert got["trained"], "fit must move the zoo model's own weights"
    assert got["inputs"] == ["audio", "video"], "the checkpoint must be the zoo model"
    assert got["gap"] < 1e-5, "the checkpoint must hold the trained weights"
    assert "video_encoder" in got["refused"]
    # A model without a lag profile: its encoders learn from the lag loss through projections
    # that only the trainer holds; the saved model is the zoo model, whole and loadable.
    assert got["encoder_trained"]
    assert got["extra"] and all(name.startswith("lag_loss") for name in got["extra"]), got["extra"]
    assert got["other_inputs"] == ["audio", "video"]
    assert got["other_gap"] < 1e-5
