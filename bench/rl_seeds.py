"""The RL lesson's demonstration (16_chat_rl), rerun under other seeds, thread counts and initial
learning rates: how often does it work, and by how much?

    python bench/rl_seeds.py                        # seeds 0,1,2 on 1 thread, lr frac 0.1
    python bench/rl_seeds.py --seeds 0 --threads 2 --init-lr-fracs 0.1,0.5

Each run is the lesson's: a 2,048-token tokenizer trained on the embedded corpus, the ToolOrNot SFT
model (`demo_sft`, seeded), then `chat_rl` with the lesson's flags (4 questions x 16 samples a step,
24 steps, 64 held-out questions at steps 0 and 24). Reported per run: held-out accuracy (each
question's fraction of 16 samples right) before and after, their difference with a 95% interval over
the questions, and the share of rollouts that call the tool in the first and the last 4 steps. The
thread count matters: it changes the float rounding, and with it the whole trajectory.
"""
import argparse, contextlib, io, os, tempfile, time
from unittest import mock

import numpy as np
import torch
from dataclasses import asdict

from nanochat.checkpoint_manager import save_checkpoint
from nanochat.dataset import get_embedded_data_dir, parquets_iter_batched
from nanochat.scripts.chat_rl import demo_sft, demo_tasks, main as chat_rl
from nanochat.tokenizer import RustBPETokenizer

def mean_ci(xs):
    xs = np.asarray(xs, float)
    return xs.mean(), 1.96 * xs.std(ddof=1) / np.sqrt(len(xs))

def one_run(tok, tasks, seed, threads, lr_frac):
    "The lesson's SFT and RL under one setting: its numbers as a dict."
    torch.set_num_threads(threads)
    base = tempfile.mkdtemp()
    tok.save(os.path.join(base, "tokenizer"))
    model, _ = demo_sft(tok, tasks[0], seed=seed)
    flags = ["--device-type=cpu", "--examples-per-step=4", "--num-samples=16",
             "--device-batch-size=16", "--num-iterations=24", "--eval-every=12",
             "--eval-examples=64", f"--init-lr-frac={lr_frac}", "--save-every=-1"]
    with mock.patch.dict(os.environ, {"NANOCHAT_BASE_DIR": base}):
        save_checkpoint(os.path.join(base, "chatsft_checkpoints", "d2"), 200, model.state_dict(),
                        None, dict(step=200, model_config=asdict(model.config)))
        with contextlib.redirect_stdout(io.StringIO()): rl = chat_rl(flags, tasks=tasks)
    before, after = (np.array(rl["correct"][s]) / 16 for s in (0, 24))
    tools = [r["tool_frac"] for r in rl["history"]]
    return dict(before=mean_ci(before), after=mean_ci(after), diff=mean_ci(after - before),
                tools=(np.mean(tools[:4]), np.mean(tools[-4:])))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", default="0,1,2", help="SFT model seeds")
    p.add_argument("--threads", default="1", help="torch thread counts, e.g. 1,2")
    p.add_argument("--init-lr-fracs", default="0.1", help="chat_rl --init-lr-frac values")
    args = p.parse_args(argv)
    emb = get_embedded_data_dir()
    corpus = (d for b in parquets_iter_batched("train", data_dir=emb) for d in b)
    tok, tasks = RustBPETokenizer.train_from_iterator(corpus, 2048), demo_tasks()
    print("seed threads lr_frac | held-out accuracy: before -> after | difference (95%) | tool use")
    rows = []
    for lr in (float(x) for x in args.init_lr_fracs.split(",")):
        for threads in (int(x) for x in args.threads.split(",")):
            for seed in (int(x) for x in args.seeds.split(",")):
                start = time.time()
                r = one_run(tok, tasks, seed, threads, lr)
                rows.append(r)
                (b, _), (a, _), (d, ci), (t0, t1) = r["before"], r["after"], r["diff"], r["tools"]
                print(f"{seed:>4} {threads:>7} {lr:>7} | {b:.3f} -> {a:.3f} | {d:+.3f} ± {ci:.3f} "
                      f"| {t0:.2f} -> {t1:.2f} ({time.time() - start:.0f} s)", flush=True)
    return rows

if __name__ == "__main__": main()
