"""Synthetic recordings, version 2: everything random except the physics of a contact.

Version 1 (styles ``studio`` and ``outdoor``) draws one cartoon, and models learn the cartoon:
a ring spreading from the contact, flat colour patches, a fat stick, the first hit at 0.35 s.
Here each recording draws its own camera, scene, stick, hand, light, codec and microphone.
What all recordings share is physical: the tip of a drumstick reaches a surface and stops
there (it bends, bounces, dents a soft surface, pushes a light object, kicks up grit) at the
moment the sound of that contact starts, to the audio sample.

Style families (``FAMILIES``) differ in scene layout, materials and sound:
- ``v2-indoor``: walls, desks, shelves, curtains and chairs seen as planes meeting at edges,
  with clutter; room reverb, mains hum, air handling, voices.
- ``v2-tabletop``: a close view of a table with cups, boxes and bottles on it (light ones
  slide when struck); small-room reverb.
- ``v2-outdoor``: ground (dirt, gravel, grass, leaves, rock, puddles) in sun and dappled
  shade; wind, birds, traffic, almost no reverb.
- ``v2`` mixes the families except ``HELD_OUT`` (v2-outdoor), kept for out-of-distribution
  tests; ``v2-all`` mixes all three (nothing held out: for models judged on real footage alone,
  much of which is struck outdoors).
- ``v2-photo`` is ``v2`` with ``PHOTO_RATE`` of the surfaces and backdrops cut from real
  photographs (those scikit-image ships: brick, grass, gravel, text on paper, a cat, coffee,
  coins...), rescaled, turned and tinted: picture statistics no procedure makes.
- ``v2-strikers`` is ``v2``'s recordings struck with mallets, hammers and bare hands as well as
  drumsticks, one striker or two taking turns.
- ``v2-rhythm`` is ``v2``'s recordings with ``RHYTHM_RATE`` of them struck to a steady beat:
  within each burst the contacts come one beat apart (drawn from the dataset's intervals,
  +-``BEAT_JITTER``), as a drummer, a smith or anyone striking over and over does. ``v2``'s
  intervals are drawn one by one, so a model can take "one contact lines up at this lag and no
  other does" for sync; with a beat, the sound one beat early lines up with every contact but
  one, and only the lag itself tells sync from a beat off.

Per recording: frame rate (15-30 fps), frame size (heights and aspect ratios up to the size
asked for), H.264 quality (crf 16-40), shutter (motion blur from sub-frame positions of the
stick and hand), camera shake, handheld drift, zoom and roll, lighting drift and exposure
steps, sensor noise. Audio: modal and noise-burst impacts, scratches as loud as the stroke is
fast, room reverb, background noise, off-screen knocks, gain changes, clipping and band limits
(a low-pass at 8-12 kHz on about a third of the recordings). Distractors move without a
sound. Version 1's ring marks ``RING_RATE`` of the contacts.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import math
from fractions import Fraction
from pathlib import Path

# Heavy imports at the top: this module is only imported to generate v2 recordings, and
# importing it before the worker processes fork spares each of them the import.
import av
import cv2
import numpy as np
import soundfile
from scipy.signal import butter, lfilter, oaconvolve, resample_poly, sosfilt

from keras_vis.data.synthetic import MATERIALS, SAMPLE_RATE, _pan, _quantile_sampler
from keras_vis.errors import DataError

AUDIO_RATE = SAMPLE_RATE // 2  # sounds are made at this rate, written at SAMPLE_RATE
FRAME_RATES = (Fraction(15), Fraction(20), Fraction(24000, 1001), Fraction(25),
               Fraction(30000, 1001), Fraction(30))
RATE_WEIGHTS = (0.3, 0.1, 0.1, 0.15, 0.25, 0.1)
SCALES = (0.625, 0.75, 0.875, 1.0)  # frame height relative to the size asked for
ASPECTS = (16 / 9, 604 / 340, 4 / 3, 3 / 2)
SUBFRAMES = 12  # at most this many stick positions averaged per frame: motion blur
RING_RATE = 0.03
MISS_RATE = 0.08  # swings that stop short of the surface: motion without sound
LOWPASS_RATE = 0.35  # recordings with nothing above 8-12 kHz


@dataclasses.dataclass(frozen=True)
class Family:
    """What one family of scenes is made of and sounds like."""

    layout: str  # "planes": surfaces meeting at edges; "table": objects on a table; "ground"
    materials: tuple[str, ...]  # what the stick strikes (names in MATERIALS)
    backdrops: tuple[str, ...]  # looks that are seen but never struck
    reverb_s: tuple[float, float]  # reverberation time (RT60) of the place
    noises: tuple[str, ...]  # background sound sources
    knocks: tuple[str, ...]  # materials of off-screen sounds
    drift: float  # how handheld the camera is, 0..1
    sun: bool  # hard, dark shadows and dappled light


FAMILIES = {
    "v2-indoor": Family(
        "planes", ("wood", "metal", "plastic", "cloth", "paper", "drywall", "ceramic", "tile",
                   "carpet", "glass", "plastic-bag"),
        ("drywall", "wood", "cloth", "tile", "clutter", "dark"), (0.25, 0.9),
        ("hum", "hvac", "babble", "pink"), ("wood", "drywall", "metal", "ceramic"), 0.6, False),
    "v2-tabletop": Family(
        "table", ("wood", "metal", "plastic", "paper", "ceramic", "glass", "plastic-bag", "cloth"),
        ("drywall", "clutter", "carpet", "dark"), (0.12, 0.45),
        ("hum", "pink", "hvac"), ("wood", "ceramic", "metal", "plastic"), 0.4, False),
    "v2-outdoor": Family(
        "ground", ("dirt", "rock", "leaf", "grass", "water", "gravel"),
        ("foliage", "rock", "sky", "dirt"), (0.0, 0.12),
        ("wind", "birds", "traffic", "pink"), ("rock", "wood", "metal"), 1.0, True),
}
HELD_OUT = "v2-outdoor"
_TRAINED = tuple(name for name in FAMILIES if name != HELD_OUT)
STYLE_FAMILIES = {"v2": _TRAINED, "v2-photo": _TRAINED, "v2-strikers": _TRAINED, "v2-rhythm": _TRAINED,
                  "v2-all": tuple(FAMILIES), **{name: (name,) for name in FAMILIES}}
PHOTO_RATE = 0.5  # style v2-photo: the share of regions whose look is a photograph
# Style v2-strikers: what strikes, and how often two strikers take turns (two drumsticks on a kit,
# two hands on a tabla). Real footage strikes with all of these; v2 only with drumsticks.
STRIKERS = ("drumstick", "mallet", "hammer", "hand")
STRIKER_WEIGHTS = (0.3, 0.2, 0.25, 0.25)
PAIR_RATE = 0.35
# Style v2-rhythm: the share of recordings struck to a steady beat, the beat's jitter (its
# standard deviation, relative), and the gap above which a pause ends a burst.
RHYTHM_RATE = 0.6
BEAT_JITTER = 0.03
BURST_GAP_S = 1.2
# Photographs in scikit-image's package data (shipped in its wheel, nothing downloaded).
PHOTOS = ("brick.png", "grass.png", "gravel.png", "text.png", "coffee.png", "chelsea.png",
          "astronaut.png", "rocket.jpg", "camera.png", "coins.png", "moon.png",
          "motorcycle_left.png", "clock_motion.png")
# Materials light enough to slide when struck, when they are an object on something else.
LIGHT = ("plastic", "paper", "plastic-bag", "ceramic", "glass", "metal")

PALETTES = {
    "wood": ((205, 160, 110), (160, 105, 60), (115, 75, 45), (222, 186, 136), (178, 122, 72)),
    "metal": ((175, 178, 185), (140, 140, 146), (190, 170, 120), (120, 126, 136)),
    "glass": ((200, 225, 225), (170, 200, 190), (212, 216, 222)),
    "ceramic": ((235, 232, 222), (220, 214, 198), (190, 62, 50), (62, 92, 150), (242, 242, 240)),
    "plastic": ((210, 40, 50), (40, 90, 190), (240, 200, 40), (40, 150, 80), (230, 230, 225),
                (32, 32, 36)),
    "tile": ((215, 215, 205), (190, 200, 205), (160, 120, 90), (230, 225, 210)),
    "drywall": ((230, 225, 210), (215, 215, 205), (200, 205, 190), (225, 210, 180),
                (180, 190, 200)),
    "paper": ((245, 245, 240), (235, 230, 210), (220, 220, 215), (200, 170, 120)),
    "cloth": ((60, 80, 160), (140, 160, 190), (150, 40, 45), (90, 90, 95), (200, 190, 170),
              (60, 110, 70)),
    "carpet": ((120, 40, 50), (90, 90, 100), (140, 120, 100), (60, 70, 90)),
    "plastic-bag": ((230, 230, 225), (210, 200, 110), (40, 40, 45), (200, 60, 60), (90, 140, 200)),
    "rock": ((120, 118, 112), (150, 140, 125), (95, 95, 100), (170, 160, 145)),
    "leaf": ((110, 90, 45), (90, 120, 45), (140, 100, 50), (70, 100, 40)),
    "grass": ((70, 130, 45), (95, 140, 55), (120, 130, 60), (60, 105, 40)),
    "dirt": ((110, 80, 50), (130, 100, 70), (90, 70, 50), (150, 120, 85)),
    "gravel": ((150, 145, 135), (125, 120, 115), (170, 160, 145), (110, 105, 100)),
    "water": ((60, 80, 90), (40, 70, 110), (90, 100, 95)),
    "foliage": ((60, 100, 45), (80, 110, 50), (45, 75, 40)),
    "sky": ((150, 185, 230), (200, 210, 220), (120, 160, 210)),
    "dark": ((30, 28, 30), (45, 40, 38), (25, 30, 40)),
    "skin": ((224, 172, 140), (198, 134, 96), (141, 85, 36), (240, 200, 170), (170, 110, 75)),
    "stick": ((215, 180, 130), (225, 195, 150), (190, 150, 100), (200, 170, 125)),
}
STICK_ODD = ((40, 38, 36), (120, 70, 40), (235, 232, 225), (170, 40, 40))  # painted sticks


@dataclasses.dataclass(frozen=True)
class _Media:
    fps: Fraction
    height: int
    width: int
    crf: int
    shutter: float  # exposure as a fraction of the frame interval


@dataclasses.dataclass
class _Region:
    look: str  # a material (or backdrop) name
    mask: np.ndarray  # bool, canvas-sized
    target: bool  # the stick strikes it
    light: bool = False  # a light object: drawn every frame, slides when struck
    solid: bool = False  # an object rather than a plane


@dataclasses.dataclass(frozen=True)
class _Rig:
    """The stick and the hand holding it; lengths in canvas pixels."""

    length: float
    grip: float  # distance of the hand from the tip
    tip_w: float
    butt_w: float
    colour: tuple[float, float, float]
    hand: float  # hand size, 0 when the hand is out of the picture
    skin: tuple[float, float, float]
    sleeve: tuple[float, float, float]
    side: float  # which side of the stick the palm is on, +-1
    forearm: np.ndarray  # polygon in hand units, like _HAND
    toward: np.ndarray  # unit vector from the tip to the hand at rest
    lift_dir: np.ndarray  # unit vector the tip moves along away from the surface
    lift: float
    follow: float  # how much the hand follows the tip
    shadow: np.ndarray  # shadow displacement per pixel of height
    shadow_alpha: float
    kind: str = "drumstick"  # one of STRIKERS
    head: float = 0.0  # mallet: radius of its ball; hammer: length of its head along the swing
    head_w: float = 0.0  # hammer: thickness of its head
    head_colour: tuple[float, float, float] = (0.0, 0.0, 0.0)
    muffle: float | None = None  # a soft striker (felt, skin) dulls the sound: low-pass cutoff, Hz


@dataclasses.dataclass(frozen=True)
class _Event:
    t: float  # contact starts (the annotation), on the audio sample grid
    end: float  # the tip leaves the surface
    point: tuple[float, float]  # contact point on the canvas
    drag: tuple[float, float]  # scratch travel, canvas pixels
    back: bool  # a scratch there and back
    ease: float  # how much a scratch speeds up mid-stroke, 0..0.8
    target: int  # index into the regions
    strength: float
    miss: bool
    labelled: bool
    ring: bool
    striker: int = 0  # which of the plan's strikers makes it: 0 (rig) or 1 (second)

    @property
    def scratch(self) -> bool:
        return self.drag != (0.0, 0.0)


@dataclasses.dataclass(frozen=True)
class _Chain:
    """The microphone and room: how the sounds reach the file."""

    reverb_s: float
    wet: float
    pan_width: float
    noises: tuple[str, ...]
    noise_level: float
    lowpass: float | None
    highpass: float | None
    peak: float  # above 1: the recording clips
    knocks_per_s: float


# ----------------------------------------------------------------------------- looks


def _noise(rng, shape, scale: float) -> np.ndarray:
    """Smooth noise in about [-1, 1] with features about ``scale`` pixels wide."""
    h, w = shape
    small = rng.uniform(-1, 1, (max(2, int(h / scale) + 2), max(2, int(w / scale) + 2)))
    return cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def _fractal(rng, shape, scale: float, octaves: int = 4, roughness: float = 0.55) -> np.ndarray:
    """Noise summed over octaves (a roughly 1/f spectrum, like natural images), unit spread."""
    out = np.zeros(shape, np.float32)
    amplitude = 1.0
    for _ in range(octaves):
        if scale < 1.0:
            break
        out += amplitude * _noise(rng, shape, scale)
        scale, amplitude = scale / 2, amplitude * roughness
    return out / (out.std() + 1e-6)


def _line_noise(rng, coord: np.ndarray, spacing: float) -> np.ndarray:
    """Noise that varies along one coordinate only (grain, fibres, folds)."""
    lo, hi = float(coord.min()), float(coord.max())
    grid = np.arange(lo - spacing, hi + 2 * spacing, spacing, dtype=np.float32)
    values = rng.uniform(-1, 1, len(grid)).astype(np.float32)
    return np.interp(coord, grid, values).astype(np.float32)


def _relief(height: np.ndarray, amount: float, angle: float) -> np.ndarray:
    """Shading of a bumpy surface lit from ``angle``: what makes texture look 3-D."""
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=1, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=1, borderType=cv2.BORDER_REPLICATE)
    return 1 + 0.5 * amount * (math.cos(angle) * gx + math.sin(angle) * gy)


def _tint(rng, name: str) -> np.ndarray:
    """One of the palette's colours for ``name``, jittered in hue and brightness."""
    palette = PALETTES[name]
    colour = np.array(palette[int(rng.integers(len(palette)))], np.float32)
    return colour * rng.uniform(0.88, 1.12, 3).astype(np.float32) * np.float32(rng.uniform(0.8, 1.15))


