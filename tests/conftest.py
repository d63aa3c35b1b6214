"""Test isolation: notebooks run against a scratch base dir and offline wandb, never the user's ~/.cache/nanochat.

Each pytest process (the controller and every xdist worker) makes one scratch dir, `<tmp>/nct-<pid>-XXXXXXXX`, and
points TMPDIR there, so every temporary file of the run, and of the processes it starts, lives inside it. It is
removed when the process exits, pass or fail; scratch dirs of earlier runs whose process is gone (a run that was
killed) are removed at the start.
"""
import atexit, os, shutil, tempfile
from pathlib import Path

SCRATCH_PREFIX = "nct-"


def pid_alive(pid):
    "A process with this id exists and is not a zombie."
    try: return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError): return False


def remove_stale_scratch(root):
    "Remove the scratch dirs under `root` whose run (the pid in the name) has ended; returns what was removed."
    removed = []
    for d in Path(root).glob(SCRATCH_PREFIX + "*"):
        pid = d.name[len(SCRATCH_PREFIX):].split("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True); removed.append(d)
    return removed


# the root is fixed by the first process (the controller), so xdist workers make their dirs beside its dir, not inside
_root = os.environ.setdefault("NANOCHAT_TEST_TMP_ROOT", tempfile.gettempdir())
remove_stale_scratch(_root)
SCRATCH = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=_root)
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
os.makedirs(os.path.join(SCRATCH, "t"))
os.environ["TMPDIR"] = tempfile.tempdir = os.path.join(SCRATCH, "t")
os.environ["NANOCHAT_BASE_DIR"] = os.path.join(SCRATCH, "base")
os.environ.setdefault("WANDB_MODE", "offline")
os.environ["WANDB_DIR"] = os.path.join(SCRATCH, "wandb")
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


# The notebooks that take longest (a full run on 2 cores of an AMD EPYC: 09 563 s, 06 463 s, 16 437 s, 05 403 s,
# 18 189 s, 09a 137 s; every other notebook under 75 s) go first, paired for the two workers: pytest-xdist's load
# scheduler deals out consecutive tests, two to a worker to start with when `--maxschedchunk 1` (runs/test.sh),
# then one at a time to whichever worker is free. So 09 + 05 go to one worker and 06 + 16 to the other, and the
# short notebooks fill in behind them. In name order, or longest first without pairing, one worker ran all the long
# notebooks while the other sat idle for minutes.
LONGEST_FIRST = ["09_base_train", "05_gpt", "06_muon", "16_chat_rl", "18_report", "09a_scaling_laws"]


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        nb = item.nodeid.split("[", 1)[1].rstrip("]") if "test_notebook[" in item.nodeid else ""
        return LONGEST_FIRST.index(nb) if nb in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)   # stable: the rest keep their order
