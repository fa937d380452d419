"""``ensembled``: several trained copies of one architecture scored as one model.

Seeds of one configuration span 0.16 of balanced accuracy on real clips, so a single seed is a
draw; the mean of several seeds' logits is a model whose score does not hang on one draw. The
ensemble keeps the three named parts (``zoo.layers.parts``): its video encoder runs every
member's video encoder and concatenates their features, its audio encoder the same, and its
fusion head gives each member its own slice of both and averages their logits. So ``predict``
and ``evaluate`` still encode each window once, and ``calibrated`` wraps an ensemble's head as it
wraps any head.
"""

from __future__ import annotations

import keras
from keras import ops

from zoo.layers.calibration import logit
from zoo.layers.parts import parts


@keras.saving.register_keras_serializable(package="zoo")
class ChannelSlice(keras.layers.Layer):
    """``x[..., start:stop]``: one member's share of the concatenated features."""

    def __init__(self, start: int, stop: int, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop = int(start), int(stop)

    def call(self, x):
        return x[..., self.start: self.stop]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.stop - self.start)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package="zoo")
class LogitMean(keras.layers.Layer):
    """The members' ``p_real`` -> ``sigmoid(mean(logit(p)))``, in float32."""

    def call(self, probabilities):
        logits = ops.stack([logit(p) for p in probabilities], axis=0)
        return ops.sigmoid(ops.mean(logits, axis=0))

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def ensembled(members: list[keras.Model]) -> keras.Model:
    """One model made of ``members`` (zoo graphs of the same architecture and input shapes),
    scoring ``sigmoid(mean of their logits)``; its parts hold the members' parts, which share
    their weights with ``members``."""
    pieces = [parts(member) for member in members]
    if len(members) < 2 or any(piece is None for piece in pieces):
        raise ValueError("an ensemble needs at least two zoo models made of video_encoder, "
                         "audio_encoder and fusion_head")
    first = members[0]
    inputs = {key: keras.Input(shape=first.input[key].shape[1:], dtype=first.input[key].dtype,
                               name=key) for key in ("video", "audio")}
    encoders = []
    for index, (key, name) in enumerate((("video", "video_encoder"),
                                         ("audio", "audio_encoder"))):
        encoders.append(_concatenated([piece[index] for piece in pieces], inputs[key], name))
    video_encoder, audio_encoder = encoders
    head = _averaged_head([piece[2] for piece in pieces],
                          video_encoder.output.shape[1:], audio_encoder.output.shape[1:])
    output = head([video_encoder(inputs["video"]), audio_encoder(inputs["audio"])])
    return keras.Model(inputs, output, name=first.name)


def _wrapped(part: keras.Model, name: str) -> keras.Model:
    # Every member's part has the same name; one wrapper each keeps names unique per level.
    inputs = [keras.Input(shape=t.shape[1:], dtype=t.dtype) for t in part.inputs]
    x = inputs[0] if len(inputs) == 1 else inputs
    return keras.Model(x, part(x), name=name)


def _concatenated(encoders: list[keras.Model], like, name: str) -> keras.Model:
    x = keras.Input(shape=like.shape[1:], dtype=like.dtype, name=f"{name}_input")
    features = [_wrapped(encoder, f"{name}_{i}")(x) for i, encoder in enumerate(encoders)]
    return keras.Model(x, keras.layers.Concatenate(axis=-1)(features), name=name)


def _averaged_head(heads: list[keras.Model], video_shape, audio_shape) -> keras.Model:
    video = keras.Input(shape=video_shape, name="video_features")
    audio = keras.Input(shape=audio_shape, name="audio_features")
    probabilities = []
    video_at = audio_at = 0
    for i, head in enumerate(heads):
        video_width, audio_width = (int(t.shape[-1]) for t in head.inputs)
        mine = [ChannelSlice(video_at, video_at + video_width, name=f"video_slice_{i}")(video),
                ChannelSlice(audio_at, audio_at + audio_width, name=f"audio_slice_{i}")(audio)]
        video_at, audio_at = video_at + video_width, audio_at + audio_width
        probabilities.append(_wrapped(head, f"fusion_head_{i}")(mine))
    p_real = LogitMean(dtype="float32", name="logit_mean")(probabilities)
    return keras.Model([video, audio], p_real, name="fusion_head")
