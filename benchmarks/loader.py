"""Loader throughput at the ``base`` clip spec, and what the loader costs a training step.

One run prints two markdown tables. Clips/s at the ``base`` spec, batch ``--batch`` (16):
  (a) decode each clip from the mp4/wav, as the seed project did (read_video/read_audio per clip)
  (b) cached: AVPairs batches from the memory-mapped clip cache
  (c) cached + augmented (every augmentation switch on; issue 12 target >= 1,000 clips/s)
  (c) at ``--baseline REV``: the same, with the ``keras_vis``/``zoo`` code of git revision REV
      (exported to a temporary folder, timed in a subprocess on the same cache and settings)
  (d) AVPairs, augmented, with worker threads, through Keras' PyDataset queue
(b) to (d) are the best of ``--rounds`` rounds of ``--batches`` batches (the machine may be
shared); for (b) and (c) the table adds the process CPU time per batch of that round, which
load from other processes disturbs less than wall time.

Then a training step of the zoo's ``--step-model`` at ``tiny`` (batch 16) and ``base`` (batch 4),
fed by AVPairs (augmented, ``--workers`` threads) vs the same step on in-memory arrays; issue 12
asks for loader / in-memory <= 1.05. Each path runs one ``fit`` of ``--steps`` (tiny) or
``--base-steps`` (base) timed steps after one untimed first step (compilation, worker start-up),
in ``--step-rounds`` alternating rounds whose medians are shown; the default is a quick look
(base steps take seconds each), raise them for a steadier ratio.

    python benchmarks/loader.py [--recordings 8 --seconds 12 --out /tmp/keras-vis-bench]
    python benchmarks/loader.py --baseline HEAD          # before/after the working tree's changes
    python benchmarks/loader.py --steps 60 --base-steps 6 --backend torch
    python benchmarks/loader.py --step-presets           # clips/s only
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

import numpy as np  # noqa: E402

AUGMENT = {name: True for name in ("crop", "flip", "color", "time_jitter", "gain", "noise", "eq")}
STEP_BATCH = {"tiny": 16, "small": 8, "base": 4}  # train_step.py's batches (small: between)
PER_RECORDING = 64


def synthetic_cache(out: Path, recordings: int, seconds: float, clip):
    """The clip cache of ``recordings`` synthetic recordings (generated once) at ``clip``."""
    from keras_vis.data.cache import prepare
    from keras_vis.data.scan import scan
    from keras_vis.data.synthetic import generate

    root = out / "data"
    if not root.exists() or len(list(root.glob("*_mic.mp4"))) != recordings:
        generate(root, recordings=recordings, seconds=seconds, seed=0, quiet=True)
    return prepare(root, clip, cache_dir=out / "cache", quiet=True,
                   recordings=scan(root).recordings)


def augmented_pairs(cache, batch: int, workers: int = 1):
    from keras_vis.data.dataset import AVPairs

    return AVPairs(cache, list(cache.recordings.values()), batch, task="mixed", augment=AUGMENT,
                   per_recording=PER_RECORDING, workers=workers)


def decode_per_clip(table, recordings, clip, limit: int) -> float:
    from keras_vis.data.media import read_audio, read_video

    rows = table.iloc[:limit]
    start = time.perf_counter()
    for row in rows.itertuples():
        read_video(recordings[row.video_id].video, clip.fps, (clip.height, clip.width),
                   start_s=row.video_start_s, seconds=clip.seconds)
        audio = read_audio(recordings[row.audio_id].audio, clip.sample_rate, clip.channels)
        first = int(round(row.audio_start_s * clip.sample_rate))
        audio[first : first + clip.samples]
    return len(rows) / (time.perf_counter() - start)


def loader_rate(dataset, batches: int, rounds: int = 1) -> tuple[float, float]:
    """Clips/s reading ``batches`` batches in order, best of ``rounds``, and the process CPU
    milliseconds per batch of that round (steadier than wall time on a shared machine)."""
    dataset[0]  # warm the page cache and memory maps
    best = (0.0, 0.0)
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        clips = 0
        for i in range(batches):
            inputs, _ = dataset[i % len(dataset)]
            clips += len(inputs["video"])
        rate = clips / (time.perf_counter() - start)
        best = max(best, (rate, (time.process_time() - cpu) * 1000 / batches))
    return best


def queued_rate(dataset, batches: int, rounds: int = 1) -> float:
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    best = 0.0
    for _ in range(rounds):
        adapter = PyDatasetAdapter(dataset, shuffle=False)
        iterator = adapter.get_numpy_iterator()
        next(iterator)  # start the workers
        start = time.perf_counter()
        clips = 0
        for _ in range(min(batches, len(dataset) - 1)):
            inputs, _ = next(iterator)
            clips += len(inputs["video"])
        best = max(best, clips / (time.perf_counter() - start))
        adapter.on_epoch_end()
    return best


def baseline_rate(revision: str, args: argparse.Namespace) -> dict:
    """(c) with the code of ``revision`` (``benchmarks/revision.py``), timed in a subprocess."""
    from revision import exported_code

    try:
        with exported_code(revision) as folder:
            command = [sys.executable, __file__, "--rate-only", "--code", str(folder),
                       "--recordings", str(args.recordings), "--seconds", str(args.seconds),
                       "--out", args.out, "--batch", str(args.batch), "--batches",
                       str(args.batches), "--rounds", str(args.rounds)]
            done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
    except RuntimeError as error:
        return {"error": str(error)}
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def step_time(model, x, steps: int, **fit_kwargs) -> float:
    """Seconds per training step in one ``fit`` of ``steps + 1`` steps, timed from the end of
    the first step to the end of the last: compilation, worker start-up and the first batch's
    wait are left out, every later wait for the loader is in."""
    import keras

    ends = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ends.append(time.perf_counter())

    model.fit(x, epochs=1, steps_per_epoch=steps + 1, verbose=0, callbacks=[Clock()], **fit_kwargs)
    return (ends[-1] - ends[0]) / steps


def step_ratio(model_name: str, preset: str, steps: int, args: argparse.Namespace) -> dict:
    """Seconds per training step of ``model_name`` at ``preset``: in-memory arrays vs AVPairs,
    in ``--step-rounds`` rounds (the two paths one after the other in each): the median of
    each and of each round's ratio.

    On this shared 2-core machine one ``fit`` of a tiny step can run 50 % slower than the next
    on the same arrays, so a ratio of single fits says little; alternating rounds and their
    median ratio do."""
    import keras

    import zoo

    keras.utils.set_random_seed(0)
    model = zoo.build(model_name, preset)
    clip = zoo.clip_of(model)
    batch = STEP_BATCH.get(preset, 4)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    cache = synthetic_cache(Path(args.out), args.recordings, args.seconds, clip)
    fed = augmented_pairs(cache, batch, workers=args.workers)
    steps = min(steps, len(fed) - 1)
    # In-memory arrays: augmented batches from the loader, stacked once and handed to fit as
    # numpy arrays (not shuffled), so only the model's own work is timed.
    parts = [fed[i % len(fed)] for i in range(steps + 1)]  # one fit: steps + 1 batches
    memory_x = {key: np.concatenate([p[0][key] for p in parts]) for key in parts[0][0]}
    memory_y = np.concatenate([p[1] for p in parts])
    times = {"in_memory_s": [], "loader_s": []}
    for _ in range(args.step_rounds):
        times["in_memory_s"].append(step_time(model, memory_x, steps, y=memory_y,
                                              batch_size=batch, shuffle=False))
        times["loader_s"].append(step_time(model, augmented_pairs(cache, batch, args.workers),
                                           steps))
    memory = np.array(times["in_memory_s"])
    return {"model": model_name, "preset": preset, "batch": batch, "steps": steps,
            "rounds": args.step_rounds, "params": int(model.count_params()),
            **{key: float(np.median(value)) for key, value in times.items()},
            "ratio": float(np.median(np.array(times["loader_s"]) / memory)),
            "ratios": (np.array(times["loader_s"]) / memory).round(2).tolist()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "keras-vis-bench"))
    parser.add_argument("--batch", type=int, default=16, help="batch of the clips/s rows")
    parser.add_argument("--decode-clips", type=int, default=24)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", metavar="REV",
                        help="also time (c) with the keras_vis/zoo code of git revision REV")
    parser.add_argument("--backend", help="Keras backend of the step rows (default: Keras')")
    parser.add_argument("--step-model", default="resnet_gru_fusion")
    parser.add_argument("--step-presets", nargs="*", default=["tiny", "base"],
                        help="model presets of the step rows (none: skip them)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per path (not base)")
    parser.add_argument("--base-steps", type=int, default=2, help="timed steps per path at base")
    parser.add_argument("--step-rounds", type=int, default=3,
                        help="alternating rounds of the step paths (their medians are shown)")
    parser.add_argument("--rate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    if args.code:
        sys.path.insert(0, args.code)

    from zoo.clip import clip_preset

    clip = clip_preset("base")
    out = Path(args.out)
    start = time.perf_counter()
    cache = synthetic_cache(out, args.recordings, args.seconds, clip)
    prepare_s = time.perf_counter() - start
    if args.rate_only:
        import keras_vis.data.augment

        rate, cpu_ms = loader_rate(augmented_pairs(cache, args.batch), args.batches, args.rounds)
        print(json.dumps({"clips_per_s": rate, "cpu_ms_per_batch": cpu_ms,
                          "augment": keras_vis.data.augment.__file__}))
        return 0

    from keras_vis.data.dataset import AVPairs
    from keras_vis.data.pairs import pairs

    by_id = cache.recordings
    table = pairs(by_id, "mixed", clip, seed=0, per_recording=PER_RECORDING)
    decoded = decode_per_clip(table, by_id, clip, args.decode_clips)
    cached = loader_rate(AVPairs(cache, table, args.batch, task="mixed", shuffle=True),
                         args.batches, args.rounds)
    augmented = loader_rate(augmented_pairs(cache, args.batch), args.batches, args.rounds)
    baseline = baseline_rate(args.baseline, args) if args.baseline else None
    queued = queued_rate(augmented_pairs(cache, args.batch, args.workers), args.batches,
                         args.rounds)
    steps = [step_ratio(args.step_model, preset,
                        args.base_steps if preset == "base" else args.steps, args)
             for preset in args.step_presets]

    import keras

    print(f"\nloader benchmark: {len(by_id)} synthetic recordings x {args.seconds:g} s at 456x256, "
          f"clip spec base ({clip.key()}), batch {args.batch}, backend {keras.backend.backend()}, "
          f"{os.cpu_count()} CPUs; prepare (decode once) took {prepare_s:.1f} s; best of "
          f"{args.rounds} rounds of {args.batches} batches\n")
    rows = [("(a) decode each clip from mp4/wav (seed)", decoded, None),
            ("(b) clip cache", *cached),
            ("(c) clip cache + augmentation", *augmented)]
    if baseline is not None:
        rows.append((f"(c) clip cache + augmentation, code of {args.baseline}",
                     baseline.get("clips_per_s", baseline.get("error")),
                     baseline.get("cpu_ms_per_batch")))
    rows.append((f"(d) AVPairs, augmented, {args.workers} worker threads", queued, None))
    print("| loader | clips/s | vs (a) | CPU ms per batch |")
    print("|---|---:|---:|---:|")
    for name, rate, cpu_ms in rows:
        if isinstance(rate, str):
            print(f"| {name} | error: {rate} | | |")
        else:
            cpu = "" if cpu_ms is None else f"{cpu_ms:.1f}"
            print(f"| {name} | {rate:,.0f} | {rate / decoded:,.0f}x | {cpu} |")
    if steps:
        print(f"\ntraining step fed by AVPairs (augmented, {args.workers} worker threads) vs the "
              f"same step on in-memory arrays, medians over alternating rounds; target loader / "
              f"in-memory <= 1.05\n")
        print("| model | preset | batch | timed steps x rounds | in-memory s/step | loader s/step "
              "| loader / in-memory (each round) |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for s in steps:
            each = ", ".join(f"{r:.2f}" for r in s["ratios"])
            print(f"| {s['model']} | {s['preset']} | {s['batch']} | {s['steps']} x {s['rounds']} "
                  f"| {s['in_memory_s']:.3f} | {s['loader_s']:.3f} "
                  f"| **{s['ratio']:.2f}** ({each}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
