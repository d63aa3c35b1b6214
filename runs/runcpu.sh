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

echo "== 1/4 environment: device, dtype, ranks, base dir, peak FLOPs"
python -m nanochat.common

echo "== 2/4 pretraining data: verify the embedded corpus and show what training will read"
python -m nanochat.scripts.prepare_embedded --verify

echo "== 3/4 tokenizer: train on the training shards"
python -m nanochat.scripts.tok_train --vocab-size=8192

echo "== 4/4 tokenizer: compression by kind of text"
python -m nanochat.scripts.tok_eval

# Next stages (base_train -> base_eval -> chat) are added by their notebooks' issues.
echo "== done in ${SECONDS}s"
