"""Learning-free onset signals and their lag correlation, as layers with no weights.

``VisualOnsets`` turns frames into one value per frame: how much the motion energy drops there
(a striker moves fast and stops at the surface when the sound starts). ``AudioOnsets`` turns a
waveform into one value per video frame: the largest rise of log energy within that frame.
``LagAgreement`` scores how much better the two line up at lag 0 than at any other lag.
``MotionGrid`` keeps where the motion is: the frame differences' energy on a coarse grid of
cells, the input of a learned model that sees motion and nothing of a scene's look;
``MotionFlow`` the direction each cell moves in (a striker stopping or bouncing at a contact).
``FrameCentring`` takes from each frame's cells what they share (a camera that shakes or pans,
a light that flickers), and ``SpectralFlux`` keeps only the rises of a spectrogram (what starts,
not what rings on), two options of that model.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class VisualOnsets(keras.layers.Layer):
    """uint8 ``(B, T, H, W, 3)`` -> ``(B, T, 1)``: the drop of mean absolute frame difference.

    ``m[i] = mean |grey[i + 1] - grey[i]|`` sits between frames i and i + 1; its drop
    ``max(m[i - 1] - m[i], 0)`` is placed at frame i (as ``check-sync`` does); the first and
    last frames get 0.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")  # learning-free: the same numbers under any policy
        super().__init__(**kwargs)

    def call(self, video):
        grey = _grey(video)
        motion = ops.mean(ops.abs(grey[:, 1:] - grey[:, :-1]), axis=(2, 3))
        drop = ops.relu(motion[:, :-1] - motion[:, 1:])
        zero = ops.zeros_like(drop[:, :1])
        return ops.concatenate([zero, drop, zero], axis=1)[..., None]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], 1)


@keras.saving.register_keras_serializable(package="zoo")
class MotionGrid(keras.layers.Layer):
    """uint8 ``(B, T, H, W, 3)`` -> ``(B, T, grid, grid, 2)``: log motion energy per cell.

    ``m[i] = log(floor + mean |grey[i + 1] - grey[i]|)`` over each of ``grid x grid`` cells;
    frame i gets the motion that led into it (``m[i - 1]``) and the motion that leaves it
    (``m[i]``), the edge frames repeating their one neighbour. A contact is where the first is
    large and the second small. The floor (in grey levels of [0, 1]) keeps codec noise and
    sensor grain from looking like motion; a still scene's colours, textures and shapes do not
    get through, only how much each cell changes.
    """

    def __init__(self, grid: int, floor: float = 0.01, **kwargs):
        # float32 under any policy: the floor and codec noise sit below bfloat16's resolution
        # of a cell's mean.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.grid = int(grid)
        self.floor = float(floor)

    def call(self, video):
        grey = _grey(video)
        motion = ops.log(_cell_mean(ops.abs(grey[:, 1:] - grey[:, :-1]), self.grid) + self.floor)
        return ops.stack(_into_and_out_of(motion), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.grid, self.grid, 2)

    def get_config(self):
        return {**super().get_config(), "grid": self.grid, "floor": self.floor}


