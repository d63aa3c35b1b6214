"""Serving benchmark: N concurrent streaming clients against `python -m nanochat.scripts.chat_web`,
with continuous batching (--batch-size 32) and with the seed's one-request-per-worker design
(--batch-size 1), and beside them the engine alone: its bare decode step at the same batch sizes,
and the same work as each server's (the steps it ran, at their numbers of rows, and every prompt's
prefill), which is what a server that cost nothing would reach.

    python bench/bench_serve.py         # the checkpoint runs/runcpu.sh made (NANOCHAT_BASE_DIR)
    python bench/bench_serve.py --clients 1,4,16 --requests 3 --max-tokens 64 --runs 3
    python bench/bench_serve.py --stream-interval 4     # text every 4 steps, in both designs

Each client sends `--requests` streamed requests one after another to /v1/chat/completions, each
with its own seed, so both designs generate exactly the same replies (the server's seeded sampling
does not depend on the batch) and the same number of tokens. Per design and concurrency: time to
first token (request sent -> first content) p50/p95 and aggregate tokens/s (all tokens over the
wall time). `--runs` repeats everything (fresh servers each time); the summary gives medians and
ranges.

The clients share the machine with the server, so they are kept light: one asyncio event loop
(aiohttp), whose CPU time is printed beside each level. Each server's decode thread profile (its
`/stats`) is printed too: seconds in prefill, sampling, per-row work and forward, and the mean
number of rows in a step. The engine's costs are measured in this process after each run.
"""
import argparse, asyncio, json, logging, os, resource, statistics, time
from collections import Counter

import aiohttp
import httpx
import torch

from nanochat.checkpoint_manager import load_model
from nanochat.engine import DecodeStep
from nanochat.flash_attention import KVCache
from nanochat.scripts.chat_web import ServerProcess, render_prompt
from nanochat.tokenizer import get_tokenizer

QUESTIONS = ["Hello! How are you?", "What is the capital of France?", "Tell me a joke.",
             "Why is the sky blue?", "Write a haiku about the sea.", "What is 12 times 7?",
             "Who are you?", "Give me three tips to sleep better."]
PHASES = ("prefill", "sample", "rows", "forward")

async def one_request(session, url, i, j, max_tokens):
    "(ttft s, tokens, seconds) of one streamed request."
    body = {"model": "nanochat", "max_tokens": max_tokens, "temperature": 0.8, "top_k": 50,
            "messages": [{"role": "user", "content": QUESTIONS[(i + j) % len(QUESTIONS)]}],
            "seed": 1000 * i + j, "stream": True, "stream_options": {"include_usage": True}}
    t0, ttft, tokens = time.perf_counter(), None, None
    async with session.post(url + "/v1/chat/completions", json=body) as r:
        if r.status != 200: raise RuntimeError(f"HTTP {r.status}: {(await r.read())[:200]}")
        async for raw in r.content:                                  # one line at a time
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]": continue
            ev = json.loads(line[6:])
            content = ev["choices"] and ev["choices"][0]["delta"].get("content")
            if ttft is None and content: ttft = time.perf_counter() - t0
            if ev.get("usage"): tokens = ev["usage"]["completion_tokens"]
    end = time.perf_counter()
    return (ttft if ttft is not None else end - t0), tokens, end - t0

async def _clients(url, clients, requests, max_tokens):
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=timeout) as session:
        async def client(i):
            return [await one_request(session, url, i, j, max_tokens) for j in range(requests)]
        return await asyncio.gather(*(client(i) for i in range(clients)))

def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def run_level(url, clients, requests, max_tokens):
    "`clients` concurrent clients, `requests` each: tokens, wall, TTFT p50/p95, tok/s, client CPU."
    t0, c0 = time.perf_counter(), cpu_seconds()
    per_client = asyncio.run(_clients(url, clients, requests, max_tokens))
    wall, client_cpu = time.perf_counter() - t0, cpu_seconds() - c0
    flat = [r for rs in per_client for r in rs]
    ttfts = sorted(r[0] for r in flat)
    pct = lambda q: ttfts[min(len(ttfts) - 1, int(q * len(ttfts)))]
    total = sum(r[1] for r in flat)
    return dict(tokens=total, wall_s=wall, ttft_p50=pct(0.5), ttft_p95=pct(0.95),
                aggregate_tps=total / wall, client_cpu_s=client_cpu)

