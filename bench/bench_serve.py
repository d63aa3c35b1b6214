"""Serving benchmark: N concurrent streaming clients against `python -m nanochat.scripts.chat_web`, with continuous
batching (--batch-size 32) and with the seed's one-request-per-worker design (--batch-size 1), in the same run.

    python bench/bench_serve.py                       # the checkpoint runs/runcpu.sh made (NANOCHAT_BASE_DIR or ~/.cache/nanochat)
    python bench/bench_serve.py --clients 1,4,16 --requests 3 --max-tokens 64

Each client sends `--requests` streamed requests one after another to /v1/chat/completions, each with its own seed, so
both designs generate exactly the same replies (the server's seeded sampling does not depend on the batch) and the
same number of tokens. Reported per design and concurrency: time to first token p50/p95 (request sent -> first
content), tokens/s per client (its tokens over its busy time) and aggregate (all tokens over the wall time), then the
ratio batched / worker design.
"""
import argparse, json, os, statistics, time
from concurrent.futures import ThreadPoolExecutor

import httpx

from nanochat.scripts.chat_web import ServerProcess

QUESTIONS = ["Hello! How are you?", "What is the capital of France?", "Tell me a joke.", "Why is the sky blue?",
             "Write a haiku about the sea.", "What is 12 times 7?", "Who are you?", "Give me three tips to sleep better."]

def one_request(url, i, j, max_tokens):
    "(ttft s, tokens, seconds) of one streamed request."
    body = {"model": "nanochat", "messages": [{"role": "user", "content": QUESTIONS[(i + j) % len(QUESTIONS)]}],
            "max_tokens": max_tokens, "temperature": 0.8, "top_k": 50, "seed": 1000 * i + j, "stream": True,
            "stream_options": {"include_usage": True}}
    t0, ttft, tokens = time.perf_counter(), None, None
    with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=600) as r:
        if r.status_code != 200: raise RuntimeError(f"HTTP {r.status_code}: {r.read()[:200]}")
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]": continue
            ev = json.loads(line[6:])
            if ttft is None and ev["choices"] and ev["choices"][0]["delta"].get("content"): ttft = time.perf_counter() - t0
            if ev.get("usage"): tokens = ev["usage"]["completion_tokens"]
    return (ttft if ttft is not None else time.perf_counter() - t0), tokens, time.perf_counter() - t0

def run_level(url, clients, requests, max_tokens):
    def client(i):
        return [one_request(url, i, j, max_tokens) for j in range(requests)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as ex: per_client = list(ex.map(client, range(clients)))
    wall = time.perf_counter() - t0
    flat = [r for rs in per_client for r in rs]
    ttfts = sorted(r[0] for r in flat)
    pct = lambda q: ttfts[min(len(ttfts) - 1, int(q * len(ttfts)))]
    total = sum(r[1] for r in flat)
    per_client_tps = [sum(r[1] for r in rs) / sum(r[2] for r in rs) for rs in per_client]
    return dict(clients=clients, requests=len(flat), tokens=total, wall_s=wall, ttft_p50=pct(0.5), ttft_p95=pct(0.95),
                client_tps=statistics.mean(per_client_tps), aggregate_tps=total / wall)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", default="sft", choices=["sft", "rl", "base"])
    p.add_argument("--clients", default="1,4,16")
    p.add_argument("--requests", type=int, default=3, help="requests per client, one after another")
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32, help="rows of the batched server")
    p.add_argument("--threads", type=int, default=None, help="torch threads of the servers (default: torch's)")
    p.add_argument("--device-type", default="cpu")
    args = p.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args.threads: env["OMP_NUM_THREADS"] = str(args.threads)
    results = {}
    for name, bs in (("batched", args.batch_size), ("worker", 1)):
        with ServerProcess(f"--device-type={args.device_type}", "-i", args.source, f"--batch-size={bs}", "--max-queue=1024", env=env) as srv:
            print(f"[{name}] {srv.log[-2].strip()}", flush=True)
            one_request(srv.url, 0, 0, 8)                                            # warm-up
            for c in levels:
                r = results[(name, c)] = run_level(srv.url, c, args.requests, args.max_tokens)
                print(f"[{name}] {c:>3} clients: {r['requests']} requests, {r['tokens']} tokens in {r['wall_s']:.2f} s | TTFT p50 "
                      f"{r['ttft_p50'] * 1000:.0f} ms p95 {r['ttft_p95'] * 1000:.0f} ms | per client {r['client_tps']:.1f} tok/s | "
                      f"aggregate {r['aggregate_tps']:.1f} tok/s", flush=True)
    print("\nclients | aggregate tok/s batched / worker (ratio) | TTFT p95 batched / worker | same tokens")
    for c in levels:
        b, w = results[("batched", c)], results[("worker", c)]
        print(f"{c:>7} | {b['aggregate_tps']:8.1f} / {w['aggregate_tps']:8.1f} ({b['aggregate_tps'] / w['aggregate_tps']:.2f}x) | "
              f"{b['ttft_p95']:.2f} s / {w['ttft_p95']:.2f} s | {b['tokens'] == w['tokens']}")
    return results

if __name__ == "__main__": main()