def _scatter(rng, img: np.ndarray, name: str, count: int, px: float, blades: bool) -> None:
    """Leaves (ellipses) or grass blades (lines) drawn over ``img`` in place."""
    h, w = img.shape[:2]
    xs, ys = rng.integers(0, w, count), rng.integers(0, h, count)
    colours = [_tint(rng, name) for _ in range(4)]
    for x, y, k in zip(xs.tolist(), ys.tolist(), rng.integers(0, 4, count).tolist()):
        c = tuple(float(v) for v in colours[k] * rng.uniform(0.7, 1.25))
        if blades:
            tip = (x + int(rng.normal(0, 2 * px)), y - int(rng.uniform(4, 11) * px))
            cv2.line(img, (x, y), tip, c, max(1, int(px)))
        else:
            axes = (max(1, int(rng.uniform(3, 7) * px)), max(1, int(rng.uniform(1.5, 4) * px)))
            cv2.ellipse(img, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, c, -1)


def _look(rng, name: str, shape, px: float) -> np.ndarray:
    """A float32 RGB picture (0-255) of a material or backdrop, ``shape`` = (h, w)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    across = -xx * math.sin(angle) + yy * math.cos(angle)
    light = rng.uniform(0, 2 * np.pi)
    colour = _tint(rng, "drywall" if name == "clutter" else name)
    lum = np.ones(shape, np.float32)
    if name == "wood":
        warp = _fractal(rng, shape, 50 * px, 2) * rng.uniform(2, 8) * px
        rings = np.sin(2 * np.pi * (across + warp) / (rng.uniform(5, 16) * px))
        fibres = _line_noise(rng, across + 0.3 * warp, 1.2 * px)
        lum += rng.uniform(0.05, 0.2) * rings + rng.uniform(0.04, 0.12) * fibres
        if rng.random() < 0.4:
            lum[np.mod(across, rng.uniform(40, 120) * px) < max(1.0, px)] *= 0.6
    elif name == "metal":
        along = xx * math.cos(angle) + yy * math.sin(angle)
        lum += 0.08 * _line_noise(rng, across, 0.8 * px) + 0.08 * _fractal(rng, shape, 80 * px, 2)
        lum += 0.3 * np.exp(-((along / max(h, w) - rng.uniform(0, 1)) / 0.12) ** 2)
    elif name in ("glass", "ceramic", "plastic"):
        lum += rng.uniform(0.03, 0.12) * _fractal(rng, shape, 100 * px, 2)
        lum += rng.uniform(0.2, 0.6) * np.exp(-((across / max(h, w) - rng.uniform(-0.5, 1)) / 0.06) ** 2)
    elif name == "tile":
        step = rng.uniform(18, 48) * px
        cy, cx = (yy // step).astype(int), (xx // step).astype(int)
        lum *= rng.uniform(0.9, 1.1, (cy.max() + 1, cx.max() + 1)).astype(np.float32)[cy, cx]
        grout = (np.mod(yy, step) < 1.5 * px) | (np.mod(xx, step) < 1.5 * px)
        lum[grout] *= rng.choice([0.6, 1.2])
    elif name == "drywall":
        lum *= _relief(_fractal(rng, shape, 3 * px, 3), rng.uniform(0.1, 0.3), light)
        if rng.random() < 0.4:  # painted cinder blocks
            row = rng.uniform(30, 60) * px
            brick = (np.mod(xx + (np.mod(yy // row, 2)) * row, 2 * row) < 1.5 * px) | (np.mod(yy, row) < 1.5 * px)
            lum[brick] *= 0.82
    elif name == "paper":
        lum += 0.03 * _fractal(rng, shape, 2 * px, 2)
        if rng.random() < 0.5:
            lum[np.mod(across, rng.uniform(8, 16) * px) < 0.8 * px] *= 0.75
    elif name in ("cloth", "carpet"):
        folds = _line_noise(rng, across, rng.uniform(12, 40) * px) if name == "cloth" else 0.0
        weave = np.sin(xx * 2.1 / px) * np.sin(yy * 2.1 / px)
        bumps = _relief(_fractal(rng, shape, 1.5 * px, 2), 0.15 if name == "cloth" else 0.35, light)
        lum *= bumps + 0.2 * folds + 0.08 * weave
    elif name == "plastic-bag":
        crinkle = np.abs(_fractal(rng, shape, 6 * px, 3))
        lum = _relief(crinkle, 0.8, light) + 0.2 * crinkle
    elif name in ("rock", "dirt", "gravel"):
        grain = {"rock": 25, "dirt": 8, "gravel": 2.5}[name] * px
        height = _fractal(rng, shape, grain, 5 if name == "rock" else 3)
        lum = _relief(height * 2 * px, 0.25 if name == "gravel" else 0.6, light) * (1 + 0.12 * height)
        lum *= 1 + rng.uniform(0.05, 0.15) * rng.uniform(-1, 1, shape).astype(np.float32)
        if name == "rock":
            lum[np.abs(_noise(rng, shape, 14 * px)) < 0.025] *= 0.6  # cracks
    elif name == "water":
        waves = np.sin(2 * np.pi * (across / (rng.uniform(5, 10) * px) + 0.5 * _fractal(rng, shape, 30 * px, 2)))
        lum += 0.35 * np.maximum(waves, 0) ** 6 + 0.1 * _fractal(rng, shape, 60 * px, 2)
    elif name == "sky":
        lum += 0.15 * np.maximum(_fractal(rng, shape, 60 * px, 3), 0) - 0.2 * yy / h
    elif name in ("foliage", "dark"):
        lum += (0.35 if name == "foliage" else 0.1) * _fractal(rng, shape, 6 * px, 4)
    img = lum[..., None] * colour
    if name in ("leaf", "grass"):
        img = (img * 0.45 + _tint(rng, "dirt") * 0.55).astype(np.float32)
        _scatter(rng, img, name, int(h * w / ((30 if name == "leaf" else 12) * px * px)), px, name == "grass")
    elif name == "clutter":
        _clutter(rng, img, px)
    # Stains, wear and grain: every surface varies a little, at every scale.
    img *= (1 + rng.uniform(0.02, 0.06) * _fractal(rng, shape, 48 * px, 6, 0.7))[..., None]
    if name == "gravel":  # stones of different colours
        img *= (1 + 0.12 * np.stack([_noise(rng, shape, 2.5 * px) for _ in range(3)], -1))
    return _desaturate(rng, img)


def _desaturate(rng, img: np.ndarray) -> np.ndarray:
    """Part of the way to grey: real surfaces are seldom as saturated as paint chips."""
    grey = img.mean(-1, keepdims=True)
    return (grey + (img - grey) * np.float32(rng.uniform(0.45, 1.0))).astype(np.float32, copy=False)


@functools.lru_cache(maxsize=1)
def _photos() -> tuple[np.ndarray, ...]:
    """scikit-image's shipped photographs as float32 RGB (read with cv2: no skimage import)."""
    spec = importlib.util.find_spec("skimage")
    folder = Path(spec.origin).parent / "data" if spec and spec.origin else None
    paths = [folder / name for name in PHOTOS] if folder else []
    missing = [p.name for p in paths if not p.is_file()]
    if not paths or missing:
        raise DataError(
            "style v2-photo cuts surfaces from the photographs scikit-image ships "
            f"({', '.join(missing) or 'package not installed'}): pip install scikit-image"
        )
    return tuple(cv2.cvtColor(cv2.imread(str(p), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
                 .astype(np.float32) for p in paths)


def _photo_look(rng, name: str, shape, px: float) -> np.ndarray:
    """A float32 RGB crop (0-255) of a photograph, ``shape`` = (h, w): at a random zoom, turned
    and mirrored, tinted part of the way towards the material's colour."""
    photos = _photos()
    photo = photos[int(rng.integers(len(photos)))]
    zoom = rng.uniform(0.35, 1.6) * px
    photo = cv2.resize(photo, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_AREA if zoom < 1
                       else cv2.INTER_LINEAR)
    photo = np.rot90(photo, int(rng.integers(4)))
    if rng.random() < 0.5:
        photo = photo[:, ::-1]
    h, w = shape
    # Mirror-tile a photograph smaller than the region (seams mirror, so they do not jump).
    grow_y, grow_x = max(0, h - photo.shape[0]), max(0, w - photo.shape[1])
    if grow_y or grow_x:
        photo = cv2.copyMakeBorder(np.ascontiguousarray(photo), 0, grow_y, 0, grow_x,
                                   cv2.BORDER_REFLECT)
    y0 = int(rng.integers(photo.shape[0] - h + 1))
    x0 = int(rng.integers(photo.shape[1] - w + 1))
    img = np.array(photo[y0 : y0 + h, x0 : x0 + w], dtype=np.float32)
    mean = img.reshape(-1, 3).mean(0) + 1.0
    toward = rng.uniform(0.0, 0.7)
    tint = _tint(rng, "drywall" if name == "clutter" else name)
    img *= ((1 - toward) + toward * tint / mean)[None, None, :]
    return _desaturate(rng, img)


def _clutter(rng, img: np.ndarray, px: float) -> None:
    """Shelves of things: boxes, books and bottles of several materials, in place."""
    h, w = img.shape[:2]
    for _ in range(int(rng.integers(4, 14))):
        bw, bh = int(rng.uniform(10, 90) * px), int(rng.uniform(10, 80) * px)
        x0, y0 = int(rng.integers(-bw // 2, w)), int(rng.integers(-bh // 2, h))
        x1, y1 = min(w, x0 + bw), min(h, y0 + bh)
        x0, y0 = max(0, x0), max(0, y0)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        kind = str(rng.choice(["wood", "paper", "plastic", "cloth", "metal", "ceramic"]))
        patch = _look(rng, kind, (y1 - y0, x1 - x0), px)
        if rng.random() < 0.5:  # round things
            mask = np.zeros(patch.shape[:2], np.uint8)
            cv2.ellipse(mask, ((x1 - x0) // 2, (y1 - y0) // 2), ((x1 - x0) // 2, (y1 - y0) // 2), 0, 0, 360, 1, -1)
            img[y0:y1, x0:x1][mask > 0] = patch[mask > 0]
        else:
            img[max(0, y0 + 3):min(h, y1 + 3), max(0, x0 + 3):min(w, x1 + 3)] *= 0.7  # shadow
            img[y0:y1, x0:x1] = patch


# ----------------------------------------------------------------------------- layout


def _choose(rng, stats, names: tuple[str, ...], count: int) -> list[str]:
    """``count`` distinct materials, as common as in the real dataset."""
    weights = np.array([stats["material_counts"][n] for n in names], dtype=float)
    count = min(count, len(names))
    return [str(n) for n in rng.choice(names, size=count, replace=False, p=weights / weights.sum())]


def _object_mask(rng, shape, px: float) -> np.ndarray:
    """A cup, bowl, box or book somewhere in the middle of the view."""
    h, w = shape
    mask = np.zeros(shape, np.uint8)
    centre = (int(rng.uniform(0.25, 0.75) * w), int(rng.uniform(0.3, 0.8) * h))
    size = rng.uniform(0.12, 0.32) * h
    if rng.random() < 0.5:
        axes = (int(size * rng.uniform(0.6, 1.2)), int(size * rng.uniform(0.4, 0.9)))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    else:
        box = ((float(centre[0]), float(centre[1])), (size * rng.uniform(1, 2.2), size * rng.uniform(0.6, 1.4)),
               float(rng.uniform(0, 180)))
        cv2.fillPoly(mask, [np.round(cv2.boxPoints(box)).astype(np.int32)], 1)
    return mask > 0


def _layout(rng, stats, family: Family, shape, px: float) -> list[_Region]:
    """The regions of the picture, back to front, and which of them the stick strikes."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    regions: list[_Region] = []
    if family.layout == "planes":
        # Planes meeting at straight edges: a wall and a desk, a curtain beside a wall.
        labels = np.zeros(shape, np.int32)
        for k in range(int(rng.integers(1, 4))):
            cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.25, 0.75) * h
            square = rng.random() < 0.6  # most edges in rooms are near vertical or horizontal
            a = math.radians(rng.choice([0, 90]) + rng.normal(0, 15) if square else rng.uniform(0, 180))
            labels |= (((xx - cx) * math.sin(a) - (yy - cy) * math.cos(a)) > 0).astype(np.int32) << k
        names = iter(_choose(rng, stats, family.materials, 4))
        centre = labels[h // 2, w // 2]
        for label in sorted(np.unique(labels), key=lambda label: label != centre):
            struck = label == centre or rng.random() < 0.35
            look = next(names, None) if struck else None
            look = look or str(rng.choice(family.backdrops))
            regions.append(_Region(look, labels == label, struck and look in family.materials))
        if rng.random() < 0.35:
            regions.append(_object(rng, stats, family, shape, px))
    elif family.layout == "table":
        edge = rng.uniform(-0.25, 0.4) * h + (xx - w / 2) * rng.uniform(-0.15, 0.15)
        table = yy > edge
        regions.append(_Region(str(rng.choice(family.backdrops)), ~table, False))
        top = _choose(rng, stats, ("wood", "cloth", "paper", "metal"), 1)[0]
        regions.append(_Region(top, table, bool(rng.random() < 0.6)))
        for _ in range(int(rng.choice([0, 1, 2], p=[0.3, 0.45, 0.25]))):
            regions.append(_object(rng, stats, family, shape, px))
    else:
        f = _fractal(rng, shape, 0.8 * h, 2)
        names = _choose(rng, stats, family.materials, int(rng.choice([1, 2, 3], p=[0.55, 0.35, 0.1])))
        cuts = np.quantile(f, np.sort(rng.uniform(0.25, 0.75, len(names) - 1)))
        band = np.searchsorted(cuts, f)
        regions += [_Region(name, band == k, True) for k, name in enumerate(names)]
        if rng.random() < 0.3:
            horizon = yy < rng.uniform(0.05, 0.3) * h + (xx - w / 2) * rng.uniform(-0.1, 0.1)
            regions.append(_Region(str(rng.choice(family.backdrops)), horizon, False))
    if not any(r.target for r in regions):
        regions.append(_object(rng, stats, family, shape, px, struck=True))
    return regions


def _object(rng, stats, family: Family, shape, px: float, struck: bool | None = None) -> _Region:
    """An object of one of the family's materials; struck ones that are light may slide."""
    name = _choose(rng, stats, family.materials, 1)[0]
    struck = bool(rng.random() < 0.7) if struck is None else struck
    light = struck and name in LIGHT and rng.random() < 0.7
    return _Region(name, _object_mask(rng, shape, px), struck, light, solid=True)


def _render_scene(rng, family: Family, regions: list[_Region], shape, px: float,
                  photo_rate: float = 0.0):
    """The still picture (uint8 RGB) and the light objects as ``{region: (sprite, x0, y0)}``;
    ``photo_rate`` of the regions look like a photograph rather than a made texture."""
    h, w = shape
    img = np.zeros((h, w, 3), np.float32)
    top = np.full(shape, -1, np.int32)  # which region is in front, for the edges between them
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    field = _lighting(rng, family, shape, px)
    sprites = {}
    for index, region in enumerate(regions):
        ys, xs = np.nonzero(region.mask)
        if not len(ys):
            continue
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        if photo_rate and rng.random() < photo_rate:
            look = _photo_look(rng, region.look, (y1 - y0, x1 - x0), px)
        else:
            look = _look(rng, region.look, (y1 - y0, x1 - x0), px)
        # Each plane faces the light differently: its own level and gradient.
        gx, gy = rng.normal(0, 0.25, 2) / max(h, w)
        slope = 1 + gx * (xx[y0:y1, x0:x1] - w / 2) + gy * (yy[y0:y1, x0:x1] - h / 2)
        look *= (rng.uniform(0.65, 1.15) * slope)[..., None]
        mask = region.mask[y0:y1, x0:x1]
        if region.solid:  # a rounded object: darker towards its rim, as light falls off
            inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
            look *= (0.7 + 0.3 * np.sqrt(inside / (inside.max() + 1e-6)))[..., None]
        if region.light:
            alpha = cv2.GaussianBlur(mask.astype(np.float32), (3, 3), 0)
            sprites[index] = (_sprite(look * field[y0:y1, x0:x1], alpha), int(x0), int(y0))
            continue
        if region.target and family.layout != "ground":  # objects and planes cast a soft shadow
            dy, dx = int(rng.uniform(2, 8) * px), int(rng.uniform(-6, 6) * px)
            img[np.roll(region.mask, (dy, dx), (0, 1)) & ~region.mask] *= rng.uniform(0.6, 0.85)
        img[y0:y1, x0:x1][mask] = look[mask]
        top[region.mask] = index
    if rng.random() < 0.6:  # edges catch the light or fall in shadow
        edges = (top != np.roll(top, 1, 0)) | (top != np.roll(top, 1, 1))
        img[edges] *= rng.choice([0.55, 1.25])
    img *= field
    # A camera's soft shoulder rather than hard clipping of the highlights.
    img = np.where(img > 200, 200 + 55 * np.tanh((img - 200) / 55), img)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:  # out of focus
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.3) * px)
    return img, sprites


def _lighting(rng, family: Family, shape, px: float) -> np.ndarray:
    """Light over the picture: a gradient, a vignette, soft shade, sun flecks, a colour cast."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = (xx - w / 2) / w, (yy - h / 2) / h
    a = rng.uniform(0, 2 * np.pi)
    field = 1 + rng.uniform(0, 0.5) * (math.cos(a) * u + math.sin(a) * v)
    field -= rng.uniform(0, 0.5) * (u ** 2 + v ** 2)
    field *= 1 + rng.uniform(0, 0.1) * _fractal(rng, shape, 0.3 * h, 2)
    if family.sun and rng.random() < 0.35:  # dappled shade under trees
        shade = np.clip(_fractal(rng, shape, 0.15 * h, 3) * 2 - rng.uniform(-1, 1), 0, 1)
        field *= 1 - rng.uniform(0.3, 0.55) * shade
    cast = rng.uniform(0.92, 1.08, 3).astype(np.float32)
    return field[..., None] * (cast / cast.mean()) * np.float32(rng.uniform(0.7, 1.25))


# ----------------------------------------------------------------------------- plan


def _media(rng, size: tuple[int, int]) -> _Media:
    """Frame rate, frame size (at most ``size``, even), codec quality and shutter."""
    def even(value: float) -> int:
        return max(32, int(round(value / 2)) * 2)

    height = even(size[0] * SCALES[int(rng.integers(len(SCALES)))])
    width = min(even(height * ASPECTS[int(rng.integers(len(ASPECTS)))]), int(size[1]))
    fps = FRAME_RATES[int(rng.choice(len(FRAME_RATES), p=RATE_WEIGHTS))]
    crf = int(round(rng.triangular(16, 22, 40)))
    return _Media(fps, height, width, crf, float(rng.uniform(0.25, 1.0)))


def _rig(rng, family: Family, centre: np.ndarray, shape, h: int) -> _Rig:
    """A drumstick held by a hand near or beyond the edge of the picture, pointing at ``centre``."""
    for _ in range(20):  # an angle with room for the stick between the contact and the edge
        toward = rng.normal(0, 1, 2)
        toward /= np.linalg.norm(toward)
        edge = _to_edge(centre, toward, shape)
        if edge > 0.35 * h:
            break
    inside = rng.random() < 0.5
    grip = edge * rng.uniform(0.55, 0.9) if inside else edge + rng.uniform(0.05, 0.3) * h
    length = grip / rng.uniform(0.7, 0.85)
    butt = rng.uniform(0.022, 0.045) * h
    lift_dir = np.array([-toward[1], toward[0]])
    if lift_dir[1] > 0 or rng.random() < 0.2:
        lift_dir = -lift_dir
    lift_dir = _rotate(lift_dir, rng.normal(0, 0.35))
    odd = rng.random() < 0.1
    colour = np.array(STICK_ODD[int(rng.integers(len(STICK_ODD)))] if odd else _tint(rng, "stick"), float)
    a = rng.uniform(0, 2 * np.pi)
    shadow = np.array([math.cos(a), math.sin(a)]) * rng.uniform(0.2, 0.8) if rng.random() < 0.75 else np.zeros(2)
    sun = family.sun and rng.random() < 0.8
    return _Rig(
        length=float(length), grip=float(grip), tip_w=float(butt * rng.uniform(0.35, 0.6)), butt_w=float(butt),
        colour=tuple(np.clip(colour, 0, 255)), hand=float(rng.uniform(0.2, 0.32) * h) if inside else 0.0,
        skin=tuple(np.clip(_tint(rng, "skin"), 0, 255).tolist()), sleeve=tuple(rng.uniform(20, 230, 3).tolist()),
        side=float(rng.choice([-1, 1])), forearm=_forearm(rng.uniform(-0.6, 0.6)), toward=toward,
        lift_dir=lift_dir,
        lift=float(rng.uniform(0.25, 0.55) * h), follow=float(rng.uniform(0.1, 0.5)),
        shadow=shadow,
        shadow_alpha=float(rng.uniform(0.45, 0.7) if sun else rng.uniform(0.12, 0.35)),
    )


def _rotate(v: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def _to_edge(p: np.ndarray, direction: np.ndarray, shape) -> float:
    """Distance from ``p`` along ``direction`` to the border of a canvas of ``shape``."""
    size = np.array([shape[1], shape[0]], float)
    with np.errstate(divide="ignore"):
        steps = np.where(direction > 0, (size - p) / direction, np.where(direction < 0, -p / direction, np.inf))
    return float(steps.min())


def _forearm(angle: float) -> np.ndarray:
    """The forearm from the wrist out of the picture, ``angle`` (radians) off the stick."""
    arm = np.array([math.cos(angle), math.sin(angle)])
    wrist, normal = np.array([0.7, 0.45]), np.array([-arm[1], arm[0]]) * 0.42
    return np.array([wrist + normal, wrist + normal + 12 * arm, wrist - normal + 12 * arm, wrist - normal])


def _times(rng, stats, seconds: float):
    """Contact times and scratch lengths from the dataset's rate and interval figures."""
    rate = _quantile_sampler(stats["events_per_second_quantiles"])(rng)
    interval = _quantile_sampler(stats["inter_event_interval_s_quantiles"])
    actions = stats["action_counts"]
    scratch_share = actions["scratch"] / (actions["scratch"] + actions["hit"])
    first = rng.uniform(0.1, min(2.5, 0.35 * seconds))
    tail = rng.uniform(0.25, 0.6)
    count = max(1, int(round(rate * seconds / (1.0 - MISS_RATE))))
    drag_s = np.where(rng.random(count) < scratch_share, rng.uniform(0.15, 0.5, count), 0.0)
    # Some hits rest on the surface for a moment before the stick lifts.
    dwell = np.where((drag_s == 0) & (rng.random(count) < 0.3), rng.uniform(0.03, 0.15, count), 0.0)
    gaps = np.maximum(interval(rng, count), drag_s + dwell + rng.uniform(0.2, 0.3, count))
    slots = np.zeros(count)
    spare = seconds - first - tail - float(gaps[:-1].sum())
    if spare > 0:  # people strike in bursts: most of the spare time goes to a few pauses
        pauses = int(rng.integers(1, 4))
        shares = rng.dirichlet(np.ones(pauses)) * spare * rng.uniform(0.5, 1.0)
        np.add.at(slots, rng.integers(0, count, pauses), shares)
    times = first + slots[0] + np.concatenate([[0.0], np.cumsum(gaps[:-1] + slots[1:])])
    times = np.round(times * AUDIO_RATE) / AUDIO_RATE
    keep = times + drag_s + dwell <= seconds - tail
    keep[0] = True
    return times[keep], drag_s[keep], dwell[keep]


def _plan_events(rng, stats, seconds: float, regions: list[_Region], inner, h: int) -> list[_Event]:
    """Where and how each contact happens: the stick wanders over the struck regions."""
    targets = [i for i, r in enumerate(regions) if r.target]
    step = max(2, h // 48)
    x0, y0, x1, y1 = inner
    points = {}
    for i in targets:
        ys, xs = np.nonzero(regions[i].mask[y0:y1:step, x0:x1:step])
        points[i] = np.stack([xs * step + x0, ys * step + y0], 1).astype(float)
    targets = [i for i in targets if len(points[i])] or [max(points, key=lambda i: len(points[i]))]
    labelled_share = 1.0 - stats["action_counts"]["None"] / stats["events_total"]
    times, drag_s, dwell = _times(rng, stats, seconds)
    events, target, point = [], targets[0], None
    for t, d_s, rest in zip(times.tolist(), drag_s.tolist(), dwell.tolist()):
        if rng.random() < 0.25 or target not in targets:
            target = targets[int(rng.integers(len(targets)))]
        near = None if point is None else point + rng.normal(0, 0.05 * h, 2)
        stay = near is not None and rng.random() < 0.7
        if stay and _inside(near, inner) and regions[target].mask[int(near[1]), int(near[0])]:
            point = near
        else:
            point = points[target][int(rng.integers(len(points[target])))]
        drag = (0.0, 0.0)
        if d_s > 0:
            a = rng.uniform(0, 2 * np.pi)
            reach = rng.uniform(0.08, 0.3) * h * np.array([math.cos(a), math.sin(a)])
            end = np.clip(point + reach, inner[:2], inner[2:])
            drag = tuple((end - point).tolist()) if np.any(end != point) else (1.0, 0.0)
        back = bool(d_s > 0 and rng.random() < 0.3)
        events.append(_Event(
            t=float(t), end=float(t + d_s + rest), point=(float(point[0]), float(point[1])), drag=drag, back=back,
            ease=float(rng.uniform(0, 0.8)), target=target, strength=float(rng.uniform(0.3, 1.0)),
            miss=bool(rng.random() < MISS_RATE), labelled=bool(rng.random() < labelled_share),
            ring=bool(rng.random() < RING_RATE),
        ))
    if all(e.miss for e in events):
        events[0] = dataclasses.replace(events[0], miss=False)
    return events


def _inside(p: np.ndarray, box) -> bool:
    return box[0] <= p[0] < box[2] and box[1] <= p[1] < box[3]


def _chain(rng, family: Family) -> _Chain:
    """Room, microphone and recorder settings for one recording."""
    rt = rng.uniform(*family.reverb_s)
    count = int(rng.integers(1, 4))
    return _Chain(
        reverb_s=float(rt) if rt > 0.04 else 0.0, wet=float(rng.uniform(0.05, 0.5)),
        pan_width=float(rng.uniform(0, 1)),
        noises=tuple(str(n) for n in rng.choice(family.noises, min(count, len(family.noises)), replace=False)),
        noise_level=float(10 ** rng.uniform(-3.0, -1.6)),
        lowpass=float(rng.uniform(8000, 12000)) if rng.random() < LOWPASS_RATE else None,
        highpass=float(rng.uniform(60, 250)) if rng.random() < 0.2 else None,
        peak=float(rng.uniform(1.05, 1.6) if rng.random() < 0.12 else rng.uniform(0.2, 0.95)),
        knocks_per_s=float(rng.uniform(0, 0.25)),
    )


@dataclasses.dataclass(frozen=True)
class _Plan:
    family: str
    media: _Media
    pad: int
    regions: list[_Region]
    rig: _Rig
    events: list[_Event]
    chain: _Chain
    frames: int
    seconds: float
    photo_rate: float = 0.0
    second: _Rig | None = None  # a second striker, taking turns with the first

    def strikers(self) -> list[_Plan]:
        """One plan per striker, holding only the events it makes."""
        if self.second is None:
            return [self]
        return [dataclasses.replace(self, rig=rig, events=[e for e in self.events if e.striker == k], second=None)
                for k, rig in enumerate((self.rig, self.second))]


def _plan(task: dict) -> _Plan:
    """Everything about one recording that is drawn before any pixel or sample is made."""
    rng = np.random.default_rng(task["seed"])
    names = STYLE_FAMILIES[task["style"]]
    family_name = names[int(rng.integers(len(names)))]
    family = FAMILIES[family_name]
    media = _media(rng, task["size"])
    h, w = media.height, media.width
    frames = int(math.floor(task["seconds"] * media.fps + 1e-9))
    seconds = frames / float(media.fps)
    pad = max(4, int(round(0.08 * h)))
    shape = (h + 2 * pad, w + 2 * pad)
    regions = _layout(np.random.default_rng([*task["seed"], 1]), task["stats"], family, shape, h / 256)
    inner = (pad + int(0.1 * w), pad + int(0.12 * h), pad + int(0.9 * w), pad + int(0.88 * h))
    events = _plan_events(rng, task["stats"], seconds, regions, inner, h)
    centre = np.mean([e.point for e in events], axis=0)
    rig = _rig(rng, family, centre, shape, h)
    photo_rate = PHOTO_RATE if task["style"] == "v2-photo" else 0.0
    chain, second = _chain(rng, family), None
    if task["style"] == "v2-strikers":  # its own stream: the scene and events stay v2's
        srng = np.random.default_rng([*task["seed"], 4])
        kind = STRIKERS[int(srng.choice(len(STRIKERS), p=STRIKER_WEIGHTS))]
        rig = _striker(srng, rig, kind, h)
        if len(events) >= 2 and srng.random() < PAIR_RATE:
            events = _take_turns(srng, events)
            centre = np.mean([e.point for e in events if e.striker == 1], axis=0)
            second = _striker(srng, _rig(srng, family, centre, shape, h), kind, h)
    if task["style"] == "v2-rhythm":  # its own stream: the scene and the contacts' places stay v2's
        events = _steady_beat(np.random.default_rng([*task["seed"], 5]), task["stats"], events, seconds)
    return _Plan(family_name, media, pad, regions, rig, events, chain, frames, seconds, photo_rate, second)


def _steady_beat(rng, stats, events: list[_Event], seconds: float) -> list[_Event]:
    """``events`` re-timed (``RHYTHM_RATE`` of the time) so that the contacts of each burst come
    one beat apart; pauses between bursts stay, and contacts that no longer fit are dropped."""
    if len(events) < 3 or rng.random() >= RHYTHM_RATE:
        return events
    # A beat of at most 1 s, so that a 2 s clip holds two of them.
    beat = float(np.clip(_quantile_sampler(stats["inter_event_interval_s_quantiles"])(rng), 0.25, 1.0))
    timed = [events[0]]
    for before, event in zip(events, events[1:]):
        gap = event.t - before.t
        last = timed[-1]
        # The stick needs its stroke, its drag and its rest between two contacts: a long
        # scratch skips beats, as a player rests on one.
        room = (last.end - last.t) + 0.2
        if gap <= BURST_GAP_S:
            gap = beat * math.ceil(room / beat - 1e-9) * (1.0 + BEAT_JITTER * float(rng.standard_normal()))
        t = round((last.t + max(gap, room)) * AUDIO_RATE) / AUDIO_RATE
        if t + (event.end - event.t) > seconds - 0.25:
            break
        timed.append(dataclasses.replace(event, t=t, end=t + (event.end - event.t)))
    return timed


def _striker(rng, rig: _Rig, kind: str, h: int) -> _Rig:
    """``rig`` made into a striker of ``kind``: a drumstick as drawn, a mallet (a ball on a thin
    handle), a hammer (a heavy head across a thick handle) or a bare hand (no stick at all)."""
    if kind == "mallet":
        return dataclasses.replace(
            rig, kind=kind, head=float(rng.uniform(0.02, 0.045) * h), tip_w=rig.butt_w * float(rng.uniform(0.4, 0.7)),
            head_colour=tuple(np.clip(_tint(rng, str(rng.choice(["cloth", "plastic", "dark"]))), 0, 255).tolist()),
            muffle=float(rng.uniform(1500, 5000)))
    if kind == "hammer":
        head = float(rng.uniform(0.07, 0.14) * h)
        metal = _tint(rng, "metal") * rng.uniform(0.35, 1.0)
        return dataclasses.replace(
            rig, kind=kind, head=head, head_w=head * float(rng.uniform(0.3, 0.45)),
            tip_w=rig.butt_w * float(rng.uniform(0.85, 1.1)), head_colour=tuple(np.clip(metal, 0, 255).tolist()))
    if kind == "hand":  # the hand is the striker: always in the picture, the arm out of it
        hand = float(rng.uniform(0.14, 0.24) * h)
        return dataclasses.replace(rig, kind=kind, hand=hand, grip=0.0, length=0.5 * hand, tip_w=0.5 * hand,
                                   muffle=float(rng.uniform(800, 3500)))
    return rig


def _take_turns(rng, events: list[_Event]) -> list[_Event]:
    """Share the contacts between two strikers: mostly alternating, sometimes one twice."""
    turns = [0]
    for _ in events[1:]:
        turns.append(turns[-1] ^ int(rng.random() < 0.75))
    if 1 not in turns:
        turns[-1] = 1
    return [dataclasses.replace(e, striker=k) for e, k in zip(events, turns)]


# ----------------------------------------------------------------------------- motion


def _stroke(u: np.ndarray, back: bool, ease: float) -> np.ndarray:
    """How far along a scratch the tip is (0..1, or 0..1..0 there and back) at phase u in [0, 1].

    The tip lands moving and is fastest mid-stroke; ``ease`` sets how much faster."""
    if back:
        u = 1 - np.abs(1 - 2 * u)
    return u - ease * np.sin(2 * np.pi * u) / (2 * np.pi)


def _slides(rng, plan: _Plan) -> dict[int, list[tuple[float, np.ndarray]]]:
    """Per light object, the pushes it gets: (time, displacement) for each hit on it."""
    slides: dict[int, list[tuple[float, np.ndarray]]] = {}
    h = plan.media.height
    for e in plan.events:
        if plan.regions[e.target].light and not e.miss and not e.scratch:
            pushes = slides.setdefault(e.target, [])
            sofar = sum((d for _, d in pushes), np.zeros(2))
            away = -plan.rig.toward if np.linalg.norm(sofar) < 0.06 * h else -sofar / np.linalg.norm(sofar)
            pushes.append((e.t, _rotate(away, rng.normal(0, 0.6)) * e.strength * rng.uniform(0.01, 0.05) * h))
    return slides


def _offset(pushes, t: np.ndarray) -> np.ndarray:
    """Where a light object is (offset from rest, (N, 2)) at times ``t``: a slide and a wobble."""
    out = np.zeros((len(t), 2))
    for t0, d in pushes:
        s = np.maximum(t - t0, 0.0)[:, None]
        wobble = 0.3 * np.exp(-s / 0.1) * np.sin(2 * np.pi * 9 * s)
        out += d * (1 - np.exp(-s / 0.05)) + np.array([-d[1], d[0]]) * wobble
    return out


def _kinematics(rng, plan: _Plan, ts: np.ndarray, slides) -> dict[str, np.ndarray]:
    """Tip, stick direction (tip to hand) and height at times ``ts``, and how much the stick bends.

    Between contacts the tip rises fast (the bounce), hovers and winds down faster and
    faster onto the next contact point; it rests exactly on the surface from ``t`` to ``end``.
    """
    rig, events, h = plan.rig, plan.events, plan.media.height
    points = np.array([e.point for e in events])
    for i, e in enumerate(events):
        if e.target in slides:
            points[i] += _offset(slides[e.target], np.array([e.t]))[0]
    drags = np.array([e.drag for e in events])
    ends = points + np.where([e.back for e in events], 0, 1)[:, None] * drags
    key_t = np.ravel([[e.t, e.end + 1e-6] for e in events])
    key_p = np.stack([points, ends], 1).reshape(-1, 2)
    surface = np.stack([np.interp(ts, key_t, key_p[:, k]) for k in (0, 1)], 1)
    floor = np.array([rig.lift * rng.uniform(0.2, 0.5) if e.miss else 0.0 for e in events])
    starts, stops = np.array([e.t for e in events]), np.array([e.end for e in events])
    before = np.concatenate([[10.0], starts[1:] - stops[:-1]])  # idle time before each contact
    after = np.concatenate([before[1:], [10.0]])
    # A short gap leaves time for a small swing only.
    apex = rig.lift * rng.uniform(0.7, 1.15, len(events)) * (0.6 + 0.4 * np.array([e.strength for e in events]))
    apex = np.minimum(apex, rig.lift * before / 0.5)
    tau_in = np.minimum(rng.uniform(0.12, 0.35, len(events)), 0.55 * before)
    tau_out = np.minimum(rng.uniform(0.06, 0.2, len(events)), 0.45 * after)
    last = np.searchsorted(starts, ts, side="right") - 1  # the latest contact begun; -1 before the first
    prev, nxt = np.maximum(last, 0), np.minimum(last + 1, len(events) - 1)
    rise = 1 - (1 - np.clip((ts - stops[prev]) / tau_out[prev], 0, 1)) ** 2
    fall = 1 - (1 - np.clip((starts[nxt] - ts) / tau_in[nxt], 0, 1)) ** 2
    up = np.where(last >= 0, floor[prev] + (apex[nxt] - floor[prev]) * rise, np.inf)
    down = np.where(last + 1 < len(events), floor[nxt] + (apex[nxt] - floor[nxt]) * fall, np.inf)
    height = np.where((last >= 0) & (ts <= stops[prev]), floor[prev], np.minimum(up, down))
    height = np.where(np.isinf(height), apex[-1], height)
    bend = np.zeros(len(ts))
    for j, e in enumerate(events):
        if e.scratch:
            on = (ts >= e.t) & (ts <= e.end)
            surface[on] = points[j] + _stroke((ts[on] - e.t) / (e.end - e.t), e.back, e.ease)[:, None] * drags[j]
        if e.miss:
            continue
        since = ts - e.t
        # Until the next contact, which starts from rest exactly on its point.
        after_contact = (since >= 0) & (ts < (events[j + 1].t if j + 1 < len(events) else np.inf))
        decay = np.exp(-np.maximum(since, 0) / 0.08)
        soft = MATERIALS[plan.regions[e.target].look].reaction == "deformation"
        if soft:  # the tip sinks into a soft surface and comes back out
            height -= after_contact * e.strength * 0.025 * h * (1 - np.exp(-np.maximum(since, 0) / 0.01)) * decay
        if not e.scratch:  # the stick flexes as it stops, then rings
            amp = e.strength * rng.uniform(0.005, 0.02) * rig.length * (0.4 if soft else 1.0)
            ring = np.exp(-np.maximum(since, 0) / 0.05) * np.cos(2 * np.pi * rng.uniform(12, 25) * since)
            bend += after_contact * amp * ring
    # The hand sways a little while the stick is up, never while it is on the surface.
    keys = np.arange(-1.0, ts.max() + 2.0, rng.uniform(0.3, 0.8))
    sway = np.stack([np.interp(ts, keys, rng.normal(0, 1, len(keys))) for _ in range(2)], 1)
    lifted = np.clip(height / rig.lift, 0, 1)[:, None]
    tip = surface + rig.lift_dir * height[:, None] + sway * rng.uniform(0.01, 0.05) * h * lifted
    anchor = points.mean(0) + rig.toward * rig.grip
    hand = anchor + rig.follow * (tip - points.mean(0)) + sway[:, ::-1] * 0.02 * h
    toward = hand - tip
    toward /= np.linalg.norm(toward, axis=1, keepdims=True)
    return {"tip": tip, "toward": toward, "height": np.maximum(height, 0), "bend": bend}


# ----------------------------------------------------------------------------- drawing


def _ellipse(centre, axes, n: int = 12) -> np.ndarray:
    """An ellipse as an (n, 2) polygon."""
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([centre[0] + axes[0] * np.cos(a), centre[1] + axes[1] * np.sin(a)], 1)


# The hand in units of its size: u along the stick (towards the butt), v across. Palm and
# thumb behind the stick, then four fingers wrapped round it, kept as one array to place
# them in one go.
_HAND = [_ellipse((0.2, 0.45), (0.55, 0.45), 14), _ellipse((-0.3, 0.12), (0.32, 0.1), 10),
         *(_ellipse((u, -0.08), (0.11, 0.22), 8) for u in (-0.25, -0.03, 0.19, 0.4))]
_PALM_PARTS = 2
_HAND_POINTS = np.concatenate(_HAND)
_HAND_SPLITS = np.cumsum([len(p) for p in _HAND])[:-1]
_CIRCLE = _ellipse((0.0, 0.0), (1.0, 1.0), 10)
_SEGMENTS = np.linspace(0, 1, 8)


def _stick_shapes(rig: _Rig, tip, toward, bend: float, height: float):
    """Polygons of the stick (body, highlight), a mallet's or hammer's head, their shadow and
    the hand and arm, for one pose. ``tip`` is the point that touches the surface."""
    across = np.array([-toward[1], toward[0]])
    if rig.kind == "hand":  # the fingers touch: palm and arm behind them, away from the surface
        side = 1.0 if across @ rig.lift_dir >= 0 else -1.0
        grip = tip + 0.3 * rig.hand * side * across
        placed = _place_hand(rig, grip, toward, across, side)
        palm = np.split(placed[:len(_HAND_POINTS)], _HAND_SPLITS)
        return {"palm": palm[:_PALM_PARTS], "fingers": palm[_PALM_PARTS:], "arm": [placed[len(_HAND_POINTS):]],
                "shadow": [p + rig.shadow * height for p in palm[:_PALM_PARTS]]}
    s = _SEGMENTS[:, None]
    # A mallet's ball or a hammer's head sits between the contact and the handle.
    root = tip + rig.lift_dir * (rig.head if rig.kind == "mallet" else rig.head / 2)
    centre = root + s * rig.length * toward + 4 * s * (1 - s) * bend * across
    width = (rig.tip_w + (rig.butt_w - rig.tip_w) * np.clip(s / 0.35, 0, 1)) / 2
    body = np.concatenate([centre + width * across, (centre - width * across)[::-1]])
    shine = np.concatenate([centre[1:] + 0.45 * width[1:] * across, (centre[1:] + 0.1 * width[1:] * across)[::-1]])
    lifted = np.concatenate([height + s[:, 0] * rig.length * 0.4] * 2)[:, None]
    shapes = {"stick": [body], "shine": [shine], "shadow": [body + rig.shadow * lifted]}
    if rig.kind == "drumstick":
        shapes["stick"].append(tip + 0.6 * rig.tip_w * _CIRCLE)  # the drumstick's bead
    else:
        if rig.kind == "mallet":
            head = root + rig.head * _CIRCLE
        else:  # a block from the face on the surface up along the swing
            normal = np.array([-rig.lift_dir[1], rig.lift_dir[0]]) * rig.head_w / 2
            head = np.array([tip + normal, tip - normal, tip - normal + rig.lift_dir * rig.head,
                             tip + normal + rig.lift_dir * rig.head])
        shapes["head"] = [head]
        shapes["shadow"].append(head + rig.shadow * height)
    if rig.hand:
        placed = _place_hand(rig, root + rig.grip * toward, toward, across, rig.side)
        parts = np.split(placed[:len(_HAND_POINTS)], _HAND_SPLITS)
        shapes["palm"], shapes["fingers"] = parts[:_PALM_PARTS], parts[_PALM_PARTS:]
        shapes["arm"] = [placed[len(_HAND_POINTS):]]
    return shapes


def _place_hand(rig: _Rig, grip, toward, across, side: float) -> np.ndarray:
    """The hand and forearm polygons' points (``_HAND_POINTS`` then the forearm) around ``grip``."""
    local = np.concatenate([_HAND_POINTS, rig.forearm])
    return grip + local[:, :1] * (toward * rig.hand) + local[:, 1:] * (across * rig.hand * side)


def _blend(canvas: np.ndarray, subs: list[list[np.ndarray]], colour, opacity: float) -> None:
    """Paint the mean coverage of one polygon set per sub-frame time (motion blur), in place.

    ``colour`` None darkens instead (a shadow)."""
    if len(subs) == 1 and opacity == 1 and colour is not None:  # still: draw straight on
        paint = tuple(float(c) for c in colour)
        for p in subs[0]:
            cv2.fillPoly(canvas, [np.round(p * 16).astype(np.int32)], paint, cv2.LINE_AA, 4)
        return
    pts = np.concatenate([p for polys in subs for p in polys])
    H, W = canvas.shape[:2]
    x0, y0 = np.maximum(np.floor(pts.min(0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(0)).astype(int) + 2, (W, H))
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    acc = np.zeros(mask.shape, np.uint8)
    origin = np.array([x0, y0])
    share = 255 // len(subs)
    for polys in subs:
        mask.fill(0)
        for p in polys:  # one call each: fillPoly leaves overlaps of several polygons empty
            cv2.fillPoly(mask, [np.round((p - origin) * 16).astype(np.int32)], share, cv2.LINE_AA, 4)
        cv2.add(acc, mask, acc)
    # Only the covered pixels: a thin diagonal stick covers little of its bounding box.
    ys, xs = np.nonzero(acc)
    alpha = (acc[ys, xs] * np.float32(opacity / (share * len(subs))))[:, None]
    roi = canvas[y0:y1, x0:x1]
    under = roi[ys, xs].astype(np.float32)
    if colour is None:
        roi[ys, xs] = under * (1 - alpha) + 0.5
    else:
        roi[ys, xs] = under + alpha * (np.asarray(colour, np.float32) - under) + 0.5


def _sprite(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A sprite for ``_paste``, in 8 bits: colour times alpha, and how much of the background
    shows through (255: all of it)."""
    alpha = np.clip(alpha, 0, 1)[..., None].astype(np.float32)
    colour = np.round(np.clip(rgb, 0, 255) * alpha).astype(np.uint8)
    return colour, np.repeat(np.round(255 * (1 - alpha)).astype(np.uint8), 3, axis=2)


def _paste(canvas: np.ndarray, sprite, x: int, y: int) -> None:
    """Alpha-blend a ``_sprite`` with its top-left corner at (x, y), in place."""
    colour, keep = sprite
    H, W = canvas.shape[:2]
    h, w = keep.shape[:2]
    cx0, cy0, cx1, cy1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    roi = canvas[cy0:cy1, cx0:cx1]
    shown = cv2.multiply(roi, keep[cy0 - y:cy1 - y, cx0 - x:cx1 - x], scale=1 / 255)
    cv2.add(shown, colour[cy0 - y:cy1 - y, cx0 - x:cx1 - x], dst=roi)


def _distractors(rng, family: Family, shape, px: float, times: np.ndarray):
    """Things that move without a sound: objects, a second hand, a passing shadow.
    Returns (sprite, (frames, 2) top-left positions) pairs."""
    h, w = shape
    out = []
    for _ in range(int(rng.choice([0, 1, 2], p=[0.3, 0.5, 0.2]))):
        kind = rng.choice(["object", "hand", "shade"])
        size = int((rng.uniform(0.25, 0.45) if kind == "shade" else rng.uniform(0.08, 0.25)) * h)
        soft = size / 5 if kind == "shade" else 0.6
        edge = size + int(3 * soft) + 1  # room for the blurred rim inside the sprite
        mask = np.zeros((2 * edge, 2 * edge), np.uint8)
        axes = (size, int(size * rng.uniform(0.4, 1.0)))
        cv2.ellipse(mask, (edge, edge), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), soft)
        if kind == "shade":
            rgb, alpha = np.zeros(mask.shape + (3,), np.float32), alpha * rng.uniform(0.15, 0.35)
        elif kind == "hand":
            rgb = (1 + 0.1 * _fractal(rng, mask.shape, size / 3, 2))[..., None] * _tint(rng, "skin")
        else:
            rgb = _look(rng, str(rng.choice(family.backdrops + family.materials)), mask.shape, px)
        # Moves between a few places, with holds; some moves end abruptly.
        keys = np.sort(rng.uniform(0, times[-1] + 1e-3, int(rng.integers(2, 7))))
        spots = np.stack([rng.uniform(-edge, w - edge, len(keys) + 1),
                          rng.uniform(-edge, h - edge, len(keys) + 1)], 1)
        path = np.repeat(spots[:1], len(times), 0)
        for k, t0 in enumerate(keys):
            u = np.clip((times - t0) / rng.uniform(0.3, 1.5), 0, 1)[:, None]
            u = u if rng.random() < 0.3 else u * u * (3 - 2 * u)
            path = np.where(times[:, None] >= t0, spots[k] + u * (spots[k + 1] - spots[k]), path)
        out.append((_sprite(rgb, alpha), np.round(path).astype(int)))
    return out


def _reactions(rng, plan: _Plan, scene: np.ndarray, px: float) -> list[dict]:
    """What each contact does to the surface: dents, grit, splashes, lasting marks, a rare ring."""
    out = []
    for e in plan.events:
        if e.miss:
            continue
        name = plan.regions[e.target].look
        reaction = MATERIALS[name].reaction
        x, y = e.point
        patch = scene[max(0, int(y) - 2):int(y) + 3, max(0, int(x) - 2):int(x) + 3].reshape(-1, 3).mean(0)
        radius = (0.02 + 0.03 * e.strength) * plan.media.height
        if reaction in ("deformation", "splash"):
            out.append({"kind": "dent", "t": e.t, "dur": rng.uniform(0.15, 0.4), "at": (x, y), "r": radius,
                        "depth": rng.uniform(0.15, 0.4) * e.strength})
        loose = name in ("gravel", "leaf", "grass", "dirt", "water")
        if loose or (reaction == "deformation" and rng.random() < 0.3):
            n = int(rng.integers(3, 12) * e.strength) + 1
            colour = (np.array([215, 225, 235]) if name == "water" else patch) * rng.uniform(0.6, 1.4, (n, 1))
            v = rng.normal(0, 1, (n, 2)) * radius * 6 + plan.rig.lift_dir * radius * 8
            out.append({"kind": "grit", "t": e.t, "dur": rng.uniform(0.2, 0.4), "at": (x, y), "v": v,
                        "g": 25 * radius, "colour": np.clip(colour, 0, 255),
                        "r": max(1, int(round(rng.uniform(0.8, 2) * px)))})
        if name in ("dirt", "gravel", "carpet", "leaf"):
            end = (x + e.drag[0], y + e.drag[1])
            out.append({"kind": "mark", "t": e.end, "from": (x, y), "to": end, "w": max(1, int(radius / 3)),
                        "colour": np.clip(patch * rng.uniform(0.55, 0.8), 0, 255)})
        if e.ring:
            out.append({"kind": "ring", "t": e.t, "dur": 0.3, "at": (x, y), "r": radius})
    return out


def _draw_reaction(canvas: np.ndarray, r: dict, since: float, base: np.ndarray) -> None:
    """Draw reaction ``r`` as it looks ``since`` seconds after its start; a mark goes into ``base``."""
    x, y = r["at"] if "at" in r else r["from"]
    if r["kind"] == "mark":  # scuffed soil or pile keeps the trace: drawn into the still picture
        cv2.line(base, (int(x), int(y)), (int(r["to"][0]), int(r["to"][1])),
                 tuple(float(c) for c in r["colour"]), r["w"], cv2.LINE_AA)
        return
    progress = since / r["dur"]
    if r["kind"] == "dent":
        rx, ry = int(r["r"]) + 1, int(0.6 * r["r"]) + 1
        y0, x0 = int(y) - ry, int(x) - rx
        if y0 < 0 or x0 < 0 or y0 + 2 * ry >= canvas.shape[0] or x0 + 2 * rx >= canvas.shape[1]:
            return
        gy, gx = np.mgrid[-ry:ry + 1, -rx:rx + 1].astype(np.float32)
        depth = r["depth"] * math.sin(math.pi * min(1.0, progress * 1.2)) ** 0.5  # quick in, slow out
        blob = np.exp(-3 * ((gx / rx) ** 2 + (gy / ry) ** 2)) * depth
        roi = canvas[y0:y0 + 2 * ry + 1, x0:x0 + 2 * rx + 1]
        roi[:] = roi * (1 - blob[..., None])
    elif r["kind"] == "grit":
        pos = np.array([x, y]) + r["v"] * since + np.array([0.0, 0.5 * r["g"] * since ** 2])
        for p, c in zip(pos, r["colour"]):
            cv2.circle(canvas, (int(p[0]), int(p[1])), r["r"], tuple(float(v) for v in c), -1, cv2.LINE_AA)
    else:
        overlay = canvas.copy()
        radius = r["r"] * (1 + 3 * progress)
        cv2.ellipse(overlay, (int(x), int(y)), (int(radius), int(0.4 * radius)), 0, 0, 360, (255, 255, 255),
                    max(1, int(r["r"] / 3)), cv2.LINE_AA)
        cv2.addWeighted(overlay, 0.8 * (1 - progress), canvas, 0.2 + 0.8 * progress, 0, dst=canvas)


def _camera(rng, family: Family, frames: int, fps: float, pad: int, size) -> np.ndarray:
    """Per frame, the canvas window the camera sees, ``(x0, y0, x1, y1)`` in whole pixels:
    handheld drift, shake and a slow zoom. (Whole-pixel steps and a resize are a fraction of
    the cost of a sub-pixel warp, and look the same at these speeds.)"""
    h, w = size
    t = np.arange(frames) / fps
    handheld = family.drift * (0.0 if rng.random() < 0.25 else rng.uniform(0.2, 1.0))
    keys = np.arange(-1.0, t[-1] + 2.0, rng.uniform(0.6, 2.0))
    drift = np.stack([np.interp(t, keys, rng.normal(0, 1, len(keys))) for _ in range(2)], 1)
    shake = np.cumsum(rng.normal(0, 1, (frames, 2)), 0)
    shake -= np.stack([np.convolve(shake[:, k], np.ones(5) / 5, "same") for k in range(2)], 1)
    zooms = rng.random() < 0.3
    zoom = 1 + (rng.uniform(0, 0.06) if zooms else 0.0) * (0.5 - 0.5 * np.cos(2 * np.pi * t / rng.uniform(4, 12)))
    offset = np.clip((0.35 * drift + 0.08 * shake) * handheld * pad, -pad, pad)
    half = np.stack([w / 2 / zoom, h / 2 / zoom], 1)
    centre = np.array([w / 2 + pad, h / 2 + pad]) + offset
    return np.round(np.concatenate([centre - half, centre + half], 1)).astype(int)


def _exposure(rng, frames: int, fps: float) -> np.ndarray:
    """Per-frame brightness: slow drift, a few auto-exposure steps, now and then lamp flicker."""
    t = np.arange(frames) / fps
    keys = np.arange(-1.0, t[-1] + 2.0, rng.uniform(1.0, 4.0))
    level = rng.uniform(0, 0.08) * np.interp(t, keys, rng.normal(0, 1, len(keys)))
    for _ in range(int(rng.integers(0, 3))):
        level += rng.uniform(-0.2, 0.2) * np.clip((t - rng.uniform(0, t[-1] + 1e-3)) / rng.uniform(0.1, 0.5), 0, 1)
    if rng.random() < 0.1:
        level += rng.uniform(0.02, 0.05) * np.sin(2 * np.pi * rng.uniform(0.5, 3) * t)
    return np.exp(level)


def _blur_steps(motion: dict[str, np.ndarray], rig: _Rig) -> list[np.ndarray]:
    """Per frame, which of its SUBFRAMES stick positions to average: enough that the tip
    moves about its width between two, so that fast swings smear instead of ghosting."""
    tip = motion["tip"].reshape(-1, SUBFRAMES, 2)
    grip = tip + rig.grip * motion["toward"].reshape(-1, SUBFRAMES, 2)
    travel = np.maximum(np.linalg.norm(tip[:, -1] - tip[:, 0], axis=1),
                        np.linalg.norm(grip[:, -1] - grip[:, 0], axis=1))
    counts = np.clip(np.ceil(travel / max(1.0, rig.tip_w)).astype(int) + 1, 1, SUBFRAMES)
    return [np.unique(np.round(np.linspace(0, SUBFRAMES - 1, n))).astype(int) if n > 1
            else np.array([SUBFRAMES // 2]) for n in counts]


def _draw_stick(canvas: np.ndarray, rig: _Rig, poses: list[dict]) -> None:
    """The striker, its shadow and the hand holding it, averaged over the sub-frame ``poses``."""
    colour = np.array(rig.colour, np.float32)
    if rig.shadow.any():
        _blend(canvas, [p["shadow"] for p in poses], None, rig.shadow_alpha)
    if rig.hand:
        _blend(canvas, [p["arm"] for p in poses], rig.sleeve, 1.0)
        _blend(canvas, [p["palm"] for p in poses], rig.skin, 1.0)
    if "stick" in poses[0]:
        _blend(canvas, [p["stick"] for p in poses], colour, 1.0)
        if rig.butt_w >= 5:  # a highlight along the rod, where it is wide enough to show
            _blend(canvas, [p["shine"] for p in poses], np.minimum(colour * 1.25 + 30, 255), 0.6)
    if "head" in poses[0]:
        _blend(canvas, [p["head"] for p in poses], rig.head_colour, 1.0)
    if rig.hand:  # the fingers wrap round the stick
        _blend(canvas, [p["fingers"] for p in poses], np.array(rig.skin) * 0.92, 1.0)


def _render_video(path: Path, rng, plan: _Plan) -> None:
    """Draw every frame on a canvas a margin larger than the picture, film it and encode it."""
    media, rig, pad = plan.media, plan.rig, plan.pad
    h, w = media.height, media.width
    px = h / 256
    family = FAMILIES[plan.family]
    shape = (h + 2 * pad, w + 2 * pad)
    scene, sprites = _render_scene(np.random.default_rng(rng.integers(2 ** 63)), family, plan.regions,
                                   shape, px, plan.photo_rate)
    fps = float(media.fps)
    times = np.arange(plan.frames) / fps
    sub = times[:, None] + (np.linspace(-0.5, 0.5, SUBFRAMES) * media.shutter / fps)[None, :]
    slides = _slides(rng, plan)
    strikers = plan.strikers()
    motion = _kinematics(rng, strikers[0], sub.ravel(), slides)
    blur = _blur_steps(motion, rig)
    lights = [(sprite, x, y, _offset(slides.get(i, []), times)) for i, (sprite, x, y) in sprites.items()]
    movers = _distractors(rng, family, shape, px, times)
    reactions = _reactions(rng, plan, scene, px)
    cameras = _camera(rng, family, plan.frames, fps, pad, (h, w))
    gain = np.round(_exposure(rng, plan.frames, fps) * 50) / 50
    # Sensor noise: a few noise frames, added in a random order (cheaper than fresh noise).
    sigma = rng.uniform(0, 5) if rng.random() < 0.7 else 0.0
    grain = [rng.normal(0, sigma, (h, w, 3)) for _ in range(4)]
    grain = [(np.clip(g, 0, 255).astype(np.uint8), np.clip(-g, 0, 255).astype(np.uint8)) for g in grain]
    which = rng.integers(0, len(grain), plan.frames)
    drawn = [(rig, motion, blur)]
    if len(strikers) > 1:  # drawn from its own stream, after all of the first striker's draws
        other = np.random.default_rng(rng.integers(2 ** 63))
        motion2 = _kinematics(other, strikers[1], sub.ravel(), slides)
        drawn.append((strikers[1].rig, motion2, _blur_steps(motion2, strikers[1].rig)))
    luts = {}
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=media.fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        # One encoder thread: the bitstream then does not depend on the machine's core count.
        stream.options = {"preset": "ultrafast", "crf": str(media.crf), "threads": "1"}
        stream.codec_context.time_base = 1 / media.fps
        for i in range(plan.frames):
            canvas = scene.copy()
            for sprite, x, y, offset in lights:
                _paste(canvas, sprite, x + int(round(offset[i, 0])), y + int(round(offset[i, 1])))
            for sprite, path_xy in movers:
                _paste(canvas, sprite, *path_xy[i])
            for r in reactions:
                since = times[i] - r["t"]
                if since >= 0 and (r["kind"] == "mark" or since < r["dur"]):
                    _draw_reaction(canvas, r, since, scene)
            reactions = [r for r in reactions if not (r["kind"] == "mark" and times[i] >= r["t"])]
            for striker, move, steps in drawn:
                _draw_stick(canvas, striker, [_stick_shapes(striker, move["tip"][k], move["toward"][k], move["bend"][k],
                                                            move["height"][k]) for k in i * SUBFRAMES + steps[i]])
            x0, y0, x1, y1 = cameras[i]
            frame = canvas[y0:y1, x0:x1]
            if frame.shape[:2] != (h, w):
                frame = cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR)
            if gain[i] not in luts:
                luts[gain[i]] = np.clip(np.arange(256) * gain[i], 0, 255).astype(np.uint8)
            frame = cv2.LUT(frame, luts[gain[i]])
            if sigma:
                up, down = grain[which[i]]
                frame = cv2.subtract(cv2.add(frame, up), down)
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            video_frame.pts = i
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# ----------------------------------------------------------------------------- sound


def _band(signal: np.ndarray, low: float | None, high: float | None, order: int = 2) -> np.ndarray:
    """Butterworth high-pass (``low``), low-pass (``high``) or band-pass (both), along axis 0."""
    nyquist = 0.45 * AUDIO_RATE
    if low and high:
        sos = butter(order, [low, min(high, nyquist)], "bandpass", fs=AUDIO_RATE, output="sos")
    elif high:
        sos = butter(order, min(high, nyquist), "lowpass", fs=AUDIO_RATE, output="sos")
    else:
        sos = butter(order, low, "highpass", fs=AUDIO_RATE, output="sos")
    return sosfilt(sos, signal, axis=0)


def _impact(rng, name: str, strength: float) -> np.ndarray:
    """One contact (mono): a few damped modes, a noise burst, a click and, for some, crackle."""
    m = MATERIALS[name]
    decay = rng.uniform(*m.decay) * rng.uniform(0.6, 1.6)
    noise_decay = m.noise_decay * rng.uniform(0.6, 1.6)
    length = int(min(1.0, max(4 * decay, 6 * noise_decay, 0.03)) * AUDIO_RATE)
    t = np.arange(length, dtype=np.float32) / np.float32(AUDIO_RATE)
    ratios = np.concatenate([np.array(m.ratios) * rng.uniform(0.93, 1.07, len(m.ratios)),
                             rng.uniform(1.3, 9.0, int(rng.integers(0, 4)))])
    freqs = rng.uniform(*m.f0) * rng.uniform(0.8, 1.25) * ratios
    freqs = freqs[freqs < 0.45 * AUDIO_RATE]
    k = np.arange(len(freqs))
    amps = (rng.uniform(0.3, 1.0, len(freqs)) / (1 + 0.5 * k) * strength ** (0.3 * k)).astype(np.float32)
    rates = ((1 + rng.uniform(0.2, 0.8) * k) / decay).astype(np.float32)  # higher modes die sooner
    phases = rng.uniform(0, 0.5, len(freqs)).astype(np.float32)
    omega = (2 * np.pi * freqs).astype(np.float32)
    out = (amps * np.exp(-t[:, None] * rates) * np.sin(omega * t[:, None] + phases)).sum(1, dtype=np.float64)
    centre = m.brightness * rng.uniform(0.5, 1.5) * (0.6 + 0.4 * strength)
    burst = _band(rng.standard_normal(length), centre / 4, centre) * np.exp(-t / noise_decay)
    out += m.noise * rng.uniform(0.6, 1.4) * burst / (np.abs(burst).max() + 1e-9) * 1.5
    click = min(length, int(0.003 * AUDIO_RATE))
    out[:click] += 0.8 * rng.standard_normal(click) * np.exp(-t[:click] / 0.0006)
    for _ in range(int(rng.poisson(m.crackle))):
        at = int(rng.exponential(0.025) * AUDIO_RATE)
        if at + 30 < length:
            out[at:at + 30] += rng.uniform(-0.6, 0.6) * np.exp(-np.arange(30) / 6.0)
    return out / (np.abs(out).max() + 1e-9) * strength


def _scratch(rng, name: str, strength: float, e: _Event) -> np.ndarray:
    """A scratch (mono): rubbing noise and grit clicks, as loud as the stroke is fast."""
    m = MATERIALS[name]
    n = max(2, int(round((e.end - e.t) * AUDIO_RATE)))
    speed = np.abs(np.gradient(_stroke(np.arange(n) / n, e.back, e.ease)) * n)
    speed /= speed.max() + 1e-9
    centre = min(max(m.brightness * rng.uniform(0.25, 0.7), 300.0), 0.35 * AUDIO_RATE)
    rub = _band(rng.standard_normal(n), centre / rng.uniform(1.5, 3), centre * rng.uniform(1.5, 3))
    rub /= np.abs(rub).max() + 1e-9
    clicks = (rng.random(n) < speed * rng.uniform(50, 600) / AUDIO_RATE) * rng.uniform(-1, 1, n)
    grit = lfilter([1.0], [1, -0.9], clicks)
    envelope = speed ** 0.8 * np.minimum(1, np.arange(n) / (0.002 * AUDIO_RATE))
    out = strength * 0.7 * (rub + 0.5 * grit / (np.abs(grit).max() + 1e-9)) * envelope
    start = _impact(rng, name, 0.6 * strength)[:n]
    out[:len(start)] += start
    return out


def _room(rng, seconds: float) -> np.ndarray:
    """A stereo impulse response: sparse early reflections, then a decaying diffuse tail."""
    n = int(seconds * AUDIO_RATE)
    t = np.arange(n) / AUDIO_RATE
    tail = rng.standard_normal((n, 2)) * np.exp(-6.9 * t / seconds)[:, None]
    tail = _band(tail, None, rng.uniform(3000, 10000), 1)
    for _ in range(int(rng.integers(3, 8))):
        at = int(rng.uniform(0.002, 0.03) * AUDIO_RATE)
        if at < n:
            tail[at] += rng.uniform(0.5, 2.0, 2) * rng.choice([-1, 1], 2) * 5
    tail[0] = 0
    return tail / np.sqrt((tail ** 2).sum(0) + 1e-9)


def _chirp(rng) -> np.ndarray:
    """A bird call: a short frequency sweep."""
    seconds = rng.uniform(0.05, 0.15)
    t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
    f_start, f_end = rng.uniform(2000, 7000, 2)
    sweep = np.sin(2 * np.pi * (f_start * t + (f_end - f_start) * t ** 2 / (2 * seconds)))
    return sweep * np.sin(np.pi * t / seconds) ** 2


def _background(rng, chain: _Chain, samples: int) -> np.ndarray:
    """Background sound (stereo): room tone, hum, air handling, voices, wind, birds, traffic."""
    t = np.arange(samples, dtype=np.float32) / np.float32(AUDIO_RATE)
    out = np.zeros((samples, 2))
    white = rng.standard_normal((samples, 3), dtype=np.float32)  # drawn once, read from anywhere

    def noise(lowpass: float | None = None) -> np.ndarray:
        # Partly the same in both channels, as a diffuse sound reaches two close microphones.
        x = np.roll(white, int(rng.integers(samples)), axis=0)
        x = x[:, :1] + np.float32(rng.uniform(0.2, 1.0)) * x[:, 1:]
        return x if lowpass is None else _band(x, None, lowpass, 1)

    def slow(rate: float) -> np.ndarray:  # a slowly varying level, 0..1
        keys = np.arange(-1.0, t[-1] + 2, 1 / rate)
        return np.clip(np.interp(t, keys, rng.uniform(0, 1, len(keys))), 0, 1)[:, None]

    for kind in chain.noises:
        level = chain.noise_level * rng.uniform(0.3, 1.0)
        if kind == "pink":
            x = lfilter([0.05], [1, -0.95], noise(), axis=0)
        elif kind == "hum":  # mains and two harmonics: one period (whole samples), repeated
            mains = int(rng.choice([50, 60]))
            period = t[:AUDIO_RATE // mains]
            hum = sum(np.sin(2 * np.pi * mains * k * period + rng.uniform(0, 6)) / k for k in (1, 2, 3))
            x = np.resize(hum, samples)[:, None] * np.ones(2, np.float32)
        elif kind == "hvac":
            x = noise(rng.uniform(150, 600))
        elif kind == "babble":
            x = _band(noise(), 300, 3000) * slow(4) ** 2
        elif kind == "wind":
            x = noise(rng.uniform(100, 800)) * (0.3 + slow(0.5))
        elif kind == "traffic":
            x = noise(150) * (0.3 + slow(0.2))
        else:  # birds
            x = np.zeros((samples, 2))
            for at in rng.uniform(0, t[-1], rng.poisson(0.3 * t[-1])):
                call = _chirp(rng) * rng.uniform(0.3, 1.0)
                start = int(at * AUDIO_RATE)
                end = min(samples, start + len(call))
                x[start:end] += np.outer(call[:end - start], _pan(rng.uniform(0, 1)))
        out += level * (3 * x if kind == "birds" else x / (np.sqrt((x ** 2).mean()) + 1e-9))
    return out


def _add(mix: np.ndarray, at: int, mono: np.ndarray, gains) -> None:
    end = min(at + len(mono), mix.shape[0])
    if end > at:
        mix[at:end] += np.outer(mono[:end - at], gains)


def _render_audio(rng, plan: _Plan, samples: int) -> np.ndarray:
    """The recording's sound at SAMPLE_RATE (float32 stereo)."""
    chain, family = plan.chain, FAMILIES[plan.family]
    w, pad = plan.media.width, plan.pad

    def gains(x: float) -> tuple[float, float]:
        return _pan(float(np.clip(0.5 + chain.pan_width * ((x - pad) / w - 0.5), 0, 1)))

    dry = np.zeros((samples, 2))
    for e in plan.events:
        if e.miss:
            continue
        name = plan.regions[e.target].look
        level = e.strength * rng.uniform(0.4, 1.0)
        mono = _scratch(rng, name, level, e) if e.scratch else _impact(rng, name, level)
        muffle = (plan.second if e.striker else plan.rig).muffle
        if muffle:
            mono = _band(mono, None, muffle)
        _add(dry, int(round(e.t * AUDIO_RATE)), mono, gains(e.point[0] + e.drag[0] / 2))
    seconds = samples / AUDIO_RATE
    for at in rng.uniform(0, seconds, rng.poisson(chain.knocks_per_s * seconds)):  # nothing on screen
        knock = _impact(rng, str(rng.choice(family.knocks)), rng.uniform(0.05, 0.4))
        mono = _band(knock, None, rng.uniform(800, 6000))  # muffled: behind a wall, in another room
        _add(dry, int(at * AUDIO_RATE), mono, _pan(float(rng.uniform(0, 1))))
    mix = dry
    if chain.reverb_s:
        wet = oaconvolve(dry.astype(np.float32), _room(rng, chain.reverb_s).astype(np.float32), axes=0)
        mix = dry + chain.wet * wet[:samples]
    mix = mix + _background(rng, chain, samples)
    # The recordist changes the level a few times: smooth steps of up to +-6 dB.
    gain_db = np.zeros(samples)
    for _ in range(int(rng.integers(0, 3))):
        gain_db[int(rng.uniform(0, seconds) * AUDIO_RATE):] += rng.uniform(-6, 6)
    mix *= (10 ** (lfilter([2e-4], [1, -(1 - 2e-4)], gain_db) / 20))[:, None]
    mix *= chain.peak / (np.abs(mix).max() + 1e-9)
    # An overdriven preamp, or hard clipping in the recorder.
    mix = np.tanh(mix) if chain.peak > 1 and rng.random() < 0.5 else np.clip(mix, -1, 1)
    if chain.lowpass or chain.highpass:
        # After the clipping, as a codec or a resampler would: steep, nothing above the cutoff.
        mix = _band(mix, chain.highpass, chain.lowpass, 12 if chain.lowpass else 2)
    mix = resample_poly(mix.astype(np.float32), SAMPLE_RATE // AUDIO_RATE, 1, axis=0)
    return (mix * min(1.0, 0.999 / (np.abs(mix).max() + 1e-9))).astype(np.float32)


# ----------------------------------------------------------------------------- files


def write_recording(task: dict) -> str:
    """Write one version-2 recording described by ``task`` (see ``synthetic.generate``)."""
    # One recording per process: OpenCV's own thread pool would only oversubscribe the cores.
    cv2.setNumThreads(1)
    out, rec_id = Path(task["out"]), task["id"]
    plan = _plan(task)
    samples = int(round(plan.seconds * AUDIO_RATE))
    audio = _render_audio(np.random.default_rng([*task["seed"], 2]), plan, samples)
    soundfile.write(str(out / f"{rec_id}_mic.wav"), audio, SAMPLE_RATE, subtype="PCM_16")
    _render_video(out / f"{rec_id}_mic.mp4", np.random.default_rng([*task["seed"], 3]), plan)
    lines = []
    for e in plan.events:
        if e.miss:
            continue
        if e.labelled:
            name = plan.regions[e.target].look
            action = "scratch" if e.scratch else "hit"
            lines.append(f"{e.t:.6f} {name} {action} {MATERIALS[name].reaction}")
        else:
            lines.append(f"{e.t:.6f} None None None")
    (out / f"{rec_id}_times.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rec_id
