#!/usr/bin/env bash
# Several experiment runs side by side on one GPU machine, then one table of their figures.
# Seeds and variants of a small model each use a sliver of a GPU, so one machine runs many at
# once; what a variant does to the real-clip figures needs several seeds to tell.
#
#   benchmarks/gpu_runs.sh RUNS_FILE OUT_DIR [PARALLEL] [TOTAL_SECONDS]   (Python: $PYTHON, else python3)
#
# RUNS_FILE: one run per line, the arguments of `python -m keras_vis run` (blank lines and lines
# starting with # are skipped), e.g.
#   experiments/motion_lag_fusion_mixed_small.toml --backend jax --set train.seed=1
# PARALLEL runs (default 4) go at once; a run still going TOTAL_SECONDS (default 480) after the
# start is stopped (run the same line again to resume it). Runs that need the same dataset or
# clip cache wait for the first to make it (locks in `run`), so a fresh machine makes each once.
# Each run's row goes to OUT_DIR/results.csv, its folder under RUNS_DIR (default runs) and, with
# every folder of this call's runs (without checkpoints unless KEEP_MODELS=1), into
# OUT_DIR/runs.tar.gz; the logs go to OUT_DIR/logs.tar.gz (logs/N.log for line N). The last lines
# print every finished run's figures.
set -u
RUNS_FILE=$(cd "$(dirname "${1:?usage: benchmarks/gpu_runs.sh RUNS_FILE OUT_DIR [PARALLEL] [TOTAL_SECONDS]}")" && pwd)/$(basename "$1")
OUT_DIR=$(mkdir -p "${2:?usage: benchmarks/gpu_runs.sh RUNS_FILE OUT_DIR [PARALLEL] [TOTAL_SECONDS]}" && cd "$2" && pwd)
PARALLEL=${3:-4}
TOTAL=${4:-480}
RUNS_DIR=${RUNS_DIR:-runs}
PY=${PYTHON:-python3}
cd "$(dirname "$0")/.."
# Each JAX process takes GPU memory as it needs it, not three quarters of it up front.
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3 XLA_PYTHON_CLIENT_PREALLOCATE=false
mkdir -p "$OUT_DIR/logs"
left() { echo $((TOTAL - SECONDS)); }

nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
export KERAS_BACKEND=${KERAS_BACKEND:-jax}

grep -v '^[[:space:]]*\(#\|$\)' "$RUNS_FILE" > "$OUT_DIR/runs.txt"
n=0
while read -r line; do
  n=$((n + 1))
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n; done
  echo "== run $n ($(left) s left): $line"
  # shellcheck disable=SC2086  # the line is a list of arguments
  (timeout $(( $(left) > 30 ? $(left) - 20 : 10 )) $PY -m keras_vis run $line \
     --runs-dir "$RUNS_DIR" --results "$OUT_DIR/results.csv" > "$OUT_DIR/logs/$n.log" 2>&1;
   echo "   run $n exited $? ($(left) s left)") &
done < "$OUT_DIR/runs.txt"
wait
# One archive each, not a file tree: a GPU machine may hand back only a few files, and run
# folders are named with the "+" and "=" of their overrides. Checkpoints stay out
# (KEEP_MODELS=1 keeps them): a base one is over 100 MB.
# Only the folders of this call's runs (newer than its list of runs).
find "$RUNS_DIR" -mindepth 2 -maxdepth 2 -type d -newer "$OUT_DIR/runs.txt" -print0 \
  | tar -czf "$OUT_DIR/runs.tar.gz" $([ "${KEEP_MODELS:-0}" = 1 ] || echo --exclude='*.keras') --null -T -
tar -czf "$OUT_DIR/logs.tar.gz" -C "$OUT_DIR" logs runs.txt && rm -r "$OUT_DIR/logs" "$OUT_DIR/runs.txt"
rm -f "$OUT_DIR/results.csv.lock"
$PY - "$OUT_DIR/results.csv" <<'EOF'
import csv, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
except FileNotFoundError:
    sys.exit("no run finished")
cols = ("experiment", "device", "seed", "test_accuracy", "test_auc", "real_balanced_accuracy", "real_auc",
        "real_within_clip", "real_offset_ok", "footage_balanced_accuracy", "footage_auc",
        "overrides", "train_time_s")
print("| " + " | ".join(cols) + " |")
for row in rows:
    print("| " + " | ".join(str(row.get(c, "")) for c in cols) + " |")
EOF
