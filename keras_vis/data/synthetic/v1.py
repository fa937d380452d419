"""Generator version 1: styles ``studio`` and ``outdoor``, kept as they are so that results on
them reproduce.

Each recording shows a stick that swings down onto a surface made of one to three material
patches, touches it at the annotated time and lifts off again; the wav holds the sound of
that contact, panned by where on the image it happened. Event timing, materials and actions
are drawn from ``greatest_hits_stats.json`` (figures about the real dataset).

What makes the data worth learning from, and what keeps either modality from solving the
task alone:
- contact is the moment of the sound to the audio sample; the stick tip reaches the surface
  and a contact shadow darkens under it, and the surface reacts (the dataset annotates a
  reaction per event): a ring spreads from the contact point and fades over
  ``REACTION_S``, so the time since contact shows in every frame of that span, visible at
  10 fps and 64x64;
- each material has its own look (colour, texture) and sound (modal frequencies and decay,
  noise, crackle); scratches are noisy and last 0.15-0.5 s, hits are impulsive;
- equal-power stereo pan by the horizontal contact position, symmetric so that a horizontal
  flip of the frames is a swap of the two channels;
- nuisances: room tone and hum (wind, birds, traffic outdoors), slow gain changes, swings
  that stop short of the surface (motion without sound), off-screen sounds (sound without
  motion), a moving distractor, camera shake, lighting and background variety.

Video and audio libraries load inside the functions that use them: importing this module is
light.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from keras_vis.data.synthetic.materials import MATERIALS, MISS_RATE, SAMPLE_RATE, Material, pan, quantile_sampler

VIDEO_RATE = Fraction(30000, 1001)
REACTION_S = 0.3  # how long the visible reaction to a contact lasts

# Which materials each style's scenes are made of: indoor objects in the studio style,
# ground and vegetation outdoors, so the outdoor style is an out-of-distribution test.
STYLE_MATERIALS = {
    "studio": ("wood", "metal", "plastic", "cloth", "paper", "drywall", "plastic-bag",
               "ceramic", "tile", "carpet", "glass"),
    "outdoor": ("dirt", "rock", "leaf", "grass", "water", "gravel"),
}

# Off-screen sounds per second: sound without motion.
OFFSCREEN_RATE = 0.12


@dataclasses.dataclass(frozen=True)
class Swing:
    """One swing of the stick: contact over [t, t + drag_s] unless ``miss`` (stops above)."""

    t: float
    x: float  # horizontal contact position, 0 (left) .. 1 (right)
    y: float  # depth on the surface, 0 (far edge) .. 1 (near edge)
    drag: float  # horizontal travel during a scratch, in image widths
    drag_s: float  # scratch length in seconds; 0 for a hit
    strength: float
    miss: bool
    patch: int
    labelled: bool


def _plan_swings(rng, stats, seconds: float, patches: list[tuple[float, float]]) -> list[Swing]:
    """Event times from the dataset's rate and interval figures, with pauses between bursts."""
    rate = quantile_sampler(stats["events_per_second_quantiles"])(rng)
    interval = quantile_sampler(stats["inter_event_interval_s_quantiles"])
    actions = stats["action_counts"]
    scratch_share = actions["scratch"] / (actions["scratch"] + actions["hit"])
    labelled_share = 1.0 - actions["None"] / stats["events_total"]

    first, tail = 0.35, 0.45
    usable = seconds - first - tail
    count = max(1, int(round(rate * seconds / (1.0 - MISS_RATE))))
    scratch = rng.random(count) < scratch_share
    drag_s = np.where(scratch, rng.uniform(0.15, 0.5, count), 0.0)
    gaps = interval(rng, count)
    # A new contact only after the previous scratch has ended and the stick has lifted.
    gaps = np.maximum(gaps, drag_s + rng.uniform(0.2, 0.3, count))
    # slots[0] waits before the first event, slots[k] before event k.
    slots = np.zeros(count)
    spare = usable - float(gaps[:-1].sum())
    if spare > 0:
        # People strike in bursts: spread most of the spare time over a few pauses.
        pauses = int(rng.integers(1, 4))
        where = rng.integers(0, count, pauses)
        np.add.at(slots, where, rng.dirichlet(np.ones(pauses)) * spare * rng.uniform(0.7, 1.0))
    times = first + slots[0] + np.concatenate([[0.0], np.cumsum(gaps[:-1] + slots[1:])])

    swings = []
    x = rng.uniform(0.15, 0.85)
    for i, t in enumerate(times):
        if t + drag_s[i] > seconds - tail:
            break
        if rng.random() < 0.3:
            x = rng.uniform(0.1, 0.9)
        else:
            x = float(np.clip(x + rng.normal(0, 0.06), 0.1, 0.9))
        drag = rng.choice([-1, 1]) * rng.uniform(0.04, 0.12) if scratch[i] else 0.0
        drag = float(np.clip(x + drag, 0.05, 0.95) - x)
        # Time on the 96 kHz sample grid so the sound starts exactly at the annotation.
        t = round(t * SAMPLE_RATE) / SAMPLE_RATE
        mid = x + drag / 2
        patch = next(j for j, (lo, hi) in enumerate(patches) if lo <= mid < hi or hi >= 1.0)
        swings.append(Swing(
            t=t, x=x, y=float(rng.uniform(0.2, 0.85)), drag=drag, drag_s=float(drag_s[i]),
            strength=float(rng.uniform(0.4, 1.0)), miss=bool(rng.random() < MISS_RATE),
            patch=patch, labelled=bool(rng.random() < labelled_share),
        ))
    if not any(not s.miss for s in swings) and swings:
        swings[0] = dataclasses.replace(swings[0], miss=False)
    return swings


