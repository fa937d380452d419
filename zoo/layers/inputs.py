"""The two named inputs every zoo model takes, shaped by the clip spec."""

from __future__ import annotations

import keras

from zoo.clip import ClipSpec


def model_inputs(clip: ClipSpec) -> dict:
    """``video``: uint8 ``(B, T, H, W, 3)``; ``audio``: float32 waveform ``(B, S, channels)``."""
    return {
        "video": keras.Input(shape=clip.video_shape, dtype="uint8", name="video"),
        "audio": keras.Input(shape=clip.audio_shape, dtype="float32", name="audio"),
    }
