"""Every notebook in nbs/ is one test: its cells run top to bottom, as `nbdev-test` would run them.

Cells flagged with one of `tst_flags` (pyproject.toml) are skipped unless the flag is requested:
NANOCHAT_TEST_FLAGS (default "slow net") lists the flags to run; `cuda` is added when a GPU is present.
"""
import os
from pathlib import Path

import pytest
import torch
from nbdev.config import get_config
from nbdev.test import test_nb as _run_notebook  # renamed: pytest would collect a `test_*` name

ROOT = Path(__file__).resolve().parents[1]
CFG = get_config(ROOT)
NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))
SKIP_FLAGS = CFG.tst_flags.split() if isinstance(CFG.tst_flags, str) else list(CFG.tst_flags)
FORCE_FLAGS = os.environ.get("NANOCHAT_TEST_FLAGS", "slow net").split() + (["cuda"] if torch.cuda.is_available() else [])


def test_found_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {ROOT / 'nbs'}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook(nb):
    ok, secs = _run_notebook(nb, skip_flags=SKIP_FLAGS, force_flags=FORCE_FLAGS, basepath=str(ROOT))
    assert ok, f"{nb.name} failed after {secs:.1f}s (its traceback is in the captured stderr above)"
