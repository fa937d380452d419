"""``temporal_conv_fusion`` (seed bonus model, made to fit memory): (2+1)D video, spectrogram
ResNet.

Video: per-frame 2D ResNet stages; after the stages listed in ``temporal_stages`` (1-based), a
residual (3, 1, 1) convolution mixes every feature-map position over time. Spatial work stays
2D, which is what keeps memory far below a full 3D network.
late: the video sequence goes through dilated temporal convolutions and is pooled, then meets
the time-averaged audio embedding. temporal: the per-step concatenation goes through them.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.clip import ClipSpec
from zoo.layers.branches import frame_features, spectrogram_features
from zoo.layers.frames import FoldFrames, UnfoldFrames
from zoo.layers.fusion import (
    classifier_head, convolved_fusion, late_fusion, sequence_pool, temporal_conv_stack,
)
from zoo.layers.inputs import model_inputs
from zoo.layers.parts import assemble
from zoo.layers.resnet import ResNetTrunk
from zoo.preset import sized_presets
from zoo.registry import register_model

_TINY = dict(widths=(8, 16, 32), depths=(1, 1, 1), stem_kernel=3, stem_pool=False, num_mel_bins=32,
             temporal_stages=(2, 3), temporal_width=64, dilations=(1, 2, 4), head_units=64,
             dropout=0.1)
_BASE = dict(widths=(64, 128, 256, 512), depths=(2, 2, 2, 2), stem_kernel=7, num_mel_bins=64,
             temporal_stages=(3, 4), temporal_width=512, dilations=(1, 2, 4), head_units=256,
             dropout=0.2)

# The tiny layout, twice as wide, on 128 x 128 frames at 15 fps.
_SMALL = dict(widths=(16, 32, 64), depths=(1, 1, 1), stem_kernel=3, stem_pool=False,
              num_mel_bins=48, temporal_stages=(2, 3), temporal_width=96, dilations=(1, 2, 4),
              head_units=96, dropout=0.1)

PRESETS = sized_presets(_TINY, _SMALL, _BASE)


def _time_mixing(frames: int, stages: Sequence[int]):
    """``after_stage`` hook: a residual temporal convolution after each listed stage."""

    def mix(stage: int, x):
        if stage + 1 not in stages:
            return x
        name = f"video_s{stage + 1}_time"
        sequence = UnfoldFrames(frames, name=f"{name}_unfold")(x)
        mixed = keras.layers.Conv3D(x.shape[-1], (3, 1, 1), padding="same", use_bias=False,
                                    name=f"{name}_conv")(sequence)
        mixed = keras.layers.BatchNormalization(gamma_initializer="zeros", name=f"{name}_bn")(mixed)
        sequence = keras.layers.Add(name=f"{name}_add")([sequence, mixed])
        sequence = keras.layers.ReLU(name=f"{name}_relu")(sequence)
        return FoldFrames(name=f"{name}_fold")(sequence)

    return mix


@register_model(presets=PRESETS)
def temporal_conv_fusion(clip: ClipSpec, fusion: str, widths: Sequence[int],
                         depths: Sequence[int], stem_kernel: int = 3, stem_pool: bool = True,
                         num_mel_bins: int = 64, temporal_stages: Sequence[int] = (2, 3),
                         temporal_width: int = 64, dilations: Sequence[int] = (1, 2, 4),
                         head_units: int = 64, dropout: float = 0.1) -> keras.Model:
    bad_stages = [s for s in temporal_stages if not 1 <= s <= len(widths)]
    if bad_stages:
        raise ValueError(f"temporal_conv_fusion: temporal_stages {bad_stages} outside "
                         f"1..{len(widths)}")
    inputs = model_inputs(clip)
    video = frame_features(inputs["video"], clip, ResNetTrunk(widths, depths, "video"),
                           stem_kernel, stem_pool,
                           after_stage=_time_mixing(clip.frames, temporal_stages))
    audio = spectrogram_features(inputs["audio"], clip, ResNetTrunk(widths, depths, "audio"),
                                 num_mel_bins, stem_kernel)

    def head(video, audio):
        if fusion == "late":
            video_steps = temporal_conv_stack(video, temporal_width, dilations, "video_tconv")
            video_embedding = sequence_pool(video_steps, "video_time_pool")
            fused = late_fusion(video_embedding, audio)
        else:
            fused = convolved_fusion(video, audio, temporal_width, dilations)
        return classifier_head(fused, head_units, dropout)

    return assemble(inputs, video, audio, head)
