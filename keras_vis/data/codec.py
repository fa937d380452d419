"""Lossy audio codecs, coded and decoded in memory: what a sound track stored for the web or by a
phone sounds like (the ``codec`` augmentation).

Real footage reaches us through AAC, Opus or MPEG audio at a few tens of kbit/s: besides losing
its highs (``bandlimit``), its quiet parts are quantised away, its transients smear and it gets
the codec's own artefacts. Generated recordings never went through a codec, so the model never
heard any of that. The round trip uses the encoders and decoders of the FFmpeg that PyAV bundles,
so the artefacts are the real ones, not an imitation.

Every encoder delays its output (AAC by 1024 samples, MP2 by 481 at 16 kHz, Opus by its
look-ahead); a delayed sound track would turn a real pair into a shifted one. The delay of each
codec, rate and bit rate is measured once on a noise probe and taken off, so the coded sound
starts on the same sample as the input.
"""

from __future__ import annotations

import functools

import numpy as np

from keras_vis.errors import ConfigError

CODECS = ("aac", "libopus", "mp2")
# Opus decodes at 48 kHz whatever it was fed; its decoder is the same FFmpeg's.
_DECODER = {"aac": "aac", "libopus": "libopus", "mp2": "mp2"}
_PROBE_SECONDS = 1.0
_MAX_DELAY_S = 0.25


def check_codec(codec: str) -> None:
    """Raise :class:`ConfigError` unless ``codec`` is one this module codes and PyAV has."""
    import av

    if codec not in CODECS:
        raise ConfigError(f"audio codec {codec!r} is not one of {', '.join(CODECS)}")
    if codec not in av.codecs_available:
        raise ConfigError(f"audio codec {codec!r}: this PyAV's FFmpeg has no encoder for it")


def roundtrip(audio: np.ndarray, sample_rate: int, codec: str, kbps: int) -> np.ndarray:
    """``audio`` (samples, channels) float32, coded with ``codec`` at ``kbps`` and decoded.

    Returns float32 of the same shape, aligned sample for sample with the input (the codec's
    delay removed). Each channel is coded on its own. A sample louder than full scale is coded
    at a lower level and scaled back, so the codec's integer formats never clip it.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 2:
        raise ValueError(f"audio must be (samples, channels), got shape {audio.shape}")
    delay = codec_delay(codec, int(sample_rate), int(kbps))
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    scale = 0.95 / peak if peak > 0.95 else 1.0
    out = np.empty_like(audio)
    for c in range(audio.shape[1]):
        coded = _code(audio[:, c] * np.float32(scale), sample_rate, codec, kbps,
                      length=len(audio) + delay)
        out[:, c] = coded[delay : delay + len(audio)]
    if scale != 1.0:
        out /= np.float32(scale)
    return out


@functools.lru_cache(maxsize=None)
def codec_delay(codec: str, sample_rate: int, kbps: int) -> int:
    """Samples by which ``codec`` delays its decoded output at this rate and bit rate: where a
    noise probe's coded copy correlates best with it."""
    rng = np.random.default_rng(0xC0DEC)
    probe = (0.2 * rng.standard_normal(int(_PROBE_SECONDS * sample_rate))).astype(np.float32)
    longest = int(_MAX_DELAY_S * sample_rate)
    coded = _code(probe, sample_rate, codec, kbps, length=len(probe) + longest)
    size = 1 << int(np.ceil(np.log2(len(coded) + len(probe))))
    correlation = np.fft.irfft(np.fft.rfft(coded, size) * np.conj(np.fft.rfft(probe, size)), size)
    return int(np.argmax(correlation[: longest + 1]))


def _code(signal: np.ndarray, sample_rate: int, codec: str, kbps: int, length: int) -> np.ndarray:
    """One channel through the encoder and decoder; ``length`` samples out (zero-padded input)."""
    import av
    from av.audio.resampler import AudioResampler

    check_codec(codec)
    encoder = av.CodecContext.create(codec, "w")
    encoder.sample_rate = sample_rate
    encoder.layout = "mono"
    encoder.format = encoder.codec.audio_formats[0].name
    encoder.bit_rate = int(kbps) * 1000
    encoder.thread_count = 1
    try:
        encoder.open()
    except av.FFmpegError as error:
        raise ConfigError(
            f"audio codec {codec!r} cannot code {sample_rate} Hz at {kbps} kbit/s: {error}"
        ) from error
    decoder = av.CodecContext.create(_DECODER[codec], "r")
    decoder.sample_rate = sample_rate
    decoder.layout = "mono"
    if encoder.extradata:
        decoder.extradata = encoder.extradata
    # Back to float at the input's rate, whatever the decoder gives (Opus: 48 kHz).
    resampler = AudioResampler(format="flt", layout="mono", rate=sample_rate)

    frame_size = encoder.frame_size or 1024
    padded = np.zeros(int(np.ceil(length / frame_size)) * frame_size, dtype=np.float32)
    padded[: len(signal)] = signal[:length]
    samples = _to_format(padded, encoder.format.name)
    decoded: list[np.ndarray] = []

    def decode(packet) -> None:  # None flushes the decoder, then the resampler
        frames = decoder.decode(packet) if packet is not None else [*decoder.decode(None), None]
        for frame in frames:
            for out in resampler.resample(frame):
                decoded.append(out.to_ndarray().reshape(-1))

    for start in range(0, len(padded), frame_size):
        frame = av.AudioFrame.from_ndarray(samples[:, start : start + frame_size],
                                           format=encoder.format.name, layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = start
        for packet in encoder.encode(frame):
            decode(packet)
    for packet in encoder.encode(None):
        decode(packet)
    decode(None)
    result = np.concatenate(decoded) if decoded else np.zeros(0, dtype=np.float32)
    if len(result) < length:
        result = np.pad(result, (0, length - len(result)))
    return result[:length].astype(np.float32, copy=False)


def _to_format(signal: np.ndarray, name: str) -> np.ndarray:
    """(1, n) samples in the encoder's sample format (mono, so planar and packed agree)."""
    base = name.rstrip("p")
    if base == "s16":
        return np.clip(np.round(signal * 32767), -32768, 32767).astype(np.int16)[None]
    if base == "s32":
        return np.clip(np.round(signal.astype(np.float64) * 2147483647),
                       -2147483648, 2147483647).astype(np.int32)[None]
    if base == "flt":
        return signal.astype(np.float32)[None]
    raise ConfigError(f"audio encoder sample format {name!r} is not handled")
