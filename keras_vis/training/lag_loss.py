"""The lag loss: a shifted soundtrack is a free label for where a lag profile should peak.

The binary loss tells a lag model only whether a pair is real. Every pair from one recording
also says *where* its two streams agree (its offset), so the lag profile of the lag models
(``zoo.layers.fusion.LagProfile``) can be trained as a classifier over lags: a softmax over the
profile, cross-entropy against the true offset (split between the two nearest whole frames),
on the real and shifted pairs whose offset lies inside the profile. Another recording's audio
has no offset and adds nothing. The encoders then learn features whose agreement peaks where
the contact is, against every other lag of the same clip, not one yes/no per pair.

A model whose head has no lag profile (``resnet_gru_fusion``, ``siamese_fusion``,
``temporal_conv_fusion``, or any model with ``fusion="late"``) gets one for training only: its
two encoders' sequences, each through a LayerNorm and a linear projection to one width, into a
``LagProfile`` (``ENCODER_MAX_LAG_S`` either way), as a contrastive projection head is added
for pre-training and dropped after. Those models otherwise learn timing only through one
yes/no per pair, and sit at chance for epochs before (or without ever) finding it; the lag
loss hands their encoders a per-lag target from the first step.

Training only: ``lag_trainer`` wraps a zoo model in a model that also takes ``offset_s`` and
adds the loss; it shares every weight with the zoo model, which is what gets saved (the
projections above are not part of it).
"""

from __future__ import annotations

import math

import keras
from keras import ops

from zoo.clip import ClipSpec
from zoo.layers.fusion import LagProfile, lag_fusion, max_lag_frames
from zoo.layers.parts import parts

# The scale turning a centred mean cosine (a few hundredths) into softmax logits; learned.
INITIAL_SCALE = 10.0
# The training-only profile of a model without its own: the lag models' default reach.
ENCODER_MAX_LAG_S = 0.8


class LagTargetLoss(keras.layers.Layer):
    """``[p_real, profile, offset_s]`` -> ``p_real`` unchanged, adding ``weight`` times the mean
    cross-entropy of ``softmax(scale * profile)`` against each pair's offset (in frames at
    ``fps``) over the pairs that have one inside the profile."""

    def __init__(self, fps: float, weight: float, **kwargs):
        super().__init__(**kwargs)
        self.fps = float(fps)
        self.weight = float(weight)

    def build(self, input_shape):
        self.log_scale = self.add_weight(
            shape=(), name="log_scale",
            initializer=keras.initializers.Constant(math.log(INITIAL_SCALE)))

    def call(self, inputs):
        p_real, profile, offset_s = inputs
        profile = ops.cast(profile, "float32")
        lags = profile.shape[1]
        max_lag = (lags - 1) // 2
        offset = ops.reshape(ops.cast(offset_s, "float32"), (-1,)) * self.fps
        valid = ops.logical_and(ops.logical_not(ops.isnan(offset)),
                                ops.abs(ops.nan_to_num(offset, nan=0.0)) <= max_lag)
        offset = ops.where(valid, offset, ops.zeros_like(offset)) + max_lag
        low = ops.floor(offset)
        upper = ops.minimum(low + 1, lags - 1)
        frac = (offset - low)[:, None]
        target = (ops.one_hot(ops.cast(low, "int32"), lags) * (1.0 - frac)
                  + ops.one_hot(ops.cast(upper, "int32"), lags) * frac)
        log_p = ops.log_softmax(profile * ops.exp(self.log_scale), axis=1)
        cross_entropy = -ops.sum(target * log_p, axis=1)
        mask = ops.cast(valid, "float32")
        loss = ops.sum(cross_entropy * mask) / ops.maximum(ops.sum(mask), 1.0)
        self.add_loss(self.weight * loss)
        return p_real

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "fps": self.fps, "weight": self.weight}


def lag_trainer(model: keras.Model, clip: ClipSpec, weight: float) -> keras.Model:
    """A model ``{video, audio, offset_s} -> p_real`` that trains ``model``'s weights with the
    binary loss plus ``weight`` times the lag loss, on the head's own lag profile or, where it
    has none, on a training-only one over the encoders' sequences. Raises ``ValueError`` for a
    model without the three zoo parts (``zoo.layers.parts``)."""
    pieces = parts(model)
    if pieces is None:
        raise ValueError(
            "the lag loss needs a zoo model made of video_encoder, audio_encoder and "
            "fusion_head (zoo.layers.parts.assemble)")
    video_encoder, audio_encoder, head = pieces
    profiles = [layer for layer in head.layers if isinstance(layer, LagProfile)]
    if len(profiles) > 1:
        raise ValueError(f"the lag loss needs at most one LagProfile in the fusion head, "
                         f"found {len(profiles)}")
    inputs = {
        "video": keras.Input(shape=model.input["video"].shape[1:],
                             dtype=model.input["video"].dtype, name="video"),
        "audio": keras.Input(shape=model.input["audio"].shape[1:],
                             dtype=model.input["audio"].dtype, name="audio"),
        "offset_s": keras.Input(shape=(), dtype="float32", name="offset_s"),
    }
    streams = [video_encoder(inputs["video"]), audio_encoder(inputs["audio"])]
    if profiles:
        # One pass through the head gives both its decision and the profile it rests on.
        head_and_profile = keras.Model(head.inputs, [head.output, profiles[0].output],
                                       name="fusion_head_and_profile")
        p_real, profile = head_and_profile(streams)
    else:
        p_real = head(streams)
        width = max(streams[0].shape[-1], streams[1].shape[-1])
        profile = lag_fusion(*streams, width, max_lag_frames(clip, ENCODER_MAX_LAG_S),
                             name="lag_loss_encoders")
    p_real = LagTargetLoss(clip.fps, weight, dtype="float32", name="lag_loss")(
        [p_real, profile, inputs["offset_s"]])
    return keras.Model(inputs, p_real, name=f"{model.name}_lag_trainer")
