"""Whose thread pool: a decode step in a second thread, after the main thread has used torch's
CPU thread pool with N threads. Each case runs in a fresh process (the d4 shape of runs/runcpu.sh,
random weights, `DecodeStep` over a `KVCache`, the decode thread at 2 threads).

    python bench/bench_threads.py          # main thread at 2 threads, then at 1; batch 1 and 16
"""
import json, subprocess, sys, textwrap

CASE = textwrap.dedent("""
    import json, sys, threading, time, torch
    from nanochat.gpt import GPT, GPTConfig
    from nanochat.engine import DecodeStep
    from nanochat.flash_attention import KVCache
    torch.set_num_threads(int(sys.argv[1]))                   # the main thread's pool
    a = torch.randn(512, 512)
    for _ in range(20): a @ a
    torch.manual_seed(0)
    m = GPT(GPTConfig(sequence_len=512, vocab_size=8192, n_layer=4, n_head=4, n_kv_head=4,
                      n_embd=256, window_pattern="L"))
    m.init_weights(); m.eval()
    def decode(B, out, steps=200):
        torch.set_num_threads(2)                              # the decode thread's pool
        cache = KVCache(B, 4, 48 + steps + 8, 64, 4, "cpu", torch.float32)
        step, ids = DecodeStep(m), torch.zeros(B, dtype=torch.long)
        with torch.inference_mode():
            m(torch.zeros(B, 48, dtype=torch.long), kv_cache=cache)
            for _ in range(8): step(ids, cache)
            t0 = time.perf_counter()
            for _ in range(steps): step(ids, cache)
        out[B] = (time.perf_counter() - t0) / steps * 1000
    out = {}
    for B in (1, 16):
        t = threading.Thread(target=decode, args=(B, out))
        t.start()
        t.join()
    print(json.dumps(out))
""")

def main():
    for n in (2, 1, 2, 1):
        r = json.loads(subprocess.run([sys.executable, "-c", CASE, str(n)], capture_output=True,
                                      text=True, check=True).stdout)
        print(f"main thread's pool at {n} thread(s): decode step in another thread "
              + ", ".join(f"{ms:.2f} ms at batch {B}" for B, ms in r.items()), flush=True)

if __name__ == "__main__": main()
