"""Training throughput of the zoo: samples/s and peak memory, every model x backend at ``tiny``
(batch 16) and ``resnet_gru_fusion`` at ``base`` (batch 4: 30 frames of 112 x 112) on the
backend that was fastest for it at ``tiny``.

Each cell runs in its own process (the backend is fixed at import) on ``--threads`` CPU threads,
times ``train_on_batch`` on one random batch after warm-up steps (compilation excluded), and
reports the process's peak resident memory (``getrusage`` maxrss). Prints one markdown table.

    python benchmarks/train_step.py                 # the full table
    python benchmarks/train_step.py --models siamese_fusion --backends jax torch

Anchor: the seed's PyTorch model ran 2.09 samples/s at the base shape on 2 threads.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tensorflow", "jax", "torch")
MODELS = ("resnet_gru_fusion", "siamese_fusion", "temporal_conv_fusion")
SEED_ANCHOR = 2.09


def measure(model_name: str, preset: str, batch: int, warmup: int, min_steps: int,
            min_seconds: float) -> dict:
    """Run in a cell process: build, compile, time train steps on one random batch."""
    import resource

    import keras
    import numpy as np

    import zoo

    keras.utils.set_random_seed(0)
    model = zoo.build(model_name, preset)
    clip = zoo.clip_of(model)
    rng = np.random.default_rng(0)
    x = {"video": rng.integers(0, 256, (batch, *clip.video_shape), dtype="uint8"),
         "audio": rng.uniform(-1, 1, (batch, *clip.audio_shape)).astype("float32")}
    y = rng.integers(0, 2, (batch, 1)).astype("float32")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    for _ in range(warmup):
        model.train_on_batch(x, y)
    steps, start = 0, time.perf_counter()
    while steps < min_steps or time.perf_counter() - start < min_seconds:
        model.train_on_batch(x, y)
        steps += 1
    elapsed = time.perf_counter() - start
    return {
        "samples_per_s": steps * batch / elapsed, "steps": steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "params": int(model.count_params()),
    }


def run_cell(model_name: str, preset: str, backend: str, batch: int, threads: int,
             args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    env.update(
        KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
        TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS="1",
        XLA_FLAGS=f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
                  f"intra_op_parallelism_threads={threads}",
    )
    command = [sys.executable, __file__, "--cell", model_name, preset, str(batch),
               "--warmup", str(args.warmup), "--min-steps", str(args.min_steps),
               "--min-seconds", str(args.min_seconds)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tiny-batch", type=int, default=16)
    parser.add_argument("--base-batch", type=int, default=4)
    parser.add_argument("--base-backend", choices=BACKENDS,
                        help="backend for the base row (default: fastest at tiny)")
    parser.add_argument("--no-base", action="store_true", help="skip the base row")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--min-steps", type=int, default=3)
    parser.add_argument("--min-seconds", type=float, default=10.0)
    parser.add_argument("--cell", nargs=3, metavar=("MODEL", "PRESET", "BATCH"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cell:
        model_name, preset, batch = args.cell
        print(json.dumps(measure(model_name, preset, int(batch), args.warmup,
                                 args.min_steps, args.min_seconds)))
        return 0

    rows = []
    for model_name in args.models:
        for backend in args.backends:
            cell = run_cell(model_name, "tiny", backend, args.tiny_batch, args.threads, args)
            rows.append((model_name, "tiny", backend, args.tiny_batch, cell))
            print(f"# {model_name} tiny {backend}: {cell}", file=sys.stderr, flush=True)
    if not args.no_base:
        backend = args.base_backend
        if backend is None:
            tiny = [(r[4].get("samples_per_s", 0), r[2]) for r in rows
                    if r[0] == "resnet_gru_fusion"]
            backend = max(tiny)[1] if tiny else "tensorflow"
        cell = run_cell("resnet_gru_fusion", "base", backend, args.base_batch, args.threads, args)
        rows.append(("resnet_gru_fusion", "base", backend, args.base_batch, cell))

    print(f"| model | preset | backend | batch | params | samples/s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for model_name, preset, backend, batch, cell in rows:
        if "error" in cell:
            print(f"| {model_name} | {preset} | {backend} | {batch} | | error: {cell['error']} | |")
            continue
        print(f"| {model_name} | {preset} | {backend} | {batch} | {cell['params']:,} "
              f"| {cell['samples_per_s']:.2f} | {cell['peak_rss_mb']:.0f} |")
    print(f"\n{args.threads} CPU threads per cell. Anchor: the seed's PyTorch model, "
          f"{SEED_ANCHOR} samples/s at base (batch 4, 30 x 112 x 112); target >= "
          f"{2 * SEED_ANCHOR:.1f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
