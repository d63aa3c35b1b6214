"Test isolation: notebooks run against a scratch base dir and offline wandb, never the user's ~/.cache/nanochat."
import os, tempfile

_tmp = tempfile.mkdtemp(prefix="nanochat-test-")
os.environ["NANOCHAT_BASE_DIR"] = os.path.join(_tmp, "base")
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_DIR", os.path.join(_tmp, "wandb"))
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    "Name the flagged cells this run skipped, so a green run says what it did not run."
    from test_notebooks import FORCE_FLAGS, NOTEBOOKS, flagged_cells_skipped
    # the notebooks whose test ran (their reports reach this process also when pytest-xdist runs them in workers)
    ran = {rep.nodeid.split("[", 1)[1].rstrip("]") for reps in terminalreporter.stats.values() for rep in reps
           if getattr(rep, "when", None) == "call" and "test_notebook[" in getattr(rep, "nodeid", "")}
    skipped = [(nb.stem, i, flags) for nb in NOTEBOOKS if nb.stem in ran for i, flags in flagged_cells_skipped(nb)]
    terminalreporter.write_sep("-", f"flagged cells skipped ({len(skipped)}; flags run: {' '.join(FORCE_FLAGS) or 'none'})")
    from test_notebooks import CHROMIUM
    if not CHROMIUM and any("browser" in flags for _, _, flags in skipped):
        terminalreporter.write_line("browser cells skipped: no Chromium on PATH (runs/test.sh installs Debian's `chromium` when run "
                                    "as root with apt-get; otherwise: sudo apt-get install chromium)")
    by_nb = {}
    for nb, i, flags in skipped: by_nb.setdefault(nb, []).append(f"cell {i} [{' '.join(flags)}]")
    for nb, cells in by_nb.items(): terminalreporter.write_line(f"{nb}: {', '.join(cells)}")
