"""Whether a model prefers a clip's own audio to the same audio shifted, at equal length.

The protocol's shifted pairs are shorter than the aligned pair of the same clip (a 3 s clip
shifted by 1 s leaves 2 s), so its AUC mixes sync with length and position. This scores each
shifted pair against the aligned pair cut to the same frames and length (and, apart, to the
same stretch of audio), so the two differ only in the shift. One table: per model and set, the
mean p_real of each and the share of shifted pairs the aligned pair beats (0.5 is no preference).

    python benchmarks/length_matched.py default old.keras --sets val test dev
"""

from __future__ import annotations

import numpy as np

# The sibling benchmark owns the sets and the command line (and puts the project on the path).
from offset_search import each_set, print_table, set_arguments, shifted_pairs

PARTS = ("shifted", "aligned, same frames", "aligned, same audio")


def matched_scores(model, paths, batch_size: int = 64) -> np.ndarray:
    """p_real of each shifted pair and of its two length-matched aligned pairs: ``(pairs, 3)``
    in the order of ``PARTS``."""
    import dataclasses

    from keras_vis.inference.protocol import cut
    from keras_vis.inference.scoring import score_media

    clip, by_name, specs = shifted_pairs(model, paths)
    rows = []
    for spec in specs:
        row = []
        for start in (None, spec.video_start_s, spec.audio_start_s):
            pair = spec if start is None else dataclasses.replace(
                spec, kind="aligned", video_start_s=start, audio_start_s=start, shift_s=0.0)
            frames, waveform = cut(pair, by_name)
            row.append(score_media(model, frames, waveform, clip, batch_size=batch_size).p_real)
        rows.append(row)
    return np.array(rows).reshape(-1, len(PARTS))


def summary(scores: np.ndarray) -> list[str]:
    """The table's figures for one model and set."""
    means = [f"{m:.3f}" for m in scores.mean(axis=0)]
    wins = [f"{np.mean(scores[:, k] > scores[:, 0]):.2f}" for k in (1, 2)]
    return [str(len(scores)), *means, *wins]


def main() -> None:
    args = set_arguments(__doc__.splitlines()[0], ["train", "val", "test", "dev"])
    rows = [[reference, name, *summary(matched_scores(model, paths, args.batch_size))]
            for reference, name, model, paths in each_set(args)]
    print_table(["model", "set", "shifted pairs", *(f"mean p: {p}" for p in PARTS),
                 "aligned (same frames) beats shifted", "aligned (same audio) beats shifted"],
                rows)


if __name__ == "__main__":
    main()
