"""How surfaces and backdrops look: made textures (noise over octaves, grain, weave, leaves...)
coloured from per-material palettes, and crops of real photographs for style v2-photo."""

from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path

import cv2
import numpy as np

from keras_vis.errors import DataError


# Photographs in scikit-image's package data (shipped in its wheel, nothing downloaded).
PHOTOS = ("brick.png", "grass.png", "gravel.png", "text.png", "coffee.png", "chelsea.png",
          "astronaut.png", "rocket.jpg", "camera.png", "coins.png", "moon.png",
          "motorcycle_left.png", "clock_motion.png")

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


def _noise(rng, shape, scale: float) -> np.ndarray:
    """Smooth noise in about [-1, 1] with features about ``scale`` pixels wide."""
    h, w = shape
    small = rng.uniform(-1, 1, (max(2, int(h / scale) + 2), max(2, int(w / scale) + 2)))
    return cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def fractal(rng, shape, scale: float, octaves: int = 4, roughness: float = 0.55) -> np.ndarray:
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


def palette_colour(rng, name: str) -> np.ndarray:
    """One of the palette's colours for ``name``, jittered in hue and brightness."""
    palette = PALETTES[name]
    colour = np.array(palette[int(rng.integers(len(palette)))], np.float32)
    return colour * rng.uniform(0.88, 1.12, 3).astype(np.float32) * np.float32(rng.uniform(0.8, 1.15))


def _scatter(rng, img: np.ndarray, name: str, count: int, px: float, blades: bool) -> None:
    """Leaves (ellipses) or grass blades (lines) drawn over ``img`` in place."""
    h, w = img.shape[:2]
    xs, ys = rng.integers(0, w, count), rng.integers(0, h, count)
    colours = [palette_colour(rng, name) for _ in range(4)]
    for x, y, k in zip(xs.tolist(), ys.tolist(), rng.integers(0, 4, count).tolist()):
        c = tuple(float(v) for v in colours[k] * rng.uniform(0.7, 1.25))
        if blades:
            tip = (x + int(rng.normal(0, 2 * px)), y - int(rng.uniform(4, 11) * px))
            cv2.line(img, (x, y), tip, c, max(1, int(px)))
        else:
            axes = (max(1, int(rng.uniform(3, 7) * px)), max(1, int(rng.uniform(1.5, 4) * px)))
            cv2.ellipse(img, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, c, -1)


