"""The picture over time: the striker (stick, hand, forearm, shadow) drawn with motion blur over
the scene, the surface's reaction to each contact, distractors, camera motion, exposure and
sensor noise; encoded as H.264."""

from __future__ import annotations

import math
from pathlib import Path

import av
import cv2
import numpy as np

from keras_vis.data.synthetic.materials import MATERIALS
from keras_vis.data.synthetic.v2.looks import fractal, material_look, palette_colour
from keras_vis.data.synthetic.v2.motion import kinematics, plan_slides, slide_offset
from keras_vis.data.synthetic.v2.plan import Plan, Rig
from keras_vis.data.synthetic.v2.scene import make_sprite, render_scene
from keras_vis.data.synthetic.v2.settings import FAMILIES, Family, SUBFRAMES


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


def stick_shapes(rig: Rig, tip, toward, bend: float, height: float):
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


def _place_hand(rig: Rig, grip, toward, across, side: float) -> np.ndarray:
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


def paste(canvas: np.ndarray, sprite, x: int, y: int) -> None:
    """Alpha-blend a ``make_sprite`` with its top-left corner at (x, y), in place."""
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
            rgb = (1 + 0.1 * fractal(rng, mask.shape, size / 3, 2))[..., None] * palette_colour(rng, "skin")
        else:
            rgb = material_look(rng, str(rng.choice(family.backdrops + family.materials)), mask.shape, px)
        # Moves between a few places, with holds; some moves end abruptly.
        keys = np.sort(rng.uniform(0, times[-1] + 1e-3, int(rng.integers(2, 7))))
        spots = np.stack([rng.uniform(-edge, w - edge, len(keys) + 1),
                          rng.uniform(-edge, h - edge, len(keys) + 1)], 1)
        path = np.repeat(spots[:1], len(times), 0)
        for k, t0 in enumerate(keys):
            u = np.clip((times - t0) / rng.uniform(0.3, 1.5), 0, 1)[:, None]
            u = u if rng.random() < 0.3 else u * u * (3 - 2 * u)
            path = np.where(times[:, None] >= t0, spots[k] + u * (spots[k + 1] - spots[k]), path)
        out.append((make_sprite(rgb, alpha), np.round(path).astype(int)))
    return out


def _reactions(rng, plan: Plan, scene: np.ndarray, px: float) -> list[dict]:
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


def _blur_steps(motion: dict[str, np.ndarray], rig: Rig) -> list[np.ndarray]:
    """Per frame, which of its SUBFRAMES stick positions to average: enough that the tip
    moves about its width between two, so that fast swings smear instead of ghosting."""
    tip = motion["tip"].reshape(-1, SUBFRAMES, 2)
    grip = tip + rig.grip * motion["toward"].reshape(-1, SUBFRAMES, 2)
    travel = np.maximum(np.linalg.norm(tip[:, -1] - tip[:, 0], axis=1),
                        np.linalg.norm(grip[:, -1] - grip[:, 0], axis=1))
    counts = np.clip(np.ceil(travel / max(1.0, rig.tip_w)).astype(int) + 1, 1, SUBFRAMES)
    return [np.unique(np.round(np.linspace(0, SUBFRAMES - 1, n))).astype(int) if n > 1
            else np.array([SUBFRAMES // 2]) for n in counts]


def _draw_stick(canvas: np.ndarray, rig: Rig, poses: list[dict]) -> None:
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


def render_video(path: Path, rng, plan: Plan) -> None:
    """Draw every frame on a canvas a margin larger than the picture, film it and encode it."""
    media, rig, pad = plan.media, plan.rig, plan.pad
    h, w = media.height, media.width
    px = h / 256
    family = FAMILIES[plan.family]
    shape = (h + 2 * pad, w + 2 * pad)
    scene, sprites = render_scene(np.random.default_rng(rng.integers(2 ** 63)), family, plan.regions,
                                   shape, px, plan.photo_rate)
    fps = float(media.fps)
    times = np.arange(plan.frames) / fps
    sub = times[:, None] + (np.linspace(-0.5, 0.5, SUBFRAMES) * media.shutter / fps)[None, :]
    slides = plan_slides(rng, plan)
    strikers = plan.strikers()
    motion = kinematics(rng, strikers[0], sub.ravel(), slides)
    blur = _blur_steps(motion, rig)
    lights = [(sprite, x, y, slide_offset(slides.get(i, []), times)) for i, (sprite, x, y) in sprites.items()]
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
        motion2 = kinematics(other, strikers[1], sub.ravel(), slides)
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
                paste(canvas, sprite, x + int(round(offset[i, 0])), y + int(round(offset[i, 1])))
            for sprite, path_xy in movers:
                paste(canvas, sprite, *path_xy[i])
            for r in reactions:
                since = times[i] - r["t"]
                if since >= 0 and (r["kind"] == "mark" or since < r["dur"]):
                    _draw_reaction(canvas, r, since, scene)
            reactions = [r for r in reactions if not (r["kind"] == "mark" and times[i] >= r["t"])]
            for striker, move, steps in drawn:
                _draw_stick(canvas, striker, [stick_shapes(striker, move["tip"][k], move["toward"][k], move["bend"][k],
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
