"""Fusion of the video and audio sequences, and the classifier head.

``late``: each modality is pooled to one embedding first (the seed's design; timing is lost).
``temporal``: the two ``(B, T, C)`` sequences are concatenated step by step, so a temporal
layer can see whether a sound starts on the frame where something is hit.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from zoo.clip import ClipSpec


def fuse_steps(video, audio, name: str):
    """Per-step fusion of two ``(B, T, C)`` sequences: ``[v, a, v * a]`` after projecting both to
    one width, LayerNorm, then a per-step Dense-ReLU.

    The product is the agreement of the two streams at each step ("a strike is seen and a
    sound starts, here"); the sync task is about exactly that, and a temporal layer learns it
    far faster from the product than from a plain concatenation.
    """
    width = max(video.shape[-1], audio.shape[-1])
    v = keras.layers.LayerNormalization(name=f"{name}_video_norm")(video)
    v = keras.layers.Dense(width, name=f"{name}_video_project")(v)
    a = keras.layers.LayerNormalization(name=f"{name}_audio_norm")(audio)
    a = keras.layers.Dense(width, name=f"{name}_audio_project")(a)
    agreement = keras.layers.Multiply(name=f"{name}_product")([v, a])
    x = keras.layers.Concatenate(axis=-1, name=f"{name}_concat")([v, a, agreement])
    x = keras.layers.LayerNormalization(name=f"{name}_norm")(x)
    return keras.layers.Dense(x.shape[-1], activation="relu", name=f"{name}_mix")(x)


def sequence_pool(x, name: str):
    """``(B, T, C)`` -> ``(B, 2C)``: mean and max over time (max keeps a single strong step)."""
    mean = keras.layers.GlobalAveragePooling1D(name=f"{name}_mean")(x)
    peak = keras.layers.GlobalMaxPooling1D(name=f"{name}_max")(x)
    return keras.layers.Concatenate(name=f"{name}_concat")([mean, peak])


def temporal_conv_stack(x, width: int, dilations: Sequence[int], name: str, kernel: int = 3):
    """Residual Conv1D-BN-ReLU blocks over time, one per dilation (receptive field grows)."""
    if x.shape[-1] != width:
        x = keras.layers.Conv1D(width, 1, name=f"{name}_project")(x)
    for i, dilation in enumerate(dilations):
        y = keras.layers.Conv1D(width, kernel, padding="same", dilation_rate=int(dilation),
                                use_bias=False, name=f"{name}_{i + 1}_conv")(x)
        y = keras.layers.BatchNormalization(name=f"{name}_{i + 1}_bn")(y)
        y = keras.layers.ReLU(name=f"{name}_{i + 1}_relu")(y)
        x = keras.layers.Add(name=f"{name}_{i + 1}_add")([x, y])
    return x


def late_fusion(video_embedding, audio, name: str = "fusion"):
    """Late fusion: the audio sequence averaged over time, concatenated with a video embedding
    that the model has already pooled its own way."""
    audio_embedding = keras.layers.GlobalAveragePooling1D(name="audio_time_mean")(audio)
    return keras.layers.Concatenate(name=f"{name}_concat")([video_embedding, audio_embedding])


def convolved_fusion(video, audio, width: int, dilations: Sequence[int], name: str = "fusion"):
    """Temporal fusion through convolutions: per-step fusion, dilated temporal convolutions,
    then mean and max over time."""
    steps = fuse_steps(video, audio, name)
    steps = temporal_conv_stack(steps, width, dilations, f"{name}_tconv")
    return sequence_pool(steps, f"{name}_pool")


def classifier_head(x, units: int, dropout: float, name: str = "head"):
    """LayerNorm-Dense-ReLU-Dropout, then one sigmoid unit named ``p_real`` (kept in float32).

    The LayerNorm keeps the first prediction near 0.5 whatever scale the fused features have.
    """
    x = keras.layers.LayerNormalization(name=f"{name}_norm")(x)
    x = keras.layers.Dense(units, activation="relu", name=f"{name}_dense")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x)
    return keras.layers.Dense(1, activation="sigmoid", dtype="float32", name="p_real")(x)


# How ``LagProfile`` normalises a profile over its lags: centred, or centred and scaled to unit
# standard deviation.
PROFILE_NORMS = ("centre", "zscore")


@keras.saving.register_keras_serializable(package="zoo")
class LagProfile(keras.layers.Layer):
    """Two ``(B, T, C)`` sequences -> ``(B, 2 * max_lag + 1)``: for each lag ``L`` (in frames,
    positive: the audio lags), the mean cosine similarity of ``video[t]`` and ``audio[t + L]``
    over the steps both cover, minus its mean over all lags.

    Only the shape of the profile survives the centring: how much better one lag agrees than
    the others, not how similar the two streams look overall. That is the part of a pair that
    real footage shares with generated footage. ``norm="zscore"`` also divides by the
    profile's standard deviation over lags, so that only where along the lags the streams agree
    best reaches the decision, not how sharply (tried for real footage, whose peaks may be
    fainter: it did not move the real-clip calls; README, "What the rows show").
    """

    def __init__(self, max_lag: int, norm: str = "centre", **kwargs):
        # float32 under any policy: lags differ by a few thousandths of a cosine, below
        # bfloat16's resolution.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if norm not in PROFILE_NORMS:
            raise ValueError(f"norm must be one of {PROFILE_NORMS}, got {norm!r}")
        self.max_lag = int(max_lag)
        self.norm = norm

    def call(self, inputs):
        video, audio = (x / (ops.norm(x, axis=-1, keepdims=True) + 1e-6) for x in inputs)
        steps = video.shape[1]
        profile = []
        for lag in range(-self.max_lag, self.max_lag + 1):
            v = video[:, max(0, -lag): steps - max(0, lag)]
            a = audio[:, max(0, lag): steps - max(0, -lag)]
            profile.append(ops.mean(ops.sum(v * a, axis=-1), axis=1))
        profile = ops.stack(profile, axis=1)
        profile = profile - ops.mean(profile, axis=1, keepdims=True)
        if self.norm == "zscore":
            # Lags differ by thousandths of a cosine; the floor keeps a flat profile's rounding
            # noise (about 1e-8) well below unit size.
            profile = profile / (ops.std(profile, axis=1, keepdims=True) + 1e-6)
        return profile

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 2 * self.max_lag + 1)

    def get_config(self):
        return {**super().get_config(), "max_lag": self.max_lag, "norm": self.norm}


@keras.saving.register_keras_serializable(package="zoo")
class LagPeak(keras.layers.Layer):
    """A lag profile ``(B, 2 * max_lag + 1)`` -> ``p_real`` ``(B, 1)``: the share of a softmax
    over lags that falls within ``tolerance`` frames of lag 0.

    p_real > 0.5 exactly when the profile's mass near lag 0 outweighs the rest, so the decision
    has no threshold to fit: a pair is called real when its two streams agree best where they
    are, and the learned scale only sets how sure that call is. A head fitted on top of the
    profile can instead learn a generator's profile shape (on recordings v2 it peaked 5 frames
    off lag 0 for every aligned pair and still scored them right), which real footage lacks.
    """

    def __init__(self, tolerance: int = 1, initial_scale: float = 10.0, **kwargs):
        super().__init__(**kwargs)
        self.tolerance = int(tolerance)
        self.initial_scale = float(initial_scale)

    def build(self, input_shape):
        import math

        self.log_scale = self.add_weight(
            shape=(), name="log_scale",
            initializer=keras.initializers.Constant(math.log(self.initial_scale)))

    def call(self, profile):
        profile = ops.cast(profile, "float32")
        centre = (profile.shape[1] - 1) // 2
        logits = profile * ops.exp(ops.cast(self.log_scale, "float32"))
        near = logits[:, centre - self.tolerance: centre + self.tolerance + 1]
        far = ops.concatenate([logits[:, : centre - self.tolerance],
                               logits[:, centre + self.tolerance + 1:]], axis=1)
        margin = ops.logsumexp(near, axis=1) - ops.logsumexp(far, axis=1)
        return ops.sigmoid(margin)[:, None]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "tolerance": self.tolerance,
                "initial_scale": self.initial_scale}


def lag_fusion(video, audio, width: int, max_lag: int, name: str = "fusion",
               profile_norm: str = "centre"):
    """Both sequences projected to ``width`` per step, then their lag profile (``LagProfile``,
    normalised as ``profile_norm`` says)."""
    v = keras.layers.LayerNormalization(name=f"{name}_video_norm")(video)
    v = keras.layers.Dense(width, name=f"{name}_video_project")(v)
    a = keras.layers.LayerNormalization(name=f"{name}_audio_norm")(audio)
    a = keras.layers.Dense(width, name=f"{name}_audio_project")(a)
    return LagProfile(max_lag, norm=profile_norm, name=f"{name}_lag_profile")([v, a])


def max_lag_frames(clip: ClipSpec, max_lag_s: float) -> int:
    """``max_lag_s`` in whole frames of ``clip``, at least 1 and at most ``clip.frames - 2``
    (a lag profile needs two overlapping steps)."""
    return min(clip.frames - 2, max(1, int(round(max_lag_s * clip.fps))))


# How the lag models turn a lag profile into p_real: an MLP over it, or ``LagPeak``.
DECISIONS = ("head", "peak")


def lag_head(video, audio, clip: ClipSpec, fusion: str, projection: int, max_lag_s: float,
             head_units: int, dropout: float, decision: str = "head",
             profile_norm: str = "centre"):
    """The head of the lag models: the lag profile up to ``max_lag_s`` either way (in whole
    frames, at most ``clip.frames - 2``; ``profile_norm``: see ``LagProfile``), then an MLP
    (``decision="head"``) or ``LagPeak`` (``"peak"``); ``fusion="late"``: time-averaged
    embeddings instead, no timing."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, got {decision!r}")
    if fusion == "late":
        video_embedding = keras.layers.GlobalAveragePooling1D(name="video_time_mean")(video)
        return classifier_head(late_fusion(video_embedding, audio), head_units, dropout)
    max_lag = max_lag_frames(clip, max_lag_s)
    profile = lag_fusion(video, audio, projection, max_lag, profile_norm=profile_norm)
    if decision == "peak":
        return LagPeak(dtype="float32", name="p_real")(profile)
    return classifier_head(profile, head_units, dropout)
