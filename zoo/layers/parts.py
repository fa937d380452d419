"""Every zoo model as three named parts: ``video_encoder``, ``audio_encoder``, ``fusion_head``.

As keras-hub keeps a backbone apart from its task (and timm has ``forward_features`` /
``forward_head``), each encoder is a functional ``keras.Model`` inside the saved model, so it
can be frozen (``model.get_layer("video_encoder").trainable = False``), reused or pre-trained,
and ``predict`` runs the video encoder once per window without looking inside the graph.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

PARTS = ("video_encoder", "audio_encoder", "fusion_head")


def assemble(inputs: dict, video_features, audio_features,
             head: Callable[[object, object], object]) -> keras.Model:
    """The model ``inputs -> p_real`` made of its three parts.

    ``video_features`` / ``audio_features`` are the ``(B, T, C)`` outputs of the encoder graphs
    built on ``inputs["video"]`` / ``inputs["audio"]``; ``head(video_seq, audio_seq)`` builds
    the fusion and classifier on two new inputs of those shapes.
    """
    video_encoder = keras.Model(inputs["video"], video_features, name="video_encoder")
    audio_encoder = keras.Model(inputs["audio"], audio_features, name="audio_encoder")
    video_seq = keras.Input(shape=video_features.shape[1:], name="video_features")
    audio_seq = keras.Input(shape=audio_features.shape[1:], name="audio_features")
    fusion_head = keras.Model([video_seq, audio_seq], head(video_seq, audio_seq),
                              name="fusion_head")
    p_real = fusion_head([video_encoder(inputs["video"]), audio_encoder(inputs["audio"])])
    return keras.Model(inputs, p_real)


def parts(model: keras.Model) -> tuple[keras.Model, keras.Model, keras.Model] | None:
    """``(video_encoder, audio_encoder, fusion_head)`` of a zoo model; ``None`` for a model
    built without them (a plain functional graph)."""
    try:
        return tuple(model.get_layer(name) for name in PARTS)
    except ValueError:
        return None
