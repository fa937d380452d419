"""Reshapes between a clip's frames and a batch of images, and axis means, as layers.

A per-frame 2D network runs on ``(B * T, H, W, C)``; ``FoldFrames`` and ``UnfoldFrames``
move the time axis into the batch and back (a plain reshape, cheaper than TimeDistributed
and the same on every backend).
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class FoldFrames(keras.layers.Layer):
    """``(B, T, ...)`` -> ``(B * T, ...)``."""

    def call(self, x):
        return ops.reshape(x, (-1, *x.shape[2:]))

    def compute_output_shape(self, input_shape):
        batch, frames = input_shape[0], input_shape[1]
        folded = None if batch is None or frames is None else batch * frames
        return (folded, *input_shape[2:])


@keras.saving.register_keras_serializable(package="zoo")
class UnfoldFrames(keras.layers.Layer):
    """``(B * T, ...)`` -> ``(B, T, ...)`` for a fixed ``frames`` = T."""

    def __init__(self, frames: int, **kwargs):
        super().__init__(**kwargs)
        self.frames = int(frames)

    def call(self, x):
        return ops.reshape(x, (-1, self.frames, *x.shape[1:]))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.frames
        return (batch, self.frames, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "frames": self.frames}


@keras.saving.register_keras_serializable(package="zoo")
class AxisMean(keras.layers.Layer):
    """Mean over one axis (e.g. the mel axis of a spectrogram feature map)."""

    def __init__(self, axis: int, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, x):
        return ops.mean(x, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        del shape[self.axis]
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@keras.saving.register_keras_serializable(package="zoo")
class FrameMotion(keras.layers.Layer):
    """``(B, T, H, W, C)`` -> ``(B, T, H, W, 3C)``: each frame with its backward and forward
    differences.

    A per-frame network cannot see motion, and the moment of contact is a motion event (the
    striker comes down, stops, lifts). Giving each frame its neighbours' differences lets the
    per-frame trunk see it; the clip's first and last frames get a zero difference.
    """

    def call(self, x):
        # Each difference x[t + 1] - x[t] is computed once and serves as frame t + 1's backward
        # and frame t's forward difference, next to a zero frame at either end (the same values
        # as differencing against a repeated edge frame). Splits and concatenations only: their
        # gradients are concatenations and slices. TensorFlow's gradients of the strided slices
        # this used to take took 0.8 s of a 4.9 s base step (one thread), these 0.17 s.
        frames = x.shape[1]
        if frames is None:  # a clip length known only at run time: slices
            previous = ops.concatenate([x[:, :1], x[:, :-1]], axis=1)
            following = ops.concatenate([x[:, 1:], x[:, -1:]], axis=1)
            return ops.concatenate([x, x - previous, following - x], axis=-1)
        first, following = ops.split(x, [1], axis=1)
        preceding, _ = ops.split(x, [frames - 1], axis=1)
        step = following - preceding
        zero = ops.zeros_like(first)
        return ops.concatenate([x, ops.concatenate([zero, step], axis=1),
                                ops.concatenate([step, zero], axis=1)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3 * input_shape[-1])

