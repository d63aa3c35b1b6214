"""Optimizer step benchmark: MuonAdamW eager against torch.compile'd step functions, same run.

    python bench/bench_optim.py [--depths 4 12] [--reps 3] [--device cpu]

For each depth, the GPT parameter set of upstream's depth dial (vocab 32768, context 2048) gets random
gradients, and a full `MuonAdamW.step()` is timed: eager, then compiled (the first compiled step, which
includes compilation, is reported separately). The compiled result is checked against eager.
"""
import argparse, math, statistics, time
import torch
from nanochat.gpt import GPT, GPTConfig
from nanochat.optim import MuonAdamW


def build(depth, device):
    d = math.ceil(depth * 64 / 128) * 128
    cfg = GPTConfig(n_layer=depth, n_embd=d, n_head=d // 128, n_kv_head=d // 128)
    with torch.device("meta"): m = GPT(cfg)
    m.to_empty(device=device); m.init_weights()
    return m


def time_steps(model, compile, grads, reps, device):
    opt = MuonAdamW(model.optimizer_param_groups(weight_decay=0.1), compile=compile)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    times = []
    for r in range(reps + 1):
        for p, g in zip(model.parameters(), grads): p.grad = g.clone()
        sync(); t0 = time.perf_counter(); opt.step(); sync()
        times.append(time.perf_counter() - t0)
    return times[0], statistics.median(times[1:])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depths", type=int, nargs="+", default=[4, 12])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    for depth in args.depths:
        torch.manual_seed(0)
        a, b = build(depth, args.device), build(depth, args.device)
        b.load_state_dict(a.state_dict())
        grads = [torch.randn_like(p) * 1e-3 for p in a.parameters()]
        n = sum(p.numel() for p in a.parameters())
        first_e, eager = time_steps(a, False, grads, args.reps, args.device)
        first_c, comp = time_steps(b, True, grads, args.reps, args.device)
        diff = max((x - y).abs().max().item() for x, y in zip(a.parameters(), b.parameters()))
        print(f"d{depth} ({n / 1e6:.1f}M params): eager {eager * 1000:8.1f} ms/step | compiled {comp * 1000:8.1f} ms/step "
              f"(first step incl. compile {first_c:.1f}s) | compiled/eager time {comp / eager:.2f} | max param diff {diff:.1e}")


if __name__ == "__main__":
    main()