@keras.saving.register_keras_serializable(package="zoo")
class MotionFlow(keras.layers.Layer):
    """uint8 ``(B, T, H, W, 3)`` -> ``(B, T, grid, grid, 4)``: which way each cell moves.

    One Lucas-Kanade estimate per cell and frame pair: the velocity ``(u, v)`` (pixels a frame,
    right and down) that best explains ``grey[i + 1] - grey[i]`` by the cell's spatial
    gradients, ``epsilon`` keeping cells without texture near 0. Frame i gets the velocity that
    led into it and the one that leaves it (``MotionGrid``'s order), each squashed by
    ``tanh(velocity / scale)``: a striker's fast swing saturates, and only its direction and
    whether it stopped are kept. A contact is where the velocity into a cell points at the
    surface and the velocity out of it is near 0 or reversed (a bounce), which motion energy
    cannot tell from a swing that passes by.
    """

    def __init__(self, grid: int, epsilon: float = 1e-4, scale: float = 2.0, **kwargs):
        # float32 under any policy: the 2 x 2 solve divides small sums of squared gradients.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.grid = int(grid)
        self.epsilon = float(epsilon)
        self.scale = float(scale)

    def call(self, video):
        grey = _grey(video)
        between = (grey[:, 1:] + grey[:, :-1]) / 2
        dt = grey[:, 1:] - grey[:, :-1]
        dx, dy = _central_difference(between, axis=3), _central_difference(between, axis=2)
        sxx = _cell_mean(dx * dx, self.grid) + self.epsilon
        syy = _cell_mean(dy * dy, self.grid) + self.epsilon
        sxy, sxt, syt = (_cell_mean(a * b, self.grid) for a, b in ((dx, dy), (dx, dt), (dy, dt)))
        det = sxx * syy - sxy * sxy
        u = (sxy * syt - syy * sxt) / det
        v = (sxy * sxt - sxx * syt) / det
        flow = ops.tanh(ops.stack([u, v], axis=-1) / self.scale)
        return ops.concatenate(_into_and_out_of(flow), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.grid, self.grid, 4)

    def get_config(self):
        return {**super().get_config(), "grid": self.grid, "epsilon": self.epsilon,
                "scale": self.scale}


def _grey(video):
    """uint8 ``(B, T, H, W, 3)`` -> float32 ``(B, T, H, W)`` grey levels in [0, 1]."""
    return ops.mean(ops.cast(video, "float32"), axis=-1) / 255.0


