"""Train the GPT of ``curation/gpt.py`` on the token shards a curation job wrote.

    curation train --data OUT/shards --out runs/tiny                      # CPU, seconds a step
    curation train --data OUT/shards --out runs/124m --preset gpt2-124m   # one GPU
    torchrun --standalone --nproc_per_node=8 -m curation.train --data OUT/shards --out runs/124m \\
        --preset gpt2-124m                                                # eight GPUs, DDP
    curation sample runs/tiny/ckpt.pt --prompt "The city council" --max-new-tokens 50

A plain loop in the spirit of nanoGPT's ``train.py``: llm.c shards read through numpy memmaps,
AdamW (decay on matrices only), linear warmup then cosine decay, gradient accumulation up to
``--total-batch-tokens`` per step, gradient clipping, bf16 autocast and ``torch.compile`` on
CUDA, DistributedDataParallel under ``torchrun``, validation loss every ``--eval-every`` steps
and a checkpoint (model, optimizer, step, data position, RNG states) that resumes exactly.
Rerunning the same command picks up ``RUN_DIR/ckpt.pt`` by itself.

Progress goes to stdout, one line a step::

    step 12/200 | loss=7.1234 | lr 6.0e-04 | 12,345 tok/s | eta 1m23s

and as JSON lines to ``RUN_DIR/log.jsonl``: a header ``{"args": ..., "model": ...}``, then
``{"step", "loss", "lr", "tokens_per_s", "elapsed_s", "grad_norm"}`` per step and
``{"step", "val_loss"}`` per evaluation.

The data loader needs only numpy; PyTorch (the ``train`` extra) is imported when present, so the
rest of the project imports this module without it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from contextlib import nullcontext
from dataclasses import asdict, replace

import numpy as np

from curation.shards import ShardError, list_shards, peek_header, read_tokens, shard_name

try:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    from curation.gpt import GPT, PRESETS, GPTConfig
except ModuleNotFoundError as e:  # the trainer is optional: pip install 'curation[train]'
    if e.name != "torch":
        raise
    torch = None


# -----------------------------------------------------------------------------
# data loading

class ShardLoader:
    """Batches of (B, T) inputs and next-token targets from one split's shards, in order.

    The shards of a split are read as one token stream: a batch that runs past the end of a
    shard continues in the next, and the stream starts over (``epoch`` + 1) when fewer than a
    window's tokens are left. Ranks share the stream like llm.c's ``DistributedDataLoader``:
    each step takes a window of ``world_size * B * T`` tokens starting at ``position``, and rank
    ``r`` reads ``B * T + 1`` of them from ``position + r * B * T`` (its targets overlap the next
    rank's first token). The ranks of one step are disjoint and together cover the window.

    Args:
        directory: folder holding ``*_{split}_NNNNNN.bin`` shards.
        split: "train" or "val".
        batch_size: rows per batch (B), per rank.
        seq_len: tokens per row (T).
        rank: this process's rank.
        world_size: number of processes sharing the stream.

    Raises:
        ShardError: no shards, a damaged shard (the message names the file), or fewer tokens
            than one step needs.
    """

    def __init__(self, directory: str, split: str, batch_size: int, seq_len: int,
                 rank: int = 0, world_size: int = 1):
        self.directory, self.split = directory, split
        self.B, self.T, self.rank, self.world_size = batch_size, seq_len, rank, world_size
        self.files = list_shards(directory, split)
        if not self.files:
            raise ShardError(f"no {split} shards in {directory} (files named like "
                             f"{shard_name('curation', split, 0)}); write them with "
                             "`curation run --output OUT` and pass --data OUT/shards")
        self.sizes = [peek_header(f).n_tokens for f in self.files]  # checks every header now
        self.starts = np.cumsum([0] + self.sizes)  # stream offset of each shard; last = total
        self.total = int(self.starts[-1])
        self.window = world_size * batch_size * seq_len  # tokens consumed per step, all ranks
        if self.total < self.window + 1:
            raise ShardError(
                f"the {split} shards in {directory} hold {self.total:,} tokens, fewer than the "
                f"{self.window + 1:,} one step needs (world_size {world_size} x batch_size "
                f"{batch_size} x seq_len {seq_len} + 1); lower --batch-size/--seq-len or "
                "curate more data")
        self.position, self.epoch = 0, 0
        self._open: dict[int, np.ndarray] = {}  # shard index -> memmap; at most two stay open

    @property
    def batches_per_epoch(self) -> int:
        return (self.total - 1) // self.window

    def reset(self) -> None:
        self.position, self.epoch = 0, 0

    def _shard(self, i: int) -> np.ndarray:
        if i not in self._open:
            if len(self._open) >= 2:
                self._open.pop(next(iter(self._open)))
            self._open[i] = read_tokens(self.files[i])
        return self._open[i]

    def read(self, start: int, n: int) -> np.ndarray:
        """``n`` tokens of the stream from ``start``, across shard boundaries."""
        out = np.empty(n, dtype=np.uint16)
        filled = 0
        while filled < n:
            pos = start + filled
            i = int(np.searchsorted(self.starts, pos, side="right")) - 1  # skips empty shards
            off = pos - int(self.starts[i])
            take = min(n - filled, self.sizes[i] - off)
            out[filled:filled + take] = self._shard(i)[off:off + take]
            filled += take
        return out

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """This rank's (inputs, targets), int64 arrays of shape (B, T); then advance a window."""
        if self.position + self.window + 1 > self.total:
            self.position, self.epoch = 0, self.epoch + 1
        buf = self.read(self.position + self.rank * self.B * self.T, self.B * self.T + 1)
        buf = buf.astype(np.int64)
        self.position += self.window
        return buf[:-1].reshape(self.B, self.T), buf[1:].reshape(self.B, self.T)

    def state_dict(self) -> dict:
        """Where the stream stands: shard index and offset in it (plus the flat position)."""
        i = int(np.searchsorted(self.starts, self.position, side="right")) - 1
        i = min(i, len(self.files) - 1)
        return {"split": self.split, "shard": i, "offset": self.position - int(self.starts[i]),
                "position": self.position, "epoch": self.epoch, "tokens": self.total}

    def load_state_dict(self, state: dict) -> None:
        """Continue from ``state_dict()``'s shard and offset (any world size or batch shape)."""
        i, off = int(state["shard"]), int(state["offset"])
        if not (0 <= i < len(self.files) and 0 <= off <= self.sizes[i]):
            raise ShardError(f"checkpoint's data position (shard {i}, offset {off:,}) is not in "
                             f"the {len(self.files)} {self.split} shards of {self.directory}; "
                             "were the shards rewritten? pass --no-resume to start over")
        self.position, self.epoch = int(self.starts[i]) + off, int(state["epoch"])


def split_tokens(directory: str, split: str) -> int:
    """Tokens in one split's shards (headers checked), 0 when it has none."""
    return sum(peek_header(f).n_tokens for f in list_shards(directory, split))


# -----------------------------------------------------------------------------
# learning rate, checkpoints

def get_lr(step: int, max_lr: float, min_lr: float, warmup: int, decay_steps: int) -> float:
    """Learning rate of optimizer step ``step`` (1-based): linear warmup, cosine to min_lr."""
    if step <= warmup:
        return max_lr * step / warmup
    if step >= decay_steps:
        return min_lr
    ratio = (step - warmup) / (decay_steps - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (max_lr - min_lr)


def rng_state(cuda: bool) -> dict:
    """torch, numpy, Python (and this process's CUDA device's) RNG states, in types that
    ``torch.load(weights_only=True)`` takes."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "numpy": (kind, keys.tolist(), pos, has_gauss, gauss),
             "python": random.getstate()}
    if cuda:
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def save_checkpoint(path: str, **ckpt) -> None:
    """``torch.save`` to a temporary file, then rename: a crash never leaves half a checkpoint."""
    tmp = f"{path}.tmp-{os.getpid()}"
    torch.save(ckpt, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str) -> dict:
    # weights_only: tensors, dicts, lists and numbers only, never arbitrary pickled objects
    return torch.load(path, map_location="cpu", weights_only=True)


# -----------------------------------------------------------------------------
# arguments

MODEL_FLAGS = ("block_size", "vocab_size", "n_layer", "n_head", "n_embd", "dropout")

# Training defaults of each preset; any flag given on the command line wins.
TRAIN_PRESETS = {
    "tiny": dict(batch_size=8, seq_len=128, total_batch_tokens=8 * 128, max_steps=200, lr=1e-3,
                 warmup_steps=20, eval_every=50, eval_batches=10, ckpt_every=100),
    # llm.c's GPT-2 (124M) recipe: 0.5M tokens a step, 10B tokens (19,073 steps), 700 warmup
    "gpt2-124m": dict(batch_size=16, seq_len=1024, total_batch_tokens=524288, max_steps=19073,
                      lr=6e-4, warmup_steps=700, eval_every=250, eval_batches=20,
                      ckpt_every=1000),
}
COMMON_DEFAULTS = dict(min_lr_ratio=0.1, weight_decay=0.1, beta1=0.9, beta2=0.95, grad_clip=1.0,
                       log_every=1, seed=1337)


def preset_help() -> str:
    lines = ["presets (flags override any field):"]
    for name, t in TRAIN_PRESETS.items():
        c = PRESETS[name]
        lines.append(f"  {name}: {c.n_layer} layers x {c.n_head} heads x {c.n_embd}, block "
                     f"{c.block_size}, vocab {c.vocab_size}; batch {t['batch_size']} x "
                     f"{t['seq_len']}, {t['total_batch_tokens']:,} tokens/step, "
                     f"{t['max_steps']:,} steps, lr {t['lr']:g}, warmup {t['warmup_steps']}")
    lines.append("  both: " + ", ".join(f"{k.replace('_', '-')} {v:g}"
                                       for k, v in COMMON_DEFAULTS.items()))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="curation train",
        description="Train a GPT-2-style model on the token shards of a curation run. "
                    "Reruns resume from RUN_DIR/ckpt.pt. Multi-GPU: torchrun --nproc_per_node=N "
                    "-m curation.train ...",
        epilog=preset_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, metavar="DIR",
                   help="folder of llm.c shards (OUTPUT/shards)")
    p.add_argument("--out", required=True, metavar="RUN_DIR",
                   help="run folder: log.jsonl and ckpt.pt go here")
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny",
                   help="model shape and training defaults (default: tiny); see below")
    g = p.add_argument_group("model (default: from --preset)")
    g.add_argument("--n-layer", type=int, help="transformer blocks")
    g.add_argument("--n-head", type=int, help="attention heads per block")
    g.add_argument("--n-embd", type=int, help="residual stream width")
    g.add_argument("--block-size", type=int, help="longest context in tokens")
    g.add_argument("--vocab-size", type=int, help="embedding rows (>= the tokenizer's vocabulary)")
    g.add_argument("--dropout", type=float, help="dropout rate")
    g = p.add_argument_group("batch and schedule (default: from --preset)")
    g.add_argument("--batch-size", type=int, help="sequences per micro-batch, per process")
    g.add_argument("--seq-len", type=int, help="tokens per sequence (<= block size)")
    g.add_argument("--total-batch-tokens", type=int,
                   help="tokens per optimizer step, all processes; a multiple of batch-size x "
                        "seq-len x processes (the rest is gradient accumulation)")
    g.add_argument("--max-steps", type=int, help="optimizer steps to train for")
    g.add_argument("--lr", type=float, help="peak learning rate")
    g.add_argument("--min-lr-ratio", type=float, help="final learning rate / peak")
    g.add_argument("--warmup-steps", type=int, help="linear warmup steps")
    g.add_argument("--lr-decay-steps", type=int,
                   help="step where the cosine reaches min lr (default: --max-steps)")
    g.add_argument("--weight-decay", type=float, help="AdamW weight decay of the matrices")
    g.add_argument("--beta1", type=float, help="AdamW beta1")
    g.add_argument("--beta2", type=float, help="AdamW beta2")
    g.add_argument("--grad-clip", type=float, help="clip the gradient norm to this (0: off)")
    g = p.add_argument_group("evaluation, logging, checkpoints")
    g.add_argument("--eval-every", type=int, help="steps between validation losses (0: never)")
    g.add_argument("--eval-batches", type=int, help="validation batches per evaluation")
    g.add_argument("--log-every", type=int, help="steps between progress lines")
    g.add_argument("--ckpt-every", type=int, help="steps between checkpoints (and at the end)")
    g.add_argument("--resume", metavar="CKPT", help="resume from this checkpoint (default: "
                   "RUN_DIR/ckpt.pt when it exists)")
    g.add_argument("--no-resume", action="store_true",
                   help="start over even if RUN_DIR/ckpt.pt exists (it is overwritten)")
    g = p.add_argument_group("system")
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="default auto: cuda when available")
    g.add_argument("--dtype", choices=["auto", "float32", "bfloat16"], default="auto",
                   help="autocast dtype; default auto: bfloat16 on CUDA, float32 on CPU")
    g.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                   help="torch.compile the model (default: on CUDA only)")
    g.add_argument("--seed", type=int, help="seed of every RNG")
    return p


def resolve_args(args: argparse.Namespace) -> argparse.Namespace:
    """Fill unset flags from the preset; check that the batch shape adds up."""
    args = argparse.Namespace(**vars(args))
    for key, value in {**COMMON_DEFAULTS, **TRAIN_PRESETS[args.preset]}.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.lr_decay_steps is None:
        args.lr_decay_steps = args.max_steps
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.dtype == "auto":
        args.dtype = "bfloat16" if args.device == "cuda" and torch.cuda.is_bf16_supported() \
            else "float32"
    if args.compile is None:
        args.compile = args.device == "cuda"
    for key in ("batch_size", "seq_len", "total_batch_tokens", "max_steps"):
        if getattr(args, key) < 1:
            raise ValueError(f"--{key.replace('_', '-')} must be positive")
    return args


def model_config(args: argparse.Namespace) -> GPTConfig:
    overrides = {k: getattr(args, k) for k in MODEL_FLAGS if getattr(args, k) is not None}
    return replace(PRESETS[args.preset], **overrides)


def format_eta(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    h, rest = divmod(seconds, 3600)
    return f"{h}h{rest // 60:02d}m" if h else f"{rest // 60}m{rest % 60:02d}s"


# -----------------------------------------------------------------------------
# training

def train(args: argparse.Namespace) -> int:
    ddp = int(os.environ.get("RANK", -1)) != -1  # launched by torchrun?
    rank, local_rank, world = 0, 0, 1
    device = args.device
    if ddp:
        dist.init_process_group(backend="nccl" if args.device == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        if args.device == "cuda":
            device = f"cuda:{local_rank}"
            torch.cuda.set_device(device)
    master = rank == 0
    say = print if master else (lambda *a, **k: None)
    device_type = "cuda" if device.startswith("cuda") else "cpu"

    # one stream per rank (dropout masks differ); DDP broadcasts rank 0's initial weights
    torch.manual_seed(args.seed + rank)
    np.random.seed(args.seed + rank)
    random.seed(args.seed + rank)
    if device_type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # TF32 matmuls: ~free speed on Ampere+
        torch.backends.cudnn.allow_tf32 = True
    autocast = nullcontext() if args.dtype == "float32" else \
        torch.autocast(device_type=device_type, dtype=torch.bfloat16)

    B, T = args.batch_size, args.seq_len
    if args.total_batch_tokens % (B * T * world):
        raise ValueError(f"--total-batch-tokens {args.total_batch_tokens:,} is not a multiple of "
                         f"batch-size x seq-len x processes = {B * T * world:,}")
    grad_accum = args.total_batch_tokens // (B * T * world)

    # data: every shard header is checked here, before any compute
    train_loader = ShardLoader(args.data, "train", B, T, rank, world)
    val_loader = None
    val_tokens = split_tokens(args.data, "val")
    val_rows = min(B, max(val_tokens - 1, 0) // (T * world))  # fewer rows if the split is small
    if args.eval_every and val_rows:
        val_loader = ShardLoader(args.data, "val", val_rows, T, rank, world)
    elif args.eval_every:
        say(f"no validation loss: {args.data} holds {val_tokens:,} val tokens, fewer than the "
            f"{T * world + 1:,} one batch needs")
    tokenizer = "gpt2"
    manifest_path = os.path.join(args.data, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            tokenizer = json.load(f).get("tokenizer", tokenizer)

    # model: from the checkpoint when resuming, else from the preset and flags
    ckpt_path = args.resume or os.path.join(args.out, "ckpt.pt")
    ckpt = None
    if args.resume or (os.path.exists(ckpt_path) and not args.no_resume):
        ckpt = load_checkpoint(ckpt_path)
        config = GPTConfig(**ckpt["config"])
        for key in MODEL_FLAGS:
            given = getattr(args, key)
            if given is not None and given != getattr(config, key):
                raise ValueError(f"{ckpt_path} has {key}={getattr(config, key)} but "
                                 f"--{key.replace('_', '-')} {given} was given; pass "
                                 "--no-resume to start a new model")
        how = "--resume" if args.resume else "found in --out; --no-resume starts over"
        say(f"resuming from {ckpt_path} at step {ckpt['step']} ({how})")
    else:
        config = model_config(args)
    if T > config.block_size:
        raise ValueError(f"--seq-len {T} is longer than the model's block size {config.block_size}")

    model = GPT(config).to(device)
    optimizer = model.configure_optimizers(args.weight_decay, args.lr, (args.beta1, args.beta2),
                                           device_type)
    step = 0
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        train_loader.load_state_dict(ckpt["train_loader"])
        step = int(ckpt["step"])
    raw_model = model
    if args.compile:
        model = torch.compile(model)
    if ddp:
        model = DDP(model, device_ids=[local_rank] if device_type == "cuda" else None)
    if ckpt is not None:  # last, after everything that draws random numbers
        states = ckpt["rng"]  # one per rank
        if len(states) == world:
            set_rng_state(states[rank])
        else:  # another world size: deterministic, but not the interrupted run's streams
            torch.manual_seed(args.seed + rank + world * step)
    run_args = {**vars(args), "tokenizer": tokenizer, "world_size": world}

    log_path = os.path.join(args.out, "log.jsonl")
    if master:
        os.makedirs(args.out, exist_ok=True)
        if ckpt is None and os.path.exists(log_path):
            os.remove(log_path)
        elif ckpt is not None and os.path.exists(log_path):  # drop steps logged after the ckpt
            with open(log_path) as f:
                lines = [ln for ln in f if json.loads(ln).get("step", -1) <= step]
            with open(log_path + ".tmp", "w") as f:
                f.writelines(lines)
            os.replace(log_path + ".tmp", log_path)
    log_file = open(log_path, "a") if master else None

    def log(entry):
        if master:
            log_file.write(json.dumps(entry) + "\n")
            log_file.flush()

    log({"args": run_args, "model": asdict(config), "params": raw_model.num_params(),
         "grad_accum": grad_accum, "resumed_from_step": step if ckpt else None})
    say(f"model {raw_model.num_params():,} parameters | {world} x {B} x {T} tokens x "
        f"{grad_accum} accumulation = {args.total_batch_tokens:,} tokens/step | "
        f"train {train_loader.total:,} tokens in {len(train_loader.files)} shards | {device} "
        f"{args.dtype}{' compiled' if args.compile else ''}")

    def evaluate() -> float:
        model.eval()
        val_loader.reset()
        total = torch.zeros((), device=device)
        n = min(args.eval_batches, val_loader.batches_per_epoch)
        with torch.no_grad():
            for _ in range(n):
                x, y = val_loader.next_batch()
                with autocast:
                    _, loss = model(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device))
                total += loss.detach()
        if ddp:
            dist.all_reduce(total, op=dist.ReduceOp.AVG)
        model.train()
        return total.item() / n

    def maybe_evaluate():
        if val_loader is not None and args.eval_every and (
                step % args.eval_every == 0 or step == args.max_steps):
            val_loss = evaluate()
            log({"step": step, "val_loss": val_loss})
            say(f"step {step}/{args.max_steps} | val_loss={val_loss:.4f}")

    min_lr = args.lr * args.min_lr_ratio
    t_start, recent, first = time.time(), [], True
    if ckpt is None:
        maybe_evaluate()
    status = 0
    while step < args.max_steps:
        t0 = time.time()
        lr = get_lr(step + 1, args.lr, min_lr, args.warmup_steps, args.lr_decay_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss_accum = torch.zeros((), device=device)
        for micro in range(grad_accum):
            x, y = train_loader.next_batch()
            top = int(max(x.max(), y.max()))
            if top >= config.vocab_size:
                raise ShardError(f"token id {top} in the {args.data} train shards is outside "
                                 f"the model's vocab_size {config.vocab_size}")
            x, y = torch.from_numpy(x), torch.from_numpy(y)
            if device_type == "cuda":
                x = x.pin_memory().to(device, non_blocking=True)
                y = y.pin_memory().to(device, non_blocking=True)
            if ddp:  # all-reduce the gradients only on the last micro-step
                model.require_backward_grad_sync = micro == grad_accum - 1
            with autocast:
                _, loss = model(x, y)
            loss = loss / grad_accum  # the mean over the whole step, not the sum
            loss_accum += loss.detach()
            loss.backward()
        if ddp:
            dist.all_reduce(loss_accum, op=dist.ReduceOp.AVG)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(),
                                              args.grad_clip if args.grad_clip > 0 else math.inf)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss_value = loss_accum.item()  # waits for the GPU
        step += 1
        dt = time.time() - t0
        if not math.isfinite(loss_value):
            say(f"step {step}: loss is {loss_value}; stopping without a checkpoint (lower --lr?)")
            status = 1
            break
        if not first:  # the first step of a process includes compiling and warmup
            recent = (recent + [dt])[-20:]
        first = False
        tok_s = args.total_batch_tokens / dt
        log({"step": step, "loss": loss_value, "lr": lr, "tokens_per_s": tok_s,
             "elapsed_s": time.time() - t_start, "grad_norm": norm.item()})
        if step % args.log_every == 0 or step == args.max_steps:
            eta = (args.max_steps - step) * (sum(recent) / len(recent) if recent else dt)
            say(f"step {step}/{args.max_steps} | loss={loss_value:.4f} | lr {lr:.1e} | "
                f"{tok_s:,.0f} tok/s | eta {format_eta(eta)}", flush=True)
        maybe_evaluate()
        if (args.ckpt_every and step % args.ckpt_every == 0) or step == args.max_steps:
            states = [rng_state(device_type == "cuda")]
            if ddp:  # every rank's RNG states, so that dropout resumes exactly too
                states = [None] * world
                dist.all_gather_object(states, rng_state(device_type == "cuda"))
            if master:
                save_checkpoint(os.path.join(args.out, "ckpt.pt"), model=raw_model.state_dict(),
                                optimizer=optimizer.state_dict(), step=step,
                                config=asdict(config), args=run_args,
                                train_loader=train_loader.state_dict(), rng=states)
    if master:
        log_file.close()
    if ddp:
        dist.destroy_process_group()
    return status


def main(argv=None) -> int:
    """``curation train``: returns the exit status (2 for a usage or data error)."""
    if torch is None:
        print("curation train: error: needs PyTorch; pip install 'curation[train]'",
              file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    try:
        args = resolve_args(args)
        return train(args)
    except (ShardError, ValueError, FileNotFoundError) as e:
        print(f"curation train: error: {e}", file=sys.stderr)
        return 2


# -----------------------------------------------------------------------------
# sampling

def sample_main(argv=None) -> int:
    """``curation sample CKPT --prompt ...``: print text generated by a trained checkpoint."""
    if torch is None:
        print("curation sample: error: needs PyTorch; pip install 'curation[train]'",
              file=sys.stderr)
        return 2
    p = argparse.ArgumentParser(prog="curation sample",
                                description="Generate text from a `curation train` checkpoint.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("ckpt", help="checkpoint file, or a run folder holding ckpt.pt")
    p.add_argument("--prompt", default="", help="text to continue (empty: start a new document)")
    p.add_argument("--max-new-tokens", type=int, default=50, help="tokens to generate")
    p.add_argument("--temperature", type=float, default=0.8, help="0: greedy; higher: more random")
    p.add_argument("--top-k", type=int, default=200, help="sample among the k likeliest tokens")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    p.add_argument("--num-samples", type=int, default=1, help="samples to print")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    args = p.parse_args(argv)
    path = os.path.join(args.ckpt, "ckpt.pt") if os.path.isdir(args.ckpt) else args.ckpt
    if not os.path.exists(path):
        print(f"curation sample: error: no checkpoint at {path}", file=sys.stderr)
        return 2
    from curation.tokenizer import get_encoding

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" \
        else args.device
    ckpt = load_checkpoint(path)
    model = GPT(GPTConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    model.to(device).eval()
    enc = get_encoding(ckpt["args"].get("tokenizer", "gpt2"))
    # every document in the shards starts after an EOT, so an EOT first reads as "new document"
    ids = [enc.eot_token] + enc.encode_ordinary(args.prompt)
    idx = torch.tensor([ids] * args.num_samples, dtype=torch.long, device=device)
    gen = torch.Generator(device=device).manual_seed(args.seed)
    out = model.generate(idx, args.max_new_tokens, temperature=args.temperature,
                         top_k=args.top_k, generator=gen, allowed=enc.n_vocab)
    for k, row in enumerate(out.tolist()):
        new = row[len(ids):]
        if enc.eot_token in new:  # the document ended
            new = new[:new.index(enc.eot_token)]
        if k:
            print("---")
        print(args.prompt + enc.decode(new))
    return 0


if __name__ == "__main__":  # torchrun --nproc_per_node=N -m curation.train ...
    sys.exit(main())