def _smooth_noise(rng, shape, scale: float) -> np.ndarray:
    """Noise in [-1, 1] with features about ``scale`` pixels wide."""
    import cv2

    h, w = shape
    small = rng.uniform(-1, 1, (max(2, int(h / scale)), max(2, int(w / scale)))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _texture(rng, name: str, shape, base) -> np.ndarray:
    """A float32 RGB image of one material, its base colour jittered per recording."""
    import cv2

    h, w = shape
    m = MATERIALS[name]
    colour = np.clip(np.array(m.colour, np.float32) * rng.uniform(0.85, 1.15, 3), 0, 255)
    img = np.empty((h, w, 3), np.float32)
    img[:] = colour
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = m.texture
    if kind == "grain":
        period = rng.uniform(6, 14) * base
        wave = np.sin(2 * np.pi * (yy / period + 0.4 * _smooth_noise(rng, shape, 40 * base)))
        img *= (1 + 0.18 * wave)[..., None]
    elif kind == "brushed":
        streak = _smooth_noise(rng, (h, max(2, w // 60)), 1)
        streak = cv2.resize(streak, (w, h), interpolation=cv2.INTER_LINEAR)
        img *= (1 + 0.1 * streak + 0.25 * np.exp(-((xx / w - rng.uniform(0.2, 0.8)) / 0.15) ** 2))[..., None]
    elif kind in ("glass", "glossy"):
        img *= (1 + 0.3 * np.exp(-(((xx - yy * 0.6) / w - rng.uniform(0, 0.6)) / 0.05) ** 2))[..., None]
    elif kind == "grid":
        step = int(rng.uniform(24, 40) * base)
        lines = ((yy.astype(int) % step) < max(1, step // 12)) | ((xx.astype(int) % step) < max(1, step // 12))
        img[lines] *= 0.55
    elif kind == "flat":
        img *= (1 + 0.08 * (yy / h - 0.5))[..., None]
    elif kind == "speckle":
        img *= (1 + 0.1 * _smooth_noise(rng, shape, 3 * base) + 0.08 * rng.uniform(-1, 1, shape))[..., None]
    elif kind == "lines":
        step = int(rng.uniform(10, 16) * base)
        img[(yy.astype(int) % step) == 0] = (120, 140, 200)
    elif kind == "weave":
        check = ((xx // max(2, 3 * base) + yy // max(2, 3 * base)) % 2).astype(np.float32)
        img *= (1 + 0.12 * (check - 0.5) + 0.1 * _smooth_noise(rng, shape, 8 * base))[..., None]
    elif kind == "crinkle":
        img *= (1 + 0.3 * np.abs(_smooth_noise(rng, shape, 6 * base)) ** 0.5 - 0.15)[..., None]
    elif kind == "blobs":
        img *= (1 + 0.25 * _smooth_noise(rng, shape, 18 * base) + 0.08 * _smooth_noise(rng, shape, 3 * base))[..., None]
    elif kind == "dots":
        img *= (1 + 0.3 * np.sign(_smooth_noise(rng, shape, 2.5 * base)) * 0.5)[..., None]
    elif kind == "waves":
        wave = np.sin(2 * np.pi * (yy / (rng.uniform(5, 9) * base) + 0.5 * _smooth_noise(rng, shape, 30 * base)))
        img *= (1 + 0.2 * np.maximum(wave, 0) ** 4)[..., None]
    elif kind in ("leaves", "blades"):
        canvas = img.astype(np.uint8).copy()
        palette = ((70, 130, 40), (150, 120, 40), (110, 70, 30), (90, 160, 60))
        count = int(h * w / (60 * base * base))
        for _ in range(count):
            cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
            c = tuple(int(v * rng.uniform(0.7, 1.2)) for v in palette[int(rng.integers(0, 4))])
            if kind == "leaves":
                axes = (int(rng.uniform(3, 7) * base), int(rng.uniform(2, 4) * base))
                cv2.ellipse(canvas, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, c, -1)
            else:
                tip = (cx + int(rng.normal(0, 2 * base)), cy - int(rng.uniform(4, 10) * base))
                cv2.line(canvas, (cx, cy), tip, c, max(1, int(base)))
        img = canvas.astype(np.float32)
    return img


def _scene(rng, style: str, shape, surface_top: int, patches, materials) -> np.ndarray:
    """The static picture: background, the material patches, lighting and tint (uint8 RGB)."""
    import cv2

    h, w = shape
    base = h / 256.0
    img = np.empty((h, w, 3), np.float32)
    yy = np.linspace(0, 1, surface_top, dtype=np.float32)[:, None, None]
    if style == "studio":
        wall = rng.uniform(60, 220, 3).astype(np.float32)
        img[:surface_top] = wall * (0.85 + 0.3 * yy)
        bg = img[:surface_top].copy()
        for _ in range(int(rng.integers(1, 5))):
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, max(1, surface_top - 4)))
            x1, y1 = x0 + int(rng.uniform(20, 120) * base), y0 + int(rng.uniform(15, 80) * base)
            cv2.rectangle(bg, (x0, y0), (x1, y1), tuple(float(v) for v in rng.uniform(20, 240, 3)), -1)
        img[:surface_top] = bg
    else:
        sky = np.array([110, 160, 230], np.float32) * rng.uniform(0.8, 1.1, 3)
        img[:surface_top] = sky * (1.1 - 0.35 * yy)
        bg = img[:surface_top].copy()
        for _ in range(int(rng.integers(3, 10))):
            cx, cy = int(rng.integers(0, w)), int(rng.uniform(0.3, 1.0) * surface_top)
            r = int(rng.uniform(15, 50) * base)
            green = tuple(float(v) for v in np.array([50, 110, 40]) * rng.uniform(0.6, 1.3, 3))
            cv2.circle(bg, (cx, cy), r, green, -1)
        img[:surface_top] = bg
    surface_shape = (h - surface_top, w)
    for (lo, hi), name in zip(patches, materials):
        x0, x1 = int(round(lo * w)), int(round(hi * w))
        if x1 > x0:
            img[surface_top:, x0:x1] = _texture(rng, name, (surface_shape[0], x1 - x0), base)
    # The far edge of the surface: a dark line so the contact plane reads at low resolution.
    img[surface_top:surface_top + max(1, int(2 * base))] *= 0.5
    light = rng.uniform(0.65, 1.25) * rng.uniform(0.88, 1.12, 3)
    vignette = 1 - 0.25 * ((np.linspace(-1, 1, w)[None, :] ** 2) * rng.uniform(0, 1))
    img *= light.astype(np.float32) * vignette[..., None].astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _contrast_colour(scene: np.ndarray) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Stick and outline colours with the most contrast against the scene."""
    luminance = float(scene.mean())
    if luminance > 110:
        return (25, 20, 15), (250, 240, 200)
    return (250, 235, 170), (15, 10, 5)


def stick_height(t: np.ndarray, swings: list[Swing], lift: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tip height above the surface (0 at contact, ``lift`` at rest), x and depth over time.

    A strike comes down at a steady speed and stops at the surface at the annotated time
    (``|dt| / tau_in``); the stick then lifts off slowly (``(dt / tau_out) ** 2``), so just
    after a contact it is still on the surface when sampled at 10 fps.
    """
    height = np.full(t.shape, lift, np.float64)
    xs = np.empty(t.shape, np.float64)
    ys = np.empty(t.shape, np.float64)
    starts = np.array([s.t for s in swings])
    ends = np.array([s.t + s.drag_s for s in swings])
    for j, s in enumerate(swings):
        before = s.t - ends[j - 1] if j > 0 else s.t
        after = starts[j + 1] - ends[j] if j + 1 < len(swings) else 10.0
        tau_in = min(0.2, 0.45 * before)
        tau_out = min(0.35, 0.5 * after)
        bottom = lift * (0.35 + 0.25 * s.strength) if s.miss else 0.0
        coming = np.minimum(1.0, (s.t - t) / tau_in)
        going = np.minimum(1.0, (t - ends[j]) / tau_out) ** 2
        shape = np.where(t < s.t, coming, np.where(t > ends[j], going, 0.0))
        height = np.minimum(height, bottom + (lift - bottom) * shape)
    # Horizontal and depth motion: hold (or drag) during each contact, glide between them.
    key_t, key_x, key_y = [], [], []
    for s in swings:
        key_t += [s.t, s.t + s.drag_s + 1e-4]
        key_x += [s.x, s.x + s.drag]
        key_y += [s.y, s.y]
    key_t, key_x, key_y = np.array(key_t), np.array(key_x), np.array(key_y)
    xs[:] = np.interp(t, key_t, key_x)
    ys[:] = np.interp(t, key_t, key_y)
    return height, xs, ys


def _draw_reaction(canvas, swing, since: float, w: int, ground_top: int, depth: int, pad: int):
    """A ring spreading from the contact point on the (receding) ground plane and fading:
    its radius tells how long ago the contact was, to a fraction of a frame."""
    import cv2

    progress = since / REACTION_S
    centre = (int(round(swing.x * w + pad)), int(round(ground_top + (0.1 + 0.8 * swing.y) * depth)))
    radius = (0.03 + 0.12 * progress) * w
    axes = (int(round(radius)), int(round(0.4 * radius)))
    thickness = max(2, int(round(0.025 * w * (1.0 - 0.5 * progress))))
    overlay = canvas.copy()
    cv2.ellipse(overlay, centre, axes, 0, 0, 360, (255, 255, 255), thickness, cv2.LINE_AA)
    alpha = 0.9 * (1.0 - progress)
    cv2.addWeighted(overlay, alpha, canvas, 1.0 - alpha, 0, dst=canvas)


def _render_video(path: Path, rng, style: str, size, swings, patches, materials, frames: int) -> None:
    import av
    import cv2

    h, w = size
    base = h / 256.0
    pad = max(2, int(round(0.03 * h)))
    surface_top = int(h * rng.uniform(0.42, 0.58))
    scene = _scene(rng, style, (h + 2 * pad, w + 2 * pad), surface_top + pad, patches, materials)
    stick, outline = _contrast_colour(scene[surface_top + pad:])
    thick = max(3, int(round(0.06 * h)))
    edge = max(1, thick // 3)
    lift = 0.38 * h
    lean = rng.uniform(-0.35, 0.35) * w
    surface_depth = h - surface_top

    times = np.arange(frames) * float(1 / VIDEO_RATE)
    height, xs, ys = stick_height(times, swings, lift)
    # Camera shake: a smoothed random walk (handheld outdoors: stronger) plus rare jolts.
    amplitude = rng.uniform(0.0, 0.5 if style == "studio" else 1.0) * (pad - 1)
    walk = np.cumsum(rng.normal(0, 1, (frames, 2)), axis=0)
    kernel = np.ones(9) / 9
    walk = np.stack([np.convolve(walk[:, i], kernel, "same") for i in range(2)], 1)
    walk = walk - walk.mean(0)
    walk = walk / (np.abs(walk).max() + 1e-9) * amplitude
    shake = np.clip(np.round(walk), -pad, pad).astype(int)
    # Lighting drift: a slow change of overall brightness, quantised so LUTs are reused.
    drift = 1 + rng.uniform(0.0, 0.12) * np.sin(2 * np.pi * (times / rng.uniform(4, 15) + rng.uniform()))
    drift = np.round(drift * 50) / 50
    lit = {}  # the scene under each quantised brightness, made once
    # A distractor moving in the background: motion that makes no sound.
    distractor = rng.random() < 0.6
    d_colour = tuple(float(v) for v in rng.uniform(20, 240, 3))
    d_radius = int(rng.uniform(8, 20) * base)
    d_period = rng.uniform(3, 9)
    d_y = int(rng.uniform(0.15, 0.8) * surface_top) + pad

    shadow_r = int(0.06 * w)
    gy, gx = np.mgrid[-shadow_r:shadow_r + 1, -shadow_r:shadow_r + 1].astype(np.float32)
    shadow_blob = np.exp(-((gx / shadow_r) ** 2 + (gy / (0.45 * shadow_r)) ** 2) * 3)

    contacts = [s for s in swings if not s.miss]

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=VIDEO_RATE)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        # One encoder thread: the bitstream then does not depend on the machine's core count.
        stream.options = {"preset": "ultrafast", "crf": "20", "threads": "1"}
        stream.codec_context.time_base = Fraction(1001, 30000)
        for i in range(frames):
            gain = float(drift[i])
            if gain not in lit:
                lut = np.clip(np.arange(256) * gain, 0, 255).astype(np.uint8)
                lit[gain] = cv2.LUT(scene, lut)
            canvas = lit[gain].copy()
            if distractor:
                dx = int((0.5 + 0.45 * math.sin(2 * math.pi * times[i] / d_period)) * w) + pad
                cv2.circle(canvas, (dx, d_y), d_radius, d_colour, -1)
            tip_x = xs[i] * w + pad
            ground_y = surface_top + pad + (0.1 + 0.8 * ys[i]) * surface_depth
            tip_y = ground_y - height[i]
            # Contact shadow: darkens under the tip as it comes within a quarter of the lift.
            closeness = max(0.0, 1.0 - height[i] / (0.25 * lift))
            if closeness > 0:
                cx, cy = int(round(tip_x)), int(round(ground_y))
                y0, y1 = max(cy - shadow_r, 0), min(cy + shadow_r + 1, canvas.shape[0])
                x0, x1 = max(cx - shadow_r, 0), min(cx + shadow_r + 1, canvas.shape[1])
                blob = shadow_blob[y0 - cy + shadow_r:y1 - cy + shadow_r, x0 - cx + shadow_r:x1 - cx + shadow_r]
                roi = canvas[y0:y1, x0:x1].astype(np.float32)
                canvas[y0:y1, x0:x1] = (roi * (1 - 0.85 * closeness * blob)[..., None]).astype(np.uint8)
            for s in contacts:
                since = times[i] - s.t
                if 0.0 <= since < REACTION_S:
                    _draw_reaction(canvas, s, since, w, surface_top + pad, surface_depth, pad)
            top = (int(round(tip_x + lean)), int(round(tip_y - 1.6 * h)))
            tip = (int(round(tip_x)), int(round(tip_y)))
            cv2.line(canvas, top, tip, outline, thick + 2 * edge, cv2.LINE_AA)
            cv2.line(canvas, top, tip, stick, thick, cv2.LINE_AA)
            cv2.circle(canvas, tip, int(1.1 * thick) + edge, outline, -1, cv2.LINE_AA)
            cv2.circle(canvas, tip, int(1.1 * thick), stick, -1, cv2.LINE_AA)
            sx, sy = shake[i]
            frame = canvas[pad + sy:pad + sy + h, pad + sx:pad + sx + w]
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            video_frame.pts = i
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _lowpass(signal: np.ndarray, cutoff: float) -> np.ndarray:
    from scipy.signal import lfilter

    alpha = 1 - math.exp(-2 * math.pi * min(cutoff, 0.45 * SAMPLE_RATE) / SAMPLE_RATE)
    return lfilter([alpha], [1, alpha - 1], signal)


def _impact(rng, m: Material, strength: float, muffle: float = 1.0) -> np.ndarray:
    """One contact sound (mono): modes + click + noise body + crackle, starting at sample 0."""
    decay = rng.uniform(*m.decay)
    length = int(min(1.2, max(5 * decay, 6 * m.noise_decay, 0.03)) * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    f0 = rng.uniform(*m.f0)
    out = np.zeros(length)
    for k, ratio in enumerate(m.ratios):
        freq = f0 * ratio * rng.uniform(0.98, 1.02)
        if freq > 0.45 * SAMPLE_RATE:
            continue
        amp = rng.uniform(0.4, 1.0) / (1 + 0.6 * k)
        out += amp * np.exp(-t * (1 + 0.5 * k) / decay) * np.sin(2 * np.pi * freq * t)
    noise = rng.standard_normal(length)
    out += m.noise * _lowpass(noise, m.brightness * muffle) * np.exp(-t / m.noise_decay) * 1.5
    click_len = int(0.004 * SAMPLE_RATE)
    out[:click_len] += 0.8 * _lowpass(rng.standard_normal(click_len), m.brightness * muffle) * np.exp(
        -t[:click_len] / 0.0008
    )
    if m.crackle:
        for _ in range(int(rng.poisson(m.crackle))):
            at = int(rng.exponential(0.025) * SAMPLE_RATE)
            if at + 60 < length:
                out[at:at + 60] += rng.uniform(-0.6, 0.6) * np.exp(-np.arange(60) / 12.0)
    peak = np.abs(out).max() + 1e-9
    return out / peak * strength


def _scratch(rng, m: Material, strength: float, seconds: float) -> np.ndarray:
    """A scratch (mono): band-limited noise with stick-slip roughness, sharp start."""
    from scipy.signal import butter, sosfilt

    length = int(seconds * SAMPLE_RATE)
    centre = min(max(m.brightness * 0.4, 300.0), 0.4 * SAMPLE_RATE)
    sos = butter(2, [centre / 2, min(centre * 2, 0.45 * SAMPLE_RATE)], "bandpass", fs=SAMPLE_RATE, output="sos")
    noise = sosfilt(sos, rng.standard_normal(length))
    noise /= np.abs(noise).max() + 1e-9
    t = np.arange(length) / SAMPLE_RATE
    rough = 1 + 0.6 * _lowpass(rng.standard_normal(length), 40.0) * 20
    envelope = np.minimum(1, t / 0.002) * np.minimum(1, (seconds - t) / 0.03)
    out = 0.7 * noise * np.clip(rough, 0.2, 2.0) * envelope * strength
    start = _impact(rng, m, 0.6 * strength)
    n = min(len(start), length)
    out[:n] += start[:n]
    return out


def _chirp(rng) -> np.ndarray:
    """A bird call: a short frequency sweep."""
    seconds = rng.uniform(0.05, 0.15)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f_start, f_end = rng.uniform(2000, 6000, 2)
    phase = 2 * np.pi * (f_start * t + (f_end - f_start) * t ** 2 / (2 * seconds))
    return np.sin(phase) * np.sin(np.pi * t / seconds) ** 2


def _add(mix: np.ndarray, at: int, mono: np.ndarray, gains: tuple[float, float]) -> None:
    end = min(at + len(mono), mix.shape[0])
    if end > at:
        mix[at:end, 0] += gains[0] * mono[:end - at]
        mix[at:end, 1] += gains[1] * mono[:end - at]


def _render_audio(rng, style: str, samples: int, swings, materials) -> np.ndarray:
    from scipy.signal import lfilter

    seconds = samples / SAMPLE_RATE
    mix = np.zeros((samples, 2))
    for s in swings:
        if s.miss:
            continue
        m = MATERIALS[materials[s.patch]]
        level = rng.uniform(0.25, 0.6)
        if s.drag_s > 0:
            mono = _scratch(rng, m, s.strength * level, s.drag_s)
            gains = pan(s.x + s.drag / 2)
        else:
            mono = _impact(rng, m, s.strength * level)
            gains = pan(s.x)
        _add(mix, int(round(s.t * SAMPLE_RATE)), mono, gains)

    # Off-screen sounds: no motion on screen, muffled and anywhere in the stereo field.
    count = int(rng.poisson(OFFSCREEN_RATE * seconds))
    for _ in range(count):
        at = int(rng.uniform(0, seconds) * SAMPLE_RATE)
        gains = pan(float(rng.uniform(0, 1)))
        if style == "outdoor" and rng.random() < 0.6:
            for k in range(int(rng.integers(1, 4))):
                _add(mix, at + int(k * 0.18 * SAMPLE_RATE), 0.08 * _chirp(rng), gains)
        else:
            name = str(rng.choice(["wood", "metal", "drywall", "ceramic", "rock"]))
            knocks = int(rng.integers(1, 4))
            for k in range(knocks):
                mono = _impact(rng, MATERIALS[name], rng.uniform(0.05, 0.2), muffle=0.15)
                _add(mix, at + int(k * rng.uniform(0.12, 0.25) * SAMPLE_RATE), mono, gains)

    # Room tone: pink-ish noise (wind outdoors), partly correlated between channels, and hum.
    common = rng.standard_normal(samples, dtype=np.float32)
    tone = common[:, None] + 0.6 * rng.standard_normal((samples, 2), dtype=np.float32)
    tone = lfilter(np.float32([0.05]), np.float32([1, -0.95]), tone, axis=0)
    if style == "outdoor":
        t = np.arange(samples, dtype=np.float32) / SAMPLE_RATE
        gust = 1 + 0.8 * np.sin(2 * np.pi * t / rng.uniform(2, 6) + rng.uniform(0, 6)) ** 2
        tone *= gust[:, None] * np.float32(rng.uniform(0.01, 0.03))
    else:
        tone *= np.float32(rng.uniform(0.003, 0.015))
        # Mains hum and two harmonics: one period (a whole number of samples), repeated.
        mains = int(rng.choice([50, 60]))
        period = np.arange(SAMPLE_RATE // mains) / SAMPLE_RATE
        hum = sum(np.sin(2 * np.pi * mains * k * period + rng.uniform(0, 6)) / k for k in (1, 2, 3))
        hum = np.resize(hum * rng.uniform(0.0, 0.004), samples).astype(np.float32)
        tone += hum[:, None]
    mix += tone
    # The recordist changes the level a few times: smooth gain steps of up to +-6 dB.
    gain_db = np.zeros(samples)
    for _ in range(int(rng.integers(0, 3))):
        at = int(rng.uniform(0, seconds) * SAMPLE_RATE)
        gain_db[at:] += rng.uniform(-6, 6)
    gain_db = lfilter([1 - 0.9999], [1, -0.9999], gain_db)
    mix *= (10 ** (gain_db / 20))[:, None]
    peak = np.abs(mix).max()
    if peak > 0.98:
        mix *= 0.98 / peak
    return mix.astype(np.float32)


def _choose_materials(rng, stats, style: str) -> list[str]:
    names = STYLE_MATERIALS[style]
    counts = np.array([stats["material_counts"][n] for n in names], dtype=float)
    count = int(rng.choice([1, 2, 3], p=[0.3, 0.45, 0.25]))
    return list(rng.choice(names, size=count, replace=False, p=counts / counts.sum()))


def write_recording(task: dict) -> str:
    """Write one version-1 recording described by ``task`` (``writer.recording_tasks``): its
    ``_mic.wav``, ``_mic.mp4`` and ``_times.txt``. Returns its id."""
    import cv2
    import soundfile

    # One recording per process: OpenCV's own thread pool would only oversubscribe the cores.
    cv2.setNumThreads(1)

    out, rec_id, size, style = Path(task["out"]), task["id"], task["size"], task["style"]
    rng = np.random.default_rng(task["seed"])
    stats = task["stats"]
    frames = int(math.floor(task["seconds"] * float(VIDEO_RATE) + 1e-9))
    seconds = frames / float(VIDEO_RATE)
    samples = int(round(seconds * SAMPLE_RATE))

    materials = _choose_materials(rng, stats, style)
    cuts = np.sort(rng.uniform(0.25, 0.75, len(materials) - 1)) if len(materials) > 1 else []
    edges = [0.0, *cuts, 1.0]
    patches = [(float(edges[i]), float(edges[i + 1])) for i in range(len(materials))]
    swings = _plan_swings(rng, stats, seconds, patches)

    audio = _render_audio(np.random.default_rng([*task["seed"], 1]), style, samples, swings, materials)
    soundfile.write(str(out / f"{rec_id}_mic.wav"), audio, SAMPLE_RATE, subtype="PCM_16")
    _render_video(out / f"{rec_id}_mic.mp4", np.random.default_rng([*task["seed"], 2]), style, size,
                  swings, patches, materials, frames)
    lines = []
    for s in swings:
        if s.miss:
            continue
        if s.labelled:
            name = materials[s.patch]
            action = "scratch" if s.drag_s > 0 else "hit"
            lines.append(f"{s.t:.6f} {name} {action} {MATERIALS[name].reaction}")
        else:
            lines.append(f"{s.t:.6f} None None None")
    (out / f"{rec_id}_times.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rec_id
