"""A notebook that fails half-way leaves nothing behind: no process it started, no scratch dir of its run.

The test runs the real harness (tests/test_notebooks.py, in a pytest subprocess) on a notebook that starts a
child process, makes a temporary dir, writes where they are, and then fails on purpose."""
import json, os, subprocess, sys
from pathlib import Path

import nbformat
from conftest import pid_alive

ROOT = Path(__file__).resolve().parents[1]
CELLS = [
    "import json, os, subprocess, tempfile\n"
    "child = subprocess.Popen(['sleep', '300'])\n"
    "scratch = tempfile.mkdtemp()\n"
    "json.dump(dict(pid=child.pid, scratch=scratch, tmp=tempfile.gettempdir()), open(os.environ['PROBE'], 'w'))",
    "assert False, 'failing on purpose'",
]


def test_a_failing_notebook_leaves_nothing_behind(tmp_path):
    nbs, probe = tmp_path / "nbs", tmp_path / "probe.json"
    nbs.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbformat.write(nb, nbs / "fails.ipynb")
    env = {**os.environ, "NANOCHAT_TEST_NBS": str(nbs), "PROBE": str(probe), "NANOCHAT_TEST_TMP_ROOT": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "pytest", "tests/test_notebooks.py", "-q", "-p", "no:cacheprovider",
                        "-k", "fails"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "failing on purpose" in r.stdout + r.stderr, r.stdout[-2000:] + r.stderr[-2000:]
    seen = json.loads(probe.read_text())
    assert not pid_alive(seen["pid"]), "the notebook's child process outlived the run"
    run_dir = Path(seen["tmp"]).parent                         # the run's scratch dir: nct-<pid>-XXXXXXXX
    assert run_dir.parent == tmp_path and run_dir.name.startswith("nct-"), run_dir
    assert not os.path.exists(seen["scratch"]) and not run_dir.exists(), "the run's scratch dir was left behind"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nbs", "probe.json"]   # nothing else of the run either
