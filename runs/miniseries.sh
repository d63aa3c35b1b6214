#!/usr/bin/env bash
# A miniseries: the same recipe at several depths, for scaling curves (val bpb and CORE against compute).
#   bash runs/miniseries.sh               # DEPTHS="10 12 14" NPROC_PER_NODE=8 WANDB_RUN=name bash runs/miniseries.sh
# Needs: NVIDIA GPUs and the data and tokenizer of runs/speedrun.sh (run it first, or its first stages).
# Each depth gets its own checkpoint tag (mini_d<depth>) and CORE CSV; a summary table is printed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "runs/miniseries.sh needs NVIDIA GPUs (none found)." >&2; exit 1
fi
source runs/setup_env.sh
export OMP_NUM_THREADS=1
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
NPROC_PER_NODE="${NPROC_PER_NODE:-8}"
DEPTHS="${DEPTHS:-10 12 14 16 18 20}"
RATIO="${RATIO:-12}"                         # upstream's default tokens per scaling parameter
DEVICE_BATCH_SIZE="${DEVICE_BATCH_SIZE:-16}"
WANDB_RUN="${WANDB_RUN:-dummy}"
if [ ! -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.pkl" ]; then
    echo "No tokenizer in $NANOCHAT_BASE_DIR: run the data and tokenizer stages of runs/speedrun.sh first." >&2; exit 1
fi
SUMMARY="$NANOCHAT_BASE_DIR/miniseries.tsv"
printf "depth\tval_bpb\tcore\n" > "$SUMMARY"
for d in $DEPTHS; do
    tag="mini_d${d}"; run="dummy"; [ "$WANDB_RUN" != "dummy" ] && run="${WANDB_RUN}_d${d}"
    echo "== d${d}: pretraining"
    torchrun --standalone --nproc_per_node="$NPROC_PER_NODE" -m nanochat.scripts.base_train -- \
        --depth="$d" --target-param-data-ratio="$RATIO" --device-batch-size="$DEVICE_BATCH_SIZE" \
        --model-tag="$tag" --run="$run"
    echo "== d${d}: evaluation"
    torchrun --standalone --nproc_per_node="$NPROC_PER_NODE" -m nanochat.scripts.base_eval -- \
        --model-tag="$tag" --device-batch-size="$DEVICE_BATCH_SIZE" --eval=core,bpb
    step=$(python -c "from nanochat.checkpoint_manager import find_last_step; import os; print(find_last_step(os.path.join('$NANOCHAT_BASE_DIR', 'base_checkpoints', '$tag')))")
    python - "$tag" "$step" "$d" >> "$SUMMARY" <<'PY'
import json, os, sys
tag, step, depth = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = os.environ["NANOCHAT_BASE_DIR"]
meta = json.load(open(os.path.join(base, "base_checkpoints", tag, f"meta_{step:06d}.json")))
core = [l.split(",")[-1].strip() for l in open(os.path.join(base, "base_eval", f"base_model_{step:06d}.csv")) if l.startswith("CORE")]
print(f"{depth}\t{meta['val_bpb']:.6f}\t{core[0] if core else 'n/a'}")
PY
done
echo "== summary ($SUMMARY)"; column -t "$SUMMARY"
