#!/usr/bin/env bash
# Upstream's GPT-2-grade speedrun on one 8xGPU node (8xH100 80GB: about 3 hours), with this project's modules.
#   bash runs/speedrun.sh                 # WANDB_RUN=name bash runs/speedrun.sh to log to wandb
# Needs: NVIDIA GPUs, internet (Hugging Face for the shards, S3 for the CORE bundle), ~30 GB of disk.
# Knobs (environment): NPROC_PER_NODE (8), DEPTH (24), RATIO (8), DEVICE_BATCH_SIZE (16), NUM_SHARDS (150).
# Not run in CI and not runnable on a CPU: see runs/runcpu.sh for the CPU pipeline.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "runs/speedrun.sh needs NVIDIA GPUs (none found). On a CPU run: bash runs/runcpu.sh" >&2; exit 1
fi
source runs/setup_env.sh
export OMP_NUM_THREADS=1
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
NPROC_PER_NODE="${NPROC_PER_NODE:-8}"
DEPTH="${DEPTH:-24}"
RATIO="${RATIO:-8}"                          # tokens per scaling parameter: d24 at 8 -> 5.84B tokens, 5,568 steps
DEVICE_BATCH_SIZE="${DEVICE_BATCH_SIZE:-16}"  # per GPU; the total batch (2^20 tokens at d24) is reached by accumulation
NUM_SHARDS="${NUM_SHARDS:-150}"              # ~250M chars (~50M tokens) per shard: 5.84B tokens need ~120, plus margin
WANDB_RUN="${WANDB_RUN:-dummy}"
SECONDS=0

echo "== environment"
python -m nanochat.common

echo "== data: 8 shards for the tokenizer now, the rest in the background"
python -m nanochat.dataset -n 8
python -m nanochat.dataset -n "$NUM_SHARDS" &
DATASET_PID=$!

echo "== tokenizer: 32,768 tokens on 2B characters"
python -m nanochat.scripts.tok_train --max-chars=2000000000 --vocab-size=32768
python -m nanochat.scripts.tok_eval

echo "== waiting for the pretraining shards"
wait $DATASET_PID

echo "== pretraining d${DEPTH} on ${NPROC_PER_NODE} GPUs"
torchrun --standalone --nproc_per_node="$NPROC_PER_NODE" -m nanochat.scripts.base_train -- \
    --depth="$DEPTH" --target-param-data-ratio="$RATIO" --device-batch-size="$DEVICE_BATCH_SIZE" --run="$WANDB_RUN"

echo "== base model evaluation: CORE (upstream's bundle), bits per byte, samples"
torchrun --standalone --nproc_per_node="$NPROC_PER_NODE" -m nanochat.scripts.base_eval -- \
    --device-batch-size="$DEVICE_BATCH_SIZE"

# Next stages (SFT, RL, chat) are added by their notebooks' issues.
echo "== done in ${SECONDS}s"
