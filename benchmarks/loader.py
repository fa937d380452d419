"""Loader throughput at the ``base`` clip spec: decoding per clip vs the clip cache.

One run prints one table:
  (a) decode each clip from the mp4/wav, as the seed project did (read_video/read_audio per clip)
  (b) cached: AVPairs batches from the memory-mapped clip cache
  (c) cached + augmented (every augmentation switch on)
  (d) AVPairs with worker threads, through Keras' PyDataset queue
and the step-time ratio: a training step of a small model fed from in-memory arrays, divided by
the same step fed by AVPairs (augmented, with workers); 1.0 means the loader costs nothing.

    python benchmarks/loader.py [--recordings 8 --seconds 12 --out /tmp/keras-vis-bench]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

BATCH = 32


def timed(fn, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


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


def loader_rate(dataset, batches: int) -> float:
    dataset[0]  # warm the page cache and memory maps
    start = time.perf_counter()
    clips = 0
    for i in range(batches):
        inputs, _ = dataset[i % len(dataset)]
        clips += len(inputs["video"])
    return clips / (time.perf_counter() - start)


def queued_rate(dataset, batches: int) -> float:
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    adapter = PyDatasetAdapter(dataset, shuffle=False)
    iterator = adapter.get_numpy_iterator()
    next(iterator)  # start the workers
    start = time.perf_counter()
    clips = 0
    for _ in range(min(batches, len(dataset) - 1)):
        inputs, _ = next(iterator)
        clips += len(inputs["video"])
    elapsed = time.perf_counter() - start
    adapter.on_epoch_end()
    return clips / elapsed


def small_model(clip):
    import keras

    video = keras.Input(clip.video_shape, dtype="uint8", name="video")
    audio = keras.Input(clip.audio_shape, name="audio")
    v = keras.layers.Rescaling(1 / 255)(video)
    v = keras.layers.Conv3D(16, (3, 7, 7), strides=(1, 4, 4), activation="relu")(v)
    v = keras.layers.Conv3D(32, 3, strides=2, activation="relu")(v)
    v = keras.layers.GlobalAveragePooling3D()(v)
    a = keras.layers.Conv1D(32, 64, strides=16, activation="relu")(audio)
    a = keras.layers.Conv1D(32, 8, strides=4, activation="relu")(a)
    a = keras.layers.GlobalAveragePooling1D()(a)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([v, a]))
    model = keras.Model({"video": video, "audio": audio}, out)
    model.compile("adam", "binary_crossentropy")
    return model


def step_time(model, x, steps: int, **fit_kwargs) -> float:
    model.fit(x, epochs=1, steps_per_epoch=2, verbose=0, **fit_kwargs)  # compile and warm up
    start = time.perf_counter()
    model.fit(x, epochs=1, steps_per_epoch=steps, verbose=0, **fit_kwargs)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "keras-vis-bench"))
    parser.add_argument("--decode-clips", type=int, default=24)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from keras_vis.data.cache import prepare
    from keras_vis.data.dataset import AVPairs
    from keras_vis.data.pairs import pairs
    from keras_vis.data.scan import scan
    from keras_vis.data.synthetic import generate
    from zoo.clip import clip_preset

    clip = clip_preset("base")
    root = Path(args.out) / "data"
    if not root.exists() or len(list(root.glob("*_mic.mp4"))) != args.recordings:
        generate(root, recordings=args.recordings, seconds=args.seconds, seed=0, quiet=True)
    recordings = scan(root).recordings
    start = time.perf_counter()
    cache = prepare(root, clip, cache_dir=Path(args.out) / "cache", quiet=True, recordings=recordings)
    prepare_s = time.perf_counter() - start
    by_id = cache.recordings
    table = pairs(by_id, "mixed", clip, seed=0, per_recording=64)
    augment = {name: True for name in ("crop", "flip", "color", "time_jitter", "gain", "noise", "eq")}

    decoded = decode_per_clip(table, by_id, clip, args.decode_clips)
    plain = AVPairs(cache, table, BATCH, task="mixed", shuffle=True)
    cached = loader_rate(plain, args.batches)
    augmented_set = AVPairs(cache, list(by_id.values()), BATCH, task="mixed", augment=augment,
                            per_recording=64)
    augmented = loader_rate(augmented_set, args.batches)
    threaded = AVPairs(cache, list(by_id.values()), BATCH, task="mixed", augment=augment,
                       per_recording=64, workers=args.workers)
    queued = queued_rate(threaded, args.batches)

    import keras

    model = small_model(clip)
    inputs, labels = augmented_set[0]
    # In-memory arrays: one augmented batch repeated, handed to fit as numpy arrays, so only
    # the model's own work is timed.
    reps = args.steps + 2
    memory_inputs = {k: np.concatenate([v] * reps) for k, v in inputs.items()}
    memory_labels = np.concatenate([labels] * reps)
    in_memory = step_time(model, memory_inputs, args.steps, y=memory_labels, batch_size=BATCH)
    fed = AVPairs(cache, list(by_id.values()), BATCH, task="mixed", augment=augment,
                  per_recording=64, workers=args.workers)
    with_loader = step_time(model, fed, args.steps)

    print(f"\nloader benchmark: {len(by_id)} synthetic recordings x {args.seconds:g} s at 456x256, "
          f"clip spec base ({clip.key()}), batch {BATCH}, backend {keras.backend.backend()}, "
          f"{os.cpu_count()} CPUs; prepare (decode once) took {prepare_s:.1f} s\n")
    print("| loader | clips/s | vs (a) |")
    print("|---|---:|---:|")
    for name, rate in (
        ("(a) decode each clip from mp4/wav (seed)", decoded),
        ("(b) clip cache", cached),
        ("(c) clip cache + augmentation", augmented),
        (f"(d) AVPairs, augmented, {args.workers} worker threads", queued),
    ):
        print(f"| {name} | {rate:,.0f} | {rate / decoded:,.0f}x |")
    print(f"\nstep time: in-memory arrays {in_memory * 1000:.0f} ms, AVPairs {with_loader * 1000:.0f} ms; "
          f"ratio in-memory / loader = {in_memory / with_loader:.2f}")


if __name__ == "__main__":
    main()
