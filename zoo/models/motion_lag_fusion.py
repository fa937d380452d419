"""``motion_lag_fusion``: ``lag_sync_fusion``'s lag comparison on encoders that see only motion
and sound onsets.

The ResNet encoders of the other models see whole frames and spectrograms, so they can learn
what a generator's scenes and sounds look like; on real footage that knowledge is wrong. Here
the video encoder sees only where and how much the picture changes (``MotionGrid``: the log
energy of frame differences on a coarse grid, with each cell's mean over the clip removed) and
the audio encoder only the changes of a log-mel spectrogram standardised per clip. Small
convolutions learn which patterns of motion (a striker that moves and stops) and of sound (an
onset) mark a contact, and the centred lag profile of ``lag_sync_fusion`` compares them at
every lag. What it can learn is how a contact moves and sounds, not how a scene looks.
``motion_norm="frame"`` also takes each frame's mean over its cells away (``FrameCentring``: a
camera's shake or a light's flicker moves every cell at once); ``audio_input="flux"`` gives the
audio encoder only the rises of the log-mel (``SpectralFlux``), not its levels;
``motion_input="flow"`` gives the video encoder each cell's direction of motion as well
(``MotionFlow``), so a striker that stops or bounces is told from one that swings past.
``decision="peak"`` calls a pair real by the share of the profile's softmax near lag 0
(``LagPeak``), with no head to fit. late fusion: the time-averaged embeddings concatenated
instead (no timing, for comparison).
"""

from __future__ import annotations

import keras

from zoo.clip import ClipSpec
from zoo.layers.fusion import lag_head
from zoo.layers.frames import FoldFrames, UnfoldFrames
from zoo.layers.inputs import model_inputs
from zoo.layers.onsets import FrameCentring, MotionFlow, MotionGrid, SpectralFlux
from zoo.layers.parts import assemble
from zoo.layers.preprocess import ClipStandardization, StereoLogMel
from zoo.preset import sized_presets
from zoo.registry import register_model

# Cells of 8 x 8 pixels at every size: 64 / 8, 128 / 16, 112 / 14.
_TINY = dict(grid=8, video_widths=(16, 32), audio_width=32, num_mel_bins=32, projection=32,
             max_lag_s=0.8, head_units=32, dropout=0.1)
_SMALL = dict(grid=16, video_widths=(24, 48), audio_width=48, num_mel_bins=48, projection=48,
              max_lag_s=0.8, head_units=64, dropout=0.1)
_BASE = dict(grid=14, video_widths=(32, 64), audio_width=64, num_mel_bins=64, projection=64,
             max_lag_s=0.8, head_units=64, dropout=0.1)

PRESETS = sized_presets(_TINY, _SMALL, _BASE)
# Spectrogram frames per video frame: a sound's start is placed within a quarter frame.
_STEPS_PER_FRAME = 4
MOTION_NORMS = ("clip", "frame")
MOTION_INPUTS = ("energy", "flow")
AUDIO_INPUTS = ("levels", "flux")


def motion_features(video, clip: ClipSpec, grid: int, widths, name: str = "video",
                    motion_norm: str = "clip", motion_input: str = "energy"):
    """uint8 frames -> ``(B, T, widths[-1])``: convolutions over each frame's motion grid
    (spatial max and mean), then one over time. ``motion_norm``: one of ``MOTION_NORMS``;
    ``motion_input="flow"`` adds each cell's direction of motion (``MotionFlow``)."""
    _check_choice("motion_norm", motion_norm, MOTION_NORMS)
    _check_choice("motion_input", motion_input, MOTION_INPUTS)
    x = MotionGrid(grid, name=f"{name}_motion_grid")(video)
    if motion_norm == "frame":
        x = FrameCentring(name=f"{name}_frame_centre")(x)
    x = ClipStandardization(name=f"{name}_clip_standardize")(x)
    if motion_input == "flow":
        # Standardised apart from the energy: one clip-wide scale would let whichever of the
        # two varies more set the other's range.
        flow = MotionFlow(grid, name=f"{name}_motion_flow")(video)
        flow = ClipStandardization(name=f"{name}_flow_standardize")(flow)
        x = keras.layers.Concatenate(name=f"{name}_motion_concat")([x, flow])
    x = FoldFrames(name=f"{name}_fold")(x)
    for i, width in enumerate(widths):
        x = keras.layers.Conv2D(width, 3, padding="same", activation="relu",
                                name=f"{name}_conv{i + 1}")(x)
    mean = keras.layers.GlobalAveragePooling2D(name=f"{name}_pool")(x)
    peak = keras.layers.GlobalMaxPooling2D(name=f"{name}_max_pool")(x)
    x = keras.layers.Concatenate(name=f"{name}_pool_concat")([mean, peak])
    x = UnfoldFrames(clip.frames, name=f"{name}_unfold")(x)
    return keras.layers.Conv1D(widths[-1], 3, padding="same", activation="relu",
                               name=f"{name}_time_conv")(x)


def onset_features(audio, clip: ClipSpec, width: int, num_mel_bins: int, name: str = "audio",
                   audio_input: str = "levels"):
    """Waveform -> ``(B, T, width)``: a per-clip standardised log-mel (or, with
    ``audio_input="flux"``, its rises), a convolution over time that can see each band rise,
    the strongest response within each video frame, then one more convolution over time."""
    _check_choice("audio_input", audio_input, AUDIO_INPUTS)
    mel = StereoLogMel.for_clip(clip, _STEPS_PER_FRAME, num_mel_bins=num_mel_bins,
                                name=f"{name}_log_mel")(audio)
    if audio_input == "flux":
        mel = SpectralFlux(name=f"{name}_flux")(mel)
    x = ClipStandardization(name=f"{name}_clip_standardize")(mel)
    x = keras.layers.Reshape((mel.shape[1], mel.shape[2] * mel.shape[3]),
                             name=f"{name}_bands")(x)
    x = keras.layers.Conv1D(width, 5, padding="same", activation="relu",
                            name=f"{name}_onset_conv")(x)
    x = keras.layers.MaxPooling1D(_STEPS_PER_FRAME, name=f"{name}_per_frame")(x)
    return keras.layers.Conv1D(width, 3, padding="same", activation="relu",
                               name=f"{name}_time_conv")(x)


@register_model(presets=PRESETS)
def motion_lag_fusion(clip: ClipSpec, fusion: str, grid: int, video_widths, audio_width: int,
                      num_mel_bins: int = 32, projection: int = 32, max_lag_s: float = 0.8,
                      head_units: int = 32, dropout: float = 0.1,
                      decision: str = "head", profile_norm: str = "centre",
                      motion_norm: str = "clip", audio_input: str = "levels",
                      motion_input: str = "energy") -> keras.Model:
    inputs = model_inputs(clip)
    video = motion_features(inputs["video"], clip, grid, video_widths, motion_norm=motion_norm,
                            motion_input=motion_input)
    audio = onset_features(inputs["audio"], clip, audio_width, num_mel_bins,
                           audio_input=audio_input)

    def head(video, audio):
        return lag_head(video, audio, clip, fusion, projection, max_lag_s, head_units, dropout,
                        decision, profile_norm)

    return assemble(inputs, video, audio, head)


def _check_choice(option: str, value: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"motion_lag_fusion: {option} must be one of {choices}, got {value!r}")
