"""Every notebook in nbs/ is one test: its cells run top to bottom, as `nbdev-test` would run them.

Cells flagged with one of `tst_flags` (pyproject.toml) are skipped unless the flag is requested:
NANOCHAT_TEST_FLAGS (default "slow net browser") lists the flags to run; `cuda` is added when a GPU is present, and
`browser` (the cells that drive the chat page and JupyterLab in Chromium) runs only when Chromium is installed.
The cells skipped that way are listed at the end of the run. Each notebook runs with a copy of the
environment variables that is restored afterwards, and every process a notebook started that is still running
when it ends (servers, torchrun ranks, browsers) is ended, pass or fail, so a notebook that fails half-way leaks
nothing into the next one; a notebook that passes but leaves a process running fails. NANOCHAT_TEST_NBS names
another folder of notebooks to run (the isolation test uses it).
"""
import os, shutil, time
from pathlib import Path
from unittest import mock

import psutil
import pytest
import torch
from nbdev.config import get_config
from nbdev.process import NBProcessor
from nbdev.test import test_nb as _run_notebook  # renamed: pytest would collect a `test_*` name

ROOT = Path(__file__).resolve().parents[1]
CFG = get_config(ROOT)
NB_DIR = Path(os.environ.get("NANOCHAT_TEST_NBS", ROOT / "nbs"))
NOTEBOOKS = sorted(p for p in NB_DIR.glob("*.ipynb") if not p.name.startswith("_"))
SKIP_FLAGS = CFG.tst_flags.split() if isinstance(CFG.tst_flags, str) else list(CFG.tst_flags)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FORCE_FLAGS = (os.environ.get("NANOCHAT_TEST_FLAGS", "slow net browser").split() + (["cuda"] if torch.cuda.is_available() else []))
if not CHROMIUM and "browser" in FORCE_FLAGS: FORCE_FLAGS.remove("browser")   # no browser to drive: listed as skipped, with why

# Notebooks run N at a time (pytest -n N): each gets its share of the cores, for its own CPU work and for the
# processes it starts (they inherit OMP_NUM_THREADS unless a cell sets it). At torch's default, a thread per core
# in every notebook, N notebooks oversubscribe the cores, and the many small operations of a tiny model then wait
# on each other's descheduled threads: on a 2-core AMD EPYC, two processes training a 4-layer model at 2 threads
# each took 11.1 s for what takes 3.8 s at 1 thread each (and 06's and 16's longest cells ran past the 600 s
# cell timeout). An OMP_NUM_THREADS set by the caller is kept.
WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if WORKERS > 1 and "OMP_NUM_THREADS" not in os.environ:
    os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // WORKERS))
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


def flagged_cells_skipped(nb):
    "[(cell number, flags)] of the code cells this run leaves out because of a flag that was not requested."
    unrequested = set(SKIP_FLAGS) - set(FORCE_FLAGS)
    cells = NBProcessor(nb, rm_directives=False, process=True).nb.cells
    out = []
    for i, cell in enumerate(cells):
        flags = sorted(unrequested & set(getattr(cell, "directives_", {}) or {})) if cell.cell_type == "code" else []
        if flags: out.append((i, flags))
    return out


def end_new_processes(before, grace=5.0):
    """End this process's descendants that are not in `before` (pids): wait `grace` seconds for them to exit, then
    terminate, then kill. Returns the command lines of those that were still running after the grace period."""
    def running():
        out = []
        for p in psutil.Process().children(recursive=True):
            try:
                if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE: out.append(p)
            except psutil.NoSuchProcess: pass
        return out
    deadline = time.monotonic() + grace
    while (left := running()) and time.monotonic() < deadline: time.sleep(0.1)
    names = []
    for p in left:
        try: names.append(" ".join(p.cmdline())[:120] or p.name()); p.terminate()
        except psutil.NoSuchProcess: pass
    _, alive = psutil.wait_procs(left, timeout=5)
    for p in alive:
        try: p.kill()
        except psutil.NoSuchProcess: pass
    psutil.wait_procs(alive, timeout=5)
    return names


def test_found_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {ROOT / 'nbs'}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook(nb):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    try:
        with mock.patch.dict(os.environ):   # restored whatever the notebook does to it
            ok, secs = _run_notebook(nb, skip_flags=SKIP_FLAGS, force_flags=FORCE_FLAGS, basepath=str(ROOT))
    finally:
        left = end_new_processes(before)    # pass or fail: nothing it started outlives it
    assert ok, f"{nb.name} failed after {secs:.1f}s (its traceback is in the captured stderr above)"
    assert not left, f"{nb.name} passed but left processes running (ended now): {left}"
