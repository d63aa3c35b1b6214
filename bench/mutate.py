"""Mutation testing of the notebooks' exported code: does some test notice when the code is wrong?

    python bench/mutate.py --jobs 2        # every mutation below, two at a time
    python bench/mutate.py --list          # the list: name, notebook, the line and what it becomes
    python bench/mutate.py --only eta_off_by_one summary_first_found
    python bench/mutate.py --clean         # first run each notebook unmutated (a mutation is only
                                           # "caught" if the same notebooks pass without it)

Each mutation is one line of a notebook's exported code changed the way a real bug would change
it (an off-by-one, a dropped term, a wrong sign, a swapped branch, a wrong default). For each, a
scratch copy of the tree (the files git tracks or would track) gets the change in its notebook,
`nbdev-export` writes its package, and the notebooks expected to catch it run there through the
suite's own harness (`tests/test_notebooks.py`, with `PYTHONPATH` pointing at the scratch copy, so
the mutated package is the one imported, by the notebooks and by the processes they start). A
mutation is *caught* when that run fails, *survived* when it passes: a survivor is a missing test.
Not run in CI: it runs the same notebooks many times. Exit status 1 when any mutation survived.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (name, notebook, the exported line as it is, the line mutated, notebooks that must catch it,
#  NANOCHAT_TEST_FLAGS for that run: "" runs no slow cells)
MUTATIONS = [
    # 10c_batching: the text stream, the nucleus draw, a full context
    ("stop_string_list_order", "10c_batching",
     "self.stopped, self.text = True, text[:min(found)]",
     "self.stopped, self.text = True, text[:max(found)]", ["10c_batching"], ""),
    ("stop_hold_one_short", "10c_batching",
     "hold = max((k for s in self.stop for k in range(len(s) - 1, 0, -1)",
     "hold = max((k for s in self.stop for k in range(len(s) - 2, 0, -1)", ["10c_batching"], ""),
    ("nucleus_branch_never_taken", "10c_batching",
     "if r.top_p is not None and r.top_p < 1.0 and r.temperature > 0:",
     "if r.top_p is not None and r.top_p > 1.0 and r.temperature > 0:", ["10c_batching"], ""),
    ("nucleus_top_k_dropped", "10c_batching",
     "out[i] = sample_token(self.logits[i:i + 1], row.rng, r.temperature, r.top_k, r.top_p)",
     "out[i] = sample_token(self.logits[i:i + 1], row.rng, r.temperature, None, r.top_p)",
     ["10c_batching"], ""),
    ("context_full_never_length", "10c_batching",
     "elif req.completion_tokens >= req.max_tokens or cache.hpos[i] >= self.capacity:",
     "elif req.completion_tokens >= req.max_tokens or cache.hpos[i] > self.capacity:",
     ["10c_batching"], ""),
    # 09_base_train: the ETA, the matmul precision, CORE during training
    ("eta_counts_own_steps", "09_base_train",
     'per_step = loop["total_training_time"] / (step - 10) if step > 10 else dt',
     'per_step = loop["total_training_time"] / (step - self.start + 1) if step > 10 else dt',
     ["09_base_train"], ""),
    ("eta_off_by_one", "09_base_train",
     'per_step = loop["total_training_time"] / (step - 10) if step > 10 else dt',
     'per_step = loop["total_training_time"] / (step - 9) if step > 10 else dt',
     ["09_base_train"], ""),
    ("precision_flag_ignored", "09_base_train",
     "precision = matmul_precision(self.device_type, args.matmul_precision)",
     "precision = matmul_precision(self.device_type)", ["09_base_train"], ""),
    ("precision_cuda_not_tf32", "09_base_train",
     'if device_type == "cuda": return "high"',
     'if device_type == "cuda": return "highest"', ["09_base_train"], ""),
    ("precision_eval_at_training", "09_base_train",
     "with disable_fp8(self.orig_model), float32_matmul_precision(self.eval_precision):",
     "with disable_fp8(self.orig_model), float32_matmul_precision():", ["09_base_train"], ""),
    # 08a_core_eval's evaluate_core, as 09 uses it during training
    ("core_baseline_unscaled", "08a_core_eval",
     "b = 0.01 * baselines[label]", "b = baselines[label] / 1000", ["09_base_train"], ""),
    ("core_limit_off_by_one", "08a_core_eval",
     "if max_per_task > 0: data = data[:max_per_task]",
     "if max_per_task > 0: data = data[:max_per_task + 1]", ["09_base_train"], ""),
    # 09a_scaling_laws
    ("scaling_tokens_clamped", "09a_scaling_laws",
     'tokens = float(rows[0]["flops_budget"] / flops_per_token_fit(rows)(10 ** x0))',
     'tokens = float(10 ** np.interp(x0, x, np.log10([r["tokens_trained"] for r in rows])))',
     ["09a_scaling_laws"], ""),
    ("power_law_ratio_wrong_exponent", "09a_scaling_laws",
     'ratio=float(10 ** ((ib + b * ref) - (ia + a * ref))),',
     'ratio=float(10 ** ((ib + a * ref) - (ia + a * ref))),', ["09a_scaling_laws"], ""),
    # 18_report
    ("report_hook_narrow_except", "18_report",
     "except Exception as e:  # e.g. its folder is gone: the process's own error comes first",
     "except PermissionError as e:", ["18_report"], ""),
    ("summary_last_section_wins", "18_report",
     "row[stage] = next((v for v in found if v is not None), None)",
     "row[stage] = found[-1] if found else None", ["18_report"], ""),
    ("thin_rounds_down", "18_report",
     "k = max(1, -(-len(xs) // n))", "k = max(1, len(xs) // n)", ["18_report"], ""),
    ("duration_hour_boundary", "18_report",
     'return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"',
     'return f"{s // 3600}h{s % 3600 // 60:02d}m" if s > 3600 else f"{s // 60}m{s % 60:02d}s"',
     ["18_report"], ""),
    ("reset_keeps_markdown", "18_report",
     'if f.endswith((".json", ".md", ".png")):', 'if f.endswith((".json", ".png")):',
     ["18_report"], ""),
    ("report_on_every_rank", "18_report",
     'return Report(os.path.join(get_base_dir(), "report")) if rank == 0 else DummyReport()',
     'return Report(os.path.join(get_base_dir(), "report")) if rank >= 0 else DummyReport()',
     ["18_report"], ""),
    ("code_size_counts_index", "18_report",
     'if f.endswith(".py") and f != "_modidx.py"', 'if f.endswith(".py")', ["18_report"], ""),
    # 14_chat_sft and 15_chat_eval: ChatCORE during SFT
    ("chatcore_limits_swapped", "14_chat_sft",
     'limit = max_cat if name in ("ARC-Easy", "ARC-Challenge", "MMLU") else max_sample',
     'limit = max_sample if name in ("ARC-Easy", "ARC-Challenge", "MMLU") else max_cat',
     ["14_chat_sft"], ""),
    ("chatcore_cat_drops_mmlu", "14_chat_sft",
     'return results, mean(CHATCORE_TASKS), mean(["ARC-Easy", "ARC-Challenge", "MMLU"])',
     'return results, mean(CHATCORE_TASKS), mean(["ARC-Easy", "ARC-Challenge"])',
     ["14_chat_sft"], ""),
    ("centered_not_rescaled", "15_chat_eval",
     "def centered(task_name, acc): return (acc - BASELINES[task_name]) / "
     "(1.0 - BASELINES[task_name])",
     "def centered(task_name, acc): return acc - BASELINES[task_name]", ["14_chat_sft"], ""),
    # 16_chat_rl: what the checkpoint records
    ("rl_data_for_python_tasks", "16_chat_rl",
     'self.rl_data = data if tasks is None and args.task == "GSM8K" else None',
     'self.rl_data = data if args.task == "GSM8K" else None', ["16_chat_rl"], "slow"),
    # 00_common
    ("log_tail_drops_last_line", "00_common",
     'if lines: print("\\n".join(lines[-n:]))', 'if lines: print("\\n".join(lines[-n:-1]))',
     ["00_common"], ""),
    # 08_eval: bits per byte
    ("bpb_in_nats", "08_eval",
     "return total_nats / (math.log(2) * total_bytes)", "return total_nats / total_bytes",
     ["08_eval"], ""),
    # 09b_fp8
    ("fp8_grad_w_wrong_scale", "09b_fp8",
     "scale_b=x_inv, out_dtype=grad_y.dtype, use_fast_accum=False)",
     "scale_b=w_inv, out_dtype=grad_y.dtype, use_fast_accum=False)", ["09b_fp8"], ""),
    ("fp8_zero_tensor_scale", "09b_fp8",
     "scale = (fp8_max / amax.double().clamp(min=EPS)).float()",
     "scale = (fp8_max / amax.double()).float()", ["09b_fp8"], ""),
    ("fp8_filter_boundary", "09b_fp8",
     "and mod.out_features % 16 == 0 and min(mod.in_features, mod.out_features) >= 128)",
     "and mod.out_features % 16 == 0 and min(mod.in_features, mod.out_features) > 128)",
     ["09b_fp8"], ""),
    # 06_muon: AdamW's bias correction
    ("adamw_bias_correction_late", "06_muon",
     "bias1, bias2 = 1 - beta1 ** step, 1 - beta2 ** step",
     "bias1, bias2 = 1 - beta1 ** (step + 1), 1 - beta2 ** (step + 1)", ["06_muon"], ""),
]


def tree_files():
    "The files of the working tree that git tracks or would track (not ignored)."
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


def scratch_copy(dest):
    for f in tree_files():
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dest / f)


def mutate_notebook(path, old, new):
    "Replace `old` by `new` in the one code cell that has it; an error if not exactly once."
    nb = json.loads(path.read_text())
    hits = [c for c in nb["cells"] if c["cell_type"] == "code" and old in "".join(c["source"])]
    count = sum("".join(c["source"]).count(old) for c in hits)
    if count != 1:
        raise ValueError(f"{path.name}: the line is there {count} times, not once: {old}")
    src = "".join(hits[0]["source"]).replace(old, new)
    hits[0]["source"] = src.splitlines(keepends=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def run_notebooks(tree, notebooks, flags, timeout, threads=None):
    "The suite's harness on these notebooks of `tree`: (passed, seconds, the output's tail)."
    env = {**os.environ, "PYTHONPATH": str(tree), "NANOCHAT_TEST_FLAGS": flags}
    if threads: env["OMP_NUM_THREADS"] = str(threads)   # (the harness passes it on to torch)
    cmd = [sys.executable, "-m", "pytest", "tests/test_notebooks.py", "-q", "-x",
           "-p", "no:cacheprovider", "-k", " or ".join(notebooks)]
    t0 = time.time()
    try:
        r = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
        ok, tail = r.returncode == 0, (r.stdout + r.stderr)[-30000:]
    except subprocess.TimeoutExpired:
        ok, tail = False, f"timed out after {timeout} s"
    return ok, time.time() - t0, tail


def export(tree):
    r = subprocess.run([shutil.which("nbdev-export") or "nbdev-export"], cwd=tree,
                       capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f"nbdev-export failed:\n{r.stderr[-2000:]}")


def one_mutation(m, work, timeout, threads=None):
    name, nb, old, new, catchers, flags = m
    tree = work / name
    scratch_copy(tree)
    mutate_notebook(tree / "nbs" / f"{nb}.ipynb", old, new)
    export(tree)
    # the package must carry the change, or the mutation tests nothing
    if not any(new.strip() in p.read_text() for p in (tree / "nanochat").rglob("*.py")):
        raise RuntimeError(f"{name}: the exported package does not have the mutated line")
    passed, secs, tail = run_notebooks(tree, catchers, flags, timeout, threads)
    shutil.rmtree(tree, ignore_errors=True)
    return ("survived" if passed else "caught"), secs, tail


def red_cell(tail):
    "Where the run failed, from the harness's output: 'NB cell K: the error's last line'."
    cell = re.findall(r"in .*/nbs/(\S+)\.ipynb:\n=+\n\nWhile Executing Cell #(\d+)", tail)
    errors = [line for line in tail.splitlines() if re.match(r"^\w*(Error|Exception)\b", line)]
    where = f"{cell[-1][0]} cell {cell[-1][1]}" if cell else "?"
    return f"{where}: {errors[-1][:90] if errors else tail.strip().splitlines()[-1][:90]}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", nargs="*", help="the mutations to run, by name")
    p.add_argument("--list", action="store_true", help="list the mutations and exit")
    p.add_argument("--clean", action="store_true",
                   help="first run the notebooks involved without mutations (they must pass)")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per notebook run")
    p.add_argument("--jobs", type=int, default=1,
                   help="mutations run at once, each on its share of the cores (as the suite does)")
    args = p.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m[0] in args.only]
    if args.only and len(chosen) != len(args.only):
        p.error(f"unknown: {sorted(set(args.only) - {m[0] for m in MUTATIONS})}")
    modules = {m[1] for m in chosen}
    if args.list:
        for name, nb, old, new, catchers, flags in chosen:
            print(f"{name} ({nb}; caught by {', '.join(catchers)}"
                  f"{', slow cells' if flags else ''})\n  - {old}\n  + {new}")
        print(f"{len(chosen)} mutations in {len(modules)} notebooks' modules")
        return 0
    work = Path(tempfile.mkdtemp(prefix="mutate-"))
    if args.clean:
        runs = sorted({(tuple(m[4]), m[5]) for m in chosen})
        scratch_copy(work / "clean")
        for catchers, flags in runs:
            ok, secs, tail = run_notebooks(work / "clean", list(catchers), flags, args.timeout)
            print(f"clean {' '.join(catchers)} (flags {flags!r}): "
                  f"{'pass' if ok else 'FAIL'} in {secs:.0f} s", flush=True)
            if not ok: print(tail[-3000:]); return 2
        shutil.rmtree(work / "clean", ignore_errors=True)
    results, t0 = [], time.time()
    threads = max(1, (os.cpu_count() or 1) // args.jobs) if args.jobs > 1 else None
    pool = ThreadPoolExecutor(args.jobs)
    futures = [(m, pool.submit(one_mutation, m, work, args.timeout, threads)) for m in chosen]
    for m, future in futures:
        outcome, secs, tail = future.result()
        results.append((m[0], outcome, secs))
        print(f"{m[0]:34s} {outcome:9s} {secs:6.0f} s  ({m[1]} -> {', '.join(m[4])})", flush=True)
        if outcome == "survived": print("  the notebooks passed with the mutation: a missing test")
        else: print(f"  red: {red_cell(tail)}", flush=True)
    survived = [n for n, o, _ in results if o == "survived"]
    print(f"\n{len(results) - len(survived)} of {len(results)} caught, in "
          f"{(time.time() - t0) / 60:.1f} min" + (f"; survived: {survived}" if survived else ""))
    shutil.rmtree(work, ignore_errors=True)
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
