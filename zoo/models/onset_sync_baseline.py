"""``onset_sync_baseline``: the learning-free floor every learned model must beat.

The idea behind ``check-sync`` written as a Keras model: the audio onset envelope against the
drop of visual motion energy, and ``p_real`` from whether they agree best at lag 0
(``zoo.layers.onsets``). It has no weights at all, so it trains to nothing and runs through
``predict``, ``evaluate`` and the results table on every backend like any other zoo model.
"""

from __future__ import annotations

import keras

from zoo.clip import CLIP_PRESETS, ClipSpec
from zoo.layers.inputs import model_inputs
from zoo.layers.onsets import AudioOnsets, LagAgreement, VisualOnsets
from zoo.layers.parts import assemble
from zoo.preset import Preset
from zoo.registry import register_model

# The lags searched reach 0.8 s either way (most of a 2 s clip still overlaps); lag 0 counts
# with one frame either side, since a contact falls between two frames.
PRESETS = {
    name: Preset(CLIP_PRESETS[name], "temporal", {"max_lag_s": 0.8, "tolerance_frames": 1})
    for name in ("tiny", "small", "base")
}


@register_model(presets=PRESETS)
def onset_sync_baseline(clip: ClipSpec, fusion: str, max_lag_s: float = 0.8,
                        tolerance_frames: int = 1, sharpness: float = 10.0) -> keras.Model:
    inputs = model_inputs(clip)
    video = VisualOnsets(name="video_onsets")(inputs["video"])
    audio = AudioOnsets(clip.frames, name="audio_onsets")(inputs["audio"])
    max_lag = max(tolerance_frames + 1, int(round(max_lag_s * clip.fps)))
    return assemble(inputs, video, audio, lambda v, a: LagAgreement(
        max_lag, tolerance_frames, sharpness, name="p_real")([v, a]))
