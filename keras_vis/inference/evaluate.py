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
import math
import os
import sys
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from tqdm import tqdm

from keras_vis.data.footage import VIDEO_SUFFIXES
from keras_vis.errors import DataError
from zoo.clip import ClipSpec

SHIFTS_S = (-1.0, -0.5, 0.5, 1.0)
MIN_OVERLAP_S = 2.0
OFFSET_TOLERANCE_S = 0.15
MAX_OFFSET_S = 2.0
KINDS = ("aligned", "shifted", "swapped")
# Clip-level bootstrap: resamples and interval. A clip's pairs share its scene and its sound,
# so the clip, not the pair, is the unit that is drawn.
BOOTSTRAP = {"resamples": 2000, "level": 0.95, "seed": 0}
INTERVAL_METRICS = ("balanced_accuracy", "auc", "within_clip")
# One model's scored pairs (a report's "pairs"), or several runs' (seeds of one configuration,
# scored on the same pairs), whose metrics are averaged.
Report = Sequence[dict] | Sequence[Sequence[dict]]


@dataclasses.dataclass
class Clip:
    """One decoded clip at the model's clip spec: ``frames`` from t = 0 and its own audio."""

    name: str
    frames: np.ndarray
    waveform: np.ndarray
    fps: float
    sample_rate: int

    @property
    def seconds(self) -> float:
        return min(len(self.frames) / self.fps, len(self.waveform) / self.sample_rate)


@dataclasses.dataclass(frozen=True)
class PairSpec:
    """Video of ``video`` from ``video_start_s`` with audio of ``audio`` from
    ``audio_start_s``, ``seconds`` long. ``shift_s``: how much the audio lags (+) or leads (-)
    the video; ``None`` for a swapped soundtrack."""

    kind: str
    video: str
    audio: str
    video_start_s: float
    audio_start_s: float
    seconds: float
    shift_s: float | None

    @property
    def label(self) -> int:
        return int(self.kind == "aligned")


@dataclasses.dataclass
class Evaluation:
    """``metrics``: the summary (see the module docstring); ``pairs``: one dict per scored pair;
    ``clips``: one dict per clip (its pairs' scores side by side); ``skipped``: clips that could
    not be read, with the reason."""

    metrics: dict
    pairs: list[dict]
    clips: list[dict]
    skipped: list[dict]
    model: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def results_columns(self) -> dict:
        """The real-clip cells of a results row."""
        m = self.metrics
        return {
            "real_balanced_accuracy": _round(m["balanced_accuracy"]),
            "real_auc": _round(m["auc"]),
            "real_within_clip": _round(m["within_clip"]),
            "real_offset_ok": _round(m["offset_ok"]),
            "real_clips": m["clips"],
        }