def _cell_mean(x, grid: int):
    """``(B, T, H, W)`` -> ``(B, T, grid, grid)``: the mean of each of ``grid x grid`` cells."""
    frames, height, width = x.shape[1:4]
    if height % grid or width % grid:
        raise ValueError(f"a {height} x {width} frame does not split into "
                         f"{grid} x {grid} equal cells")
    cells = ops.reshape(x, (-1, frames, grid, height // grid, grid, width // grid))
    return ops.mean(cells, axis=(3, 5))


def _into_and_out_of(between):
    """What lies between frames ``i`` and ``i + 1`` (``T - 1`` steps) -> ``(into, out_of)``,
    each ``T`` steps: for frame i, the step that led into it and the one that leaves it, the
    edge frames repeating their one neighbour."""
    into = ops.concatenate([between[:, :1], between], axis=1)
    out_of = ops.concatenate([between, between[:, -1:]], axis=1)
    return into, out_of


def _central_difference(x, axis: int):
    """Half the difference of each pixel's two neighbours along ``axis``, edges repeated."""
    padded = ops.concatenate([_along(x, axis, 0, 1), x, _along(x, axis, -1, None)], axis=axis)
    return (_along(padded, axis, 2, None) - _along(padded, axis, None, -2)) / 2


def _along(x, axis: int, start, stop):
    """``x[start:stop]`` along ``axis``."""
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(start, stop)
    return x[tuple(index)]


@keras.saving.register_keras_serializable(package="zoo")
class FrameCentring(keras.layers.Layer):
    """``(B, T, grid, grid, C)`` -> the same, minus each frame's mean over its cells.

    A camera that shakes, pans or zooms and a light that flickers change every cell of a frame
    at once; a striker changes a few. Removing the frame's mean keeps the second and leaves the
    first out, where a clip-level standardisation would keep both.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, x):
        return x - ops.mean(x, axis=(2, 3), keepdims=True)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="zoo")
class SpectralFlux(keras.layers.Layer):
    """``(B, T, ...)`` log spectrogram -> the same shape: each bin's rise over ``span`` steps.

    ``max(x[t] - x[t - span], 0)``, the first ``span`` steps 0. A room's tone, a microphone's
    colour and a sound's decay (reverb, a ringing bar) do not rise, so only what starts gets
    through: the audio side's counterpart of frame differences.
    """

    def __init__(self, span: int = 2, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if int(span) < 1:
            raise ValueError(f"SpectralFlux span must be >= 1, got {span}")
        self.span = int(span)

    def call(self, x):
        rise = ops.relu(x[:, self.span:] - x[:, :-self.span])
        return ops.concatenate([ops.zeros_like(x[:, :self.span]), rise], axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "span": self.span}


@keras.saving.register_keras_serializable(package="zoo")
class AudioOnsets(keras.layers.Layer):
    """float ``(B, S, C)`` -> ``(B, frames, 1)``: per video frame, the largest rise of log energy.

    The waveform is cut into ``frames * steps_per_frame`` short steps; a rise is the log energy
    of a step minus that of the step before the previous one, so a sound starting anywhere in a
    frame shows in that frame. The log is floored at the clip's quietest steps, so room tone
    does not rise.
    """

    def __init__(self, frames: int, steps_per_frame: int = 8, **kwargs):
        kwargs.setdefault("dtype", "float32")  # learning-free: the same numbers under any policy
        super().__init__(**kwargs)
        self.frames = int(frames)
        self.steps_per_frame = int(steps_per_frame)

    def call(self, audio):
        steps = self.frames * self.steps_per_frame
        samples = audio.shape[1]
        hop = samples // steps
        mono = ops.mean(ops.cast(audio, "float32"), axis=-1)[:, : steps * hop]
        energy = ops.mean(ops.square(ops.reshape(mono, (-1, steps, hop))), axis=-1)
        floor = ops.mean(energy, axis=1, keepdims=True) * 0.01 + 1e-8
        level = ops.log(energy + floor)
        rise = ops.relu(level[:, 2:] - level[:, :-2])
        rise = ops.concatenate([ops.zeros_like(rise[:, :2]), rise], axis=1)
        per_frame = ops.reshape(rise, (-1, self.frames, self.steps_per_frame))
        return ops.max(per_frame, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.frames, 1)

    def get_config(self):
        return {**super().get_config(), "frames": self.frames,
                "steps_per_frame": self.steps_per_frame}


@keras.saving.register_keras_serializable(package="zoo")
class LagAgreement(keras.layers.Layer):
    """Two ``(B, T, 1)`` onset signals -> p_real ``(B, 1)``: does lag 0 beat every other lag?

    For each lag ``L`` in ``[-max_lag, max_lag]`` frames, the Pearson correlation of the video
    signal with the audio signal moved by ``L`` over their overlap. The margin is the best
    correlation within ``tolerance`` frames of lag 0 minus the best one further away, and
    ``p_real = sigmoid(sharpness * margin)``: above 0.5 exactly when the signals agree best
    near lag 0. No constant is fitted to any data; a flat signal (no event) gives 0.5.
    """

    def __init__(self, max_lag: int, tolerance: int = 1, sharpness: float = 10.0, **kwargs):
        kwargs.setdefault("dtype", "float32")  # learning-free: the same numbers under any policy
        super().__init__(**kwargs)
        self.max_lag = int(max_lag)
        self.tolerance = int(tolerance)
        self.sharpness = float(sharpness)

    def call(self, inputs):
        video, audio = (ops.squeeze(x, axis=-1) for x in inputs)
        frames = video.shape[1]
        near, far = [], []
        for lag in range(-self.max_lag, self.max_lag + 1):
            # Positive lag: the audio lags the video (sound at frame t + lag).
            v = video[:, max(0, -lag): frames - max(0, lag)]
            a = audio[:, max(0, lag): frames - max(0, -lag)]
            (near if abs(lag) <= self.tolerance else far).append(_pearson(v, a))
        best_near = ops.max(ops.stack(near, axis=1), axis=1, keepdims=True)
        best_far = ops.max(ops.stack(far, axis=1), axis=1, keepdims=True)
        return ops.sigmoid(self.sharpness * (best_near - best_far))

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {**super().get_config(), "max_lag": self.max_lag, "tolerance": self.tolerance,
                "sharpness": self.sharpness}


def _pearson(x, y):
    """Correlation of two ``(B, n)`` signals along the second axis; 0 where one is flat."""
    x = x - ops.mean(x, axis=1, keepdims=True)
    y = y - ops.mean(y, axis=1, keepdims=True)
    norm = ops.sqrt(ops.sum(x * x, axis=1) * ops.sum(y * y, axis=1))
    return ops.sum(x * y, axis=1) / (norm + 1e-8)
