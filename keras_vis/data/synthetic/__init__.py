"""Synthetic recordings in exactly the Greatest Hits layout: the embedded default dataset.

``generate(out, recordings, seconds, seed, style)`` writes the recordings and a ``manifest.json``
that says what made them (``read_manifest``). Two generators, chosen by style
(``generator_version``):

- version 1 (``v1``; styles ``studio`` and ``outdoor``, kept as they are so that results on them
  reproduce) draws one cartoon: a stick, flat material patches, a ring spreading from each contact;
- version 2 (``v2``; styles ``v2``, ``v2-indoor``, ``v2-tabletop``, ``v2-outdoor``) randomises
  everything but the physics of a contact; ``v2`` mixes the v2 families except v2-outdoor, held
  out; ``v2-photo`` is ``v2`` with half the surfaces cut from real photographs; ``v2-strikers`` is
  ``v2``'s recordings struck with mallets, hammers and bare hands as well as drumsticks, one or two
  at a time; ``v2-rhythm`` is ``v2``'s recordings, most of them struck to a steady beat;
  ``v2-all`` mixes all three families.

The modules, each importing only those above it: ``materials`` (what both share: materials,
the figures about the real dataset, stereo pan) and ``styles``; ``v1``; ``v2`` (in parts);
``writer`` (``generate``, the manifest). Importing this package loads neither the video nor
the audio libraries.
"""

from keras_vis.data.synthetic.materials import MATERIALS, SAMPLE_RATE, Material, load_stats
from keras_vis.data.synthetic.styles import SEED_STYLE, STYLES, generator_version
from keras_vis.data.synthetic.v1 import REACTION_S, STYLE_MATERIALS, VIDEO_RATE
from keras_vis.data.synthetic.writer import (
    DEFAULT_SIZE, MANIFEST, MAX_SECONDS, MAX_SIZE, generate, read_manifest, recording_ids,
)

__all__ = [
    "DEFAULT_SIZE", "MANIFEST", "MATERIALS", "MAX_SECONDS", "MAX_SIZE", "Material", "REACTION_S",
    "SAMPLE_RATE", "SEED_STYLE", "STYLES", "STYLE_MATERIALS", "VIDEO_RATE", "generate",
    "generator_version", "load_stats", "read_manifest", "recording_ids",
]
