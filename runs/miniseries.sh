#!/usr/bin/env bash
# Upstream's miniseries: the same recipe at several depths (each at the depth dial's own horizon, 12 tokens per
# scaling parameter), for curves of val bpb and CORE against compute; one row of results.csv per depth.
#   bash runs/miniseries.sh [NAME]        # d12..d26 on 8 GPUs; NAME (default: today, e.g. dec07) labels the series
#   SKIP_SETUP=1 bash runs/miniseries.sh  # the shards and the tokenizer are there already
#   bash runs/miniseries.sh --smoke       # the same stages at toy size on a CPU, one rank (part of the test suite)
# Knobs (environment): DEPTHS ("12 14 16 18 20 22 24 26"), NPROC_PER_NODE (8), WANDB_RUN (NAME_miniseries).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SMOKE=0; SERIES_NAME="${SERIES_NAME:-$(date +%b%d | tr '[:upper:]' '[:lower:]')}"
for arg in "$@"; do
    case "$arg" in
        --smoke) SMOKE=1 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        -*) echo "runs/miniseries.sh: unknown option '$arg' (only --smoke)" >&2; exit 2 ;;
        *) SERIES_NAME="$arg" ;;
    esac
done
if [ "$SMOKE" = 0 ] && ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
    echo "runs/miniseries.sh needs NVIDIA GPUs (none found). On a CPU: bash runs/miniseries.sh --smoke (toy size)." >&2
    exit 1
fi
source runs/setup_env.sh ""     # (not this script's own arguments)
if [ "$SMOKE" = 1 ]; then
    export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$(mktemp -d /tmp/nanochat-smoke.XXXXXX)}"
    export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
    NPROC_PER_NODE=1; DEPTHS="${DEPTHS:-1 2}"; WANDB_RUN=dummy; SERIES_NAME=smoke
    TRAIN_FLAGS="--aspect-ratio=32 --head-dim=32 --max-seq-len=128 --window-pattern=L --device-batch-size=8
        --total-batch-size=1024 --num-iterations=4 --warmup-steps=1 --eval-tokens=2048 --core-metric-every=-1
        --compile=0"
    if [ ! -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.pkl" ]; then
        python -m nanochat.scripts.tok_train --vocab-size=512 --max-chars=3000000
    fi
else
    export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
    export OMP_NUM_THREADS=1
    NPROC_PER_NODE="${NPROC_PER_NODE:-8}"; DEPTHS="${DEPTHS:-12 14 16 18 20 22 24 26}"
    WANDB_RUN="${WANDB_RUN:-${SERIES_NAME}_miniseries}"
    TRAIN_FLAGS="--core-metric-every=999999 --core-metric-max-per-task=-1"
    if [ -z "${SKIP_SETUP:-}" ]; then
        python -m nanochat.dataset -n 1000
        python -m nanochat.scripts.tok_train --max-chars=2000000000 --vocab-size=32768
    fi
fi
RESULTS_DIR="$NANOCHAT_BASE_DIR/${SERIES_NAME}_miniseries_results"
RESULTS_FILE="$RESULTS_DIR/results.csv"
mkdir -p "$RESULTS_DIR"
if [ ! -f "$RESULTS_FILE" ]; then
    echo "depth,model_dim,num_params,num_scaling_params,num_iterations,tokens_trained,param_data_ratio,val_bpb,core_score,train_time_sec" \
        > "$RESULTS_FILE"
fi
log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')] $1"; }
log "== ${SERIES_NAME} miniseries: depths $DEPTHS"
for d in $DEPTHS; do
    TAG="${SERIES_NAME}_miniseries_d${d}"
    RUN="${WANDB_RUN}_d${d}"; [ "$WANDB_RUN" = dummy ] && RUN=dummy
    DBS=""
    if [ "$SMOKE" = 0 ]; then          # upstream's per-depth micro-batch, against running out of memory
        if [ "$d" -ge 28 ]; then DBS="--device-batch-size=8"; elif [ "$d" -ge 20 ]; then DBS="--device-batch-size=16"
        else DBS="--device-batch-size=32"; fi
    fi
    log "   d$d"
    START=$(date +%s)
    # shellcheck disable=SC2086  # word lists
    torchrun --standalone --nproc_per_node="$NPROC_PER_NODE" -m nanochat.scripts.base_train -- \
        --depth="$d" --run="$RUN" --model-tag="$TAG" --sample-every=-1 --save-every=-1 $TRAIN_FLAGS $DBS \
        > "$RESULTS_DIR/${TAG}_train.log" 2>&1 \
        || { echo "base_train failed at d$d; its log: $RESULTS_DIR/${TAG}_train.log" >&2
             tail -20 "$RESULTS_DIR/${TAG}_train.log" >&2; exit 1; }
    python - "$NANOCHAT_BASE_DIR/base_checkpoints/$TAG" $(( $(date +%s) - START )) >> "$RESULTS_FILE" <<'PY'
import sys
from nanochat.scaling import run_record
r = run_record(sys.argv[1], flops_budget=0, train_time_sec=float(sys.argv[2]))
scaling = r["params_transformer"] + r["params_lm_head"]
print(f"{r['depth']},{r['model_dim']},{r['params_total']},{scaling},{r['num_iterations']},"
      f"{r['tokens_trained']},{r['tokens_trained'] / scaling:.2f},{r['val_bpb']},{r['core_score']},"
      f"{r['train_time_sec']}")
PY
    log "   d$d: $(tail -1 "$RESULTS_FILE")"
done
log "== ${SERIES_NAME} miniseries done: $RESULTS_FILE"
column -t -s, "$RESULTS_FILE"
