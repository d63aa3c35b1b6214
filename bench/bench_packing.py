"""Packing benchmark: upstream's BOS-aligned best-fit packer against this project's, same rows, same run.

    python bench/bench_packing.py --texts DIR [--chars 30e6] [--B 32] [--T 2048] [--batches 40]

DIR: text files as for bench/bench_tokenizer.py (its docstring lists a ~30M-character set from the
package registries). Two measurements, each the median of interleaved repetitions:

1. packing alone: the same pre-tokenized documents, in the same slices, packed into `--batches` batches of
   (B, T+1) by (a) upstream's algorithm as upstream writes it (a linear scan of a Python list per
   placement, `torch.tensor` per document) and (b) `nanochat.dataloader` (`BestFitBuffer` + `fill_rows`);
   the rows must be identical.
2. end to end, from parquet shards to (inputs, targets): (a) upstream's loader, transcribed (tokenizing
   synchronously inside the refill) and (b) `tokenizing_distributed_data_loader_with_state_bos_bestfit`
   (background tokenization); again the rows must be identical.
3. the same two loaders beside a simulated training step of `--step-ms` per batch during which the CPU is
   idle (as while a GPU computes): how long training waits for data.
"""
import argparse, os, statistics, sys, tempfile, time
from unittest import mock
import numpy as np, torch, pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(__file__))
from bench_tokenizer import load_documents, make_shards, timed
from nanochat.dataset import write_shards, split_parquet_files
from nanochat.tokenizer import RustBPETokenizer
from nanochat.dataloader import (BestFitBuffer, fill_rows, document_batches,
                                 tokenizing_distributed_data_loader_with_state_bos_bestfit)


def upstream_fill(row_buffer, doc_buffer, buffer_size, refill):
    "Upstream's packing of one batch, as upstream writes it: list scan per placement, torch.tensor per doc."
    B, row_capacity = row_buffer.shape
    for row_idx in range(B):
        pos = 0
        while pos < row_capacity:
            while len(doc_buffer) < buffer_size:
                refill()
            remaining = row_capacity - pos
            best_idx, best_len = -1, 0
            for i, doc in enumerate(doc_buffer):
                doc_len = len(doc)
                if doc_len <= remaining and doc_len > best_len:
                    best_idx, best_len = i, doc_len
            if best_idx >= 0:
                doc = doc_buffer.pop(best_idx)
                row_buffer[row_idx, pos:pos + len(doc)] = torch.tensor(doc, dtype=torch.long)
                pos += len(doc)
            else:
                shortest_idx = min(range(len(doc_buffer)), key=lambda i: len(doc_buffer[i]))
                doc = doc_buffer.pop(shortest_idx)
                row_buffer[row_idx, pos:pos + remaining] = torch.tensor(doc[:remaining], dtype=torch.long)
                pos += remaining


def upstream_pack(batches, B, T, buffer_size, n):
    "Upstream's packing loop for n batches of pre-tokenized slices."
    doc_buffer, out = [], []
    row_buffer = torch.empty((B, T + 1), dtype=torch.long)
    for _ in range(n):
        upstream_fill(row_buffer, doc_buffer, buffer_size, lambda: doc_buffer.extend(next(batches)))
        out.append(row_buffer.clone())
    return out


def fast_pack(batches, B, T, buffer_size, n):
    "Ours; `batches` yields lists of int32 arrays (what our tokenizer thread produces) or of lists (converted here)."
    buf, out = BestFitBuffer(), []
    def refill():
        for d in next(batches): buf.push(d if isinstance(d, np.ndarray) else np.asarray(d, dtype=np.int32))
    rows = np.empty((B, T + 1), dtype=np.int64)
    for _ in range(n):
        fill_rows(buf, rows, refill, buffer_size); out.append(torch.from_numpy(rows.copy()))
    return out


