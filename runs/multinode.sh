#!/usr/bin/env bash
# The speedrun's stages on several nodes. Run the same command on every node, each with its own NODE_RANK:
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=node0 bash runs/multinode.sh      # on node0
#   NNODES=2 NODE_RANK=1 MASTER_ADDR=node0 bash runs/multinode.sh      # on node1
#   NNODES=2 NODE_RANK=R MASTER_ADDR=node0 bash runs/multinode.sh nanochat.scripts.base_train --depth=12   # one stage
# Every stage is launched with torchrun --nnodes=$NNODES --node-rank=$NODE_RANK --nproc-per-node=$NPROC_PER_NODE
# --rdzv-backend=c10d --rdzv-endpoint=$MASTER_ADDR:$MASTER_PORT: the nodes meet at node0's port, ranks are
# numbered across nodes (global ranks 0..NNODES*NPROC_PER_NODE-1), and each stage starts only when all have joined.
#
# Base dir: NANOCHAT_BASE_DIR must be one shared directory (NFS or the like) on every node, at the same path. Rank 0
# writes the model, the meta file, the report and the tokenizer; every rank writes its own optimizer shard
# (optim_STEP_rankR.pt) and reads the checkpoint back on --resume-from-step. The data and the tokenizer are made
# once, by node 0; the other nodes wait for the tokenizer to appear. (Per-node disks work for training only if you
# copy the shards and the tokenizer to each node first and every checkpoint back before a resume.)
#
# When a node dies: the other ranks' next collective fails (gloo: the connection is closed; NCCL: its watchdog
# aborts), the surviving torchruns exit non-zero with the failed rank named, and nothing is left half-written (a
# step counts only once its meta file exists). Restart every node with the same command plus
# --resume-from-step=STEP (the last saved step, --save-every to have one): the resume is exact (09_base_train).
# MAX_RESTARTS>0 lets torchrun restart the group itself when a node comes back within the rendezvous timeout.
#
# Knobs (environment): NNODES (2), NODE_RANK, MASTER_ADDR, MASTER_PORT (29500), NPROC_PER_NODE (8), RDZV_ID
# (nanochat), MAX_RESTARTS (0), DEPTH (24), RATIO (8), DEVICE_BATCH_SIZE (16), NUM_SHARDS (170), WANDB_RUN (dummy), FP8 (0).
# On CPUs (gloo; the loopback rehearsal of 09c_multinode): NPROC_PER_NODE=1 and one stage at a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${NODE_RANK:?set NODE_RANK (0 on the node at MASTER_ADDR, 1..NNODES-1 on the others)}"
: "${MASTER_ADDR:?set MASTER_ADDR (the host name or address of node 0, reachable from every node)}"
NNODES="${NNODES:-2}"; MASTER_PORT="${MASTER_PORT:-29500}"; NPROC_PER_NODE="${NPROC_PER_NODE:-8}"
RDZV_ID="${RDZV_ID:-nanochat}"; MAX_RESTARTS="${MAX_RESTARTS:-0}"
source runs/setup_env.sh ""     # (not this script's own arguments)
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
LAUNCH=(torchrun --nnodes="$NNODES" --node-rank="$NODE_RANK" --nproc-per-node="$NPROC_PER_NODE"
        --rdzv-backend=c10d --rdzv-endpoint="$MASTER_ADDR:$MASTER_PORT" --rdzv-id="$RDZV_ID"
        --max-restarts="$MAX_RESTARTS" -m)
if [ $# -gt 0 ]; then                       # one stage: a module and its flags
    module="$1"; shift
    exec "${LAUNCH[@]}" "$module" -- "$@"
fi

if ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
    echo "runs/multinode.sh runs the speedrun's stages on NVIDIA GPUs (none found here). On CPUs, launch one stage" >&2
    echo "at a time: NPROC_PER_NODE=1 ... bash runs/multinode.sh nanochat.scripts.base_train --depth=2 ..." >&2
    exit 1
fi
DEPTH="${DEPTH:-24}"; RATIO="${RATIO:-8}"; DEVICE_BATCH_SIZE="${DEVICE_BATCH_SIZE:-16}"
NUM_SHARDS="${NUM_SHARDS:-170}"; WANDB_RUN="${WANDB_RUN:-dummy}"
FP8_FLAG=""; [ "${FP8:-0}" = 1 ] && FP8_FLAG="--fp8"       # as in runs/speedrun.sh: bf16 unless FP8=1
TOKENIZER="$NANOCHAT_BASE_DIR/tokenizer/tokenizer.pkl"
if [ "$NODE_RANK" = 0 ]; then
    python -m nanochat.report reset
    python -m nanochat.dataset -n "$NUM_SHARDS"
    [ -f "$TOKENIZER" ] || python -m nanochat.scripts.tok_train --vocab-size=32768 --max-chars=2000000000
else
    echo "node $NODE_RANK: waiting for node 0's shards and tokenizer in $NANOCHAT_BASE_DIR (a shared directory)"
    while [ ! -f "$TOKENIZER" ]; do sleep 10; done
fi
"${LAUNCH[@]}" nanochat.scripts.base_train -- --depth="$DEPTH" --target-param-data-ratio="$RATIO" \
    --device-batch-size="$DEVICE_BATCH_SIZE" $FP8_FLAG --run="$WANDB_RUN"
"${LAUNCH[@]}" nanochat.scripts.base_eval -- --device-batch-size="$DEVICE_BATCH_SIZE"
"${LAUNCH[@]}" nanochat.scripts.chat_sft -- --run="$WANDB_RUN"
"${LAUNCH[@]}" nanochat.scripts.chat_eval -- -i sft
if [ "$NODE_RANK" = 0 ]; then python -m nanochat.report generate; fi
