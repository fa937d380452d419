"""The still scene: regions of the picture (what the stick strikes, what is only seen) laid out
per family as planes, a table top or the ground, then painted, shaded and lit."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from keras_vis.data.synthetic.v2.looks import fractal, material_look, photo_look
from keras_vis.data.synthetic.v2.settings import Family, LIGHT


@dataclasses.dataclass
class Region:
    look: str  # a material (or backdrop) name
    mask: np.ndarray  # bool, canvas-sized
    target: bool  # the stick strikes it
    light: bool = False  # a light object: drawn every frame, slides when struck
    solid: bool = False  # an object rather than a plane


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


def layout_regions(rng, stats, family: Family, shape, px: float) -> list[Region]:
    """The regions of the picture, back to front, and which of them the stick strikes."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    regions: list[Region] = []
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
            regions.append(Region(look, labels == label, struck and look in family.materials))
        if rng.random() < 0.35:
            regions.append(_object(rng, stats, family, shape, px))
    elif family.layout == "table":
        edge = rng.uniform(-0.25, 0.4) * h + (xx - w / 2) * rng.uniform(-0.15, 0.15)
        table = yy > edge
        regions.append(Region(str(rng.choice(family.backdrops)), ~table, False))
        top = _choose(rng, stats, ("wood", "cloth", "paper", "metal"), 1)[0]
        regions.append(Region(top, table, bool(rng.random() < 0.6)))
        for _ in range(int(rng.choice([0, 1, 2], p=[0.3, 0.45, 0.25]))):
            regions.append(_object(rng, stats, family, shape, px))
    else:
        f = fractal(rng, shape, 0.8 * h, 2)
        names = _choose(rng, stats, family.materials, int(rng.choice([1, 2, 3], p=[0.55, 0.35, 0.1])))
        cuts = np.quantile(f, np.sort(rng.uniform(0.25, 0.75, len(names) - 1)))
        band = np.searchsorted(cuts, f)
        regions += [Region(name, band == k, True) for k, name in enumerate(names)]
        if rng.random() < 0.3:
            horizon = yy < rng.uniform(0.05, 0.3) * h + (xx - w / 2) * rng.uniform(-0.1, 0.1)
            regions.append(Region(str(rng.choice(family.backdrops)), horizon, False))
    if not any(r.target for r in regions):
        regions.append(_object(rng, stats, family, shape, px, struck=True))
    return regions


def _object(rng, stats, family: Family, shape, px: float, struck: bool | None = None) -> Region:
    """An object of one of the family's materials; struck ones that are light may slide."""
    name = _choose(rng, stats, family.materials, 1)[0]
    struck = bool(rng.random() < 0.7) if struck is None else struck
    light = struck and name in LIGHT and rng.random() < 0.7
    return Region(name, _object_mask(rng, shape, px), struck, light, solid=True)


def render_scene(rng, family: Family, regions: list[Region], shape, px: float,
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
            look = photo_look(rng, region.look, (y1 - y0, x1 - x0), px)
        else:
            look = material_look(rng, region.look, (y1 - y0, x1 - x0), px)
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
            sprites[index] = (make_sprite(look * field[y0:y1, x0:x1], alpha), int(x0), int(y0))
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
    field *= 1 + rng.uniform(0, 0.1) * fractal(rng, shape, 0.3 * h, 2)
    if family.sun and rng.random() < 0.35:  # dappled shade under trees
        shade = np.clip(fractal(rng, shape, 0.15 * h, 3) * 2 - rng.uniform(-1, 1), 0, 1)
        field *= 1 - rng.uniform(0.3, 0.55) * shade
    cast = rng.uniform(0.92, 1.08, 3).astype(np.float32)
    return field[..., None] * (cast / cast.mean()) * np.float32(rng.uniform(0.7, 1.25))


def make_sprite(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A sprite for ``paste``, in 8 bits: colour times alpha, and how much of the background
    shows through (255: all of it)."""
    alpha = np.clip(alpha, 0, 1)[..., None].astype(np.float32)
    colour = np.round(np.clip(rgb, 0, 255) * alpha).astype(np.uint8)
    return colour, np.repeat(np.round(255 * (1 - alpha)).astype(np.uint8), 3, axis=2)
