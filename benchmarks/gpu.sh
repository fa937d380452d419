#!/usr/bin/env bash
# The README's GPU figures in one go, on a machine with one NVIDIA GPU where PyTorch and JAX see
# it (issue 12, section 5). Within TOTAL_SECONDS (default 480), in this order:
#   1. resnet_gru_fusion at base, batch BASE_BATCH (4): training samples/s on the torch and jax
#      backends under each of PRECISIONS (mixed_bfloat16), against the plain-PyTorch reference
#      (float32 and autocast bfloat16) timed in the same run (benchmarks/train_step.py ->
#      OUT_DIR/train_step.json);
#   2. one real run of experiments/resnet_gru_fusion_sync_base.toml (in mixed_bfloat16 unless
#      RUN_SET says otherwise) on the faster backend of (1), with as many epochs (at most the
#      config's 30) as the time left allows: the cosine schedule is set for that count, and the
#      results row is named with it; the real clips are scored if ../shared/data/real-clips exists;
#   3. the loader feeding a base step against the same step on in-memory arrays
#      (benchmarks/loader.py), in what time is left.
# The synthetic recordings are generated and cached in the background during (1), on the CPUs
# that the timed processes leave (nice 19).
#
#   benchmarks/gpu.sh OUT_DIR [TOTAL_SECONDS]          (Python: $PYTHON, else python3)
# Environment: PRECISIONS (step 1's policies), BASE_BATCH (step 1's batch, default 4: the
# issue's shape; at 32 an H200 is busy and the JAX / reference ratio was the same, 0.9x), RUN_SET (step 2's --set KEY=VALUE besides
# its epochs and workers; default "train.precision=mixed_bfloat16"; e.g. RUN_SET=
# "train.learning_rate=2e-4" for a float32 run at another learning rate).
set -u
OUT_DIR=$(mkdir -p "${1:?usage: benchmarks/gpu.sh OUT_DIR [TOTAL_SECONDS]}" && cd "$1" && pwd)
TOTAL=${2:-480}
PRECISIONS=${PRECISIONS:-mixed_bfloat16}
BASE_BATCH=${BASE_BATCH:-4}
RUN_SET=${RUN_SET-train.precision=mixed_bfloat16}
PY=${PYTHON:-python3}
DATA=data/synthetic-v2-160
cd "$(dirname "$0")/.."
# torch for the commands that only need Keras' data utilities: a GPU image may lack TensorFlow.
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3 KERAS_BACKEND=${KERAS_BACKEND:-torch}
left() { echo $((TOTAL - SECONDS)); }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$PY -c 'import sys, torch, keras; print("python", sys.version.split()[0], "torch", torch.__version__, "keras", keras.__version__)'
$PY -c 'import jax; print("jax", jax.__version__, jax.devices())' || echo "jax: not usable"

# The experiment's own dataset (the config's [data.dataset.synthetic]) and its base clip cache.
(nice -n 19 $PY -m keras_vis generate "$DATA" --recordings 160 --seconds 12 --seed 0 --style v2 \
   --quiet && nice -n 19 $PY -m keras_vis prepare "$DATA" --preset base --quiet) \
  > "$OUT_DIR/data.log" 2>&1 &
DATA_PID=$!

echo "== 1. train step, base, batch $BASE_BATCH ($(left) s left)"
$PY benchmarks/train_step.py --models resnet_gru_fusion --backends torch jax --no-tiny \
  --base-backend torch jax --base-batch "$BASE_BATCH" --threads 0 --precision $PRECISIONS \
  --warmup 3 --min-steps 10 --min-seconds 5 --json "$OUT_DIR/train_step.json"

wait $DATA_PID || { echo "data generation failed:"; tail -5 "$OUT_DIR/data.log"; exit 1; }
echo "== 2. a real base run ($(left) s left)"
# The faster backend, and the epochs that fit in the time left but the loader's share (150 s) and
# the run's compilation and scoring (90 s). On an H200 an epoch (1,344 pairs at batch 8, then the
# validation pairs) took 4 s where step 1 timed 151 samples/s at batch 4: the estimate below,
# one epoch's pairs at step 1's rate, is on the safe side.
read -r BACKEND EPOCHS < <($PY - "$OUT_DIR/train_step.json" $(( $(left) - 240 )) <<'EOF'
import json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if "samples_per_s" in c]
best = max(cells, key=lambda c: c["samples_per_s"])
seconds_per_epoch = 160 * 0.7 * 12 / best["samples_per_s"]
print(best["backend"], max(1, min(30, int(float(sys.argv[2]) / seconds_per_epoch))))
EOF
)
echo "backend $BACKEND, $EPOCHS epochs"
timeout $(( $(left) - 90 )) $PY -m keras_vis run experiments/resnet_gru_fusion_sync_base.toml \
  --backend "$BACKEND" $(for kv in $RUN_SET; do printf -- '--set %s ' "$kv"; done) \
  --set train.epochs="$EPOCHS" --set train.workers=8
RUN=$(ls -td runs/resnet_gru_fusion_sync_base*/"$BACKEND"-* 2>/dev/null | head -1)
for f in metrics.json history.csv real_clips.json config.json; do
  [ -f "$RUN/$f" ] && cp "$RUN/$f" "$OUT_DIR/run_$f"
done

echo "== 3. the loader at base ($(left) s left)"
timeout $(( $(left) - 10 )) $PY benchmarks/loader.py --backend "$BACKEND" --recordings 8 \
  --step-presets base --base-steps 10 --workers 8 --batches 20 --rounds 2 --decode-clips 8
echo "== done ($(left) s left)"
