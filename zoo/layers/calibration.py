"""``Calibration``: p_real put on a scale fitted to real footage, inside the saved model.

A model trained on one mix of data can rank pairs well and still put its 0.5 in the wrong
place for footage it has not seen (it called most real, in-sync clips fake). Platt scaling fits
``sigmoid(scale * logit(p) + bias)`` on held-out real footage; the two numbers live in the
fusion head (``calibrated``), so ``predict``, ``evaluate`` and any backend read calibrated scores
from the ``.keras`` file alone. Monotonic: rankings, AUC and the offset search are unchanged.
"""

from __future__ import annotations

import keras
from keras import ops

from zoo.layers.parts import parts

# Probabilities are clipped this far from 0 and 1 before the logit.
_EPSILON = 1e-6


def logit(p):
    """``log(p / (1 - p))`` in float32, ``p`` clipped ``_EPSILON`` away from 0 and 1."""
    p = ops.clip(ops.cast(p, "float32"), _EPSILON, 1.0 - _EPSILON)
    return ops.log(p) - ops.log1p(-p)


@keras.saving.register_keras_serializable(package="zoo")
class Calibration(keras.layers.Layer):
    """``p -> sigmoid(scale * logit(p) + bias)``; the two numbers are fixed weights."""

    def __init__(self, scale: float = 1.0, bias: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial = (float(scale), float(bias))

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), name="scale", trainable=False,
                                     initializer=keras.initializers.Constant(self.initial[0]))
        self.bias = self.add_weight(shape=(), name="bias", trainable=False,
                                    initializer=keras.initializers.Constant(self.initial[1]))

    def call(self, p):
        return ops.sigmoid(self.scale * logit(p) + self.bias)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.initial[0], "bias": self.initial[1]}


def calibrated(model: keras.Model, scale: float, bias: float) -> keras.Model:
    """A model sharing ``model``'s encoders and head, its head's p_real calibrated; the three
    named parts (``zoo.layers.parts``) stay, so every part runs on its own as before."""
    pieces = parts(model)
    if pieces is None:
        raise ValueError("calibration needs a zoo model made of video_encoder, audio_encoder "
                         "and fusion_head")
    video_encoder, audio_encoder, head = pieces
    features = [keras.Input(shape=t.shape[1:], name=f"{t.name.split(':')[0]}_in")
                for t in head.inputs]
    p_real = Calibration(scale, bias, dtype="float32", name="calibration")(head(features))
    new_head = keras.Model(features, p_real, name="fusion_head")
    inputs = {key: keras.Input(shape=model.input[key].shape[1:], dtype=model.input[key].dtype,
                               name=key) for key in ("video", "audio")}
    output = new_head([video_encoder(inputs["video"]), audio_encoder(inputs["audio"])])
    return keras.Model(inputs, output, name=model.name)
