#!/usr/bin/env bash
# The main job on a CPU: bash runs/runcpu.sh
# Sets up .venv (CPU torch where there is no CUDA), then runs the pipeline on the embedded corpus.
# It must always finish on a 2-core CPU within ~30 minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source runs/setup_env.sh
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
SECONDS=0

echo "== 1/6 environment: device, dtype, ranks, base dir, peak FLOPs"
python -m nanochat.common

echo "== 2/6 pretraining data: verify the embedded corpus and show what training will read"
python -m nanochat.scripts.prepare_embedded --verify

echo "== 3/6 tokenizer: train on the training shards"
python -m nanochat.scripts.tok_train --vocab-size=8192

echo "== 4/6 tokenizer: compression by kind of text"
python -m nanochat.scripts.tok_eval

echo "== 5/6 pretraining: a depth-4 model on the embedded corpus (about 10 minutes on 2 CPU cores)"
python -m nanochat.scripts.base_train --depth=4 --head-dim=64 --window-pattern=L --max-seq-len=512 \
    --device-batch-size=8 --total-batch-size=4096 --num-iterations=300 --warmup-steps=40 \
    --eval-every=50 --eval-tokens=32768 --sample-every=100000 --core-metric-every=-1

echo "== 6/6 base model evaluation: bits per byte on both splits, and samples"
python -m nanochat.scripts.base_eval --eval=bpb,sample --device-batch-size=8 --split-tokens=65536

# Next stages (CORE, SFT, chat) are added by their notebooks' issues.
echo "== done in ${SECONDS}s"
