"""Where a zoo model's training step spends its time, per backend: one table.

For each backend (its own process, the thread settings of ``train_step.py``) it times, at one
model x preset x batch (default ``resnet_gru_fusion`` at ``base``, batch 4):

* ``step``: a whole ``train_on_batch`` (forward, backward, Adam), as ``train_step.py`` does;
* ``part``: each of the three parts (``video_encoder``, ``audio_encoder``, ``fusion_head``)
  alone, forward + backward (gradients for its weights and its float inputs);
* ``layer``: every layer inside the two encoders alone, forward + backward on its own input
  shape, training mode. Layers with the same class, configuration and input shapes are timed
  once and counted ``n`` times (ResNet blocks repeat), so ``total ms`` is their sum.

Parts and layers run compiled as the model's train step is (``jax.jit``; ``tf.function`` with
the jit setting ``compile`` chose; eager torch), so a layer's time does not include the fusion
with its neighbours that XLA does inside the whole step: the per-layer sum may exceed the part.
On torch, ``--torch-ops`` adds the top aten ops of one step from ``torch.profiler``.

    python benchmarks/profile_layers.py                        # every backend, base, batch 4
    python benchmarks/profile_layers.py --backends torch --torch-ops
    python benchmarks/profile_layers.py --preset tiny --batch 16 --top 10
    python benchmarks/profile_layers.py --threads 1   # on a shared machine (see below)
    python benchmarks/profile_layers.py --backends tensorflow --precision mixed_bfloat16

On a 2-core machine that another process keeps busy, two OpenMP threads per process make
torch's small ops wait on a descheduled thread (a 4 x 4 x 512 BatchNormalization took 144 ms
instead of 8): profile with ``--threads 1`` there, where wall time is the work done.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_step import BACKENDS, PRECISIONS, cell_env  # noqa: E402  (no keras, no torch)

PARTS = ("video_encoder", "audio_encoder", "fusion_head")


def _timed(fn, repeats: int, warmup: int = 1) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2]


def _grad_fn(layer, inputs, jit_compile):
    """A no-argument function running ``layer`` forward and backward on ``inputs`` (training).

    Gradients are taken for the layer's trainable weights and every float input, with random
    output gradients, so a layer costs what it costs inside a real backward pass.
    """
    import keras
    import numpy as np

    backend = keras.backend.backend()
    single = not isinstance(inputs, (list, tuple))
    xs = [inputs] if single else list(inputs)
    rng = np.random.default_rng(1)
    floats = [i for i, x in enumerate(xs) if np.dtype(x.dtype).kind == "f"]

    def call(values):
        return layer(values[0] if single else values, training=True)

    if backend == "torch":
        import torch

        tensors = [torch.as_tensor(x) for x in xs]
        for i in floats:
            tensors[i].requires_grad_(True)
        weights = [v.value for v in layer.trainable_variables]
        out = call(tensors)
        outs = out if isinstance(out, (list, tuple)) else [out]
        grads_out = [torch.randn_like(o) for o in outs]

        def run():
            result = call(tensors)
            result = result if isinstance(result, (list, tuple)) else [result]
            wrt = [tensors[i] for i in floats] + weights
            if wrt:
                torch.autograd.grad(result, wrt, grads_out, allow_unused=True)
        return run

    out = layer(inputs if single else xs, training=False)
    # In the output's dtype (bfloat16 under a mixed policy): the tape wants them to match.
    out_grads = [keras.ops.cast(rng.standard_normal(tuple(o.shape)).astype("float32"), o.dtype)
                 for o in (out if isinstance(out, (list, tuple)) else [out])]

    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(x) for x in xs]
        g = [tf.convert_to_tensor(o) for o in out_grads]

        @tf.function(jit_compile=bool(jit_compile))
        def tf_step(tensors, g):
            with tf.GradientTape() as tape:
                for i in floats:
                    tape.watch(tensors[i])
                result = call(tensors)
                result = result if isinstance(result, (list, tuple)) else [result]
            wrt = [tensors[i] for i in floats] + list(layer.trainable_variables)
            if not wrt:
                return result
            return tape.gradient(result, wrt, output_gradients=g)

        return lambda: [t.numpy() for t in tf.nest.flatten(tf_step(tensors, g)) if t is not None]

    import jax
    import jax.numpy as jnp

    tensors = [jnp.asarray(x) for x in xs]
    g = [jnp.asarray(o) for o in out_grads]
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def loss(trainable, float_inputs, non_trainable, tensors, g):
        values = list(tensors)
        for i, x in zip(floats, float_inputs):
            values[i] = x
        flags = {"training": True} if getattr(layer, "_call_has_training_arg", True) else {}
        result, updated = layer.stateless_call(trainable, non_trainable,
                                               values[0] if single else values, **flags)
        result = result if isinstance(result, (list, tuple)) else [result]
        return sum(jnp.sum(r * gg) for r, gg in zip(result, g)), updated

    if floats or trainable:
        step = jax.jit(jax.grad(loss, argnums=(0, 1), has_aux=True))
    else:
        step = jax.jit(loss)

    def run():
        grads = step(trainable, [tensors[i] for i in floats], non_trainable, tensors, g)
        jax.block_until_ready(grads)
    return run


def _layer_key(layer, shapes) -> str:
    config = {k: v for k, v in layer.get_config().items() if k not in ("name",)}
    return json.dumps([type(layer).__name__, config, shapes], sort_keys=True, default=str)


def _layer_inputs(part, batch: int) -> dict:
    """``layer name -> list of (shape, dtype)`` of its inputs when ``part`` runs on ``batch``
    examples (a symbolic pass: folded layers see ``batch * frames`` images)."""
    import keras

    layers = [l for l in part.layers if not isinstance(l, keras.layers.InputLayer)]
    flat = [(l.name, t) for l in layers
            for t in (l.input if isinstance(l.input, (list, tuple)) else [l.input])]
    probe = keras.Model(part.inputs, [t for _, t in flat])
    specs = probe.compute_output_spec(
        [keras.KerasTensor((batch, *t.shape[1:]), dtype=t.dtype) for t in part.inputs])
    shapes: dict[str, list] = {}
    for (name, _), spec in zip(flat, specs):
        shapes.setdefault(name, []).append((tuple(spec.shape), spec.dtype))
    return shapes


def _random_inputs(layer, shapes, rng):
    import keras
    import numpy as np

    def make(shape, dtype):
        # Float inputs as float32 (numpy has no bfloat16): the layer casts them to its compute
        # dtype, as it does inside the model.
        if keras.backend.is_float_dtype(dtype):
            return rng.standard_normal(shape).astype("float32")
        return rng.integers(0, 256, shape).astype(dtype)

    arrays = [make(shape, dtype) for shape, dtype in shapes]
    return arrays if isinstance(layer.input, (list, tuple)) else arrays[0]


def cell(model_name: str, preset: str, batch: int, repeats: int, with_layers: bool,
         torch_ops: int, precision: str = "float32") -> dict:
    """In a backend's process: the rows of the table (times in seconds)."""
    import keras
    import numpy as np

    import zoo.model

    backend = keras.backend.backend()
    keras.utils.set_random_seed(0)
    model = zoo.model.build(model_name, preset, dtype=precision)
    clip = zoo.model.clip_of(model)
    rng = np.random.default_rng(0)
    x = {"video": rng.integers(0, 256, (batch, *clip.video_shape), dtype="uint8"),
         "audio": rng.uniform(-1, 1, (batch, *clip.audio_shape)).astype("float32")}
    y = rng.integers(0, 2, (batch, 1)).astype("float32")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.train_on_batch(x, y)
    jit = bool(getattr(model, "jit_compile", False))
    rows = [{"kind": "step", "name": "train_on_batch", "n": 1,
             "s": _timed(lambda: model.train_on_batch(x, y), repeats)}]

    inputs = {"video_encoder": x["video"], "audio_encoder": x["audio"]}
    for name in PARTS:
        part = model.get_layer(name)
        if name == "fusion_head":
            features = [rng.standard_normal((batch, *t.shape[1:])).astype("float32")
                        for t in part.inputs]
            fn = _grad_fn(part, features, jit)
        else:
            fn = _grad_fn(part, inputs[name], jit)
        rows.append({"kind": "part", "name": name, "n": 1, "s": _timed(fn, repeats)})

    if with_layers:
        for name in PARTS[:2]:
            part = model.get_layer(name)
            seen: dict[str, dict] = {}
            input_shapes = _layer_inputs(part, batch)
            for layer in part.layers:
                if isinstance(layer, keras.layers.InputLayer):
                    continue
                specs = input_shapes[layer.name]
                shapes = [list(s) for s, _ in specs]
                shapes = shapes if len(shapes) > 1 else shapes[0]
                key = _layer_key(layer, shapes)
                if key in seen:
                    seen[key]["n"] += 1
                    continue
                fn = _grad_fn(layer, _random_inputs(layer, specs, rng), jit)
                seen[key] = {"kind": "layer", "name": f"{name}/{layer.name}", "n": 1,
                             "class": type(layer).__name__, "shape": shapes,
                             "s": _timed(fn, repeats)}
            rows.extend(seen.values())

    ops = []
    if backend == "torch" and torch_ops:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            model.train_on_batch(x, y)
        events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        ops = [{"op": e.key, "calls": e.count, "self_s": e.self_cpu_time_total / 1e6}
               for e in events[:torch_ops]]
    return {"backend": backend, "jit_compile": jit, "params": int(model.count_params()),
            "rows": rows, "torch_ops": ops}


