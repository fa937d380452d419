"""Seconds to score one 10 s recording with the offset search, per Keras backend.

Each backend runs in its own process (the backend is fixed when keras is imported). The model is
the shipped default checkpoint when present, else an untrained ``resnet_gru_fusion`` tiny model
(the table says which: the cost is the same, only the scores differ). ``first`` includes tracing
and compiling the predict function; ``warm`` is the best of the following calls.

    python benchmarks/predict.py [--backends tensorflow jax torch] [--seconds 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
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
    import keras

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

        print(f"model: {which}; recording: {args.seconds:g} s synthetic; {os.cpu_count()} cpu cores")
        print("| backend | load s | first predict s | warm predict s | windows | offsets |")
        print("|---|---|---|---|---|---|")
        for backend in args.backends:
            env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}
            done = subprocess.run(
                [sys.executable, __file__, "--repeats", str(args.repeats),
                 "--child", str(model), str(video), str(audio)],
                env=env, cwd=ROOT, capture_output=True, text=True,
            )
            if done.returncode != 0:
                tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
                print(f"| {backend} | failed: {tail[0]} | | | | |")
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"| {row['backend']} | {row['load_s']:.2f} | {row['first_s']:.2f} | "
                f"{row['warm_s']:.2f} | {row['windows']} | {row['offsets']} |"
            )


if __name__ == "__main__":
    main()