def upstream_loader(tokenizer, B, T, split, data_dir, tokenizer_threads=4, tokenizer_batch_size=128, buffer_size=1000):
    "Upstream's loader on CPU: document batches, synchronous tokenization in refill, the scan packer."
    paths = split_parquet_files(split, data_dir)
    batches = document_batches(paths, 0, 1, tokenizer_batch_size)
    bos = tokenizer.get_bos_token_id()
    doc_buffer = []
    row_buffer = torch.empty((B, T + 1), dtype=torch.long)
    cpu_buffer = torch.empty(2 * B * T, dtype=torch.long)
    gpu_buffer = torch.empty(2 * B * T, dtype=torch.long)
    inputs, targets = gpu_buffer[:B * T].view(B, T), gpu_buffer[B * T:].view(B, T)
    def refill():  # synchronous tokenization, as upstream
        texts, _ = next(batches)
        doc_buffer.extend(tokenizer.encode(texts, prepend=bos, num_threads=tokenizer_threads))
    while True:
        upstream_fill(row_buffer, doc_buffer, buffer_size, refill)
        cpu_buffer[:B * T].view(B, T).copy_(row_buffer[:, :-1]); cpu_buffer[B * T:].view(B, T).copy_(row_buffer[:, 1:])
        gpu_buffer.copy_(cpu_buffer)
        yield inputs, targets


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--texts", required=True)
    p.add_argument("--chars", type=lambda s: int(float(s)), default=30_000_000)
    p.add_argument("--B", type=int, default=32); p.add_argument("--T", type=int, default=2048)
    p.add_argument("--batches", type=int, default=100); p.add_argument("--reps", type=int, default=3)
    p.add_argument("--vocab-size", type=int, default=32768)
    p.add_argument("--step-ms", type=int, default=60, help="simulated accelerator time per batch for measurement 3")
    args = p.parse_args(argv)
    import logging; logging.getLogger("rustbpe").setLevel(logging.WARNING)
    B, T, n = args.B, args.T, args.batches
    docs, nchars = load_documents(args.texts, args.chars)
    with tempfile.TemporaryDirectory() as base:
        data_dir = make_shards(docs, base)
        tok = RustBPETokenizer.train_from_iterator(iter(docs[:-200]), args.vocab_size)
        bos = tok.get_bos_token_id()
        print(f"{len(docs):,} documents, {nchars:,} chars; vocab {tok.get_vocab_size():,}; B={B}, T={T}, {n} batches per run")

        # 1. packing alone, on pre-tokenized slices
        import itertools
        slices = [tok.encode(texts, prepend=bos) for texts, _ in
                  itertools.islice(document_batches(split_parquet_files("train", data_dir), 0, 1, 128), 60)]
        arrays = [[np.asarray(d, dtype=np.int32) for d in sl] for sl in slices]
        ntok = sum(len(d) for sl in slices for d in sl)
        t_up, t_fast, t_fast_lists = [], [], []
        for _ in range(args.reps):   # the slices repeat (epochs), so n can exceed the corpus
            dt, up_rows = timed(lambda: upstream_pack(itertools.cycle(slices), B, T, 1000, n)); t_up.append(dt)
            dt, fast_rows = timed(lambda: fast_pack(itertools.cycle(arrays), B, T, 1000, n)); t_fast.append(dt)
            dt, fast_rows2 = timed(lambda: fast_pack(itertools.cycle(slices), B, T, 1000, n)); t_fast_lists.append(dt)
        assert all(torch.equal(a, b) and torch.equal(a, c) for a, b, c in zip(up_rows, fast_rows, fast_rows2)), "packers disagree"
        up, fast, fast_l = statistics.median(t_up), statistics.median(t_fast), statistics.median(t_fast_lists)
        toks = n * B * T
        print(f"\npacking alone ({n} batches from {len(slices)} repeating slices of {ntok:,} tokens; identical rows):")
        print(f"  upstream (lists in, torch.tensor per doc)     {up:7.3f}s  {toks / up / 1e6:7.2f} M tok/s")
        print(f"  ours (int32 arrays in, as the loader feeds it) {fast:7.3f}s  {toks / fast / 1e6:7.2f} M tok/s  x{up / fast:.1f}")
        print(f"  ours (lists in, converted on arrival)          {fast_l:7.3f}s  {toks / fast_l / 1e6:7.2f} M tok/s  x{up / fast_l:.1f}")

        # 2. end to end
        def run_up():
            it = upstream_loader(tok, B, T, "train", data_dir)
            return [next(it)[0].clone() for _ in range(n)]
        def run_ours():
            it = tokenizing_distributed_data_loader_with_state_bos_bestfit(tok, B, T, "train", device="cpu", data_dir=data_dir)
            out = [next(it)[0].clone() for _ in range(n)]; it.close(); return out
        e_up, e_ours = [], []
        for _ in range(args.reps):
            dt, a = timed(run_up); e_up.append(dt)
            dt, b = timed(run_ours); e_ours.append(dt)
        assert all(torch.equal(x, y) for x, y in zip(a, b)), "loaders disagree"
        up, ours = statistics.median(e_up), statistics.median(e_ours)
        print(f"\nend to end, parquet -> tokens -> rows ({n} batches, identical rows):")
        print(f"  upstream  {up:7.3f}s  {toks / up / 1e6:7.2f} M tok/s")
        print(f"  ours      {ours:7.3f}s  {toks / ours / 1e6:7.2f} M tok/s")
        print(f"  speed-up  x{up / ours:.1f}")

        # 3. end to end beside a training step: the accelerator computes while the CPU is free (sleep)
        step = args.step_ms / 1000
        def with_steps(make):
            it = make(); t0 = time.perf_counter()
            for _ in range(n): next(it); time.sleep(step)
            dt = time.perf_counter() - t0
            if hasattr(it, "close"): it.close()
            return dt
        s_up = statistics.median(with_steps(lambda: upstream_loader(tok, B, T, "train", data_dir)) for _ in range(args.reps))
        s_ours = statistics.median(with_steps(lambda: tokenizing_distributed_data_loader_with_state_bos_bestfit(
            tok, B, T, "train", device="cpu", data_dir=data_dir)) for _ in range(args.reps))
        floor = n * step
        print(f"\nwith a simulated {args.step_ms} ms training step per batch (CPU idle meanwhile; {floor:.2f}s of steps):")
        print(f"  upstream  {s_up:7.3f}s  data stalls {s_up - floor:6.3f}s")
        print(f"  ours      {s_ours:7.3f}s  data stalls {s_ours - floor:6.3f}s")
        print(f"  speed-up  x{s_up / s_ours:.2f} overall, x{(s_up - floor) / max(s_ours - floor, 1e-9):.1f} less time waiting for data")


if __name__ == "__main__":
    main()
