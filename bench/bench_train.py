"""Training-speed benchmark: tok/s, MFU and step-0 time of `base_train`, side by side with a baseline, same run.

    python bench/bench_train.py [--steps 25] [--baseline "--compile=1"] [--no-baseline] [-- BASE_TRAIN_FLAGS...]

Without flags after `--` it runs upstream's CPU reference configuration:
    --depth=4 --head-dim=64 --window-pattern=L --max-seq-len=512 --device-batch-size=8 --total-batch-size=4096
with the vocabulary of the tokenizer in the base dir (upstream's reference uses 32,768: first run
`python -m nanochat.scripts.prepare_corpus` and `python -m nanochat.scripts.tok_train --vocab-size=32768`).

Each configuration is a fresh `python -m nanochat.scripts.base_train` process with --steps iterations, in a
scratch base dir that links the real tokenizer and shards (checkpoints land there and are deleted) and with a
fresh TORCHINDUCTOR_CACHE_DIR, so a compiled run pays its compilation as a first run on a machine does.
Validation is one batch at step 0 and at the end; samples are printed only at the end.

Printed per configuration:
  step 0     dt of the first training step as logged (compilation included)
  to step 0  wall time from launching the process to the end of step 0 (imports, model, loader, step 0)
  tok/s      median and best of the logged tok/sec over steps 2..N-1 (the warmup of allocators excluded)
  MFU        median, against the peak the run reports (the measured fp32 matmul peak on a CPU)
The baseline (default `--compile=1`: model and optimizer steps compiled, which is upstream's way of
running) goes through the same code, so the ratio isolates the execution strategy.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

REFERENCE = ["--depth=4", "--head-dim=64", "--window-pattern=L", "--max-seq-len=512",
             "--device-batch-size=8", "--total-batch-size=4096"]
STEP = re.compile(r"^step (\d+)/\d+ .*\| dt: ([\d.]+)ms \| tok/sec: ([\d,]+) \| mfu: ([\d.]+)")


def flag_value(flags, name, default):
    for f in flags:
        if f.startswith(f"--{name}="): return int(f.split("=", 1)[1])
    return default


def run(flags, steps, label):
    from nanochat.common import get_base_dir
    real = get_base_dir()
    if not os.path.exists(os.path.join(real, "tokenizer", "tokenizer.pkl")):
        sys.exit(f"No tokenizer in {real}: run `python -m nanochat.scripts.tok_train --vocab-size=32768` first.")
    scratch = tempfile.mkdtemp(prefix="bench_train_")
    for name in os.listdir(real):   # tokenizer, shards, ...: linked, never copied or written
        if name not in ("base_checkpoints", "report"): os.symlink(os.path.join(real, name), os.path.join(scratch, name))
    B, T = flag_value(flags, "device-batch-size", 32), flag_value(flags, "max-seq-len", 2048)
    cmd = [sys.executable, "-m", "nanochat.scripts.base_train", *flags, f"--num-iterations={steps}",
           "--eval-every=1000000", f"--eval-tokens={B * T}", "--sample-every=1000000", "--core-metric-every=-1",
           "--save-every=-1", "--model-tag=bench"]
    env = dict(os.environ, NANOCHAT_BASE_DIR=scratch, TORCHINDUCTOR_CACHE_DIR=os.path.join(scratch, "inductor"))
    print(f"\n== {label}: {' '.join(cmd[3:])}", flush=True)
    t_launch = time.time(); to_step0 = None; rows = []
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            m = STEP.match(line)
            if m:
                step, dt, tps, mfu = int(m[1]), float(m[2]), int(m[3].replace(",", "")), float(m[4])
                if step == 0: to_step0 = time.time() - t_launch
                rows.append((step, dt, tps, mfu))
                print(f"   step {step:3d}  dt {dt:9.1f} ms  tok/s {tps:6d}  mfu {mfu:6.2f}", flush=True)
            elif "MFU against" in line or line.startswith("model:"):
                print("   " + line.rstrip(), flush=True)
        if proc.wait() != 0: sys.exit(f"{label}: base_train exited with {proc.returncode}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    steady = [r for r in rows if 2 <= r[0] < steps]
    if not steady: sys.exit(f"{label}: need --steps >= 4 to have steady-state steps")
    return dict(label=label, step0=rows[0][1] / 1000, to_step0=to_step0,
                median=statistics.median(r[2] for r in steady), best=max(r[2] for r in steady),
                mfu=statistics.median(r[3] for r in steady))


def main():
    argv = sys.argv[1:]
    flags = argv[argv.index("--") + 1:] if "--" in argv else REFERENCE
    own = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=25, help="training steps per configuration")
    p.add_argument("--baseline", default="--compile=1", help="flags added to make the baseline configuration")
    p.add_argument("--no-baseline", action="store_true")
    args = p.parse_args(own)
    import torch
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; flags: {' '.join(flags)}")
    results = [run(flags, args.steps, "this project (--compile=auto)")]
    if not args.no_baseline:
        results.append(run(flags + args.baseline.split(), args.steps, f"baseline ({args.baseline})"))
    print(f"\n{'configuration':42s} {'step 0':>8s} {'to step 0':>10s} {'tok/s median':>13s} {'best':>7s} {'MFU':>6s}")
    for r in results:
        print(f"{r['label']:42s} {r['step0']:7.1f}s {r['to_step0']:9.1f}s {r['median']:13,.0f} {r['best']:7,d} {r['mfu']:5.1f}%")
    if len(results) == 2:
        a, b = results
        print(f"ratio (this / baseline): tok/s median {a['median'] / b['median']:.2f}x, best {a['best'] / b['best']:.2f}x; "
              f"time to step 0 {a['to_step0'] / b['to_step0']:.2f}x")


if __name__ == "__main__":
    main()
