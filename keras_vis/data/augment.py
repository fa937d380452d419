"""Train-time augmentation of audio-visual batches, seeded and switchable per kind.

Video: random resized crop, horizontal flip, brightness/contrast/colour jitter, and a small
temporal jitter of the window. Audio: gain, additive noise at a random SNR, a small random
two-band EQ, and ``mix``: another sample's sound from the same batch added below the sample's
own, as sounds with nothing in the picture making them (a second drum, music, a neighbour)
are in real footage; the sample's own sound is all still there, at the same offset, so the
label holds (a rare partner cut from the same recording near the same time is the exception).
Footage-like switches degrade a sample as real footage is degraded: a picture filmed smaller,
coded hard or at a lower frame rate (``resolution``, ``compression``, ``framerate``), a sound
track with its highs cut or coded by a lossy audio codec (``bandlimit``, ``codec``).
A horizontal flip swaps the stereo channels of the same sample (what was on the
left of the picture must stay in the left channel). No augmentation changes a label: the
temporal jitter moves the video and audio windows together by whole frames, so the offset of
every pair, and with it a sync label, is exactly kept.

Parameters are drawn for the whole batch at once (crop boxes and colour matrices too); the pixel
work runs per sample over all its frames at once (no per-frame loop), on uint8 throughout: crop
rows by ``np.take`` (one contiguous copy of whole rows, read straight from a memory map), crop
columns by one OpenCV nearest resize of the stacked frames, then an in-place flip and colour
transform. Audio is also done sample by sample, in place in the output, so each sample's few
passes stay in the CPU cache. Measured on 2 cores (``benchmarks/loader.py --baseline REV``):
several times faster than numpy fancy indexing for the crop and the colour transform, and about
a third less CPU per batch than the earlier version, which copied fancy-indexed rows twice and
streamed batch-sized audio temporaries through memory. A thread pool over samples did not help.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Sequence

import numpy as np

from keras_vis.data import codec
from keras_vis.errors import ConfigError

SWITCHES = ("crop", "flip", "color", "time_jitter", "gain", "noise", "eq", "mix",
            "resolution", "compression", "framerate", "bandlimit", "codec")

# Strengths; a switch may be given as a dict overriding some of them, e.g.
# {"crop": {"min_scale": 0.8}}.
DEFAULTS = {
    "crop": {"min_scale": 0.6, "max_aspect": 4 / 3},
    "flip": {"probability": 0.5},
    "color": {"brightness": 0.15, "contrast": 0.25, "saturation": 0.3, "channel_gain": 0.08},
    "time_jitter": {"max_s": 0.2},
    "gain": {"max_db": 6.0},
    "noise": {"probability": 0.5, "snr_db": (10.0, 40.0)},
    "eq": {"max_db": 4.0},
    # snr_db: how far below the sample's own sound the partner's is added.
    "mix": {"probability": 0.5, "snr_db": (0.0, 12.0)},
    # As real footage varies: a picture filmed or stored smaller (scale of each side), coded
    # hard (JPEG quality), at a lower frame rate (each frame held for ``hold`` frames), and a
    # sound track coded with its highs cut (low-pass cut-off in Hz).
    "resolution": {"probability": 0.5, "scale": (0.25, 0.75)},
    "compression": {"probability": 0.5, "quality": (10, 60)},
    "framerate": {"probability": 0.3, "hold": 2},
    "bandlimit": {"probability": 0.5, "cutoff_hz": (2500.0, 7000.0)},
    # A sound track coded and decoded by a lossy codec (keras_vis.data.codec), one of
    # ``codecs`` at one of ``kbps`` (kbit/s) per sample.
    "codec": {"probability": 0.3, "codecs": ("aac", "libopus", "mp2"), "kbps": (16, 24, 32)},
}

_NOISE_BANK_SAMPLES = 1 << 18
_LUMA = np.array([0.299, 0.587, 0.114])


def _settings(config: dict | bool | None) -> dict[str, dict | None]:
    if config is True:
        config = {name: True for name in SWITCHES}
    elif config is None or config is False:
        config = {}
    elif isinstance(config, Mapping):
        config = dict(config)
    else:
        raise ConfigError(
            "augment must be True (every switch at its defaults), False or None (none), or a "
            f"dict of switches ({', '.join(SWITCHES)}); got {type(config).__name__} {config!r}"
        )
    unknown = set(config) - set(SWITCHES)
    if unknown:
        raise ConfigError(
            f"augment: unknown switch(es) {sorted(unknown)}; known: {', '.join(SWITCHES)}"
        )
    settings: dict[str, dict | None] = {}
    for name in SWITCHES:
        value = config.get(name, False)
        if value is False or value is None:
            settings[name] = None
        elif value is True:
            settings[name] = dict(DEFAULTS[name])
        elif isinstance(value, Mapping):
            unknown = set(value) - set(DEFAULTS[name])
            if unknown:
                raise ConfigError(
                    f"augment.{name}: unknown setting(s) {sorted(unknown)}; "
                    f"known: {', '.join(DEFAULTS[name])}"
                )
            settings[name] = {**DEFAULTS[name], **value}
        else:
            raise ConfigError(f"augment.{name} must be true, false or a table, got {value!r}")
    if settings["codec"] is not None:
        settings["codec"] = _checked_codec(settings["codec"])
    return settings


def _checked_codec(settings: dict) -> dict:
    codecs = tuple(settings["codecs"]) if not isinstance(settings["codecs"], str) else ()
    if not codecs:
        raise ConfigError(f"augment.codec.codecs must be a non-empty list of {', '.join(codec.CODECS)}")
    for name in codecs:
        try:
            codec.check_codec(name)
        except ConfigError as error:
            raise ConfigError(f"augment.codec.codecs: {error}") from None
    kbps = tuple(settings["kbps"]) if not isinstance(settings["kbps"], (str, int, float)) else ()
    if not kbps or not all(isinstance(k, int) and not isinstance(k, bool) and 6 <= k <= 320
                           for k in kbps):
        raise ConfigError(f"augment.codec.kbps must be a list of whole kbit/s between 6 and 320, "
                          f"got {settings['kbps']!r}")
    return {**settings, "codecs": codecs, "kbps": kbps}


class Augmenter:
    """Seeded, switchable augmentation of ``(video uint8 (B,T,H,W,3), audio float32 (B,S,C))``.

    ``config`` maps switch names (``SWITCHES``) to True/False or to a dict of settings; True
    alone turns every switch on at its defaults (as ``Augmenter.all()``), False or None none.
    The same seed and ``step`` give the same output, whatever thread computes it.

    Example:
    >>> aug = Augmenter({"flip": True, "gain": True}, seed=0)
    >>> video = np.zeros((2, 4, 8, 8, 3), np.uint8); audio = np.zeros((2, 100, 2), np.float32)
    >>> v, a = aug(video, audio, step=(0, 0))
    >>> v.shape, a.shape
    ((2, 4, 8, 8, 3), (2, 100, 2))
    """

    def __init__(self, config: dict | bool | None = None, seed: int = 0,
                 sample_rate: int = 16000):
        self.settings = _settings(config)
        self.seed = int(seed)
        # The audio's rate, for ``bandlimit``'s cut-off in Hz.
        self.sample_rate = int(sample_rate)
        self._noise_bank = None
        if self.settings["codec"] is not None:
            # Every codec and bit rate asked for, coded once now (each one's delay is measured on
            # the way): one that cannot code this rate fails here, not in the first batch.
            for name in self.settings["codec"]["codecs"]:
                for kbps in self.settings["codec"]["kbps"]:
                    try:
                        codec.codec_delay(name, self.sample_rate, int(kbps))
                    except ConfigError as error:
                        raise ConfigError(f"augment.codec: {error}") from None

    @classmethod
    def all(cls, seed: int = 0) -> "Augmenter":
        return cls({name: True for name in SWITCHES}, seed)

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(name for name, value in self.settings.items() if value is not None)

    def rng(self, step: Sequence[int]) -> np.random.Generator:
        """The generator of one batch: seeded by ``(seed, *step)``, e.g. step = (epoch, index)."""
        return np.random.default_rng([self.seed, *(int(s) for s in step)])

    def __call__(self, video, audio: np.ndarray, step: Sequence[int] = (0,)):
        return self.apply(video, audio, self.rng(step))

    # ------------------------------------------------------------------ windows
    def shift_windows(
        self,
        video_start_s: np.ndarray,
        audio_start_s: np.ndarray,
        video_room_s: np.ndarray,
        audio_room_s: np.ndarray,
        fps: float,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Temporal jitter: move both windows by the same whole number of frames.

        ``*_room_s`` is the latest start that still fits each window. The shift is clamped so
        both windows stay inside their recordings; ``video - audio`` is unchanged exactly (up to
        float rounding), so sync labels and the real-pair tolerance hold.
        """
        video_start_s = np.asarray(video_start_s, dtype=np.float64)
        audio_start_s = np.asarray(audio_start_s, dtype=np.float64)
        settings = self.settings["time_jitter"]
        max_frames = 0 if settings is None else int(np.floor(settings["max_s"] * fps + 1e-9))
        frames = rng.integers(-max_frames, max_frames + 1, len(video_start_s))
        if settings is None:
            return video_start_s, audio_start_s
        lowest = np.maximum(-video_start_s, -audio_start_s)
        highest = np.minimum(video_room_s - video_start_s, audio_room_s - audio_start_s)
        frames = np.clip(frames, np.ceil(lowest * fps - 1e-6), np.floor(highest * fps + 1e-6))
        shift = frames / fps
        return video_start_s + shift, audio_start_s + shift

    # ------------------------------------------------------------------ batches
    def apply(self, video, audio, rng: np.random.Generator):
        """Augment one batch. ``video`` is an array (B,T,H,W,3) or a list of B (T,H,W,3) arrays,
        ``audio`` an array (B,S,C) or a list of B (S,C) arrays (memory-map slices are read once,
        straight into the output); returns new arrays."""
        batch = len(video)
        params = self._draw(rng, batch, len(audio[0]))
        out_video = self._video(video, params)
        out_audio = self._audio(audio, params)
        return out_video, out_audio

    def _draw(self, rng, batch: int, samples: int) -> dict:
        # Every parameter is drawn whatever the switches, so turning one switch off never
        # changes what the others do for the same seed.
        s = {name: self.settings[name] or DEFAULTS[name] for name in SWITCHES}
        scale = rng.uniform(s["crop"]["min_scale"], 1.0, batch)
        log_aspect = rng.uniform(-1, 1, batch) * np.log(s["crop"]["max_aspect"])
        corner = rng.random((batch, 2))
        c = s["color"]
        return {
            "scale": scale,
            "aspect": np.exp(log_aspect),
            "corner": corner,
            "flip": rng.random(batch) < s["flip"]["probability"],
            "brightness": rng.uniform(-1, 1, batch) * c["brightness"] * 255,
            "contrast": 1 + rng.uniform(-1, 1, batch) * c["contrast"],
            "saturation": 1 + rng.uniform(-1, 1, batch) * c["saturation"],
            "channel_gain": 1 + rng.uniform(-1, 1, (batch, 3)) * c["channel_gain"],
            "gain_db": rng.uniform(-1, 1, batch) * s["gain"]["max_db"],
            "noise_on": rng.random(batch) < s["noise"]["probability"],
            "snr_db": rng.uniform(*s["noise"]["snr_db"], batch),
            "noise_offset": rng.integers(0, _NOISE_BANK_SAMPLES, batch),
            "eq_low_db": rng.uniform(-1, 1, batch) * s["eq"]["max_db"],
            "eq_high_db": rng.uniform(-1, 1, batch) * s["eq"]["max_db"],
            # Drawn last, so the parameters above are what they were before this switch.
            "mix_on": rng.random(batch) < s["mix"]["probability"],
            "mix_snr_db": rng.uniform(*s["mix"]["snr_db"], batch),
            "mix_partner": (np.arange(batch) + rng.integers(1, max(batch, 2), batch)) % batch,
            # Drawn after mix, for the same reason.
            "resolution_on": rng.random(batch) < s["resolution"]["probability"],
            "resolution_scale": rng.uniform(*s["resolution"]["scale"], batch),
            "compression_on": rng.random(batch) < s["compression"]["probability"],
            "quality": rng.integers(*s["compression"]["quality"], batch, endpoint=True),
            "framerate_on": rng.random(batch) < s["framerate"]["probability"],
            "hold_phase": rng.integers(0, max(1, s["framerate"]["hold"]), batch),
            "bandlimit_on": rng.random(batch) < s["bandlimit"]["probability"],
            "cutoff_hz": rng.uniform(*s["bandlimit"]["cutoff_hz"], batch),
            # Drawn last: a new switch must leave every earlier draw of a seed as it was.
            "codec_on": rng.random(batch) < s["codec"]["probability"],
            "codec_index": rng.integers(0, len(s["codec"]["codecs"]), batch),
            "codec_kbps": rng.choice(np.asarray(s["codec"]["kbps"]), batch),
        }

    @staticmethod
    def crop_boxes(params: dict, height: int, width: int) -> np.ndarray:
        """The crop of every sample as integer rows ``(y0, x0, h, w)``: area fraction ``scale``,
        aspect ratio relative to the frame's own, placed at ``corner`` of the free room."""
        h = np.clip(np.round(height * np.sqrt(params["scale"] / params["aspect"])), 1, height)
        w = np.clip(np.round(width * np.sqrt(params["scale"] * params["aspect"])), 1, width)
        y0 = (params["corner"][:, 0] * (height - h + 1)).astype(np.intp)
        x0 = (params["corner"][:, 1] * (width - w + 1)).astype(np.intp)
        return np.stack([y0, x0, h.astype(np.intp), w.astype(np.intp)], axis=1)

    def _video(self, video, params) -> np.ndarray:
        import cv2

        batch = len(video)
        frames, height, width, _ = video[0].shape
        out = np.empty((batch, frames, height, width, 3), dtype=np.uint8)
        crop = self.settings["crop"] is not None
        flip = self.settings["flip"] is not None
        color = self.settings["color"] is not None
        boxes = self.crop_boxes(params, height, width) if crop else None
        linear = self._color_linear(params) if color else None
        centres = np.arange(height) + 0.5
        for i in range(batch):
            tall = out[i].reshape(frames * height, width, 3)  # all frames as one image
            if crop:
                y0, x0, h, w = (int(v) for v in boxes[i])
                # Rows by np.take (whole rows, one contiguous copy); columns by resizing the
                # stacked frames, which never mixes frames because the image height is unchanged.
                rows = y0 + (centres * (h / height)).astype(np.intp)
                picked = np.take(video[i], rows, axis=1).reshape(frames * height, width, 3)
                cv2.resize(picked[:, x0 : x0 + w], (width, frames * height), dst=tall,
                           interpolation=cv2.INTER_NEAREST)
            else:
                out[i] = video[i]
            if flip and params["flip"][i]:
                cv2.flip(tall, 1, dst=tall)
            if color:
                # The offset needs the mean of this sample's (cropped) picture.
                mean = float(np.dot(cv2.mean(tall)[:3], _LUMA))
                offset = (1 - params["contrast"][i]) * mean + params["brightness"][i]
                matrix = np.hstack([linear[i], np.full((3, 1), offset)])
                cv2.transform(tall, matrix, dst=tall)
            self._degrade_video(out[i], params, i)
        return out

    def _degrade_video(self, frames: np.ndarray, params: dict, i: int) -> None:
        """In place: lower resolution, hard coding and a lower frame rate, as real footage
        has them (``resolution``, ``compression``, ``framerate``)."""
        import cv2

        count, height, width, _ = frames.shape
        if self.settings["resolution"] is not None and params["resolution_on"][i]:
            scale = params["resolution_scale"][i]
            small = (max(1, int(round(width * scale))), max(1, int(round(height * scale))))
            for t in range(count):
                low = cv2.resize(frames[t], small, interpolation=cv2.INTER_AREA)
                cv2.resize(low, (width, height), dst=frames[t], interpolation=cv2.INTER_LINEAR)
        if self.settings["compression"] is not None and params["compression_on"][i]:
            # All frames as one image: JPEG's 8-row blocks never straddle two frames when the
            # height is a multiple of 8 (every clip preset's is).
            tall = frames.reshape(count * height, width, 3)
            ok, coded = cv2.imencode(".jpg", tall, [cv2.IMWRITE_JPEG_QUALITY,
                                                    int(params["quality"][i])])
            if ok:
                tall[...] = cv2.imdecode(coded, cv2.IMREAD_COLOR).reshape(tall.shape)
        hold = self.settings["framerate"]["hold"] if self.settings["framerate"] else 1
        if hold > 1 and params["framerate_on"][i]:
            shown = np.arange(count) - (np.arange(count) + params["hold_phase"][i]) % hold
            frames[...] = frames[np.maximum(shown, 0)]

    @staticmethod
    def _color_linear(params: dict) -> np.ndarray:
        # out = contrast * (saturation-mix(channel_gain * x) - mean) + mean + brightness; the
        # linear part of every sample at once, (B, 3, 3).
        sat = params["saturation"][:, None, None]
        mix = sat * np.eye(3) + (1 - sat) * _LUMA[None, None, :]
        return params["contrast"][:, None, None] * mix * params["channel_gain"][:, None, :]

    def _audio(self, audio, params: dict) -> np.ndarray:
        # Sample by sample: each one's few passes stay in cache instead of streaming batch-wide
        # temporaries through memory, and a memory-map window is read once, into the output.
        batch = len(audio)
        samples, channels = audio[0].shape
        out = np.empty((batch, samples, channels), dtype=np.float32)
        # A flipped picture swaps the stereo channels of its sample.
        swap = params["flip"] & (self.settings["flip"] is not None and channels == 2)
        eq = self.settings["eq"] is not None
        g_low = 10 ** (params["eq_low_db"] / 20) if eq else np.ones(batch)
        g_high = 10 ** (params["eq_high_db"] / 20) if eq else np.ones(batch)
        gain_on = self.settings["gain"] is not None
        gain = 10 ** (params["gain_db"] / 20) if gain_on else np.ones(batch)
        # Two bands split by the 3-tap low-pass (x[n-1] + 2 x[n] + x[n+1]) / 4, folded into
        # one 3-tap filter with the gain: y = centre * x[n] + side * (x[n-1] + x[n+1]).
        centre = (gain * (g_high + 0.5 * (g_low - g_high))).astype(np.float32)
        side = (gain * 0.25 * (g_low - g_high)).astype(np.float32)
        gain = gain.astype(np.float32)
        noise = self.settings["noise"] is not None
        mix = self.settings["mix"] is not None and batch > 1
        if noise:
            bank = self._bank(samples * channels)
            level_scale = 10 ** (params["snr_db"] / 20)
        scratch = np.empty((samples, channels), dtype=np.float32)
        for i in range(batch):
            x = np.asarray(audio[i], dtype=np.float32)
            y = out[i]
            y[...] = x[:, ::-1] if swap[i] else x
            if mix and params["mix_on"][i]:
                partner = np.asarray(audio[params["mix_partner"][i]], dtype=np.float32)
                ratio = np.sqrt((np.mean(np.square(y)) + 1e-12) / (np.mean(np.square(partner)) + 1e-12))
                y += partner * np.float32(ratio / 10 ** (params["mix_snr_db"][i] / 20))
            if eq:
                np.add(y[:-2], y[2:], out=scratch[1:-1])
                scratch[0] = y[0] + y[1]  # edges repeat their own sample
                scratch[-1] = y[-1] + y[-2]
                y *= centre[i]
                scratch *= side[i]
                y += scratch
            elif gain_on:
                y *= gain[i]
            if noise and params["noise_on"][i]:
                power = np.sqrt(np.mean(np.square(y)) + 1e-12)
                level = np.float32(power / level_scale[i])
                offset = params["noise_offset"][i]
                flat = bank[offset : offset + samples * channels].reshape(samples, channels)
                np.multiply(flat, level, out=scratch)
                y += scratch
            if self.settings["bandlimit"] is not None and params["bandlimit_on"][i]:
                _low_pass(y, params["cutoff_hz"][i] / self.sample_rate)
            if self.settings["codec"] is not None and params["codec_on"][i]:
                # Last, as a file's sound track is coded after everything that made it.
                name = self.settings["codec"]["codecs"][params["codec_index"][i]]
                y[...] = codec.roundtrip(y, self.sample_rate, name, int(params["codec_kbps"][i]))
        return out

    def _bank(self, length: int) -> np.ndarray:
        # A fixed bank of white noise read at random offsets: as random as fresh noise for a
        # batch, and far cheaper than drawing millions of normals per batch.
        if self._noise_bank is None or len(self._noise_bank) < length + _NOISE_BANK_SAMPLES:
            bank_rng = np.random.default_rng([self.seed, 0x5EED])
            self._noise_bank = bank_rng.standard_normal(
                length + _NOISE_BANK_SAMPLES, dtype=np.float32
            )
        return self._noise_bank


def _low_pass(y: np.ndarray, cutoff: float) -> None:
    """In place: remove what lies above ``cutoff`` (a fraction of the sample rate) from each
    channel of ``y`` (samples, channels), with a short raised-cosine edge against ringing."""
    spectrum = np.fft.rfft(y, axis=0)
    freqs = np.fft.rfftfreq(len(y))
    edge = 0.1 * cutoff
    gain = np.clip((cutoff + edge - freqs) / (2 * edge), 0.0, 1.0)
    gain = 0.5 - 0.5 * np.cos(np.pi * gain)
    y[...] = np.fft.irfft(spectrum * gain[:, None], n=len(y), axis=0)
