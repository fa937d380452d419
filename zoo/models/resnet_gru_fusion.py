"""``resnet_gru_fusion`` (seed Model 1): per-frame ResNet + GRU over time, spectrogram ResNet.

late: the video GRU's last state and the time-averaged audio embedding are concatenated.
temporal: per-frame video and per-step audio features are fused step by step and a GRU runs
over the joint sequence (its outputs pooled over time), so it can compare when things are hit
with when they sound.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.clip import ClipSpec
from zoo.layers.branches import resnet_encoders
from zoo.layers.fusion import classifier_head, fuse_steps, late_fusion, sequence_pool
from zoo.layers.inputs import model_inputs
from zoo.layers.parts import assemble
from zoo.preset import sized_presets
from zoo.registry import register_model

_TINY = dict(widths=(8, 16, 32), depths=(1, 1, 1), stem_kernel=3, stem_pool=False, num_mel_bins=32,
             gru_units=64, head_units=64, dropout=0.1)
# ResNet-18 layout for both branches; 512 + 512 features meet in the fusion.
_BASE = dict(widths=(64, 128, 256, 512), depths=(2, 2, 2, 2), stem_kernel=7, num_mel_bins=64,
             gru_units=512, head_units=256, dropout=0.2)

# The tiny layout, twice as wide, on 128 x 128 frames at 15 fps.
_SMALL = dict(widths=(16, 32, 64), depths=(1, 1, 1), stem_kernel=3, stem_pool=False,
              num_mel_bins=48, gru_units=96, head_units=96, dropout=0.1)

PRESETS = sized_presets(_TINY, _SMALL, _BASE)


@register_model(presets=PRESETS)
def resnet_gru_fusion(clip: ClipSpec, fusion: str, widths: Sequence[int], depths: Sequence[int],
                      stem_kernel: int = 3, stem_pool: bool = True, num_mel_bins: int = 64,
                      gru_units: int = 64, head_units: int = 64,
                      dropout: float = 0.1) -> keras.Model:
    inputs = model_inputs(clip)
    video, audio = resnet_encoders(inputs, clip, widths, depths, stem_kernel, stem_pool,
                                   num_mel_bins)

    def head(video, audio):
        if fusion == "late":
            video_embedding = keras.layers.GRU(gru_units, name="video_gru")(video)
            fused = late_fusion(video_embedding, audio)
        else:
            steps = fuse_steps(video, audio, "fusion")
            # Every step's GRU output, pooled (mean and max): one agreeing step anywhere in the
            # clip reaches the head directly instead of through the last state alone.
            steps = keras.layers.GRU(gru_units, return_sequences=True, name="fusion_gru")(steps)
            fused = sequence_pool(steps, "fusion_pool")
        return classifier_head(fused, head_units, dropout)

    return assemble(inputs, video, audio, head)
