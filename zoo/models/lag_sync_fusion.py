"""``lag_sync_fusion``: does the sound line up with the picture best at lag 0?

The video and audio encoders are those of ``resnet_gru_fusion`` (per-frame ResNet with frame
motion; spectrogram ResNet), each ``(B, T, C)`` at the video frame rate. The head compares
them at every lag up to ``max_lag_s`` either way and sees only the centred lag profile
(``zoo.layers.fusion.LagProfile``): how much better one lag agrees than the rest. A fake from
another recording has no peak; a shifted one peaks away from 0. The decision rests on timing,
the one thing a contact shares across footage, rather than on how a scene looks or sounds.
late fusion: the time-averaged embeddings concatenated instead (no timing, for comparison).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo.clip import ClipSpec
from zoo.layers.branches import resnet_encoders
from zoo.layers.fusion import lag_head
from zoo.layers.inputs import model_inputs
from zoo.layers.parts import assemble
from zoo.preset import sized_presets
from zoo.registry import register_model

_TINY = dict(widths=(8, 16, 32), depths=(1, 1, 1), stem_kernel=3, stem_pool=False, num_mel_bins=32,
             projection=64, max_lag_s=0.8, head_units=64, dropout=0.1)
_SMALL = dict(widths=(16, 32, 64), depths=(1, 1, 1), stem_kernel=3, stem_pool=False,
              num_mel_bins=48, projection=96, max_lag_s=0.8, head_units=96, dropout=0.1)
_BASE = dict(widths=(64, 128, 256, 512), depths=(2, 2, 2, 2), stem_kernel=7, num_mel_bins=64,
             projection=256, max_lag_s=0.8, head_units=256, dropout=0.2)

PRESETS = sized_presets(_TINY, _SMALL, _BASE)


@register_model(presets=PRESETS)
def lag_sync_fusion(clip: ClipSpec, fusion: str, widths: Sequence[int], depths: Sequence[int],
                    stem_kernel: int = 3, stem_pool: bool = True, num_mel_bins: int = 64,
                    projection: int = 64, max_lag_s: float = 0.8, head_units: int = 64,
                    dropout: float = 0.1, decision: str = "head", profile_norm: str = "centre",
                    input_norm: str = "global") -> keras.Model:
    inputs = model_inputs(clip)
    video, audio = resnet_encoders(inputs, clip, widths, depths, stem_kernel, stem_pool,
                                   num_mel_bins, input_norm)

    def head(video, audio):
        return lag_head(video, audio, clip, fusion, projection, max_lag_s, head_units, dropout,
                        decision, profile_norm)

    return assemble(inputs, video, audio, head)
