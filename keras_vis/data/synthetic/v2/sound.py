"""The sound: impacts and scratches made from each contact's material, off-screen knocks, the
room's reverberation, background noise, level changes, clipping and band limits."""

from __future__ import annotations



import numpy as np
from scipy.signal import butter, lfilter, oaconvolve, resample_poly, sosfilt

from keras_vis.data.synthetic.materials import MATERIALS, SAMPLE_RATE, pan
from keras_vis.data.synthetic.v2.motion import stroke
from keras_vis.data.synthetic.v2.plan import Chain, Event, Plan
from keras_vis.data.synthetic.v2.settings import AUDIO_RATE, FAMILIES


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


def _scratch(rng, name: str, strength: float, e: Event) -> np.ndarray:
    """A scratch (mono): rubbing noise and grit clicks, as loud as the stroke is fast."""
    m = MATERIALS[name]
    n = max(2, int(round((e.end - e.t) * AUDIO_RATE)))
    speed = np.abs(np.gradient(stroke(np.arange(n) / n, e.back, e.ease)) * n)
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


def _background(rng, chain: Chain, samples: int) -> np.ndarray:
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
                x[start:end] += np.outer(call[:end - start], pan(rng.uniform(0, 1)))
        out += level * (3 * x if kind == "birds" else x / (np.sqrt((x ** 2).mean()) + 1e-9))
    return out


def _add(mix: np.ndarray, at: int, mono: np.ndarray, gains) -> None:
    end = min(at + len(mono), mix.shape[0])
    if end > at:
        mix[at:end] += np.outer(mono[:end - at], gains)


def render_audio(rng, plan: Plan, samples: int) -> np.ndarray:
    """The recording's sound at SAMPLE_RATE (float32 stereo)."""
    chain, family = plan.chain, FAMILIES[plan.family]
    w, pad = plan.media.width, plan.pad

    def gains(x: float) -> tuple[float, float]:
        return pan(float(np.clip(0.5 + chain.pan_width * ((x - pad) / w - 0.5), 0, 1)))

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
        _add(dry, int(at * AUDIO_RATE), mono, pan(float(rng.uniform(0, 1))))
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
