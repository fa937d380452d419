"""Real footage as the measure: score a model on videos with their own sound.

The protocol is fixed, so figures compare across models and commits. For every clip:
- ``aligned``: the clip's video with its own audio (label real);
- ``shifted``: its audio lagging (+) and leading (-) the video by 0.5 s and 1.0 s, wherever the
  clip keeps at least ``MIN_OVERLAP_S`` of overlap; video and audio are both cut to the overlap,
  so no silence or edge gives the shift away (label fake);
- ``swapped``: its video with the next clip's soundtrack (clips sorted by name, the last takes
  the first's), both cut to the shorter of the two (label fake).
Each pair is scored as ``predict`` scores a file (the model's window slides over it; p_real is
the mean over windows; p_real > 0.5 says "real"). Reported: balanced accuracy (the mean of the
accuracy on real and on fake pairs), ROC AUC over all pairs, the within-clip ranking (the share
of fake pairs scored below the aligned pair of the same video: timing told apart inside one
clip, whatever level a scene or a microphone puts a model's scores at), and for aligned and
shifted pairs the share whose estimated offset (searched over +-2 s) lies within 0.15 s of the
truth; the same per kind of pair, and one row per pair. Balanced accuracy, AUC and the
within-clip ranking come with a 95 % interval from resampling whole clips (``BOOTSTRAP``): with
16 clips two models 0.05 apart are usually not told apart, and the interval says so.

No fitting of any kind happens here: the clips measure a model, they never tune it.

Example:
>>> from keras_vis import evaluate
>>> report = evaluate("default", clips="my-clips/")          # doctest: +SKIP
>>> report.metrics["balanced_accuracy"]                     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Sequence

from tqdm import tqdm

from keras_vis.errors import DataError
from keras_vis.inference.protocol import cut, find_clips, load_clips, protocol_pairs
from keras_vis.inference.report import Evaluation
from keras_vis.inference.statistics import OFFSET_TOLERANCE_S, per_clip, summarize

MAX_OFFSET_S = 2.0

# The protocol (pairs, cut, clips), the statistics and the report live in their own modules;
# their names stay importable from here, where callers have always found them.
from keras_vis.inference.protocol import (  # noqa: E402,F401
    KINDS, MIN_OVERLAP_S, SHIFTS_S, Clip, PairSpec,
)
from keras_vis.inference.report import (  # noqa: E402,F401
    format_paired, format_report, interval_text, read_report,
)
from keras_vis.inference.statistics import (  # noqa: E402,F401
    BOOTSTRAP, INTERVAL_METRICS, Report, bootstrap_intervals, paired_difference, roc_auc,
    within_clip_ranking,
)


def evaluate(
    model=None,
    clips: str | os.PathLike | Sequence[str | os.PathLike] = (),
    *,
    batch_size: int = 64,
    progress: bool = False,
    search_offsets: bool = True,
) -> Evaluation:
    """Score ``model`` on the videos in ``clips`` (a folder or several) with the protocol above.

    ``model``: anything ``keras_vis.inference.models.load_model`` takes (``None`` /
    ``"default"``, a ``.keras`` file, a run folder, a zoo model name, a ``keras.Model``). Raises
    ``DataError`` when no clip can be read; a clip that cannot be read is reported in
    ``skipped``. ``search_offsets=False`` scores every pair at its own alignment only (p_real,
    no offset figures): what calibration needs, at a fraction of the cost.
    """
    import zoo
    from keras_vis.inference.models import load_model
    from keras_vis.inference.scoring import offset_grid, score_media

    keras_model, name = load_model(model)
    clip = zoo.clip_of(keras_model)
    loaded, skipped = load_clips(find_clips(clips), clip)
    for item in skipped:
        print(f"skipped {item['clip']}: {item['reason']}", file=sys.stderr)
    if not loaded:
        raise DataError(f"none of the clips in {clips} could be read")
    by_name = {c.name: c for c in loaded}
    grid = offset_grid(-MAX_OFFSET_S, MAX_OFFSET_S, clip.fps)
    specs = protocol_pairs(loaded)
    rows = []
    with tqdm(total=len(specs), desc="evaluating", disable=not progress) as bar:
        for spec in specs:
            frames, waveform = cut(spec, by_name)
            # The offset search only matters where there is a true offset to find.
            offsets = grid if spec.shift_s is not None and search_offsets else (0.0,)
            scores = score_media(keras_model, frames, waveform, clip, offsets=offsets,
                                 batch_size=batch_size)
            row = {**dataclasses.asdict(spec), "label": spec.label,
                   "p_real": round(scores.p_real, 6), "padded_s": round(scores.padded_s, 4)}
            if spec.shift_s is not None and search_offsets:
                row["offset_s"] = scores.offset_s
                row["offset_ok"] = bool(abs(scores.offset_s - spec.shift_s)
                                        <= OFFSET_TOLERANCE_S + 1e-9)
            rows.append(row)
            bar.update()
    return Evaluation(metrics=summarize(rows, len(loaded)), pairs=rows,
                      clips=per_clip(rows), skipped=skipped, model=name)


