"""The styles ``generate`` draws, and which generator makes each: version 1 (``studio``,
``outdoor``: ``keras_vis.data.synthetic.v1``) or version 2 (the ``v2`` families:
``keras_vis.data.synthetic.v2``). Imports nothing heavy: configs check style names with it."""

from __future__ import annotations

# Version 1 styles first: their position in this tuple seeds their recordings.
STYLES = ("studio", "outdoor", "v2", "v2-indoor", "v2-tabletop", "v2-outdoor", "v2-photo",
          "v2-strikers", "v2-rhythm", "v2-all")
# Styles that change one thing about another style's recordings: they draw the same ids, scenes
# and events (seeded as that style), so a model trained on each differs by that one thing.
SEED_STYLE = {"v2-strikers": "v2", "v2-rhythm": "v2"}


def generator_version(style: str) -> int:
    """Which generator makes ``style``: 1 (studio, outdoor) or 2 (the v2 families)."""
    return 2 if style.startswith("v2") else 1


def seed_index(style: str) -> int:
    """The number that seeds ``style``'s recordings (its ids and each recording's stream): its
    place in ``STYLES``, or that of the style it shares recordings with (``SEED_STYLE``)."""
    return STYLES.index(SEED_STYLE.get(style, style))
