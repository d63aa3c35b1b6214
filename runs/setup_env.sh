#!/usr/bin/env bash
# Sourced by runs/runcpu.sh and runs/test.sh: make .venv if missing, install what the project needs, activate it.
#   source runs/setup_env.sh        # runtime dependencies
#   source runs/setup_env.sh dev    # plus the dev extra (nbdev, jupyterlab, pytest, hypothesis)
# Re-runs are fast: the install is skipped while pyproject.toml is unchanged since the last one.
set -euo pipefail
NANOCHAT_EXTRA="${1:-}"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "[setup] creating .venv with $($PYTHON --version 2>&1)"
    "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
STAMP_HASH=$(sha256sum pyproject.toml | cut -c1-16)
stamp_for() { echo ".venv/.nanochat-installed-$1-$STAMP_HASH"; }
if [ -e "$(stamp_for dev)" ] || { [ -z "$NANOCHAT_EXTRA" ] && [ -e "$(stamp_for runtime)" ]; }; then
    return 0 2>/dev/null || exit 0
fi
SETUP_LOG=.venv/setup.log
: > "$SETUP_LOG"
pip_install() {  # quiet pip; its full output is shown only when it fails
    if ! python -m pip install "$@" >>"$SETUP_LOG" 2>&1; then
        cat "$SETUP_LOG" >&2; echo "[setup] pip install $* failed (log above, also in $SETUP_LOG)" >&2; return 1
    fi
}
pip_install --upgrade pip
if ! python -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        echo "[setup] CUDA found: installing torch (CUDA build)"
        pip_install "torch>=2.8"
    else
        # No CUDA: take the CPU wheel (a bare `torch` requirement would pull a multi-GB CUDA build).
        echo "[setup] no CUDA: installing the CPU build, ${NANOCHAT_TORCH_SPEC:-torch==2.13.0}"
        pip_install "${NANOCHAT_TORCH_SPEC:-torch==2.13.0}"
    fi
fi
if [ "$NANOCHAT_EXTRA" = "dev" ]; then
    echo "[setup] installing nanochat (editable) with the dev extra"
    pip_install -e ".[dev]"
else
    echo "[setup] installing nanochat (editable)"
    pip_install -e .
fi
rm -f .venv/.nanochat-installed-*
touch "$(stamp_for "${NANOCHAT_EXTRA:-runtime}")"