def step_totals(url):
    "The decode thread's totals so far from /stats: seconds by phase, steps, and rows x steps."
    prof = httpx.get(url + "/stats").json()["workers"][0]["profile"]
    out = {p: sum(v[p] * v["steps"] for v in prof.values()) / 1000 for p in PHASES}
    out["steps"] = sum(v["steps"] for v in prof.values())
    out["row_steps"] = sum(int(n) * v["steps"] for n, v in prof.items())
    out["hist"] = Counter({int(n): v["steps"] for n, v in prof.items()})     # rows -> steps
    return out

def engine_costs(model, tok, batch_sizes, steps=32, context=48, repeat=5):
    """The engine alone on the same checkpoint: seconds of one `DecodeStep` at each batch size,
    and of each question's prefill (its prompt as the server renders it, through the forward)."""
    c = model.config
    kv = lambda B, T: KVCache(B, c.n_kv_head, T, c.n_embd // c.n_head, c.n_layer, "cpu",
                              torch.float32)
    step_s, prefill_s = {}, {}
    with torch.inference_mode():
        for B in sorted(batch_sizes):
            cache, step = kv(B, context + steps + 8), DecodeStep(model)
            ids = torch.zeros(B, dtype=torch.long)
            model(torch.zeros(B, context, dtype=torch.long), kv_cache=cache)
            for _ in range(4): step(ids, cache)
            t0 = time.perf_counter()
            for _ in range(steps): step(ids, cache)
            step_s[B] = (time.perf_counter() - t0) / steps
        for q, text in enumerate(QUESTIONS):
            ids = torch.tensor([render_prompt(tok, [("user", text)], c.sequence_len, 64)])
            model(ids, kv_cache=kv(1, ids.size(1)), last_only=True)              # warm-up
            t0 = time.perf_counter()
            for _ in range(repeat): model(ids, kv_cache=kv(1, ids.size(1)), last_only=True)
            prefill_s[q] = (time.perf_counter() - t0) / repeat
    return step_s, prefill_s

def same_work_tps(r, step_s, prefill_s):
    """Tokens/s of the engine alone doing a level's work: the steps the server ran, each at its
    number of rows, and every request's prefill."""
    seconds = (sum(k * step_s[n] for n, k in r["hist"].items())
               + sum(k * prefill_s[q] for q, k in r["questions"].items()))
    return r["tokens"] / seconds

def wait_ready(url, timeout=30):
    "Until /health answers (a server may print its address before it accepts connections)."
    t0 = time.perf_counter()
    while True:
        try: return httpx.get(url + "/health", timeout=5).json()
        except httpx.TransportError:
            if time.perf_counter() - t0 > timeout: raise
            time.sleep(0.1)

def one_level(name, url, c, args):
    "One design at one concurrency, with the decode thread's step profile over the level."
    before = step_totals(url)
    r = run_level(url, c, args.requests, args.max_tokens)
    print(f"[{name}] {c:>3} clients: {r['tokens']} tokens in {r['wall_s']:.2f} s | "
          f"TTFT p50 {r['ttft_p50'] * 1000:.0f} ms p95 {r['ttft_p95'] * 1000:.0f} ms "
          f"| {r['aggregate_tps']:.1f} tok/s | clients' CPU {r['client_cpu_s']:.2f} s", flush=True)
    after = step_totals(url)
    d = {k: after[k] - before[k] for k in after}
    r["rows_per_step"], r["hist"] = d["row_steps"] / max(1, d["steps"]), d["hist"]
    r["questions"] = Counter((i + j) % len(QUESTIONS) for i in range(c)
                             for j in range(args.requests))
    print(f"          decode thread: {d['steps']} steps, {r['rows_per_step']:.1f} rows a step;"
          " " + ", ".join(f"{p} {d[p]:.2f} s" for p in PHASES), flush=True)
    return r

