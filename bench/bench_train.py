"""Training-speed benchmark: tok/s, MFU and step-0 time of `base_train`, side by side with a
baseline in the same command.

    python bench/bench_train.py --upstream PATH [--runs 3] [--steps 10] [-- BASE_TRAIN_FLAGS...]
    python bench/bench_train.py [--baseline "--compile=1"] [--no-baseline] [-- BASE_TRAIN_FLAGS...]

The baseline is upstream's own `scripts.base_train`, run from a checkout of karpathy/nanochat at
PATH (outside this tree; `git clone https://github.com/karpathy/nanochat PATH`), with --upstream;
without it, this project's base_train with `--baseline` flags added (default `--compile=1`: the
model and the optimizer steps compiled, upstream's way of running), which isolates the execution
strategy.
`--baseline=--matmul-precision=highest` (written with `=`: the value starts with dashes) isolates
the matmul precision: float32 products against the bf16 products `auto` picks on a CPU with AMX.

Without flags after `--` both run upstream's CPU reference configuration:
    --depth=4 --head-dim=64 --window-pattern=L --max-seq-len=512 --device-batch-size=8
    --total-batch-size=4096
at the vocabulary of the tokenizer in the base dir (upstream's reference uses 32,768: first
`python -m nanochat.scripts.prepare_corpus`, then `python -m nanochat.scripts.tok_train
--vocab-size=32768`). Both sides read the same shards and the same tokenizer: the base dir's.

Each run is a fresh process with --steps iterations in a scratch base dir that links the real
tokenizer and shards (checkpoints land there and are deleted). Each side has its own
TORCHINDUCTOR_CACHE_DIR, new for this command: its first run pays compilation as a first run on a
machine does (the cold step 0), its later runs find the cache warm. Validation is one batch at step
0 and at the end. --runs alternates the sides (this, baseline, this, baseline, ...).

Printed per side:
  step 0     dt of the first training step as logged (compilation included), first (cold) run
  to step 0  wall time from launch to the end of step 0 (imports, model, loader, step 0), cold
  tok/s      per run the median of the logged tok/sec over steps 2..N-1; the median of the runs
             and their range
  MFU        median, against the peak each run reports
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

REFERENCE = ["--depth=4", "--head-dim=64", "--window-pattern=L", "--max-seq-len=512",
             "--device-batch-size=8", "--total-batch-size=4096"]
# upstream logs "bf16_mfu", this project "mfu"
STEP = re.compile(r"^step (\d+)/\d+ .*\| dt: ([\d.]+)ms \| tok/sec: ([\d,]+) \| (?:bf16_)?mfu: "
                  r"([\d.]+)")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flag_value(flags, name, default):
    for f in flags:
        if f.startswith(f"--{name}="): return int(f.split("=", 1)[1])
    return default


def scratch_base(real):
    "A scratch base dir linking the real one's tokenizer, shards, ... (never copied or written)."
    scratch = tempfile.mkdtemp(prefix="bench_train_")
    for name in os.listdir(real):
        if name not in ("base_checkpoints", "report"):
            os.symlink(os.path.join(real, name), os.path.join(scratch, name))
    return scratch


def run(side, flags, steps, inductor_dir):
    "One fresh base_train process of `side` (dict: label, cwd, module): its numbers."
    from nanochat.common import get_base_dir
    real = get_base_dir()
    if not os.path.exists(os.path.join(real, "tokenizer", "tokenizer.pkl")):
        sys.exit(f"No tokenizer in {real}: run `python -m nanochat.scripts.tok_train "
                 "--vocab-size=32768` first.")
    scratch = scratch_base(real)
    B, T = flag_value(flags, "device-batch-size", 32), flag_value(flags, "max-seq-len", 2048)
    cmd = [sys.executable, "-m", side["module"], *flags, f"--num-iterations={steps}",
           "--eval-every=1000000", f"--eval-tokens={B * T}", "--sample-every=1000000",
           "--core-metric-every=-1", "--save-every=-1", "--model-tag=bench"]
    env = dict(os.environ, NANOCHAT_BASE_DIR=scratch, TORCHINDUCTOR_CACHE_DIR=inductor_dir)
    print(f"\n== {side['label']}: {' '.join(cmd[3:])}", flush=True)
    t_launch, to_step0, rows = time.time(), None, []
    try:
        proc = subprocess.Popen(cmd, cwd=side["cwd"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        tail = []
        for line in proc.stdout:
            tail = (tail + [line])[-20:]
            m = STEP.match(line)
            if not m: continue
            step, dt, tps, mfu = int(m[1]), float(m[2]), int(m[3].replace(",", "")), float(m[4])
            if step == 0: to_step0 = time.time() - t_launch
            rows.append((step, dt, tps, mfu))
            print(f"   step {step:3d}  dt {dt:9.1f} ms  tok/s {tps:6d}  mfu {mfu:6.2f}", flush=True)
        if proc.wait() != 0:
            sys.exit(f"{side['label']}: base_train exited with {proc.returncode}:\n"
                     + "".join(tail))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    steady = [r for r in rows if 2 <= r[0] < steps]
    if not steady: sys.exit(f"{side['label']}: need --steps >= 4 to have steady-state steps")
    return dict(step0=rows[0][1] / 1000, to_step0=to_step0,
                median=statistics.median(r[2] for r in steady),
                mfu=statistics.median(r[3] for r in steady))


def report(sides, results):
    print(f"\n{'side':44s} {'cold step 0':>11s} {'to step 0':>10s} {'tok/s median [range]':>26s} "
          f"{'MFU':>6s}")
    for side in sides:
        rs = results[side["label"]]
        med = [r["median"] for r in rs]
        rng = f"{statistics.median(med):7,.0f} [{min(med):,.0f}-{max(med):,.0f}]"
        print(f"{side['label']:44s} {rs[0]['step0']:10.1f}s {rs[0]['to_step0']:9.1f}s {rng:>26s} "
              f"{statistics.median(r['mfu'] for r in rs):5.1f}%")
    if len(sides) == 2:
        a, b = (results[s["label"]] for s in sides)
        ratios = [x["median"] / y["median"] for x, y in zip(a, b)]
        ma, mb = (statistics.median(r["median"] for r in rs) for rs in (a, b))
        print(f"ratio (this / baseline): tok/s {ma / mb:.2f}x (run by run {min(ratios):.2f}-"
              f"{max(ratios):.2f}x); cold step 0 {a[0]['step0'] / b[0]['step0']:.3f}x; "
              f"cold launch to step 0 {a[0]['to_step0'] / b[0]['to_step0']:.3f}x")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    flags = argv[argv.index("--") + 1:] if "--" in argv else REFERENCE
    own = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", metavar="PATH",
                   help="a checkout of karpathy/nanochat: the baseline")
    p.add_argument("--steps", type=int, default=10, help="training steps per run")
    p.add_argument("--runs", type=int, default=1, help="runs per side (the first one cold)")
    p.add_argument("--baseline", default="--compile=1",
                   help="without --upstream: flags added to make the baseline")
    p.add_argument("--no-baseline", action="store_true")
    args = p.parse_args(own)
    import torch
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; flags: {' '.join(flags)}")
    sides = [dict(label="this project", cwd=ROOT, module="nanochat.scripts.base_train", extra=[])]
    if args.upstream:
        path = os.path.abspath(args.upstream)
        if not os.path.exists(os.path.join(path, "scripts", "base_train.py")):
            sys.exit(f"--upstream {path}: no scripts/base_train.py there (a karpathy/nanochat "
                     "checkout is expected)")
        # run from the checkout, so that `import nanochat` is upstream's own package
        sides.append(dict(label=f"upstream ({path})", cwd=path, module="scripts.base_train",
                          extra=[]))
    elif not args.no_baseline:
        sides.append(dict(label=f"baseline ({args.baseline})", cwd=ROOT,
                          module="nanochat.scripts.base_train", extra=args.baseline.split()))
    caches = {s["label"]: tempfile.mkdtemp(prefix="bench_inductor_") for s in sides}
    results = {s["label"]: [] for s in sides}
    try:
        for k in range(args.runs):
            for side in sides:
                print(f"\n-- run {k + 1} of {args.runs}", end="")
                results[side["label"]].append(run(side, flags + side["extra"], args.steps,
                                                  caches[side["label"]]))
    finally:
        for d in caches.values(): shutil.rmtree(d, ignore_errors=True)
    report(sides, results)
    return results


if __name__ == "__main__":
    main()
