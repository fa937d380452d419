"""Everything about one recording that is drawn before any pixel or sample is made
(``make_plan``): its media (frame rate, size, codec quality), scene layout, the striker and the
hand holding it, the contacts (``Event``), and the microphone and room (``Chain``)."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np

from keras_vis.data.synthetic.materials import MISS_RATE, quantile_sampler
from keras_vis.data.synthetic.v2.looks import STICK_ODD, palette_colour
from keras_vis.data.synthetic.v2.scene import Region, layout_regions
from keras_vis.data.synthetic.v2.settings import (
    ASPECTS, AUDIO_RATE, BEAT_JITTER, BURST_GAP_S, FAMILIES, FRAME_RATES, Family, LOWPASS_RATE, PAIR_RATE,
    PHOTO_RATE, RATE_WEIGHTS, RHYTHM_RATE, RING_RATE, SCALES, STRIKERS, STRIKER_WEIGHTS, STYLE_FAMILIES,
)


@dataclasses.dataclass(frozen=True)
class Media:
    fps: Fraction
    height: int
    width: int
    crf: int
    shutter: float  # exposure as a fraction of the frame interval


@dataclasses.dataclass(frozen=True)
class Rig:
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
class Event:
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
class Chain:
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


def _media(rng, size: tuple[int, int]) -> Media:
    """Frame rate, frame size (at most ``size``, even), codec quality and shutter."""
    def even(value: float) -> int:
        return max(32, int(round(value / 2)) * 2)

    height = even(size[0] * SCALES[int(rng.integers(len(SCALES)))])
    width = min(even(height * ASPECTS[int(rng.integers(len(ASPECTS)))]), int(size[1]))
    fps = FRAME_RATES[int(rng.choice(len(FRAME_RATES), p=RATE_WEIGHTS))]
    crf = int(round(rng.triangular(16, 22, 40)))
    return Media(fps, height, width, crf, float(rng.uniform(0.25, 1.0)))


def _rig(rng, family: Family, centre: np.ndarray, shape, h: int) -> Rig:
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
    lift_dir = rotate(lift_dir, rng.normal(0, 0.35))
    odd = rng.random() < 0.1
    colour = np.array(STICK_ODD[int(rng.integers(len(STICK_ODD)))] if odd else palette_colour(rng, "stick"), float)
    a = rng.uniform(0, 2 * np.pi)
    shadow = np.array([math.cos(a), math.sin(a)]) * rng.uniform(0.2, 0.8) if rng.random() < 0.75 else np.zeros(2)
    sun = family.sun and rng.random() < 0.8
    return Rig(
        length=float(length), grip=float(grip), tip_w=float(butt * rng.uniform(0.35, 0.6)), butt_w=float(butt),
        colour=tuple(np.clip(colour, 0, 255)), hand=float(rng.uniform(0.2, 0.32) * h) if inside else 0.0,
        skin=tuple(np.clip(palette_colour(rng, "skin"), 0, 255).tolist()), sleeve=tuple(rng.uniform(20, 230, 3).tolist()),
        side=float(rng.choice([-1, 1])), forearm=_forearm(rng.uniform(-0.6, 0.6)), toward=toward,
        lift_dir=lift_dir,
        lift=float(rng.uniform(0.25, 0.55) * h), follow=float(rng.uniform(0.1, 0.5)),
        shadow=shadow,
        shadow_alpha=float(rng.uniform(0.45, 0.7) if sun else rng.uniform(0.12, 0.35)),
    )


def rotate(v: np.ndarray, angle: float) -> np.ndarray:
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
    rate = quantile_sampler(stats["events_per_second_quantiles"])(rng)
    interval = quantile_sampler(stats["inter_event_interval_s_quantiles"])
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


def _plan_events(rng, stats, seconds: float, regions: list[Region], inner, h: int) -> list[Event]:
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
        events.append(Event(
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


def _chain(rng, family: Family) -> Chain:
    """Room, microphone and recorder settings for one recording."""
    rt = rng.uniform(*family.reverb_s)
    count = int(rng.integers(1, 4))
    return Chain(
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
class Plan:
    family: str
    media: Media
    pad: int
    regions: list[Region]
    rig: Rig
    events: list[Event]
    chain: Chain
    frames: int
    seconds: float
    photo_rate: float = 0.0
    second: Rig | None = None  # a second striker, taking turns with the first

    def strikers(self) -> list[Plan]:
        """One plan per striker, holding only the events it makes."""
        if self.second is None:
            return [self]
        return [dataclasses.replace(self, rig=rig, events=[e for e in self.events if e.striker == k], second=None)
                for k, rig in enumerate((self.rig, self.second))]


def make_plan(task: dict) -> Plan:
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
    regions = layout_regions(np.random.default_rng([*task["seed"], 1]), task["stats"], family, shape, h / 256)
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
    return Plan(family_name, media, pad, regions, rig, events, chain, frames, seconds, photo_rate, second)


def _steady_beat(rng, stats, events: list[Event], seconds: float) -> list[Event]:
    """``events`` re-timed (``RHYTHM_RATE`` of the time) so that the contacts of each burst come
    one beat apart; pauses between bursts stay, and contacts that no longer fit are dropped."""
    if len(events) < 3 or rng.random() >= RHYTHM_RATE:
        return events
    # A beat of at most 1 s, so that a 2 s clip holds two of them.
    beat = float(np.clip(quantile_sampler(stats["inter_event_interval_s_quantiles"])(rng), 0.25, 1.0))
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


def _striker(rng, rig: Rig, kind: str, h: int) -> Rig:
    """``rig`` made into a striker of ``kind``: a drumstick as drawn, a mallet (a ball on a thin
    handle), a hammer (a heavy head across a thick handle) or a bare hand (no stick at all)."""
    if kind == "mallet":
        return dataclasses.replace(
            rig, kind=kind, head=float(rng.uniform(0.02, 0.045) * h), tip_w=rig.butt_w * float(rng.uniform(0.4, 0.7)),
            head_colour=tuple(np.clip(palette_colour(rng, str(rng.choice(["cloth", "plastic", "dark"]))), 0, 255).tolist()),
            muffle=float(rng.uniform(1500, 5000)))
    if kind == "hammer":
        head = float(rng.uniform(0.07, 0.14) * h)
        metal = palette_colour(rng, "metal") * rng.uniform(0.35, 1.0)
        return dataclasses.replace(
            rig, kind=kind, head=head, head_w=head * float(rng.uniform(0.3, 0.45)),
            tip_w=rig.butt_w * float(rng.uniform(0.85, 1.1)), head_colour=tuple(np.clip(metal, 0, 255).tolist()))
    if kind == "hand":  # the hand is the striker: always in the picture, the arm out of it
        hand = float(rng.uniform(0.14, 0.24) * h)
        return dataclasses.replace(rig, kind=kind, hand=hand, grip=0.0, length=0.5 * hand, tip_w=0.5 * hand,
                                   muffle=float(rng.uniform(800, 3500)))
    return rig


def _take_turns(rng, events: list[Event]) -> list[Event]:
    """Share the contacts between two strikers: mostly alternating, sometimes one twice."""
    turns = [0]
    for _ in events[1:]:
        turns.append(turns[-1] ^ int(rng.random() < 0.75))
    if 1 not in turns:
        turns[-1] = 1
    return [dataclasses.replace(e, striker=k) for e, k in zip(events, turns)]
