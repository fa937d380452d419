"""How the striker moves: the tip reaches the surface at each contact's time and stops there,
scratches travel, the stick bends and lifts; light objects slide when struck."""

from __future__ import annotations



import numpy as np

from keras_vis.data.synthetic.materials import MATERIALS
from keras_vis.data.synthetic.v2.plan import Plan, rotate


def stroke(u: np.ndarray, back: bool, ease: float) -> np.ndarray:
    """How far along a scratch the tip is (0..1, or 0..1..0 there and back) at phase u in [0, 1].

    The tip lands moving and is fastest mid-stroke; ``ease`` sets how much faster."""
    if back:
        u = 1 - np.abs(1 - 2 * u)
    return u - ease * np.sin(2 * np.pi * u) / (2 * np.pi)


def plan_slides(rng, plan: Plan) -> dict[int, list[tuple[float, np.ndarray]]]:
    """Per light object, the pushes it gets: (time, displacement) for each hit on it."""
    slides: dict[int, list[tuple[float, np.ndarray]]] = {}
    h = plan.media.height
    for e in plan.events:
        if plan.regions[e.target].light and not e.miss and not e.scratch:
            pushes = slides.setdefault(e.target, [])
            sofar = sum((d for _, d in pushes), np.zeros(2))
            away = -plan.rig.toward if np.linalg.norm(sofar) < 0.06 * h else -sofar / np.linalg.norm(sofar)
            pushes.append((e.t, rotate(away, rng.normal(0, 0.6)) * e.strength * rng.uniform(0.01, 0.05) * h))
    return slides


def slide_offset(pushes, t: np.ndarray) -> np.ndarray:
    """Where a light object is (offset from rest, (N, 2)) at times ``t``: a slide and a wobble."""
    out = np.zeros((len(t), 2))
    for t0, d in pushes:
        s = np.maximum(t - t0, 0.0)[:, None]
        wobble = 0.3 * np.exp(-s / 0.1) * np.sin(2 * np.pi * 9 * s)
        out += d * (1 - np.exp(-s / 0.05)) + np.array([-d[1], d[0]]) * wobble
    return out


def kinematics(rng, plan: Plan, ts: np.ndarray, slides) -> dict[str, np.ndarray]:
    """Tip, stick direction (tip to hand) and height at times ``ts``, and how much the stick bends.

    Between contacts the tip rises fast (the bounce), hovers and winds down faster and
    faster onto the next contact point; it rests exactly on the surface from ``t`` to ``end``.
    """
    rig, events, h = plan.rig, plan.events, plan.media.height
    points = np.array([e.point for e in events])
    for i, e in enumerate(events):
        if e.target in slides:
            points[i] += slide_offset(slides[e.target], np.array([e.t]))[0]
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
            surface[on] = points[j] + stroke((ts[on] - e.t) / (e.end - e.t), e.back, e.ease)[:, None] * drags[j]
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
