"""Pre-processing inside the model, so a saved ``.keras`` file scores raw inputs on any backend.

``FrameNormalization`` turns uint8 frames into normalised floats; ``StereoLogMel`` turns a
stereo waveform into a 2-channel log-mel spectrogram whose frame count is an exact multiple
of the video frame count (so audio features can be aligned to video frames step by step).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from zoo.clip import ClipSpec


@keras.saving.register_keras_serializable(package="zoo")
class FrameNormalization(keras.layers.Layer):
    """uint8 RGB in [0, 255] -> float, per channel ``(x / 255 - mean) / std``."""

    def __init__(self, mean=(0.45, 0.45, 0.45), std=(0.225, 0.225, 0.225), **kwargs):
        super().__init__(**kwargs)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)

    def call(self, frames):
        frames = ops.cast(frames, self.compute_dtype) / 255.0
        mean = ops.convert_to_tensor(self.mean, dtype=self.compute_dtype)
        std = ops.convert_to_tensor(self.std, dtype=self.compute_dtype)
        return (frames - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mean": list(self.mean), "std": list(self.std)}


def mel_filterbank(num_mel_bins: int, fft_length: int, sample_rate: int,
                   min_freq: float, max_freq: float) -> np.ndarray:
    """Triangular filters on the HTK mel scale, shape ``(fft_length // 2 + 1, num_mel_bins)``."""

    def to_mel(hz):
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    def to_hz(mel):
        return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)

    bins_hz = np.linspace(0.0, sample_rate / 2.0, fft_length // 2 + 1)
    edges_hz = to_hz(np.linspace(to_mel(min_freq), to_mel(max_freq), num_mel_bins + 2))
    lower, centre, upper = edges_hz[:-2], edges_hz[1:-1], edges_hz[2:]
    rising = (bins_hz[:, None] - lower) / (centre - lower)
    falling = (upper - bins_hz[:, None]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype("float32")


@keras.saving.register_keras_serializable(package="zoo")
class StereoLogMel(keras.layers.Layer):
    """Waveform ``(B, S, C)`` in [-1, 1] -> log-mel ``(B, frames, num_mel_bins, C)``.

    Each channel is transformed on its own (stereo is kept: where a sound sits is a cue).
    The hop is ``S // frames`` and the first ``frames`` STFT frames are kept, so frame ``i``
    is centred at sample ``i * hop``: for a clip spec, ``frames = clip.frames * k`` puts
    exactly ``k`` spectrogram frames on every video frame (drift under one hop per clip).
    No statistic depends on the batch, so a clip scores the same in any batch.
    """

    def __init__(self, sample_rate: int, frames: int, hop_length: int, num_mel_bins: int = 64,
                 fft_length: int = 512, min_freq: float = 40.0, max_freq: float | None = None,
                 **kwargs):
        # float32 under any policy: in bfloat16 a quiet sound's power is lost to rounding.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.sample_rate = int(sample_rate)
        self.frames = int(frames)
        self.hop_length = int(hop_length)
        self.num_mel_bins = int(num_mel_bins)
        self.fft_length = int(fft_length)
        self.min_freq = float(min_freq)
        self.max_freq = float(max_freq) if max_freq is not None else self.sample_rate / 2.0
        self._filters = mel_filterbank(
            self.num_mel_bins, self.fft_length, self.sample_rate, self.min_freq, self.max_freq
        )
        # The periodic Hann window that ``window="hann"`` means, given as numbers: with the
        # name, Keras imports scipy.signal to make it (0.4 s of a 3 s predict process).
        steps = np.arange(self.fft_length)
        self._window = (0.5 - 0.5 * np.cos(2 * np.pi * steps / self.fft_length)).astype("float32")

    def call(self, waveform):
        waveform = ops.cast(waveform, "float32")
        channels = waveform.shape[-1]
        per_channel = ops.reshape(ops.transpose(waveform, (0, 2, 1)), (-1, waveform.shape[1]))
        real, imag = ops.stft(
            per_channel, sequence_length=self.fft_length, sequence_stride=self.hop_length,
            fft_length=self.fft_length, window=self._window, center=True,
        )
        power = real[:, : self.frames] ** 2 + imag[:, : self.frames] ** 2
        mel = ops.matmul(power, ops.convert_to_tensor(self._filters))
        log_mel = ops.log(mel + 1e-6)
        log_mel = ops.reshape(log_mel, (-1, channels, self.frames, self.num_mel_bins))
        return ops.cast(ops.transpose(log_mel, (0, 2, 3, 1)), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.frames, self.num_mel_bins, input_shape[-1])

    def get_config(self):
        return {
            **super().get_config(),
            "sample_rate": self.sample_rate, "frames": self.frames,
            "hop_length": self.hop_length, "num_mel_bins": self.num_mel_bins,
            "fft_length": self.fft_length, "min_freq": self.min_freq, "max_freq": self.max_freq,
        }

    @classmethod
    def for_clip(cls, clip: ClipSpec, frames_per_video_frame: int, **kwargs) -> "StereoLogMel":
        """The log-mel for ``clip`` with ``frames_per_video_frame`` spectrogram frames per frame.

        >>> from zoo.clip import CLIP_PRESETS
        >>> layer = StereoLogMel.for_clip(CLIP_PRESETS["base"], 8)
        >>> layer.frames, layer.hop_length   # 30 video frames x 8; 32000 // 240
        (240, 133)
        """
        frames = clip.frames * int(frames_per_video_frame)
        hop = clip.samples // frames
        if hop < 1:
            raise ValueError(
                f"{frames} spectrogram frames do not fit {clip.samples} samples ({clip.key()})"
            )
        return cls(sample_rate=clip.sample_rate, frames=frames, hop_length=hop, **kwargs)


@keras.saving.register_keras_serializable(package="zoo")
class ClipStandardization(keras.layers.Layer):
    """``(B, T, ...)`` -> the same, minus each clip's mean over time, over the clip's RMS.

    What is the same in every frame of a clip (a scene's colours and texture, a room's and a
    microphone's spectrum, a recording's level) is removed, and what changes (a striker
    moving, a sound starting) is kept at one scale for every clip. The statistics are the
    clip's own, never the batch's or the training set's, so real footage with another
    camera, microphone or gain reaches the encoders in the range synthetic footage did.
    """

    def __init__(self, epsilon: float = 1e-3, **kwargs):
        # float32 under any policy: a clip's mean and RMS are sums over thousands of values.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, x):
        x = x - ops.mean(x, axis=1, keepdims=True)
        axes = tuple(range(1, len(x.shape)))
        return x / ops.sqrt(ops.mean(ops.square(x), axis=axes, keepdims=True) + self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
