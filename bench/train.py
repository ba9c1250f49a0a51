"""Training throughput of the bundled trainer (tokens/s), against nanoGPT's published figure.

    python bench/train.py                                   # tiny model on CPU, ~1 min
    python bench/train.py --device cuda --preset gpt2-124m  # GPT-2 (124M) on one GPU, ~2 min
    python bench/train.py --data OUT/shards ...             # real shards instead of random ones

What it does:
  1. writes synthetic llm.c shards (uniform random GPT-2 token ids, 1 M tokens a shard) into a
     temporary folder, enough for every step, unless ``--data`` names real ones; random tokens
     cost the model exactly what real ones do;
  2. runs ``curation.train.main`` itself, the real loop (memmap loader, autocast, compile,
     AdamW, clipping), for ``--steps`` optimizer steps with no evaluation, into a temporary run
     folder;
  3. reads the per-step ``tokens_per_s`` from the run's log.jsonl and reports the median over the
     steps after the first ``--skip`` (the first ones include torch.compile and allocator warmup).

On CUDA the defaults copy nanoGPT's ``bench.py`` (batch 12 x 1,024 tokens, bf16 autocast,
torch.compile, TF32) with 4 micro-batches of gradient accumulation a step, and the result is
compared with the README's "135ms / iter" for that 12 x 1,024-token iteration (91,022 tokens/s on
an A100; see bench/README-train.md). MFU uses the GPU's dense bf16 peak when its name is known.
The last line is a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# nanoGPT README, "efficiency notes": torch.compile cuts "iteration time from ~250ms / iter to
# 135ms / iter"; bench.py's iteration is batch_size 12 x block_size 1024 of GPT-2 (124M), bf16.
NANOGPT_MS_PER_ITER = 135.0
NANOGPT_TOKENS_PER_ITER = 12 * 1024
NANOGPT_TOKENS_PER_S = NANOGPT_TOKENS_PER_ITER / (NANOGPT_MS_PER_ITER / 1000)  # 91,022 (A100)

# dense bf16 peak FLOP/s by GPU name fragment (NVIDIA data sheets; SXM parts), for MFU
PEAK_BF16 = {"H200": 989e12, "H100 PCIe": 756e12, "H100": 989e12, "A100": 312e12,
             "L40S": 362e12, "A10G": 70e12, "L4": 121e12}


def synthetic_shards(directory: str, tokens: int, vocab: int = 50257) -> None:
    """Random-token train shards (1 M tokens each) plus a small val shard, seeded."""
    from curation.shards import shard_name, write_shard

    rng = np.random.default_rng(0)
    write_shard(os.path.join(directory, shard_name("bench", "val", 0)),
                rng.integers(0, vocab, 65536, dtype=np.uint16))
    per_shard, index = 1 << 20, 1
    while tokens > 0:
        n = min(per_shard, tokens)
        write_shard(os.path.join(directory, shard_name("bench", "train", index)),
                    rng.integers(0, vocab, n, dtype=np.uint16))
        tokens -= n
        index += 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", choices=["tiny", "gpt2-124m"], default=None,
                   help="model (default: tiny on CPU, gpt2-124m on CUDA)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--data", help="folder of real shards (default: synthetic, in a temp dir)")
    p.add_argument("--batch-size", type=int, help="micro-batch rows (default: 12 CUDA, 8 CPU)")
    p.add_argument("--seq-len", type=int, help="tokens per row (default: the block size)")
    p.add_argument("--accum", type=int, default=None,
                   help="micro-batches per optimizer step (default: 4 CUDA, 1 CPU)")
    p.add_argument("--steps", type=int, default=None, help="steps (default: 30 CUDA, 25 CPU)")
    p.add_argument("--skip", type=int, default=5, help="first steps left out of the median")
    p.add_argument("--no-compile", action="store_true", help="CUDA: do not torch.compile")
    args = p.parse_args(argv)

    import torch

    from curation.gpt import GPT, PRESETS
    from curation.train import main as train_main

    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        print("bench/train.py: --device cuda but torch.cuda.is_available() is False",
              file=sys.stderr)
        return 2
    preset = args.preset or ("gpt2-124m" if cuda else "tiny")
    config = PRESETS[preset]
    B = args.batch_size or (12 if cuda else 8)
    T = args.seq_len or config.block_size
    accum = args.accum or (4 if cuda else 1)
    steps = args.steps or (30 if cuda else 25)
    if steps <= args.skip:
        p.error(f"--steps {steps} must be more than --skip {args.skip}")
    tokens_per_step = B * T * accum

    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        data = args.data
        if data is None:
            data = os.path.join(tmp, "shards")
            os.makedirs(data)
            synthetic_shards(data, steps * tokens_per_step + 1)
        run = os.path.join(tmp, "run")
        argv = ["--data", data, "--out", run, "--preset", preset, "--device", args.device,
                "--batch-size", str(B), "--seq-len", str(T),
                "--total-batch-tokens", str(tokens_per_step), "--max-steps", str(steps),
                "--warmup-steps", "10", "--eval-every", "0", "--ckpt-every", "0",
                "--log-every", "5"]
        if args.no_compile:
            argv.append("--no-compile")
        status = train_main(argv)
        if status:
            return status
        with open(os.path.join(run, "log.jsonl")) as f:
            log = [json.loads(line) for line in f]
    header = log[0]["args"]
    rates = [e["tokens_per_s"] for e in log if "tokens_per_s" in e][args.skip:]
    tok_s = statistics.median(rates)

    with torch.device("meta"):
        flops_per_token = GPT(config).flops_per_token(T)
    summary = {
        "bench": "train", "preset": preset, "device": args.device,
        "device_name": torch.cuda.get_device_name() if cuda else f"cpu x{torch.get_num_threads()}",
        "torch": torch.__version__, "dtype": header["dtype"], "compile": header["compile"],
        "batch_size": B, "seq_len": T, "accum": accum, "tokens_per_step": tokens_per_step,
        "steps_timed": len(rates), "tokens_per_s": round(tok_s),
        "tflops": round(flops_per_token * tok_s / 1e12, 3),  # model FLOPs (6N + attention)
    }
    if cuda:
        name = torch.cuda.get_device_name()
        peak = next((v for k, v in PEAK_BF16.items() if k in name), None)
        summary["mfu"] = round(flops_per_token * tok_s / peak, 3) if peak else None
    if preset == "gpt2-124m":
        summary["ms_per_12x1024"] = round(NANOGPT_TOKENS_PER_ITER / tok_s * 1000, 1)
        summary["nanogpt_tokens_per_s"] = round(NANOGPT_TOKENS_PER_S)
        summary["nanogpt_hardware"] = "A100 (README: 135 ms/iter, 12 x 1024 tokens)"
        summary["ratio_vs_nanogpt"] = round(tok_s / NANOGPT_TOKENS_PER_S, 2)
    print(f"\n{preset} on {summary['device_name']}: {tok_s:,.0f} tokens/s "
          f"(median of {len(rates)} steps of {tokens_per_step:,} tokens), "
          f"{summary['tflops']} TFLOP/s" + (
              f", {summary['ratio_vs_nanogpt']}x nanoGPT's {NANOGPT_TOKENS_PER_S:,.0f} tokens/s"
              if "ratio_vs_nanogpt" in summary else ""))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
