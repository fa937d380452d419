"""Train-time augmentation of audio-visual batches, seeded and switchable per kind.

Video: random resized crop, horizontal flip, brightness/contrast/colour jitter, and a small
temporal jitter of the window. Audio: gain, additive noise at a random SNR, a small random
two-band EQ. A horizontal flip swaps the stereo channels of the same sample (what was on the
left of the picture must stay in the left channel). No augmentation changes a label: the
temporal jitter moves the video and audio windows together by whole frames, so the offset of
every pair, and with it a sync label, is exactly kept.

Parameters are drawn for the whole batch at once; the pixel work runs one OpenCV call per
sample over all its frames (no per-frame loop): measured on 2 cores, this is several times
faster than numpy fancy indexing for the crop and the colour transform.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Sequence

import numpy as np

from keras_vis.errors import ConfigError

SWITCHES = ("crop", "flip", "color", "time_jitter", "gain", "noise", "eq")

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
    return settings


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

    def __init__(self, config: dict | bool | None = None, seed: int = 0):
        self.settings = _settings(config)
        self.seed = int(seed)
        self._noise_bank = None

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
    def apply(self, video, audio: np.ndarray, rng: np.random.Generator):
        """Augment one batch. ``video`` is an array (B,T,H,W,3) or a list of B (T,H,W,3) arrays
        (memory-map slices are read once, straight into the output); returns new arrays."""
        batch = len(video)
        params = self._draw(rng, batch, audio.shape[1])
        out_video = self._video(video, params)
        out_audio = self._audio(np.asarray(audio, dtype=np.float32), params, rng)
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
        }

    def _video(self, video, params) -> np.ndarray:
        import cv2

        batch = len(video)
        frames, height, width, _ = video[0].shape
        out = np.empty((batch, frames, height, width, 3), dtype=np.uint8)
        crop = self.settings["crop"] is not None
        flip = self.settings["flip"] is not None
        color = self.settings["color"] is not None
        for i in range(batch):
            clip = video[i]
            tall = out[i].reshape(frames * height, width, 3)  # all frames as one image
            if crop:
                # Area fraction ``scale``, aspect ratio relative to the frame's own.
                scale, aspect = params["scale"][i], params["aspect"][i]
                h = int(np.clip(round(height * np.sqrt(scale / aspect)), 1, height))
                w = int(np.clip(round(width * np.sqrt(scale * aspect)), 1, width))
                y0 = int(params["corner"][i, 0] * (height - h + 1))
                x0 = int(params["corner"][i, 1] * (width - w + 1))
                rows = y0 + ((np.arange(height) + 0.5) * (h / height)).astype(np.intp)
                # Rows by indexing (whole rows, cheap); columns by resizing the stacked frames,
                # which never mixes frames because the image height is unchanged.
                picked = np.asarray(clip[:, rows]).reshape(frames * height, width, 3)[:, x0 : x0 + w]
                cv2.resize(picked, (width, frames * height), dst=tall, interpolation=cv2.INTER_NEAREST)
            else:
                out[i] = clip
            if flip and params["flip"][i]:
                cv2.flip(tall, 1, dst=tall)
            if color:
                cv2.transform(tall, self._color_matrix(tall, params, i), dst=tall)
        return out

    @staticmethod
    def _color_matrix(image: np.ndarray, params: dict, i: int) -> np.ndarray:
        import cv2

        # out = contrast * (saturation-mix(channel_gain * x) - mean) + mean + brightness
        sat = params["saturation"][i]
        mix = sat * np.eye(3) + (1 - sat) * np.tile(_LUMA, (3, 1))
        linear = params["contrast"][i] * mix * params["channel_gain"][i][None, :]
        mean = float(np.dot(cv2.mean(image)[:3], _LUMA))
        offset = (1 - params["contrast"][i]) * mean + params["brightness"][i]
        return np.hstack([linear, np.full((3, 1), offset)])

    def _audio(self, audio: np.ndarray, params: dict, rng) -> np.ndarray:
        out = audio.copy()
        batch, samples, channels = out.shape
        if self.settings["flip"] is not None and channels == 2:
            flipped = params["flip"]
            out[flipped] = out[flipped][:, :, ::-1]
        eq = self.settings["eq"] is not None
        g_low = 10 ** (params["eq_low_db"] / 20) if eq else np.ones(batch)
        g_high = 10 ** (params["eq_high_db"] / 20) if eq else np.ones(batch)
        gain = 10 ** (params["gain_db"] / 20) if self.settings["gain"] is not None else np.ones(batch)
        if eq:
            # Two bands split by the 3-tap low-pass (x[n-1] + 2 x[n] + x[n+1]) / 4, folded into
            # one 3-tap filter with the gain: y = centre * x[n] + side * (x[n-1] + x[n+1]).
            centre = (gain * (g_high + 0.5 * (g_low - g_high))).astype(np.float32)[:, None, None]
            side = (gain * 0.25 * (g_low - g_high)).astype(np.float32)[:, None, None]
            neighbours = np.empty_like(out)
            np.add(out[:, :-2], out[:, 2:], out=neighbours[:, 1:-1])
            neighbours[:, 0] = out[:, 0] + out[:, 1]  # edges repeat their own sample
            neighbours[:, -1] = out[:, -1] + out[:, -2]
            out *= centre
            neighbours *= side
            out += neighbours
        elif self.settings["gain"] is not None:
            out *= gain.astype(np.float32)[:, None, None]
        if self.settings["noise"] is not None:
            noise = self._noise(params["noise_offset"], samples * channels).reshape(out.shape)
            power = np.sqrt(np.mean(np.square(out), axis=(1, 2)) + 1e-12)
            level = power / 10 ** (params["snr_db"] / 20) * params["noise_on"]
            out += noise * level.astype(np.float32)[:, None, None]
        return out

    def _noise(self, offsets: np.ndarray, length: int) -> np.ndarray:
        # A fixed bank of white noise read at random offsets: as random as fresh noise for a
        # batch, and far cheaper than drawing millions of normals per batch.
        if self._noise_bank is None or len(self._noise_bank) < length + _NOISE_BANK_SAMPLES:
            bank_rng = np.random.default_rng([self.seed, 0x5EED])
            self._noise_bank = bank_rng.standard_normal(
                length + _NOISE_BANK_SAMPLES, dtype=np.float32
            )
        return np.stack([self._noise_bank[o : o + length] for o in offsets])
