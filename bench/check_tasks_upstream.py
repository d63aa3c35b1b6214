"""Check this project's tasks against upstream's own code, on inputs that are not part of this project.

    python bench/check_tasks_upstream.py --upstream PATH   # PATH: a checkout of karpathy/nanochat (a git clone)

1. Runs upstream's tests/test_tasks.py with `tasks.common` resolved to `nanochat.tasks.common`.
2. Writes small hub-layout datasets into a scratch base dir and compares, item by item, the conversations
   and scores of upstream's GSM8K, MMLU, ARC and HumanEval classes with ours.
3. Takes upstream's SpellingBee/SimpleSpelling from its history (950a1dc^, removed upstream) and compares
   them with ours on the same word list (Webster's 2nd, written as upstream's words_alpha.txt).
"""
import argparse, os, subprocess, sys, tempfile, random, json
from pathlib import Path

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--upstream", required=True, help="path of a karpathy/nanochat checkout (outside this tree)")
    args = p.parse_args(argv)
    up = Path(args.upstream).resolve()
    if not (up / "tasks" / "common.py").exists(): sys.exit(f"{up} is not a nanochat checkout (no tasks/common.py)")
    work = Path(tempfile.mkdtemp())
    # 1. upstream's own tests against our package
    shim = work / "shim" / "tasks"; shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("")
    (shim / "common.py").write_text("from nanochat.tasks.common import Task, TaskMixture, TaskSequence, HubDataset, render_mc, load_hub_dataset\n")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(up / "tests" / "test_tasks.py")],
                       cwd=work, env={**os.environ, "PYTHONPATH": str(work / "shim")}, capture_output=True, text=True)
    print("upstream tests/test_tasks.py on nanochat.tasks.common:", r.stdout.strip().splitlines()[-1])
    ok = r.returncode == 0
    # 2 + 3: upstream's classes and ours, in separate processes on the same base dir
    base = work / "base"; base.mkdir()
    spelling = subprocess.run(["git", "-C", str(up), "show", "950a1dc^:tasks/spellingbee.py"], capture_output=True, text=True)
    upsrc = work / "upsrc"; (upsrc / "tasks").mkdir(parents=True)
    for f in (up / "tasks").glob("*.py"): (upsrc / "tasks" / f.name).write_text(f.read_text())
    if spelling.returncode == 0: (upsrc / "tasks" / "spellingbee.py").write_text(spelling.stdout)
    else: print("(no git history in the checkout: SpellingBee is not compared)")
    env = {**os.environ, "NANOCHAT_BASE_DIR": str(base)}
    script = work / "dump.py"
    script.write_text(DUMP)
    subprocess.run([sys.executable, str(script), "setup"], env=env, check=True)
    outs = {}
    for side, path in (("upstream", f"{upsrc}{os.pathsep}{up}"), ("ours", "")):
        r = subprocess.run([sys.executable, str(script), side], env={**env, "PYTHONPATH": path}, capture_output=True, text=True)
        if r.returncode != 0: sys.exit(f"{side} failed:\n{r.stderr[-2000:]}")
        outs[side] = json.loads(r.stdout)
    for name in outs["ours"]:
        if name not in outs["upstream"]: continue
        same = outs["ours"][name] == outs["upstream"][name]
        print(f"  {name:28s} {len(outs['ours'][name]):5d} items  {'identical' if same else 'DIFFERENT'}")
        ok &= same
    print("all identical" if ok else "MISMATCH"); return 0 if ok else 1

DUMP = r'''
import sys, json, random, os
side = sys.argv[1]
if side == "setup":
    from nanochat.tasks.common import save_hub_split
    from nanochat.tasks.spellingbee import load_words
    rng = random.Random(0)
    def num(): return rng.randint(1, 500)
    gsm = []
    for i in range(300):
        a, b = num(), num()
        gsm.append({"question": f"Q{i}: {a} plus {b}?", "answer": f"{a} + {b} = <<{a}+{b}={a+b}>>{a+b}.\nThen <<{a}*2>> and x<<{a}-{b}={a-b}>>.\n#### {a+b:,}"})
    save_hub_split(gsm, "openai/gsm8k", "main", "test")
    save_hub_split([{"question": f"q{i}", "subject": "anatomy", "choices": [f"c{i}{j}" for j in range(4)], "answer": i % 4} for i in range(200)], "cais/mmlu", "all", "test")
    save_hub_split([{"id": f"id{i}", "question": f"q{i}", "choices": {"text": [f"t{j}" for j in range(3 + i % 3)], "label": (list("ABCDE") if i % 7 else list("12345"))[:3 + i % 3]},
                     "answerKey": (list("ABCDE") if i % 7 else list("12345"))[i % 3]} for i in range(150)], "allenai/ai2_arc", "ARC-Easy", "test")
    save_hub_split([{"task_id": f"H/{i}", "prompt": f"import math\n\ndef f{i}(x):\n", "canonical_solution": f"    return x + {i}\n",
                     "test": f"def check(c):\n    assert c(1) == {1 + i}\n", "entry_point": f"f{i}"} for i in range(6)], "openai/openai_humaneval", "openai_humaneval", "test")
    with open(os.path.join(os.environ["NANOCHAT_BASE_DIR"], "words_alpha.txt"), "w") as f: f.write("\n".join(load_words("web2")) + "\n")
    sys.exit(0)
if side == "upstream":
    from tasks.gsm8k import GSM8K; from tasks.mmlu import MMLU; from tasks.arc import ARC; from tasks.humaneval import HumanEval
    try: from tasks.spellingbee import SpellingBee, SimpleSpelling
    except ImportError: SpellingBee = None
    kw = {}
else:
    from nanochat.tasks.gsm8k import GSM8K; from nanochat.tasks.mmlu import MMLU; from nanochat.tasks.arc import ARC
    from nanochat.tasks.humaneval import HumanEval; from nanochat.tasks.spellingbee import SpellingBee, SimpleSpelling, load_words
    kw = {"word_list": load_words("web2")}
out = {}
g = GSM8K("main", "test")
out["GSM8K conversations"] = [g[i] for i in range(len(g))]
out["GSM8K scores"] = [g.evaluate(g[i], r) for i in range(0, 300, 3) for r in ("#### " + str(i), g[i]["messages"][1]["content"][-1]["text"], "#### 1,2")]
m = MMLU("all", "test")
out["MMLU conversations"] = [{**m[i], "letters": list(m[i]["letters"])} for i in range(len(m))]
out["MMLU scores"] = [m.evaluate(m[i], l) for i in range(0, 200, 7) for l in "ABCD"]
a = ARC("ARC-Easy", "test")
out["ARC conversations"] = [a[i] for i in range(len(a))]
out["ARC scores"] = [a.evaluate(a[i], l) for i in range(len(a)) for l in a[i]["letters"]]
h = HumanEval()
out["HumanEval conversations"] = [h[i] for i in range(len(h))]
out["HumanEval scores"] = [h.evaluate(h[i], r) for i in range(len(h)) for r in (h[i]["messages"][1]["content"], "```python\ndef " + h[i]["entry_point"] + "(x):\n    return x\n```")]
if SpellingBee is not None:
    for split in ("train", "test"):
        b = SpellingBee(size=400, split=split, **kw)
        out[f"SpellingBee {split}"] = [b[i] for i in range(len(b))]
        s = SimpleSpelling(size=400, split=split, **kw)
        out[f"SimpleSpelling {split}"] = [s[i] for i in range(len(s))]
print(json.dumps(out))
'''

if __name__ == "__main__": sys.exit(main())
