#!/usr/bin/env bash
# The test command: bash runs/test.sh
#  1. makes .venv (with the dev extra) if missing;
#  2. checks that the package is exactly what the notebooks export (nbdev-export + nbdev-clean change nothing);
#  3. runs every notebook in nbs/ as one pytest test, honouring the notebook flags.
# Flags: `slow` and `net` cells run by default; `cuda` cells run when a GPU is present.
# NANOCHAT_TEST_FLAGS overrides the default ("slow net"), e.g. NANOCHAT_TEST_FLAGS="" for a quick offline run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source runs/setup_env.sh dev
echo "[test] checking that notebooks and package are in sync"
python tests/check_sync.py
echo "[test] running the notebooks"
python -m pytest tests -q "$@"
