"""``siamese_fusion`` (seed Model 2): one ResNet trunk serves frames and spectrograms.

Each modality has its own small stem (3 RGB channels vs 2 audio channels) and its own
BatchNorm statistics inside the trunk; the convolutions are shared.
late: both sequences are averaged over time and concatenated.
temporal: per step, video, audio and their product (agreement in the shared embedding) are
concatenated and mixed over time by dilated temporal convolutions.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.clip import ClipSpec
from zoo.layers.branches import frame_features, spectrogram_features
from zoo.layers.fusion import classifier_head, convolved_fusion, late_fusion
from zoo.layers.inputs import model_inputs
from zoo.layers.parts import assemble
from zoo.layers.resnet import ResNetTrunk
from zoo.preset import sized_presets
from zoo.registry import register_model

_TINY = dict(widths=(8, 16, 32), depths=(1, 1, 1), stem_kernel=3, stem_pool=False, num_mel_bins=32,
             temporal_width=64, dilations=(1, 2, 4), head_units=64, dropout=0.1)
_BASE = dict(widths=(64, 128, 256, 512), depths=(2, 2, 2, 2), stem_kernel=7, num_mel_bins=64,
             temporal_width=512, dilations=(1, 2, 4), head_units=256, dropout=0.2)

# The tiny layout, twice as wide, on 128 x 128 frames at 15 fps.
_SMALL = dict(widths=(16, 32, 64), depths=(1, 1, 1), stem_kernel=3, stem_pool=False,
              num_mel_bins=48, temporal_width=96, dilations=(1, 2, 4), head_units=96,
              dropout=0.1)

PRESETS = sized_presets(_TINY, _SMALL, _BASE)


@register_model(presets=PRESETS)
def siamese_fusion(clip: ClipSpec, fusion: str, widths: Sequence[int], depths: Sequence[int],
                   stem_kernel: int = 3, stem_pool: bool = True, num_mel_bins: int = 64,
                   temporal_width: int = 64, dilations: Sequence[int] = (1, 2, 4),
                   head_units: int = 64, dropout: float = 0.1) -> keras.Model:
    inputs = model_inputs(clip)
    trunk = ResNetTrunk(widths, depths, "shared")
    video = frame_features(inputs["video"], clip, trunk, stem_kernel, stem_pool, branch="video")
    audio = spectrogram_features(inputs["audio"], clip, trunk, num_mel_bins, stem_kernel,
                                 branch="audio")

    def head(video, audio):
        if fusion == "late":
            video_embedding = keras.layers.GlobalAveragePooling1D(name="video_time_mean")(video)
            fused = late_fusion(video_embedding, audio)
        else:
            fused = convolved_fusion(video, audio, temporal_width, dilations)
        return classifier_head(fused, head_units, dropout)

    return assemble(inputs, video, audio, head)