def one_run(args, levels, env):
    "Both designs, every level, with fresh servers: {(design, clients): level result}."
    results = {}
    for name, bs in (("batched", args.batch_size), ("worker", 1)):
        with ServerProcess(f"--device-type={args.device_type}", "-i", args.source,
                           f"--batch-size={bs}", "--max-queue=1024",
                           f"--stream-interval={args.stream_interval}", env=env) as srv:
            wait_ready(srv.url)
            run_level(srv.url, 1, 1, 8)                                              # warm-up
            for c in levels: results[(name, c)] = one_level(name, srv.url, c, args)
    return results

def summary(runs, levels, costs):
    """Medians and ranges over the runs, per level: each design against the other, against the
    engine's bare decode at the level's batch size, and against the engine doing the same work."""
    med = lambda xs: f"{statistics.median(xs):7.1f} [{min(xs):.1f}-{max(xs):.1f}]"
    rng = lambda xs: f"{statistics.median(xs):.2f} [{min(xs):.2f}-{max(xs):.2f}]"
    get = lambda d, c, k: [r[(d, c)][k] for r in runs]
    print("\nclients | batched tok/s | worker tok/s | batched / worker | engine's decode | "
          "batched / engine | rows a step | TTFT p95 batched (s) | same tokens")
    for c in levels:
        b, w = get("batched", c, "aggregate_tps"), get("worker", c, "aggregate_tps")
        bare = statistics.median(c / step_s[c] for step_s, _ in costs)
        p95 = get("batched", c, "ttft_p95")
        rows = statistics.median(get("batched", c, "rows_per_step"))
        same = all(r[("batched", c)]["tokens"] == r[("worker", c)]["tokens"] for r in runs)
        print(f"{c:>7} | {med(b)} | {med(w)} | {rng([x / y for x, y in zip(b, w)])}x | "
              f"{bare:7.1f} | {statistics.median(b) / bare:.2f} | {rows:5.1f} | {rng(p95)} | "
              f"{same}")
    print("\nThe engine alone doing each level's work (the steps each server ran, at their rows,"
          " and every prompt's prefill):")
    print("clients | engine, batched work tok/s | batched / it | engine, worker work tok/s | "
          "worker / it | engine-bound batched / worker")
    for c in levels:
        eb, ew = ([same_work_tps(r[(d, c)], *cost) for r, cost in zip(runs, costs)]
                  for d in ("batched", "worker"))
        b, w = get("batched", c, "aggregate_tps"), get("worker", c, "aggregate_tps")
        print(f"{c:>7} | {med(eb)} | {rng([x / y for x, y in zip(b, eb)])} | {med(ew)} | "
              f"{rng([x / y for x, y in zip(w, ew)])} | {rng([x / y for x, y in zip(eb, ew)])}x")

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", default="sft", choices=["sft", "rl", "base"])
    p.add_argument("--clients", default="1,4,16")
    p.add_argument("--requests", type=int, default=3, help="requests per client, one after another")
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32, help="rows of the batched server")
    p.add_argument("--runs", type=int, default=3, help="repetitions (fresh servers each)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--device-type", default="cpu")
    p.add_argument("--stream-interval", type=int, default=1,
                   help="chat_web's --stream-interval, for both designs")
    args = p.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)      # not a line per request
    levels = [int(c) for c in args.clients.split(",")]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args.threads: env["OMP_NUM_THREADS"] = str(args.threads)
    runs, costs, model = [], [], None
    for k in range(args.runs):
        print(f"--- run {k + 1} of {args.runs}", flush=True)
        runs.append(one_run(args, levels, env))
        if model is None:                   # loaded once the first servers are gone
            if args.threads: torch.set_num_threads(args.threads)
            model, _, _ = load_model(args.source, "cpu", "eval")
        # the engine's costs after each run: the machine's speed drifts
        rows = {n for v in runs[-1].values() for n in v["hist"]}
        costs.append(engine_costs(model, get_tokenizer(), rows | set(levels)))
    summary(runs, levels, costs)
    return runs, costs

if __name__ == "__main__": main()
