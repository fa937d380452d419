r"""Training throughput of the zoo against the original project's model, in one run: samples/s
and peak memory, every model x backend at ``tiny`` (batch 16) and ``resnet_gru_fusion`` at
``base`` (batch 4: 30 frames of 112 x 112) on the backend that was fastest for it at ``tiny``.

Each cell runs in its own process (the backend is fixed at import) on ``--threads`` CPU threads,
times ``train_on_batch`` on one random batch after warm-up steps (compilation excluded), and
reports the process's peak resident memory (``getrusage`` maxrss).

The reference is the original project's model written in plain PyTorch
(``benchmarks/reference_torch.py``: ResNet-18 per frame + GRU, ResNet-18 on a 128-mel
spectrogram, 1024 -> 512 -> 1 head, every weight trained, Adam). It is timed the same way, in
its own process, with the same thread settings and warm-up and at the same clip spec and batch
as the zoo cells of each shape (the clip spec the zoo cell reports), right after those cells.
``vs reference`` is a cell's samples/s divided by the reference's at the same shape; the issue's
target is >= 1.5x at ``base`` (stretch 2x). Prints one markdown table.

``--precision mixed_bfloat16`` (or several) times the zoo cells under that Keras dtype policy
(``zoo.build(dtype=...)``, what ``train.precision`` sets) as well, and the reference under the
matching ``torch.autocast`` too, so each mixed cell has two ratios: against the float32
reference (the issue's) and against the reference at its own precision. bfloat16 pays on CPUs
with AVX512_BF16 or AMX (``grep -o 'avx512_bf16\|amx_bf16' /proc/cpuinfo``); elsewhere it is
emulated and slower.

On a GPU machine each backend runs on the GPU it sees (so does the reference); pass
``--threads 0`` there to leave every library its own CPU thread count. The last column names the
device and, on a GPU, the most GPU memory the cell held.

    python benchmarks/train_step.py                 # the full table, reference included
    python benchmarks/train_step.py --models siamese_fusion --backends jax torch
    python benchmarks/train_step.py --models resnet_gru_fusion --backends torch --no-tiny-reference
    python benchmarks/train_step.py --reference-only --no-base   # the reference alone, at tiny
    python benchmarks/train_step.py --models resnet_gru_fusion --backends tensorflow \
        --base-backend tensorflow --no-tiny-reference --precision float32 mixed_bfloat16
    python benchmarks/train_step.py --models resnet_gru_fusion --backends torch jax --no-tiny \
        --base-backend torch jax --threads 0 --precision float32 mixed_bfloat16   # on a GPU
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
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
from keras_vis import files  # noqa: E402
from keras_vis.device import device_in_use  # noqa: E402
from keras_vis.invocation import BACKENDS  # noqa: E402  (no keras, no torch)
from keras_vis.training.config import PRECISIONS  # noqa: E402

MODELS = ("resnet_gru_fusion", "siamese_fusion", "temporal_conv_fusion")
# A zoo dtype policy -> the reference's torch.autocast dtype at the same precision.
AUTOCAST = {policy: policy.removeprefix("mixed_") for policy in PRECISIONS}
REFERENCE = ROOT / "benchmarks" / "reference_torch.py"


def measure(model_name: str, preset: str, batch: int, warmup: int, min_steps: int,
            min_seconds: float, precision: str = "float32") -> dict:
    """Run in a cell process: build (under the dtype policy ``precision``), compile, time
    train steps on one random batch."""
    import resource

    import keras
    import numpy as np

    import zoo

    keras.utils.set_random_seed(0)
    model = zoo.build(model_name, preset, dtype=precision)
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
    device, peak_device_mb = device_in_use()
    return {
        "samples_per_s": steps * batch / elapsed, "steps": steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "params": int(model.count_params()), "clip": clip.to_dict(),
        "device": device, "peak_device_mb": peak_device_mb,
    }


def add_timing_flags(parser: argparse.ArgumentParser) -> None:
    """Warm-up and timing flags, shared with ``reference_torch.py`` (the same defaults)."""
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--min-steps", type=int, default=3)
    parser.add_argument("--min-seconds", type=float, default=10.0)


def cell_env(backend: str, threads: int) -> dict:
    """A measuring process's environment: backend, thread settings (none for ``threads`` 0),
    the repository on the path."""
    env = dict(os.environ)
    env.update(
        KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    if threads <= 0:
        return env
    env.update(
        OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
        TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS="1",
        XLA_FLAGS=f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
                  f"intra_op_parallelism_threads={threads}",
    )
    return env


def _timing_flags(args: argparse.Namespace) -> list[str]:
    return ["--warmup", str(args.warmup), "--min-steps", str(args.min_steps),
            "--min-seconds", str(args.min_seconds)]


def _run(command: list[str], env: dict) -> dict:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_cell(model_name: str, preset: str, backend: str, batch: int, threads: int,
             args: argparse.Namespace, precision: str = "float32") -> dict:
    command = [sys.executable, __file__, "--cell", model_name, preset, str(batch),
               "--cell-precision", precision, *_timing_flags(args)]
    return _run(command, cell_env(backend, threads))


def run_reference(preset: str, batch: int, threads: int, args: argparse.Namespace,
                  clip: dict | None = None, precision: str = "float32") -> dict:
    """The plain-PyTorch reference at ``clip`` (a zoo cell's clip spec) or the clip preset,
    under ``torch.autocast`` at ``precision`` unless float32."""
    command = [sys.executable, str(REFERENCE), "--preset", preset, "--batch", str(batch),
               "--threads", str(threads), "--precision", precision, *_timing_flags(args)]
    if clip is not None:
        command += ["--clip", json.dumps(clip)]
    return _run(command, cell_env("torch", threads))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tiny-batch", type=int, default=16)
    parser.add_argument("--base-batch", type=int, default=4)
    parser.add_argument("--base-backend", nargs="+", choices=BACKENDS,
                        help="backend(s) for the base row (default: the fastest at tiny)")
    parser.add_argument("--no-base", action="store_true", help="skip the base row")
    parser.add_argument("--no-tiny", action="store_true", help="skip the tiny rows")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="also write every cell and reference, as measured, to PATH")
    parser.add_argument("--precision", nargs="+", default=["float32"], choices=PRECISIONS,
                        help="Keras dtype policies to time each zoo cell under (default: "
                             "float32); the reference is timed at float32 and at each of them")
    add_timing_flags(parser)
    parser.add_argument("--skip-reference", action="store_true",
                        help="do not time the plain-PyTorch reference (no vs reference column)")
    parser.add_argument("--reference-only", action="store_true",
                        help="time only the reference, at the shapes the table would have")
    parser.add_argument("--no-tiny-reference", dest="tiny_reference", action="store_false",
                        help="time the reference at base only (its tiny cell takes about a minute)")
    parser.add_argument("--cell", nargs=3, metavar=("MODEL", "PRESET", "BATCH"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--cell-precision", default="float32", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cell:
        model_name, preset, batch = args.cell
        print(json.dumps(measure(model_name, preset, int(batch), args.warmup,
                                 args.min_steps, args.min_seconds, args.cell_precision)))
        return 0

    rows, references = [], {}
    reference_precisions = list(dict.fromkeys(
        ["float32", *(AUTOCAST[p] for p in args.precision)]))

    def reference(preset: str, batch: int) -> None:
        if args.skip_reference or (not args.tiny_reference and preset == "tiny"):
            return
        clip = next((r[5]["clip"] for r in rows if r[1] == preset and r[3] == batch
                     and "clip" in r[5]), None)
        for precision in reference_precisions:
            cell = run_reference(preset, batch, args.threads, args, clip, precision)
            references[(preset, batch, precision)] = cell
            print(f"# reference {preset} batch {batch} {precision}: {cell}", file=sys.stderr,
                  flush=True)

    def time_cell(model_name: str, preset: str, backend: str, batch: int) -> None:
        for precision in args.precision:
            cell = run_cell(model_name, preset, backend, batch, args.threads, args, precision)
            rows.append((model_name, preset, backend, batch, precision, cell))
            print(f"# {model_name} {preset} {backend} {precision}: {cell}", file=sys.stderr,
                  flush=True)

    if args.models and not args.no_tiny:
        for model_name in args.models:
            for backend in args.backends if not args.reference_only else ():
                time_cell(model_name, "tiny", backend, args.tiny_batch)
        reference("tiny", args.tiny_batch)
    if not args.no_base:
        if not args.reference_only:
            backends = args.base_backend
            if backends is None:
                tiny = [(r[5].get("samples_per_s", 0), r[2]) for r in rows
                        if r[0] == "resnet_gru_fusion"]
                backends = [max(tiny)[1] if tiny else "tensorflow"]
            for backend in backends:
                time_cell("resnet_gru_fusion", "base", backend, args.base_batch)
        reference("base", args.base_batch)

    if args.json:
        keys = ("model", "preset", "backend", "batch", "precision")
        files.write_text(args.json, json.dumps({
            "threads": args.threads,
            "cells": [dict(zip(keys, row[:5]), **row[5]) for row in rows],
            "references": [dict(preset=p, batch=b, precision=d, **cell)
                           for (p, b, d), cell in references.items()],
        }, indent=1))
    print_table(rows, references, args.threads)
    return 0


def print_table(rows: list, references: dict, threads: int) -> None:
    """One markdown table: each shape's zoo cells, then the reference at that shape.

    ``rows``: ``(model, preset, backend, batch, precision, cell)``; ``references``:
    ``(preset, batch, autocast dtype) -> cell``.
    """
    shapes = list(dict.fromkeys([(r[1], r[3]) for r in rows] + [k[:2] for k in references]))
    print("| model | preset | backend | precision | batch | params | samples/s | vs reference "
          "| vs reference at its precision | peak RSS MB | device |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    def device(cell: dict) -> str:
        name, peak = cell.get("device", "cpu"), cell.get("peak_device_mb")
        return name if peak is None else f"{name}, peak {peak:,.0f} MB"

    def ratio(cell: dict, ref: dict | None) -> str:
        if not ref or not ref.get("samples_per_s"):
            return ""
        return f"{cell['samples_per_s'] / ref['samples_per_s']:.2f}x"

    for preset, batch in shapes:
        float32 = references.get((preset, batch, "float32"))
        shape_rows = [r for r in rows if (r[1], r[3]) == (preset, batch)]
        shape_rows += [("reference: original model, plain PyTorch", preset, "torch", batch,
                        "float32" if dtype == "float32" else f"autocast {dtype}", ref)
                       for (p, b, dtype), ref in references.items() if (p, b) == (preset, batch)]
        for model_name, _, backend, precision, cell in (r[:3] + r[4:] for r in shape_rows):
            if "error" in cell:
                print(f"| {model_name} | {preset} | {backend} | {precision} | {batch} | "
                      f"| error: {cell['error']} | | | | |")
                continue
            dtype = AUTOCAST.get(precision, precision.removeprefix("autocast "))
            same = references.get((preset, batch, dtype)) if dtype != "float32" else None
            print(f"| {model_name} | {preset} | {backend} | {precision} | {batch} "
                  f"| {cell['params']:,} | {cell['samples_per_s']:.2f} | {ratio(cell, float32)} "
                  f"| {ratio(cell, same)} | {cell['peak_rss_mb']:.0f} | {device(cell)} |")
    threads = f"{threads} CPU threads" if threads > 0 else "Each library's own CPU thread count"
    print(f"\n{threads} per process. vs reference: samples/s over the float32 "
          f"reference's (benchmarks/reference_torch.py) at the same clip spec and batch, timed "
          f"in this run; target at base >= 1.5x (stretch 2x). vs reference at its precision: "
          f"over the reference under torch.autocast at the cell's precision.")

if __name__ == "__main__":
    sys.exit(main())
