#!/usr/bin/env bash
# Upstream's IsoFLOP sweep: for each compute budget, base_train at each depth with --target-flops (the
# horizon set by the budget, not by a tokens-per-parameter ratio), one row of results.csv per run.
# Runs already in the CSV are skipped, so a stopped sweep resumes where it stopped.
#   bash runs/scaling_laws.sh            # upstream's grid on 8 GPUs: 1e18..1e19 FLOPs x d10..d20
#   bash runs/scaling_laws.sh --cpu      # this project's CPU grid (about 20 minutes on 2 cores, its own base dir)
#   bash runs/scaling_laws.sh --smoke    # the same stages at toy size, in seconds (part of the test suite)
#   python -m nanochat.scaling summary --csv .../results.csv --plot isoflops.png   # the fit (09a_scaling_laws)
# Knobs (environment): LABEL (jan26), FLOPS_BUDGETS ("1e18 2.15e18 4.64e18 1e19"), DEPTHS ("10 12 14 16 18 20"),
# NPROC_PER_NODE (8), WANDB_RUN (scaling_$LABEL).
# Needs (GPU grid): NVIDIA GPUs, and the shards and tokenizer of runs/speedrun.sh (its first stages).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MODE=gpu
for arg in "$@"; do
    case "$arg" in
        --cpu) MODE=cpu ;;
        --smoke) MODE=smoke ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "runs/scaling_laws.sh: unknown argument '$arg' (--cpu or --smoke)" >&2; exit 2 ;;
    esac
done
if [ "$MODE" = gpu ] && ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
    echo "runs/scaling_laws.sh needs NVIDIA GPUs for upstream's grid (none found). On a CPU: --cpu (a small grid," >&2
    echo "about 20 minutes) or --smoke (toy size, seconds)." >&2
    exit 1
fi
source runs/setup_env.sh ""     # (not this script's own arguments)
LABEL="${LABEL:-jan26}"
case "$MODE" in
    gpu)
        export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
        export OMP_NUM_THREADS=1
        FLOPS_BUDGETS="${FLOPS_BUDGETS:-1e18 2.15e18 4.64e18 1e19}"
        DEPTHS="${DEPTHS:-10 12 14 16 18 20}"
        NPROC_PER_NODE="${NPROC_PER_NODE:-8}"
        SHAPE=""
        EVAL="--eval-tokens=$((100 * 524288)) --core-metric-every=999999 --core-metric-max-per-task=-1" ;;
    cpu|smoke)
        # its own base dir: the sweep's small tokenizer must not replace the one of your other runs
        export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat/scaling_$MODE}"
        export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
        NPROC_PER_NODE=1
        # depth d is width 32d here (upstream: 64d), so that four depths fit a CPU's budgets
        SHAPE="--aspect-ratio=32 --head-dim=32 --max-seq-len=128 --window-pattern=L --device-batch-size=32
            --total-batch-size=4096 --warmup-steps=5 --compile=0"
        EVAL="--eval-tokens=16384 --core-metric-every=-1"
        if [ "$MODE" = cpu ]; then
            FLOPS_BUDGETS="${FLOPS_BUDGETS:-1e12 2.5e12 6e12}"; DEPTHS="${DEPTHS:-1 2 3 4}"; LABEL=cpu
        else
            FLOPS_BUDGETS="${FLOPS_BUDGETS:-2e10 4e10}"; DEPTHS="${DEPTHS:-1 2 3}"; LABEL=smoke
            SHAPE="$SHAPE --total-batch-size=1024 --device-batch-size=8"; EVAL="--eval-tokens=2048 --core-metric-every=-1"
        fi
        if [ ! -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.pkl" ]; then
            echo "== a 512-token tokenizer on the embedded corpus, in $NANOCHAT_BASE_DIR"
            python -m nanochat.scripts.tok_train --vocab-size=512 --max-chars=3000000
        fi ;;
esac
WANDB_RUN="${WANDB_RUN:-scaling_${LABEL}}"
[ "$MODE" = gpu ] || WANDB_RUN="${WANDB_RUN_CPU:-dummy}"
RESULTS_DIR="$NANOCHAT_BASE_DIR/scaling_laws_results_${LABEL}"
RESULTS_FILE="$RESULTS_DIR/results.csv"
mkdir -p "$RESULTS_DIR"
log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')] $1"; }

for flops in $FLOPS_BUDGETS; do
    log "== compute budget: $flops FLOPs"
    for d in $DEPTHS; do
        if python -m nanochat.scaling has --csv "$RESULTS_FILE" --flops "$flops" --depth "$d"; then
            log "   d$d at $flops FLOPs: already in $RESULTS_FILE, skipped"; continue
        fi
        TAG="scaling_${flops}_d${d}"
        DBS=""
        if [ "$MODE" = gpu ]; then        # upstream's per-depth micro-batch, against running out of memory
            if [ "$d" -ge 28 ]; then DBS="--device-batch-size=8"; elif [ "$d" -ge 20 ]; then DBS="--device-batch-size=16"
            else DBS="--device-batch-size=32"; fi
        fi
        RUN="${WANDB_RUN}_${TAG}"; [ "$WANDB_RUN" = dummy ] && RUN=dummy      # dummy: no wandb
        log "   d$d at $flops FLOPs"
        START=$(date +%s)
        # shellcheck disable=SC2086  # word lists
        torchrun --standalone --nproc_per_node="$NPROC_PER_NODE" -m nanochat.scripts.base_train -- \
            --depth="$d" --target-flops="$flops" --target-param-data-ratio=-1 --run="$RUN" \
            --model-tag="$TAG" --sample-every=-1 --save-every=-1 $SHAPE $EVAL $DBS \
            > "$RESULTS_DIR/${TAG}_train.log" 2>&1 \
            || { echo "base_train failed for d$d at $flops FLOPs; its log: $RESULTS_DIR/${TAG}_train.log" >&2
                 tail -20 "$RESULTS_DIR/${TAG}_train.log" >&2; exit 1; }
        python -m nanochat.scaling record --csv "$RESULTS_FILE" --flops "$flops" --time $(( $(date +%s) - START )) \
            --checkpoint-dir "$NANOCHAT_BASE_DIR/base_checkpoints/$TAG"
    done
done
log "== sweep done: $RESULTS_FILE"
python -m nanochat.scaling summary --csv "$RESULTS_FILE" --plot "$RESULTS_DIR/isoflops.png"
