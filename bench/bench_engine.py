"""Engine benchmark: this project's `Engine` against upstream's own, same checkpoint, same prompt, same run.

    python bench/bench_engine.py --upstream PATH [-i base] [-g TAG] [--prompt-tokens 256] [--decode-tokens 128]
                                 [--batch-sizes 1,32] [--rounds 3] [--threads N]

PATH is an upstream nanochat checkout (outside this tree); its own `nanochat/engine.py` and `gpt.py` run
in a subprocess with that checkout first on `sys.path`, loading the checkpoint through its own
`load_model` from the same $NANOCHAT_BASE_DIR. Each side runs in its own fresh process with the same
thread count; the sides alternate for `--rounds` rounds and each number is the median over rounds.

Measured as upstream's `scripts/infer_bench.py` measures: prefill = the time to the first token of a batch-1
generation of the prompt (TTFT), decode = tokens per second of the decode steps after the first token.
Checked: the tokens at temperature 0 (every batch size) and the samples at temperature 1 with seeds
1 and 42 (4 rows, top-k 50) are identical between the two engines. Then upstream's own unit tests for the
engine and the sandbox (PATH/tests/test_engine.py, test_execution.py, copied to a scratch directory so
that they import this project's `nanochat`) are run with pytest against this project's modules.
"""
import argparse, json, os, statistics, subprocess, sys, time

PROSE = ("The history of science is the study of the development of science, including both the natural and social "
         "sciences. Science is a body of empirical, theoretical, and practical knowledge about the natural world. ")


def worker(args):
    "Runs inside one side's process: load, time, report JSON on the last stdout line."
    if args.worker == "upstream": sys.path.insert(0, os.path.abspath(args.upstream))
    import torch
    torch.set_num_threads(args.threads)
    import nanochat
    from nanochat.checkpoint_manager import load_model
    from nanochat.engine import Engine
    where = os.path.dirname(nanochat.__file__)
    model, tokenizer, meta = load_model(args.source, torch.device("cpu"), phase="eval", model_tag=args.model_tag)
    engine = Engine(model, tokenizer)
    prompt = json.loads(args.prompt)

    def timed(batch, n, temperature=0.0):
        gen = engine.generate(prompt, num_samples=batch, max_tokens=n, temperature=temperature)
        t0 = time.perf_counter(); first = next(gen); ttft = time.perf_counter() - t0
        cols, t1 = [first[0]], time.perf_counter()
        for c, _ in gen: cols.append(c)
        return ttft, time.perf_counter() - t1, cols

    out = dict(where=where, threads=torch.get_num_threads())
    timed(1, 2); out["prefill_s"] = min(timed(1, 2)[0] for _ in range(3))
    out["decode"], out["tokens_t0"] = {}, {}
    for b in args.batch_sizes:
        timed(b, 8)
        ttft, dt, cols = timed(b, args.decode_tokens)
        out["decode"][b] = b * (len(cols) - 1) / dt
        out["tokens_t0"][b] = cols
    out["samples"] = {seed: engine.generate_batch(prompt, num_samples=4, max_tokens=32, temperature=1.0, top_k=50, seed=seed)[0]
                      for seed in (1, 42)}
    print(json.dumps(out))


def run_side(side, args, prompt):
    cmd = [sys.executable, __file__, "--worker", side, "--upstream", args.upstream, "-i", args.source,
           "--decode-tokens", str(args.decode_tokens), "--batch-sizes", ",".join(map(str, args.batch_sizes)),
           "--threads", str(args.threads), "--prompt", json.dumps(prompt)] + (["-g", args.model_tag] if args.model_tag else [])
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/")
    if r.returncode != 0: sys.exit(f"{side} worker failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--upstream", required=True, help="path of an upstream nanochat checkout")
    p.add_argument("-i", "--source", default="base"); p.add_argument("-g", "--model-tag", default=None)
    p.add_argument("--prompt-tokens", type=int, default=256); p.add_argument("--decode-tokens", type=int, default=128)
    p.add_argument("--batch-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 32])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--worker", choices=["ours", "upstream"], help=argparse.SUPPRESS)
    p.add_argument("--prompt", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker: return worker(args)
    if not os.path.isfile(os.path.join(args.upstream, "nanochat", "engine.py")):
        sys.exit(f"--upstream {args.upstream}: no nanochat/engine.py there; pass the path of an upstream nanochat checkout")
    from nanochat.tokenizer import get_tokenizer
    tok = get_tokenizer()
    prompt = tok.encode(PROSE * (args.prompt_tokens // 10), prepend=tok.get_bos_token_id())[:args.prompt_tokens]
    runs = {"ours": [], "upstream": []}
    for r in range(args.rounds):
        for side in ("upstream", "ours"):
            runs[side].append(run_side(side, args, prompt))
            print(f"round {r + 1} {side:8} ({runs[side][-1]['where']}): prefill {len(prompt) / runs[side][-1]['prefill_s']:,.0f} tok/s, "
                  + ", ".join(f"decode b{b} {v:,.0f} tok/s" for b, v in runs[side][-1]["decode"].items()), flush=True)
    med = lambda side, f: statistics.median(f(x) for x in runs[side])
    result = dict(prompt_tokens=len(prompt), decode_tokens=args.decode_tokens, threads=args.threads)
    result["prefill_tok_s"] = {s: len(prompt) / med(s, lambda x: x["prefill_s"]) for s in runs}
    result["decode_tok_s"] = {s: {b: med(s, lambda x: x["decode"][str(b)]) for b in args.batch_sizes} for s in runs}
    result["ratio_prefill"] = result["prefill_tok_s"]["ours"] / result["prefill_tok_s"]["upstream"]
    result["ratio_decode"] = {b: result["decode_tok_s"]["ours"][b] / result["decode_tok_s"]["upstream"][b] for b in args.batch_sizes}
    a, b = runs["ours"][0], runs["upstream"][0]
    result["identical_tokens_t0"] = a["tokens_t0"] == b["tokens_t0"]
    result["identical_samples_seeded"] = a["samples"] == b["samples"]
    print(f"prefill: ours {result['prefill_tok_s']['ours']:,.0f} vs upstream {result['prefill_tok_s']['upstream']:,.0f} tok/s "
          f"= {result['ratio_prefill']:.2f}x")
    for bs in args.batch_sizes:
        print(f"decode batch {bs}: ours {result['decode_tok_s']['ours'][bs]:,.0f} vs upstream "
              f"{result['decode_tok_s']['upstream'][bs]:,.0f} tok/s = {result['ratio_decode'][bs]:.2f}x")
    print(f"identical tokens at temperature 0: {result['identical_tokens_t0']}; identical seeded samples: {result['identical_samples_seeded']}")
    result["upstream_tests"] = run_upstream_tests(args.upstream)
    print(json.dumps(result))


def run_upstream_tests(upstream):
    "Upstream's engine and sandbox tests, run against this project's package: the pytest summary line."
    import shutil, tempfile
    with tempfile.TemporaryDirectory() as tmp:
        files = [f for f in ("test_engine.py", "test_execution.py") if os.path.exists(os.path.join(upstream, "tests", f))]
        for f in files: shutil.copy(os.path.join(upstream, "tests", f), tmp)
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files], cwd=tmp,
                           capture_output=True, text=True)
    summary = (r.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"upstream's tests ({', '.join(files)}) against this project: {summary}")
    return summary


if __name__ == "__main__":
    main()