def find_clips(folders: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """Every video file directly in ``folders`` (one folder or several; a video file given
    itself is taken as it is), sorted by name."""
    if isinstance(folders, (str, os.PathLike)):
        folders = [folders]
    found = []
    for folder in map(Path, folders):
        if folder.is_file() and folder.suffix.lower() in VIDEO_SUFFIXES:
            found.append(folder)
            continue
        if not folder.is_dir():
            raise DataError(f"{folder}: clips folder not found")
        found += [p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
    if not found:
        raise DataError(f"no video files ({', '.join(VIDEO_SUFFIXES)}) in "
                        f"{', '.join(map(str, folders))}")
    return sorted(found, key=lambda p: (p.name, str(p)))


def load_clips(paths: Iterable[Path], clip: ClipSpec) -> tuple[list[Clip], list[dict]]:
    """Decode each file at ``clip``'s fps, size and rate; a file that cannot be read (or has no
    sound) is reported in the second list and left out."""
    from keras_vis.data.media import read_audio, read_video
    from keras_vis.inference.media import check_answerable, check_audio

    loaded, skipped = [], []
    for path in paths:
        try:
            frames = read_video(path, fps=clip.fps, size=(clip.height, clip.width))
            waveform = read_audio(path, sample_rate=clip.sample_rate, channels=clip.channels)
            check_audio(waveform, str(path))
            check_answerable(path, clip)
        except DataError as error:
            skipped.append({"clip": path.name, "reason": str(error)})
            continue
        loaded.append(Clip(path.name, frames, waveform, clip.fps, clip.sample_rate))
    return loaded, skipped


def protocol_pairs(clips: Sequence[Clip]) -> list[PairSpec]:
    """The protocol's pairs for ``clips`` (see the module docstring), in a fixed order."""
    pairs = []
    for i, clip in enumerate(clips):
        length = clip.seconds
        pairs.append(PairSpec("aligned", clip.name, clip.name, 0.0, 0.0, length, 0.0))
        for shift in SHIFTS_S:
            # The video starts on a frame boundary; the audio, sample-exact, ``shift`` earlier.
            video_start = math.ceil(max(shift, 0.0) * clip.fps - 1e-9) / clip.fps
            audio_start = video_start - shift
            overlap = min(len(clip.frames) / clip.fps - video_start,
                          len(clip.waveform) / clip.sample_rate - audio_start)
            if overlap >= MIN_OVERLAP_S - 1e-9:
                pairs.append(PairSpec("shifted", clip.name, clip.name, video_start,
                                      audio_start, overlap, shift))
        if len(clips) > 1:
            other = clips[(i + 1) % len(clips)]
            pairs.append(PairSpec("swapped", clip.name, other.name, 0.0, 0.0,
                                  min(length, other.seconds), None))
    return pairs


def cut(pair: PairSpec, clips: dict[str, Clip]) -> tuple[np.ndarray, np.ndarray]:
    """The frames and waveform of one pair."""
    video, audio = clips[pair.video], clips[pair.audio]
    first = int(round(pair.video_start_s * video.fps))
    frames = video.frames[first: first + int(round(pair.seconds * video.fps))]
    begin = int(round(pair.audio_start_s * audio.sample_rate))
    waveform = audio.waveform[begin: begin + int(round(pair.seconds * audio.sample_rate))]
    return frames, waveform


def evaluate(
    model=None,
    clips: str | os.PathLike | Sequence[str | os.PathLike] = (),
    *,
    batch_size: int = 64,
    progress: bool = False,
    search_offsets: bool = True,
) -> Evaluation:
    """Score ``model`` on the videos in ``clips`` (a folder or several) with the protocol above.

    ``model``: anything ``keras_vis.inference.predict.load_model`` takes (``None`` /
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
                      clips=_per_clip(rows), skipped=skipped, model=name)


def summarize(rows: Sequence[dict], clips: int) -> dict:
    """Balanced accuracy, AUC, within-clip ranking (each with its clip-bootstrap interval,
    ``NAME_ci``), offset share, and the same per kind of pair."""
    labels = np.array([r["label"] for r in rows])
    scores = np.array([r["p_real"] for r in rows])
    said_real = scores > 0.5
    real, fake = labels == 1, labels == 0
    shifted = [r for r in rows if r["kind"] == "shifted" and "offset_ok" in r]
    metrics = {
        "clips": clips,
        "pairs": len(rows),
        "balanced_accuracy": _mean_of([said_real[real].mean() if real.any() else np.nan,
                                       (~said_real[fake]).mean() if fake.any() else np.nan]),
        "auc": roc_auc(labels, scores),
        "within_clip": within_clip_ranking(rows),
        "offset_ok": (float(np.mean([r["offset_ok"] for r in shifted])) if shifted
                      else float("nan")),
    }
    for kind in KINDS:
        chosen = [r for r in rows if r["kind"] == kind]
        correct = [(r["p_real"] > 0.5) == bool(r["label"]) for r in chosen]
        metrics[f"{kind}_pairs"] = len(chosen)
        metrics[f"{kind}_accuracy"] = float(np.mean(correct)) if chosen else float("nan")
        metrics[f"{kind}_mean_p_real"] = (float(np.mean([r["p_real"] for r in chosen]))
                                          if chosen else float("nan"))
    aligned_offsets = [r for r in rows if r["kind"] == "aligned" and "offset_ok" in r]
    metrics["aligned_offset_ok"] = (float(np.mean([r["offset_ok"] for r in aligned_offsets]))
                                    if aligned_offsets else float("nan"))
    for name, interval in bootstrap_intervals(rows).items():
        metrics[f"{name}_ci"] = interval
    return metrics


def bootstrap_intervals(rows: Report, resamples: int = BOOTSTRAP["resamples"],
                        level: float = BOOTSTRAP["level"],
                        seed: int = BOOTSTRAP["seed"]) -> dict[str, list[float]]:
    """``[low, high]`` percentile interval of each of ``INTERVAL_METRICS``, from ``resamples``
    draws of the clips with replacement (a clip drawn twice brings its pairs twice; a clip's
    pairs are those whose video it is). Seeded, so a report repeats exactly; NaN bounds where a
    metric is undefined in most draws or there are fewer than two clips. ``rows`` is one
    model's pairs, or several runs' pairs (seeds of one configuration): then each draw's metric
    is the runs' mean (the clips are resampled, the runs are not).
    """
    sampler = _ClipSampler(rows)
    draws = sampler.draws(sampler.choices(resamples, seed))
    return {name: _percentiles(values, level) for name, values in draws.items()}


def paired_difference(reference: Report, rows: Report,
                      resamples: int = BOOTSTRAP["resamples"], level: float = BOOTSTRAP["level"],
                      seed: int = BOOTSTRAP["seed"]) -> dict[str, dict]:
    """How much ``rows`` beats ``reference`` (two models' pairs under this protocol on the same
    clips), per metric of ``INTERVAL_METRICS``: ``{"difference", "ci", "share_above"}`` where
    the interval comes from drawing the same clips for both models in each resample (paired:
    a hard clip is hard for both, so the interval is narrower than two separate ones), and
    ``share_above`` is the share of draws in which ``rows`` scores higher. Either side may be
    several runs (seeds of one configuration, see ``bootstrap_intervals``): their mean is compared.

    Raises ``DataError`` when the two were not scored on the same pairs.
    """
    if _pair_keys(_runs(reference)[0]) != _pair_keys(_runs(rows)[0]):
        raise DataError("the two reports were not scored on the same pairs (other clips, or "
                        "another protocol); evaluate both models on the same folders")
    first, second = _ClipSampler(reference), _ClipSampler(rows)
    chosen = first.choices(resamples, seed)
    before, after = first.draws(chosen), second.draws(chosen)
    point_before, point_after = first.point(), second.point()
    result = {}
    for name in INTERVAL_METRICS:
        delta = after[name] - before[name]
        result[name] = {"difference": point_after[name] - point_before[name],
                        "ci": _percentiles(delta, level),
                        "share_above": float(np.mean(delta[~np.isnan(delta)] > 0))
                        if (~np.isnan(delta)).any() else float("nan")}
    return result


def _pair_key(r: dict) -> tuple:
    """What makes a pair that pair, in a form that sorts (no None)."""
    return (r["kind"], r["video"], str(r.get("audio")), r.get("shift_s") or 0.0)


def _pair_keys(rows: Sequence[dict]) -> list[tuple]:
    return sorted(map(_pair_key, rows))


def _runs(report: Report) -> list[Sequence[dict]]:
    """A report as a list of runs' pairs: one model's pairs become a list of one."""
    return [report] if not report or isinstance(report[0], dict) else list(report)


class _ClipSampler:
    """The pairs of an evaluation (or of several runs' evaluations on the same pairs, averaged)
    as arrays, to recompute the headline metrics on any multiset of its clips (a bootstrap
    draw) without going through dicts each time."""

    def __init__(self, report: Report):
        runs = [sorted(rows, key=_pair_key) for rows in _runs(report)]
        if any(_pair_keys(rows) != _pair_keys(runs[0]) for rows in runs[1:]):
            raise DataError("the runs to average were not scored on the same pairs (other clips, "
                            "or another protocol); evaluate them on the same folders")
        rows = runs[0]
        self.names = sorted({r["video"] for r in rows})
        index = {name: i for i, name in enumerate(self.names)}
        clip_of = np.array([index[r["video"]] for r in rows], dtype=int)
        self.labels = np.array([r["label"] for r in rows]).astype(bool)
        self.scores = np.array([[r["p_real"] for r in run] for run in runs], dtype="float64")
        self.members = [np.flatnonzero(clip_of == c) for c in range(len(self.names))]
        tables = [_clip_wins(run) for run in runs]
        self.wins, self.comparisons = (
            np.array([[table.get(n, (0.0, 0))[k] for n in self.names] for table in tables], dtype="float64")
            for k in (0, 1))

    def choices(self, resamples: int, seed: int) -> np.ndarray:
        """``(resamples, clips)`` clip indices, drawn with replacement; none with < 2 clips."""
        if len(self.names) < 2:
            return np.zeros((0, len(self.names)), dtype=int)
        rng = np.random.default_rng(seed)
        return rng.integers(0, len(self.names), (resamples, len(self.names)))

    def point(self) -> dict[str, float]:
        return {name: float(values[0])
                for name, values in self.draws(np.arange(len(self.names))[None]).items()}

    def draws(self, chosen: np.ndarray) -> dict[str, np.ndarray]:
        """Each metric per draw (row of ``chosen``), averaged over the runs."""
        out = {name: np.full(len(chosen), np.nan) for name in INTERVAL_METRICS}
        for i, clips in enumerate(chosen):
            index = np.concatenate([self.members[c] for c in clips])
            real = self.labels[index]
            if real.any() and (~real).any():
                said_real = self.scores[:, index] > 0.5
                out["balanced_accuracy"][i] = np.mean(0.5 * (said_real[:, real].mean(1)
                                                             + (~said_real[:, ~real]).mean(1)))
                out["auc"][i] = np.mean([roc_auc(real, scores[index]) for scores in self.scores])
            # Within-clip ranking: the drawn clips' wins over their own comparisons, pooled.
            comparisons = self.comparisons[:, clips].sum(1)
            if comparisons.all():
                out["within_clip"][i] = np.mean(self.wins[:, clips].sum(1) / comparisons)
        return out


def _percentiles(values: np.ndarray, level: float) -> list[float]:
    if len(values) == 0 or np.mean(np.isnan(values)) >= 0.5:
        return [float("nan"), float("nan")]
    tail = 100 * (1 - level) / 2
    return [float(np.nanpercentile(values, tail)), float(np.nanpercentile(values, 100 - tail))]


def within_clip_ranking(rows: Sequence[dict]) -> float:
    """The share of (aligned, fake) pairs with the same video where the aligned pair scores
    higher (ties count half); NaN without any such pair.

    AUC pools every clip, so a model whose scores sit higher on one scene than on another loses
    there even when it orders each clip's own pairs right; this figure keeps only that order.
    """
    per_clip = _clip_wins(rows).values()
    comparisons = sum(n for _, n in per_clip)
    return sum(w for w, _ in per_clip) / comparisons if comparisons else float("nan")


def _clip_wins(rows: Sequence[dict]) -> dict[str, tuple[float, int]]:
    """Per video: (wins of its aligned pair over its fakes, ties half; number of its fakes)."""
    aligned = {r["video"]: r["p_real"] for r in rows if r["kind"] == "aligned"}
    table: dict[str, tuple[float, int]] = {}
    for r in rows:
        if r["kind"] != "aligned" and r["video"] in aligned:
            a = aligned[r["video"]]
            wins, count = table.get(r["video"], (0.0, 0))
            table[r["video"]] = (wins + float(a > r["p_real"]) + 0.5 * (a == r["p_real"]),
                                 count + 1)
    return table


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN without both classes."""
    from scipy.stats import rankdata

    labels = np.asarray(labels).astype(bool)
    positives, negatives = labels.sum(), (~labels).sum()
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2)
                 / (positives * negatives))


def _per_clip(rows: Sequence[dict]) -> list[dict]:
    table: dict[str, dict] = {}
    for r in rows:
        entry = table.setdefault(r["video"], {"clip": r["video"], "seconds": 0.0})
        if r["kind"] == "aligned":
            entry["seconds"] = round(r["seconds"], 3)
            entry["aligned_p_real"] = r["p_real"]
            entry["aligned_offset_s"] = r.get("offset_s")
        elif r["kind"] == "swapped":
            entry["swapped_p_real"] = r["p_real"]
        else:
            entry[f"shift_{r['shift_s']:+g}_p_real"] = r["p_real"]
            entry[f"shift_{r['shift_s']:+g}_offset_s"] = r.get("offset_s")
    return list(table.values())


def _mean_of(values) -> float:
    values = [v for v in values if not np.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def _round(value: float) -> float | str:
    return "" if value is None or np.isnan(value) else round(float(value), 4)


def read_report(path: str | os.PathLike) -> tuple[str, list[dict]]:
    """``(model, pairs)`` of a saved report: an ``evaluate --json`` output, or a run folder's
    ``real_clips.json``. ``DataError`` naming the file when it is neither."""
    import json

    from keras_vis.results.rundir import RunDir

    path = Path(path)
    if path.is_dir():
        report = RunDir(path).real_clips()
        if report is None:
            raise DataError(f"{path}: the run folder holds no {RunDir.REAL_CLIPS} "
                            f"(its experiment had no eval.clips)")
    else:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"{path}: no such file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{path}: not an evaluate report ({error})") from None
    pairs = report.get("pairs") if isinstance(report, dict) else None
    if not pairs or not all(isinstance(r, dict) and {"kind", "video", "label", "p_real"} <= set(r)
                            for r in pairs):
        raise DataError(f"{path}: not an evaluate report (no 'pairs' with kind, video, label "
                        f"and p_real; write one with evaluate --json)")
    return str(report.get("model", path)), pairs


def format_paired(labels: Sequence[str], reports: Sequence[Report]) -> str:
    """A markdown table: each report's metrics with their intervals, and each one's paired
    difference from the first (see ``paired_difference``); a report may be several runs,
    averaged. ``DataError`` naming both labels when a report was scored on other pairs than the
    first."""
    header = "| report | " + " | ".join(
        f"{name.replace('_', ' ')} | vs first (paired {100 * BOOTSTRAP['level']:.0f} % interval)"
        for name in INTERVAL_METRICS) + " |"
    lines = [header, "|---|" + "---:|---|" * len(INTERVAL_METRICS)]
    for i, (label, rows) in enumerate(zip(labels, reports)):
        try:
            point, own = _ClipSampler(rows).point(), bootstrap_intervals(rows)
        except DataError as error:
            raise DataError(f"{label}: {error}") from None
        try:
            paired = paired_difference(reports[0], rows) if i else None
        except DataError as error:
            raise DataError(f"{label} against {labels[0]}: {error}") from None
        cells = []
        for name in INTERVAL_METRICS:
            cells.append(f"{_fixed(point[name])}{interval_text({f'{name}_ci': own[name]}, name)}")
            if paired is None:
                cells.append("(reference)")
            else:
                d = paired[name]
                low, high = d["ci"]
                cells.append(f"{d['difference']:+.3f} [{low:+.2f}, {high:+.2f}], higher in "
                             f"{100 * d['share_above']:.0f} % of draws")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_report(report: Evaluation) -> str:
    """The summary and the per-kind figures as a short text table."""
    m = report.metrics
    lines = [
        f"model {report.model}: {m['clips']} clips, {m['pairs']} pairs"
        + (f" ({len(report.skipped)} clips skipped)" if report.skipped else ""),
        f"balanced accuracy {m['balanced_accuracy']:.3f}{interval_text(m, 'balanced_accuracy')}   "
        f"AUC {m['auc']:.3f}{interval_text(m, 'auc')}   "
        f"within-clip ranking {_fixed(m['within_clip'])}{interval_text(m, 'within_clip')}",
        f"offset within {OFFSET_TOLERANCE_S:g} s: {_percent(m['offset_ok'])} of shifted pairs   "
        f"[low, high]: {100 * BOOTSTRAP['level']:.0f} % interval over "
        f"{BOOTSTRAP['resamples']} resamples of the clips",
        "",
        f"{'kind':<9} {'pairs':>5} {'accuracy':>8} {'mean p_real':>11}",
    ]
    for kind in KINDS:
        lines.append(f"{kind:<9} {m[f'{kind}_pairs']:>5} {_fixed(m[f'{kind}_accuracy']):>8} "
                     f"{_fixed(m[f'{kind}_mean_p_real']):>11}")
    return "\n".join(lines)


def interval_text(metrics: dict, name: str) -> str:
    """`` [low, high]`` of ``metrics[name + "_ci"]``, or nothing where there is no interval."""
    low, high = metrics.get(f"{name}_ci", (np.nan, np.nan))
    return "" if np.isnan(low) else f" [{low:.2f}, {high:.2f}]"


def _fixed(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.3f}"


def _percent(value: float) -> str:
    return "-" if np.isnan(value) else f"{100 * value:.0f} %"