def material_look(rng, name: str, shape, px: float) -> np.ndarray:
    """A float32 RGB picture (0-255) of a material or backdrop, ``shape`` = (h, w)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    across = -xx * math.sin(angle) + yy * math.cos(angle)
    light = rng.uniform(0, 2 * np.pi)
    colour = palette_colour(rng, "drywall" if name == "clutter" else name)
    lum = np.ones(shape, np.float32)
    if name == "wood":
        warp = fractal(rng, shape, 50 * px, 2) * rng.uniform(2, 8) * px
        rings = np.sin(2 * np.pi * (across + warp) / (rng.uniform(5, 16) * px))
        fibres = _line_noise(rng, across + 0.3 * warp, 1.2 * px)
        lum += rng.uniform(0.05, 0.2) * rings + rng.uniform(0.04, 0.12) * fibres
        if rng.random() < 0.4:
            lum[np.mod(across, rng.uniform(40, 120) * px) < max(1.0, px)] *= 0.6
    elif name == "metal":
        along = xx * math.cos(angle) + yy * math.sin(angle)
        lum += 0.08 * _line_noise(rng, across, 0.8 * px) + 0.08 * fractal(rng, shape, 80 * px, 2)
        lum += 0.3 * np.exp(-((along / max(h, w) - rng.uniform(0, 1)) / 0.12) ** 2)
    elif name in ("glass", "ceramic", "plastic"):
        lum += rng.uniform(0.03, 0.12) * fractal(rng, shape, 100 * px, 2)
        lum += rng.uniform(0.2, 0.6) * np.exp(-((across / max(h, w) - rng.uniform(-0.5, 1)) / 0.06) ** 2)
    elif name == "tile":
        step = rng.uniform(18, 48) * px
        cy, cx = (yy // step).astype(int), (xx // step).astype(int)
        lum *= rng.uniform(0.9, 1.1, (cy.max() + 1, cx.max() + 1)).astype(np.float32)[cy, cx]
        grout = (np.mod(yy, step) < 1.5 * px) | (np.mod(xx, step) < 1.5 * px)
        lum[grout] *= rng.choice([0.6, 1.2])
    elif name == "drywall":
        lum *= _relief(fractal(rng, shape, 3 * px, 3), rng.uniform(0.1, 0.3), light)
        if rng.random() < 0.4:  # painted cinder blocks
            row = rng.uniform(30, 60) * px
            brick = (np.mod(xx + (np.mod(yy // row, 2)) * row, 2 * row) < 1.5 * px) | (np.mod(yy, row) < 1.5 * px)
            lum[brick] *= 0.82
    elif name == "paper":
        lum += 0.03 * fractal(rng, shape, 2 * px, 2)
        if rng.random() < 0.5:
            lum[np.mod(across, rng.uniform(8, 16) * px) < 0.8 * px] *= 0.75
    elif name in ("cloth", "carpet"):
        folds = _line_noise(rng, across, rng.uniform(12, 40) * px) if name == "cloth" else 0.0
        weave = np.sin(xx * 2.1 / px) * np.sin(yy * 2.1 / px)
        bumps = _relief(fractal(rng, shape, 1.5 * px, 2), 0.15 if name == "cloth" else 0.35, light)
        lum *= bumps + 0.2 * folds + 0.08 * weave
    elif name == "plastic-bag":
        crinkle = np.abs(fractal(rng, shape, 6 * px, 3))
        lum = _relief(crinkle, 0.8, light) + 0.2 * crinkle
    elif name in ("rock", "dirt", "gravel"):
        grain = {"rock": 25, "dirt": 8, "gravel": 2.5}[name] * px
        height = fractal(rng, shape, grain, 5 if name == "rock" else 3)
        lum = _relief(height * 2 * px, 0.25 if name == "gravel" else 0.6, light) * (1 + 0.12 * height)
        lum *= 1 + rng.uniform(0.05, 0.15) * rng.uniform(-1, 1, shape).astype(np.float32)
        if name == "rock":
            lum[np.abs(_noise(rng, shape, 14 * px)) < 0.025] *= 0.6  # cracks
    elif name == "water":
        waves = np.sin(2 * np.pi * (across / (rng.uniform(5, 10) * px) + 0.5 * fractal(rng, shape, 30 * px, 2)))
        lum += 0.35 * np.maximum(waves, 0) ** 6 + 0.1 * fractal(rng, shape, 60 * px, 2)
    elif name == "sky":
        lum += 0.15 * np.maximum(fractal(rng, shape, 60 * px, 3), 0) - 0.2 * yy / h
    elif name in ("foliage", "dark"):
        lum += (0.35 if name == "foliage" else 0.1) * fractal(rng, shape, 6 * px, 4)
    img = lum[..., None] * colour
    if name in ("leaf", "grass"):
        img = (img * 0.45 + palette_colour(rng, "dirt") * 0.55).astype(np.float32)
        _scatter(rng, img, name, int(h * w / ((30 if name == "leaf" else 12) * px * px)), px, name == "grass")
    elif name == "clutter":
        _clutter(rng, img, px)
    # Stains, wear and grain: every surface varies a little, at every scale.
    img *= (1 + rng.uniform(0.02, 0.06) * fractal(rng, shape, 48 * px, 6, 0.7))[..., None]
    if name == "gravel":  # stones of different colours
        img *= (1 + 0.12 * np.stack([_noise(rng, shape, 2.5 * px) for _ in range(3)], -1))
    return _desaturate(rng, img)


def _desaturate(rng, img: np.ndarray) -> np.ndarray:
    """Part of the way to grey: real surfaces are seldom as saturated as paint chips."""
    grey = img.mean(-1, keepdims=True)
    return (grey + (img - grey) * np.float32(rng.uniform(0.45, 1.0))).astype(np.float32, copy=False)


@functools.lru_cache(maxsize=1)
def load_photos() -> tuple[np.ndarray, ...]:
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


def photo_look(rng, name: str, shape, px: float) -> np.ndarray:
    """A float32 RGB crop (0-255) of a photograph, ``shape`` = (h, w): at a random zoom, turned
    and mirrored, tinted part of the way towards the material's colour."""
    photos = load_photos()
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
    tint = palette_colour(rng, "drywall" if name == "clutter" else name)
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
        patch = material_look(rng, kind, (y1 - y0, x1 - x0), px)
        if rng.random() < 0.5:  # round things
            mask = np.zeros(patch.shape[:2], np.uint8)
            cv2.ellipse(mask, ((x1 - x0) // 2, (y1 - y0) // 2), ((x1 - x0) // 2, (y1 - y0) // 2), 0, 0, 360, 1, -1)
            img[y0:y1, x0:x1][mask > 0] = patch[mask > 0]
        else:
            img[max(0, y0 + 3):min(h, y1 + 3), max(0, x0 + 3):min(w, x1 + 3)] *= 0.7  # shadow
            img[y0:y1, x0:x1] = patch
