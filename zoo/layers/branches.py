"""The two encoders every model starts from: frames -> per-frame features, waveform -> per-step
features, both as ``(B, T, C)`` sequences at the video frame rate.
"""

from __future__ import annotations

import keras

from zoo.clip import ClipSpec
from zoo.layers.frames import AxisMean, FoldFrames, FrameMotion, UnfoldFrames
from zoo.layers.preprocess import ClipStandardization, FrameNormalization, StereoLogMel
from zoo.layers.resnet import ResNetTrunk, conv_stem

INPUT_NORMS = ("global", "clip")


def frame_stem(video, clip: ClipSpec, width: int, kernel: int, pool: bool, name: str,
               input_norm: str = "global"):
    """uint8 ``(B, T, H, W, 3)`` -> per-frame stem features with motion, ``(B*T, h, w, width)``.

    The stem convolution sees single frames; its features then get their backward and forward
    differences over time (``FrameMotion``) and a 1x1 convolution mixes the three. Taking the
    differences after the stem instead of on the pixels gives the same view of motion at a
    sixteenth of the activations: on the pixels they made up half of a tiny model's step time.
    ``input_norm="clip"`` standardises the frames per clip first (``ClipStandardization``).
    """
    x = FrameNormalization(name=f"{name}_normalize")(video)
    if input_norm == "clip":
        x = ClipStandardization(name=f"{name}_clip_standardize")(x)
    x = FoldFrames(name=f"{name}_fold")(x)
    if pool:
        x = conv_stem(x, width, kernel, strides=2, pool_strides=None, name=f"{name}_stem")
    else:
        # Patchify: 4x downsampling in one strided conv, never holding full-resolution
        # activations for every frame.
        x = conv_stem(x, width, 4, strides=4, pool_strides=None, name=f"{name}_stem")
    x = UnfoldFrames(clip.frames, name=f"{name}_stem_unfold")(x)
    x = FrameMotion(name=f"{name}_motion")(x)
    x = FoldFrames(name=f"{name}_motion_fold")(x)
    return conv_stem(x, width, 1, strides=1, pool_strides=2 if pool else None,
                     name=f"{name}_motion_mix")


def frame_features(video, clip: ClipSpec, trunk: ResNetTrunk, stem_kernel: int, stem_pool: bool,
                   name: str = "video", branch: str = "", after_stage=None,
                   input_norm: str = "global"):
    """Per-frame ResNet features, spatially pooled: ``(B, T, trunk.out_channels)``.

    Pooling adds the spatial max to the mean: a strike is a small event somewhere in the
    frame, which a mean alone dilutes.
    """
    x = frame_stem(video, clip, trunk.widths[0], stem_kernel, stem_pool, name, input_norm)
    x = trunk(x, branch, after_stage)
    mean = keras.layers.GlobalAveragePooling2D(name=f"{name}_pool")(x)
    peak = keras.layers.GlobalMaxPooling2D(name=f"{name}_max_pool")(x)
    x = keras.layers.Add(name=f"{name}_pool_sum")([mean, peak])
    return UnfoldFrames(clip.frames, name=f"{name}_unfold")(x)


def spectrogram_stem(audio, clip: ClipSpec, width: int, kernel: int, frames_per_step: int,
                     num_mel_bins: int, name: str, input_norm: str = "global"):
    """Waveform -> log-mel with ``frames_per_step`` frames per video frame -> stem.

    The stem halves the mel axis twice and keeps time, so the trunk's own downsampling
    (``frames_per_step``) brings time to exactly ``clip.frames`` steps. The log-mel is
    normalised with the training set's statistics (``input_norm="global"``, a BatchNormalization)
    or with the clip's own (``"clip"``: ``ClipStandardization``, each mel band's mean over the
    clip removed, so a microphone's colour and a recording's level are gone).
    """
    x = StereoLogMel.for_clip(clip, frames_per_step, num_mel_bins=num_mel_bins,
                              name=f"{name}_log_mel")(audio)
    if input_norm == "clip":
        x = ClipStandardization(name=f"{name}_clip_standardize")(x)
    else:
        x = keras.layers.BatchNormalization(name=f"{name}_input_bn")(x)
    return conv_stem(x, width, kernel, strides=(1, 2), pool_strides=(1, 2), name=f"{name}_stem")


def spectrogram_features(audio, clip: ClipSpec, trunk: ResNetTrunk, num_mel_bins: int,
                         stem_kernel: int, name: str = "audio", branch: str = "",
                         input_norm: str = "global"):
    """Spectrogram ResNet features, averaged over mel: ``(B, T, trunk.out_channels)``."""
    x = spectrogram_stem(audio, clip, trunk.widths[0], stem_kernel, trunk.downsampling,
                         num_mel_bins, name, input_norm)
    x = trunk(x, branch)
    return AxisMean(axis=2, name=f"{name}_mel_mean")(x)


def resnet_encoders(inputs: dict, clip: ClipSpec, widths, depths, stem_kernel: int,
                    stem_pool: bool, num_mel_bins: int, input_norm: str = "global"):
    """The two encoders with a ResNet trunk each (not shared): per-frame video features and
    spectrogram features, both ``(B, T, widths[-1])``. ``input_norm``: ``"global"`` or
    ``"clip"`` (see ``frame_stem`` and ``spectrogram_stem``)."""
    if input_norm not in INPUT_NORMS:
        raise ValueError(f"input_norm must be one of {INPUT_NORMS}, got {input_norm!r}")
    video = frame_features(inputs["video"], clip, ResNetTrunk(widths, depths, "video"),
                           stem_kernel, stem_pool, input_norm=input_norm)
    audio = spectrogram_features(inputs["audio"], clip, ResNetTrunk(widths, depths, "audio"),
                                 num_mel_bins, stem_kernel, input_norm=input_norm)
    return video, audio
