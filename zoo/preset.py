"""A model preset: the data that picks one size of one architecture (no keras here)."""

from __future__ import annotations

import dataclasses
from typing import Any

from zoo.clip import ClipSpec

FUSIONS = ("late", "temporal")


@dataclasses.dataclass(frozen=True)
class Preset:
    """One named configuration of a zoo model.

    ``clip`` fixes the input shapes, ``fusion`` is ``"late"`` (pooled embeddings concatenated,
    the seed's) or ``"temporal"`` (per-step features concatenated, then temporal layers), and
    ``options`` holds the builder's other keyword arguments (widths, depths, units, ...).

    Example:
    >>> from zoo.clip import CLIP_PRESETS
    >>> p = Preset(CLIP_PRESETS["tiny"], "late", {"widths": (8, 16)})
    >>> sorted(p.kwargs())
    ['clip', 'fusion', 'widths']
    """

    clip: ClipSpec
    fusion: str = "temporal"
    options: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.clip, ClipSpec):
            raise TypeError(f"Preset.clip must be a ClipSpec, got {type(self.clip).__name__}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"Preset.fusion must be one of {FUSIONS}, got {self.fusion!r}")
        clash = {"clip", "fusion"} & set(self.options)
        if clash:
            raise ValueError(f"Preset.options must not repeat {sorted(clash)}")

    def kwargs(self) -> dict[str, Any]:
        """The builder's keyword arguments for this preset."""
        return {"clip": self.clip, "fusion": self.fusion, **self.options}


def sized_presets(tiny: dict[str, Any], small: dict[str, Any], base: dict[str, Any],
                  late: bool = True) -> dict[str, Preset]:
    """The usual presets of a zoo model, from the model's own options for each size: ``tiny``
    and ``base`` with temporal fusion (the default), ``small`` (temporal) between them, at a
    frame size where a real drumstick is still visible, and, for a model whose builder has a
    late fusion (``late=True``), ``tiny_late`` and ``base_late``."""
    from zoo.clip import CLIP_PRESETS

    presets = {
        "tiny": Preset(CLIP_PRESETS["tiny"], "temporal", tiny),
        "tiny_late": Preset(CLIP_PRESETS["tiny"], "late", tiny),
        "small": Preset(CLIP_PRESETS["small"], "temporal", small),
        "base": Preset(CLIP_PRESETS["base"], "temporal", base),
        "base_late": Preset(CLIP_PRESETS["base"], "late", base),
    }
    return presets if late else {name: p for name, p in presets.items() if p.fusion != "late"}
