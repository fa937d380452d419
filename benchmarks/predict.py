"""Seconds to score one 10 s recording with ``python -m keras_vis predict``, per Keras backend.

Two tables, each backend in its own processes (the backend is fixed when keras is imported):
- the whole process, as a user runs it: ``python -m keras_vis predict VIDEO --audio WAV --backend B``
  timed from outside (start-up, imports, model load, decoding, compiling, scoring), best of
  ``--repeats``. JAX is timed twice: with an empty compilation cache (its first run on a
  machine) and with the cache that run left (every later run; ``keras_vis.invocation``);
- inside one process: import, model load, the first call (tracing/compiling) and warm calls,
  and the warm real-time factor (seconds of recording scored per second), which is what a
  folder of clips scored in one process (``predict DIR``) gets.

The model is the shipped default checkpoint when present, else an untrained
``resnet_gru_fusion`` tiny model (the table says which: the cost is the same, only the scores
differ).

    python benchmarks/predict.py [--backends tensorflow jax torch] [--seconds 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BACKENDS = ("tensorflow", "jax", "torch")


def child(model: str, video: str, audio: str, repeats: int) -> None:
    """Runs inside one backend's process; prints one JSON line."""
    start = time.perf_counter()
    import keras

    import_s = time.perf_counter() - start

    from keras_vis.inference.predict import load_model, predict

    start = time.perf_counter()
    loaded, _ = load_model(model)
    load_s = time.perf_counter() - start
    times = []
    for _ in range(1 + repeats):
        start = time.perf_counter()
        result = predict(video, audio, model=loaded)
        times.append(time.perf_counter() - start)
    testable_offsets = sum(score is not None for score in result.offset_scores)
    print(json.dumps({
        "backend": keras.backend.backend(),
        "import_s": import_s,
        "load_s": load_s,
        "first_s": times[0],
        "warm_s": min(times[1:]) if repeats else float("nan"),
        "windows": len(result.window_scores),
        "offsets": testable_offsets,
        "p_real": result.p_real,
        "offset_s": result.offset_s,
    }))


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
    parser.add_argument("--child", nargs=3, metavar=("MODEL", "VIDEO", "AUDIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, repeats=args.repeats)
        return

    from keras_vis.data.synthetic import generate
    from keras_vis.inference.predict import default_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "data", recordings=1, seconds=args.seconds, seed=4242, style="studio")
        video = sorted((tmp / "data").glob("*_mic.mp4"))[0]
        audio = video.with_suffix(".wav")
        model = default_checkpoint()
        which = "default checkpoint"
        if not model.is_file():
            model = tmp / "untrained_tiny.keras"
            build_untrained(model)
            which = "untrained resnet_gru_fusion tiny"

        print(f"model: {which}; recording: {args.seconds:g} s synthetic; "
              f"{os.cpu_count()} cpu cores")
        print()
        print("| backend | whole process s (best of repeats) | import s | load s "
              "| first predict s | warm predict s | warm x real time |")
        print("|---|---|---|---|---|---|---|")
        for backend in args.backends:
            # JAX: first with an empty compilation cache, then with the one that run left.
            for fresh in ((True, False) if backend == "jax" else (False,)):
                cache = tmp / "jax-cache"
                wall = [whole_process(backend, video, audio, cache, fresh)
                        for _ in range(args.repeats)]
                if fresh:
                    shutil.rmtree(cache, ignore_errors=True)
                row = inside(backend, model, video, audio, cache, args.repeats)
                name = backend + {True: " (empty cache)", False: " (warm cache)"}[fresh] \
                    if backend == "jax" else backend
                if row is None:
                    print(f"| {name} | {min(wall):.2f} | failed | | | | |")
                    continue
                print(f"| {name} | {min(wall):.2f} | {row['import_s']:.2f} | {row['load_s']:.2f} "
                      f"| {row['first_s']:.2f} | {row['warm_s']:.2f} "
                      f"| {args.seconds / row['warm_s']:.0f} |")

def _env(backend: str, cache: Path) -> dict:
    return {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT),
            "JAX_COMPILATION_CACHE_DIR": str(cache), "TF_CPP_MIN_LOG_LEVEL": "3"}


def whole_process(backend: str, video: Path, audio: Path, cache: Path, fresh: bool) -> float:
    """Wall seconds of ``python -m keras_vis predict`` (``fresh``: an empty JAX cache first)."""
    if fresh:
        shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "keras_vis", "predict", str(video), "--audio", str(audio),
                    "--backend", backend], env=_env(backend, cache), cwd=ROOT, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def inside(backend: str, model: Path, video: Path, audio: Path, cache: Path,
           repeats: int) -> dict | None:
    """The in-process breakdown (one process, after the whole-process runs)."""
    done = subprocess.run(
        [sys.executable, __file__, "--repeats", str(repeats),
         "--child", str(model), str(video), str(audio)],
        env=_env(backend, cache), cwd=ROOT, capture_output=True, text=True,
    )
    if done.returncode != 0:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])

if __name__ == "__main__":
    main()