def print_table(results: list[dict], top: int) -> None:
    print("| backend | kind | part / layer | class | input shape | n | ms each | total ms "
          "| share of step |")
    print("|---|---|---|---|---|---|---|---|---|")
    for result in results:
        backend = result.get("backend", "?")
        if "error" in result:
            print(f"| {backend} | error | {result['error']} | | | | | | |")
            continue
        step = result["rows"][0]["s"]
        layers = [r for r in result["rows"] if r["kind"] == "layer"]
        layers.sort(key=lambda r: r["s"] * r["n"], reverse=True)
        shown = [r for r in result["rows"] if r["kind"] != "layer"] + layers[:top]
        for r in shown:
            total = r["s"] * r["n"]
            shape = "x".join(str(d) for d in r["shape"][1:]) if r.get("shape") and \
                not isinstance(r["shape"][0], list) else ""
            print(f"| {backend}{' (jit)' if result['jit_compile'] else ''} | {r['kind']} "
                  f"| {r['name']} | {r.get('class', '')} | {shape} | {r['n']} "
                  f"| {r['s'] * 1e3:.1f} | {total * 1e3:.1f} | {total / step:.0%} |")
        if layers:
            rest = layers[top:]
            print(f"| {backend} | layer | (other {len(rest)} layers) | | | "
                  f"{sum(r['n'] for r in rest)} | | {sum(r['s'] * r['n'] for r in rest) * 1e3:.1f} "
                  f"| {sum(r['s'] * r['n'] for r in rest) / step:.0%} |")
            print(f"| {backend} | layer | (sum of all layers) | | | | | "
                  f"{sum(r['s'] * r['n'] for r in layers) * 1e3:.1f} "
                  f"| {sum(r['s'] * r['n'] for r in layers) / step:.0%} |")
        for op in result.get("torch_ops", []):
            print(f"| {backend} | aten op | {op['op']} | | | {op['calls']} | | "
                  f"{op['self_s'] * 1e3:.1f} | {op['self_s'] / step:.0%} |")
    print("\nms each: median forward + backward (training mode) of one call; total: times n; "
          "share: of the whole train_on_batch step (Adam included). Layers run alone, so "
          "their sum can exceed a compiled part's time.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet_gru_fusion")
    parser.add_argument("--preset", default="base")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per row (median)")
    parser.add_argument("--top", type=int, default=15, help="layers shown per backend")
    parser.add_argument("--no-layers", dest="layers", action="store_false",
                        help="only the step and the three parts")
    parser.add_argument("--torch-ops", type=int, nargs="?", const=15, default=0,
                        help="also the top N aten ops of one torch step (default N: 15)")
    parser.add_argument("--precision", default="float32", choices=PRECISIONS,
                        help="the Keras dtype policy to build the model under (zoo.build dtype)")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--cell", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cell:
        print(json.dumps(cell(args.model, args.preset, args.batch, args.repeats, args.layers,
                              args.torch_ops, args.precision)))
        return 0
    results = []
    for backend in args.backends:
        command = [sys.executable, __file__, "--cell", "--model", args.model, "--preset",
                   args.preset, "--batch", str(args.batch), "--repeats", str(args.repeats),
                   "--torch-ops", str(args.torch_ops), "--precision", args.precision,
                   *([] if args.layers else ["--no-layers"])]
        done = subprocess.run(command, env=cell_env(backend, args.threads), capture_output=True,
                              text=True)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            results.append({"backend": backend, "error": lines[-1] if lines else "failed"})
        else:
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"# {backend} done", file=sys.stderr, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print_table(results, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
