#!/usr/bin/env bash
# The test command: bash runs/test.sh
#  1. makes .venv (with the dev extra) if missing;
#  2. checks that the package is exactly what the notebooks export (nbdev-export + nbdev-clean change nothing),
#     and lints both with ruff (pyproject.toml's [tool.ruff]);
#  3. installs Chromium for the browser tests when missing and possible;
#  4. runs every notebook in nbs/ as one pytest test (two at a time), honouring the notebook flags.
# Flags: `slow`, `net` and `browser` cells run by default (`browser` only when Chromium is installed: step 3 installs
# Debian's chromium when it runs as root and apt-get can); `cuda` cells run when a GPU is present.
# NANOCHAT_TEST_FLAGS overrides the default ("slow net browser"), e.g. NANOCHAT_TEST_FLAGS="" for a quick offline run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source runs/setup_env.sh dev
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    # the browser tests of 17_chat_web drive Debian's Chromium; without it their cells are skipped (and listed)
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "[test] installing Chromium (Debian's chromium package) for the browser tests"
        { apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; } \
            || echo "[test] apt-get could not install chromium: the browser cells will be skipped"
    else
        echo "[test] no Chromium, and no root apt-get to install it: the browser cells will be skipped (sudo apt-get install chromium)"
    fi
fi
echo "[test] checking that notebooks and package are in sync"
python tests/check_sync.py
echo "[test] ruff: lines of at most 100 characters, no unused imports or variables, no undefined names"
ruff check nbs nanochat
echo "[test] running the notebooks"
# two workers: the notebooks are independent (each has its own scratch base dir) and many of their cells wait on
# subprocesses, servers and a browser, so two at a time fill two cores (12 minutes instead of 17 for the full run)
# (one test at a time to whichever worker is free; the longest first, in the order tests/conftest.py gives)
python -m pytest tests -q -n 2 --maxschedchunk 1 "$@"
