"""Seconds to score one 10 s recording with ``python -m keras_vis predict``, per Keras backend.

Two tables, each backend in its own processes (the backend is fixed when keras is imported):
- the whole process, as a user runs it: ``python -m keras_vis predict VIDEO --audio WAV --backend B``
  timed from outside (start-up, imports, model load, decoding, compiling, scoring), best of
  ``--repeats``. JAX is timed twice: with an empty compilation cache (its first run on a
  machine) and with the cache that run left (every later run; ``keras_vis.invocation``);
- inside one process: import, model load, the first call (tracing/compiling) and warm calls,
  and the warm real-time factor (seconds of recording scored per second) of one call; a warm
  call split in its two halves, best of ``--repeats`` each: decoding (``read_media``: the video
  at the model's fps and size, the audio at its rate) and scoring (``score_media``: the model's
  parts over every window and candidate offset);
- a folder of ``FOLDER_CLIPS`` copies of the recording (its audio muxed in) scored in one
  process as ``predict DIR`` scores it (``predict_many``: the next file decoded while the
  current one is scored; one ``predict`` call after another in code that has no
  ``predict_many``), in seconds of recording per second.
``--clips DIR`` adds two columns: a folder of your own clips (say the real clips, of many
lengths) scored in one process with ``predict_many``, the first pass (every shape the model
meets is traced then) and the best later pass, in seconds of recording per second.
``--baseline REV`` adds the same rows for the code of git revision REV (its ``keras_vis`` and
``zoo``, default checkpoint included), timed in the same run. ``--offsets`` takes ``predict``'s
own ``--offsets`` values (``MAX`` for -MAX to +MAX, ``0`` for none), one set of rows each:
``--offsets 2 0`` times the default offset search and scoring with no search (p_real only) in
the same run.

The model is the shipped default checkpoint when present, else an untrained
``resnet_gru_fusion`` tiny model (the table says which: the cost is the same, only the scores
differ).

    python benchmarks/predict.py [--backends tensorflow jax torch] [--seconds 10] [--repeats 3]
                                 [--baseline REV] [--clips DIR]
                                 [--offsets MAX [MAX ...]]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# After $PYTHONPATH, so a child timing another revision's code (``--baseline``) imports that.
sys.path.append(str(ROOT))
from keras_vis.invocation import BACKENDS  # noqa: E402  (no keras)



# Copies of the recording in the folder row: enough for the decoding of one to hide behind
# the scoring of the one before.
FOLDER_CLIPS = 6


def child(model: str, video: str, audio: str, folder: str, clips: str, repeats: int,
          offsets: str | None = None) -> None:
    """Runs inside one backend's process; prints one JSON line. ``offsets``: as ``predict
    --offsets`` takes it (``None``: predict's default search)."""
    start = time.perf_counter()
    import keras

    import_s = time.perf_counter() - start

    from keras_vis.inference.predict import load_model, predict

    start = time.perf_counter()
    loaded, _ = load_model(model)
    load_s = time.perf_counter() - start
    grid = search_grid(loaded, offsets)
    times = []
    for _ in range(1 + repeats):
        start = time.perf_counter()
        result = predict(video, audio, model=loaded, offsets=grid)
        times.append(time.perf_counter() - start)
    videos = sorted(Path(folder).glob("*.mp4"))
    if not videos:
        raise SystemExit(f"no .mp4 files in {folder}")
    try:
        from keras_vis.inference.predict import predict_many
    except ImportError:  # code from before predict_many: what its predict DIR did
        def predict_many(videos, model, offsets=None):
            return [(v, predict(v, model=model, offsets=offsets)) for v in videos]
    folder_times = []
    for _ in range(1 + repeats):
        start = time.perf_counter()
        scored = list(predict_many(videos, model=loaded, offsets=grid))
        folder_times.append(time.perf_counter() - start)
    assert all(not isinstance(r, Exception) for _, r in scored), scored
    testable_offsets = sum(score is not None for score in result.offset_scores)
    decode_s, score_s = warm_halves(loaded, video, audio, repeats, grid)
    clips_first = clips_warm = float("nan")
    if clips != "-":
        from keras_vis.data.media import probe_video

        own = sorted(p for p in Path(clips).iterdir() if p.suffix.lower() in {".mp4", ".mov"})
        seconds = sum(probe_video(p).duration for p in own)
        passes = []
        for _ in range(1 + max(1, repeats)):
            start = time.perf_counter()
            list(predict_many(own, model=loaded, offsets=grid))
            passes.append(time.perf_counter() - start)
        clips_first, clips_warm = seconds / passes[0], seconds / min(passes[1:])
    print(json.dumps({
        "backend": keras.backend.backend(),
        "import_s": import_s,
        "load_s": load_s,
        "first_s": times[0],
        "warm_s": min(times[1:]) if repeats else float("nan"),
        "folder_clip_s": min(folder_times[1:]) / len(videos) if repeats else float("nan"),
        "decode_s": decode_s,
        "score_s": score_s,
        "clips_first_x": clips_first,
        "clips_warm_x": clips_warm,
        "windows": len(result.window_scores),
        "offsets": testable_offsets,
        "p_real": result.p_real,
        "offset_s": result.offset_s,
    }))


def search_grid(loaded, offsets: str | None):
    """The candidate offsets ``predict --offsets TEXT`` searches (``None``: its default)."""
    if offsets is None:
        return None
    import zoo
    from keras_vis.commands.predict import parse_offsets
    from keras_vis.inference.predict import offset_grid

    return offset_grid(*parse_offsets(offsets), fps=zoo.clip_of(loaded).fps)


def warm_halves(loaded, video: str, audio: str, repeats: int, grid=None) -> tuple[float, float]:
    """Best-of-``repeats`` seconds of a warm call's decoding and of its scoring (over ``grid``,
    default ``predict``'s); NaN for code without ``search_defaults`` (a ``--baseline`` from
    before it)."""
    try:
        from keras_vis.inference.predict import read_media, score_media, search_defaults
    except ImportError:
        return float("nan"), float("nan")
    import zoo

    clip = zoo.clip_of(loaded)
    grid, hop_s = search_defaults(clip, grid)
    decode, score = [], []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        media = read_media(video, audio, clip)
        decode.append(time.perf_counter() - start)
        start = time.perf_counter()
        score_media(loaded, media.frames, media.waveform, clip, offsets=grid, hop_s=hop_s)
        score.append(time.perf_counter() - start)
    return min(decode), min(score)


def build_untrained(path: Path) -> None:
    code = (
        "import zoo, sys; "
        "zoo.build('resnet_gru_fusion', 'tiny').save(sys.argv[1])"
    )
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV",
                        help="also time the code of this git revision, in the same run")
    parser.add_argument("--clips", type=Path, metavar="DIR",
                        help="also score this folder of clips (.mp4/.mov) in one process")
    parser.add_argument("--offsets", nargs="+", metavar="MIN:MAX",
                        help="predict's --offsets values, a set of rows for each (MAX: -MAX to "
                        "+MAX; 0: no offset search; default: predict's own); a range with a "
                        "negative minimum goes alone, as --offsets=-1:0.5")
    parser.add_argument("--child", nargs=5, metavar=("MODEL", "VIDEO", "AUDIO", "FOLDER", "CLIPS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, repeats=args.repeats, offsets=args.offsets[0] if args.offsets else None)
        return

    from generated_clips import mux
    from keras_vis.data.synthetic import generate
    from keras_vis.inference.predict import default_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "data", recordings=1, seconds=args.seconds, seed=4242, style="studio")
        video = sorted((tmp / "data").glob("*_mic.mp4"))[0]
        audio = video.with_suffix(".wav")
        clips = tmp / "clips"
        clips.mkdir()
        mux(video, audio, clips / "clip0.mp4")
        for k in range(1, FOLDER_CLIPS):
            shutil.copy(clips / "clip0.mp4", clips / f"clip{k}.mp4")
        model = default_checkpoint()
        which = "default checkpoint"
        if not model.is_file():
            model = tmp / "untrained_tiny.keras"
            build_untrained(model)
            which = "untrained resnet_gru_fusion tiny"

        print(f"model: {which}; recording: {args.seconds:g} s synthetic; "
              f"{os.cpu_count()} cpu cores")
        print()
        print("| code | backend | offsets searched | whole process s (best of repeats) "
              "| import s | load s "
              "| first predict s | warm predict s | of it: decoding s | scoring s "
              "| warm x real time | folder x real time "
              "| your clips x real time, first pass | later passes |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        codes = [("working tree", ROOT, model)]
        with contextlib.ExitStack() as stack:
            if args.baseline:
                from revision import exported_code

                folder = stack.enter_context(exported_code(args.baseline))
                # Its own shipped model when it has one: the before of a new default too.
                theirs = folder / model.relative_to(ROOT) if model.is_relative_to(ROOT) else model
                codes.append((args.baseline, folder, theirs if theirs.is_file() else model))
            for backend in args.backends:
                for label, code, chosen in codes:
                    for offsets in args.offsets or [None]:
                        print_rows(label, backend, code, chosen, video, audio, clips, tmp, args,
                                   offsets)


def print_rows(label: str, backend: str, code: Path, model: Path, video: Path, audio: Path,
               folder: Path, tmp: Path, args: argparse.Namespace, offsets: str | None) -> None:
    """The table's rows for one backend, one version of the code and one ``--offsets``."""
    from keras_vis.inference.predict import DEFAULT_MAX_OFFSET_S

    # JAX: first with an empty compilation cache, then with the one that run left.
    for fresh in ((True, False) if backend == "jax" else (False,)):
        cache = tmp / "jax-cache"
        wall = [whole_process(backend, video, audio, cache, fresh, code, offsets)
                for _ in range(args.repeats)]
        if fresh:
            shutil.rmtree(cache, ignore_errors=True)
        row = inside(backend, model, video, audio, folder, cache, args.repeats, code,
                     args.clips.resolve() if args.clips else None, offsets)
        name = backend + {True: " (empty cache)", False: " (warm cache)"}[fresh] \
            if backend == "jax" else backend
        searched = (f"-{DEFAULT_MAX_OFFSET_S:g}:{DEFAULT_MAX_OFFSET_S:g} (default)"
                    if offsets is None else offsets)
        if row is None:
            print(f"| {label} | {name} | {searched} | {min(wall):.2f} | failed" + " |" * 10)
            continue
        print(f"| {label} | {name} | {searched} | {min(wall):.2f} | {row['import_s']:.2f} "
              f"| {row['load_s']:.2f} | {row['first_s']:.2f} | {row['warm_s']:.2f} "
              f"| {_seconds(row.get('decode_s'))} | {_seconds(row.get('score_s'))} "
              f"| {args.seconds / row['warm_s']:.0f} "
              f"| {args.seconds / row['folder_clip_s']:.0f} "
              f"| {_times(row['clips_first_x'])} | {_times(row['clips_warm_x'])} |", flush=True)


def _seconds(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.2f}"  # NaN: older code


def _times(value: float) -> str:
    return "" if value != value else f"{value:.1f}"  # NaN: no --clips


def _env(backend: str, cache: Path, code: Path = ROOT) -> dict:
    return {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(code),
            "JAX_COMPILATION_CACHE_DIR": str(cache), "TF_CPP_MIN_LOG_LEVEL": "3"}


def _offsets_flag(offsets: str | None) -> list[str]:
    # One argument with "=", so a negative minimum is not read as an option.
    return [] if offsets is None else [f"--offsets={offsets}"]


def whole_process(backend: str, video: Path, audio: Path, cache: Path, fresh: bool,
                  code: Path = ROOT, offsets: str | None = None) -> float:
    """Wall seconds of ``python -m keras_vis predict`` (``fresh``: an empty JAX cache first)."""
    if fresh:
        shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "keras_vis", "predict", str(video), "--audio", str(audio),
                    "--backend", backend, *_offsets_flag(offsets)],
                   env=_env(backend, cache, code), cwd=code, check=True, capture_output=True)
    return time.perf_counter() - start


def inside(backend: str, model: Path, video: Path, audio: Path, folder: Path, cache: Path,
           repeats: int, code: Path = ROOT, clips: Path | None = None,
           offsets: str | None = None) -> dict | None:
    """The in-process breakdown (one process, after the whole-process runs)."""
    done = subprocess.run(
        [sys.executable, __file__, "--repeats", str(repeats), *_offsets_flag(offsets),
         "--child", str(model), str(video), str(audio), str(folder), str(clips or "-")],
        env=_env(backend, cache, code), cwd=code, capture_output=True, text=True,
    )
    if done.returncode != 0:
        print(f"{backend} at {code}: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])

if __name__ == "__main__":
    main()
