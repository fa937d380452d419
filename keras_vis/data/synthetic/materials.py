"""What both generators share: the materials (how each looks and sounds), the figures about the
real dataset they draw timing from, and the physics of a sound's place in the stereo field.

Light to import (numpy only), so that configs and commands can name styles and materials
without loading the video and audio libraries.
"""

from __future__ import annotations

import dataclasses
import json
import math
from importlib import resources
from typing import Callable

import numpy as np

SAMPLE_RATE = 96000  # the wav files' rate, as in the real dataset
# Probability that a swing stops short of the surface: motion without sound.
MISS_RATE = 0.08


@dataclasses.dataclass(frozen=True)
class Material:
    """How one material looks and sounds.

    Sound: modes at ``f0 * ratios`` decaying in ``decay`` seconds, a contact click low-passed
    at ``brightness`` Hz, a noise body (``noise`` relative level, ``noise_decay`` s) and
    ``crackle`` (tiny clicks per event, for leaves, gravel, plastic bags). Look: a base colour
    (RGB) and a texture kind.
    """

    f0: tuple[float, float]
    ratios: tuple[float, ...]
    decay: tuple[float, float]
    brightness: float
    noise: float
    noise_decay: float
    crackle: int
    colour: tuple[int, int, int]
    texture: str
    reaction: str


MATERIALS = {
    "wood": Material((250, 700), (1, 2.6, 4.1, 6.3), (0.04, 0.12), 4000, 0.3, 0.01, 0,
                     (150, 100, 55), "grain", "static"),
    "metal": Material((400, 1400), (1, 2.76, 5.4, 8.93, 13.3), (0.4, 1.1), 9000, 0.15, 0.004, 0,
                      (170, 175, 185), "brushed", "static"),
    "glass": Material((1200, 2800), (1, 2.32, 4.25, 6.63), (0.25, 0.6), 12000, 0.1, 0.003, 0,
                      (170, 225, 235), "glass", "static"),
    "ceramic": Material((900, 2200), (1, 2.1, 3.9, 5.8), (0.1, 0.3), 10000, 0.15, 0.004, 0,
                        (235, 232, 220), "glossy", "static"),
    "tile": Material((700, 1800), (1, 1.7, 3.3), (0.04, 0.1), 8000, 0.3, 0.006, 0,
                     (200, 200, 190), "grid", "static"),
    "plastic": Material((350, 1000), (1, 2.3, 3.7), (0.02, 0.06), 6000, 0.35, 0.008, 0,
                        (210, 40, 50), "flat", "rigid-motion"),
    "drywall": Material((120, 300), (1, 2.2), (0.02, 0.05), 2000, 0.6, 0.015, 0,
                        (225, 220, 205), "speckle", "static"),
    "paper": Material((200, 500), (1,), (0.005, 0.015), 5000, 1.0, 0.02, 25,
                      (245, 245, 240), "lines", "deformation"),
    "cloth": Material((80, 160), (1,), (0.01, 0.03), 800, 0.8, 0.02, 0,
                      (60, 80, 160), "weave", "deformation"),
    "carpet": Material((60, 120), (1,), (0.01, 0.02), 600, 0.9, 0.015, 0,
                       (120, 40, 50), "weave", "deformation"),
    "plastic-bag": Material((300, 600), (1,), (0.005, 0.01), 7000, 0.9, 0.03, 60,
                            (230, 230, 120), "crinkle", "deformation"),
    "rock": Material((500, 2000), (1, 1.9, 3.1, 4.4), (0.01, 0.04), 7000, 0.7, 0.006, 0,
                     (120, 118, 112), "blobs", "static"),
    "leaf": Material((200, 400), (1,), (0.005, 0.01), 5000, 0.7, 0.03, 80,
                     (70, 130, 40), "leaves", "deformation"),
    "grass": Material((150, 300), (1,), (0.005, 0.01), 3000, 1.0, 0.05, 30,
                      (60, 150, 50), "blades", "deformation"),
    "dirt": Material((60, 140), (1, 2.0), (0.01, 0.03), 1200, 0.8, 0.02, 10,
                     (110, 80, 50), "speckle", "deformation"),
    "gravel": Material((800, 2500), (1, 1.6), (0.004, 0.01), 6000, 0.6, 0.01, 120,
                       (150, 145, 135), "dots", "rigid-motion"),
    "water": Material((400, 1500), (1,), (0.01, 0.03), 4000, 0.9, 0.08, 0,
                      (40, 90, 160), "waves", "splash"),
}


def load_stats() -> dict:
    """The figures about the real dataset (``keras_vis/data/greatest_hits_stats.json``)."""
    text = resources.files("keras_vis.data").joinpath("greatest_hits_stats.json").read_text()
    return json.loads(text)


def quantile_sampler(table: dict) -> Callable[..., np.ndarray]:
    """A sampler of the distribution a table of percentiles (``{"5": value, ...}``) describes:
    ``draw(rng, size=None)`` interpolates between them, within the lowest and highest given."""
    levels = np.array(sorted(float(k) for k in table)) / 100.0
    values = np.array([table[k] for k in sorted(table, key=float)], dtype=float)

    def draw(rng: np.random.Generator, size=None):
        return np.interp(rng.uniform(levels[0], levels[-1], size), levels, values)

    return draw


def pan(x: float) -> tuple[float, float]:
    """Equal-power gains for a horizontal position; pan(1 - x) is pan(x) with channels swapped."""
    theta = (0.15 + 0.7 * x) * np.pi / 2
    return math.cos(theta), math.sin(theta)
