"""ResNet pieces: a convolutional stem and basic-block stages that can be shared by branches.

``ResNetTrunk`` creates its convolutions once; calling it on several inputs shares them
(the siamese model), while each ``branch`` gets its own BatchNormalization, so frames and
spectrograms keep their own statistics. Stage ``i > 0`` halves both spatial axes, so a trunk
of ``n`` stages downsamples by ``2 ** (n - 1)`` after the stem (``trunk.downsampling``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras


def conv_stem(x, width: int, kernel: int, strides, pool_strides, name: str):
    """Conv-BN-ReLU, then an optional 3x3 max-pool (``pool_strides=None`` skips it)."""
    x = keras.layers.Conv2D(
        width, kernel, strides=strides, padding="same", use_bias=False,
        kernel_initializer="he_normal", name=f"{name}_conv",
    )(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(x)
    if pool_strides is not None:
        x = keras.layers.MaxPooling2D(3, strides=pool_strides, padding="same",
                                      name=f"{name}_pool")(x)
    return x


class _BasicBlock:
    """conv3x3-BN-ReLU-conv3x3-BN plus a (projected) shortcut, then ReLU."""

    def __init__(self, width: int, stride: int, name: str):
        self.width, self.stride, self.name = width, stride, name
        conv = dict(padding="same", use_bias=False, kernel_initializer="he_normal")
        self.conv1 = keras.layers.Conv2D(width, 3, strides=stride, name=f"{name}_conv1", **conv)
        self.conv2 = keras.layers.Conv2D(width, 3, name=f"{name}_conv2", **conv)
        self.project = None
        self.in_channels = None

    def __call__(self, x, branch: str):
        channels = x.shape[-1]
        if self.in_channels is None:
            self.in_channels = channels
            if self.stride != 1 or channels != self.width:
                self.project = keras.layers.Conv2D(
                    self.width, 1, strides=self.stride, use_bias=False,
                    kernel_initializer="he_normal", name=f"{self.name}_project",
                )
        elif channels != self.in_channels:
            raise ValueError(f"{self.name}: shared block got {channels} channels, "
                             f"built for {self.in_channels}")
        tag = f"{self.name}{branch}"
        shortcut = x
        if self.project is not None:
            shortcut = keras.layers.BatchNormalization(name=f"{tag}_project_bn")(self.project(x))
        x = keras.layers.BatchNormalization(name=f"{tag}_bn1")(self.conv1(x))
        x = keras.layers.ReLU(name=f"{tag}_relu1")(x)
        # Zero-initialised last BN: each block starts as identity, which eases training.
        x = keras.layers.BatchNormalization(gamma_initializer="zeros",
                                            name=f"{tag}_bn2")(self.conv2(x))
        x = keras.layers.Add(name=f"{tag}_add")([x, shortcut])
        return keras.layers.ReLU(name=f"{tag}_out")(x)


class ResNetTrunk:
    """Basic-block ResNet stages (``depths[i]`` blocks of width ``widths[i]``).

    Example (ResNet-18 stages after the stem):
    >>> trunk = ResNetTrunk((64, 128, 256, 512), (2, 2, 2, 2), name="video")
    >>> trunk.downsampling
    8
    """

    def __init__(self, widths: Sequence[int], depths: Sequence[int], name: str):
        if len(widths) != len(depths) or not widths:
            raise ValueError(f"{name}: widths {list(widths)} and depths {list(depths)} must be "
                             f"non-empty and of the same length")
        self.widths = [int(w) for w in widths]
        self.name = name
        self.stages = [
            [_BasicBlock(width, 2 if (i > 0 and j == 0) else 1, f"{name}_s{i + 1}b{j + 1}")
             for j in range(int(depth))]
            for i, (width, depth) in enumerate(zip(widths, depths))
        ]

    @property
    def downsampling(self) -> int:
        return 2 ** (len(self.stages) - 1)

    @property
    def out_channels(self) -> int:
        return self.widths[-1]

    def __call__(self, x, branch: str = "", after_stage: Callable | None = None):
        """Apply every stage; ``after_stage(i, x) -> x`` may insert layers after stage ``i``."""
        suffix = f"_{branch}" if branch else ""
        for i, blocks in enumerate(self.stages):
            for block in blocks:
                x = block(x, suffix)
            if after_stage is not None:
                x = after_stage(i, x)
        return x
