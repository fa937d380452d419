"""What version 2 draws each recording from, with nothing heavy to import: the families of
scenes (``FAMILIES``), which a style mixes (``STYLE_FAMILIES``, ``HELD_OUT``), the ranges of
frame rate, frame size and audio rate, and what the v2-photo, v2-strikers and v2-rhythm styles
change."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from keras_vis.data.synthetic.materials import SAMPLE_RATE


AUDIO_RATE = SAMPLE_RATE // 2  # sounds are made at this rate, written at SAMPLE_RATE

FRAME_RATES = (Fraction(15), Fraction(20), Fraction(24000, 1001), Fraction(25),
               Fraction(30000, 1001), Fraction(30))

RATE_WEIGHTS = (0.3, 0.1, 0.1, 0.15, 0.25, 0.1)

SCALES = (0.625, 0.75, 0.875, 1.0)  # frame height relative to the size asked for

ASPECTS = (16 / 9, 604 / 340, 4 / 3, 3 / 2)

SUBFRAMES = 12  # at most this many stick positions averaged per frame: motion blur

RING_RATE = 0.03

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

# Materials light enough to slide when struck, when they are an object on something else.
LIGHT = ("plastic", "paper", "plastic-bag", "ceramic", "glass", "metal")
