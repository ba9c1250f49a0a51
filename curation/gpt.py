"""A GPT-2-style decoder, in the spirit of nanoGPT's ``model.py``.

Token + position embeddings, ``n_layer`` pre-norm blocks (LayerNorm -> causal self-attention
through PyTorch's ``scaled_dot_product_attention`` -> residual, LayerNorm -> GELU MLP ->
residual), a final LayerNorm and an output head that shares its weight with the token embedding.
The training loop is ``curation/train.py``; this file only defines the network.

    from curation.gpt import GPT, PRESETS
    model = GPT(PRESETS["tiny"])             # 4 layers, 4 heads, 128 wide, 128 tokens of context
    logits, loss = model(idx, targets)       # idx, targets: (B, T) int64

Needs PyTorch (the ``train`` extra); nothing else in the project imports this module.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.nn import functional as F


@dataclass(frozen=True)
class GPTConfig:
    """The shape of the network.

    Args:
        block_size: longest context in tokens (rows of the position embedding).
        vocab_size: rows of the token embedding; GPT-2's 50,257 padded up to 50,304, a multiple
            of 64, which makes the output matmul faster on GPUs (nanoGPT, llm.c). The extra rows
            are never targets, so they learn to score low.
        n_layer: number of transformer blocks.
        n_head: attention heads per block; must divide ``n_embd``.
        n_embd: width of the residual stream.
        dropout: dropout rate on embeddings, attention and MLP outputs (0.0 for pretraining).
        bias: biases in the Linear and LayerNorm layers, as GPT-2 has them.
    """

    block_size: int = 1024  # tokens of context
    vocab_size: int = 50304  # GPT-2's 50,257 padded to a multiple of 64
    n_layer: int = 12  # transformer blocks
    n_head: int = 12  # attention heads per block
    n_embd: int = 768  # residual stream width
    dropout: float = 0.0  # 0.0 for pretraining, try 0.1+ for finetuning
    bias: bool = True  # biases in Linear and LayerNorm, like GPT-2

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} is not a multiple of n_head={self.n_head}")
        for name in ("block_size", "vocab_size", "n_layer", "n_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout}")


# Model shapes by name; `curation train --preset NAME` starts from one and flags override fields.
PRESETS = {
    # trains on a laptop CPU in seconds; still has the full GPT-2 vocabulary (most of its 7.3M
    # parameters are the 50,304 x 128 embedding)
    "tiny": GPTConfig(block_size=128, n_layer=4, n_head=4, n_embd=128),
    # GPT-2 small: 124,475,904 parameters with the padded vocabulary (124,439,808 at 50,257)
    "gpt2-124m": GPTConfig(block_size=1024, n_layer=12, n_head=12, n_embd=768),
}


# -----------------------------------------------------------------------------
# the network

class CausalSelfAttention(nn.Module):

    def __init__(self, config: GPTConfig):
        super().__init__()
        # query, key and value projections for all heads, in one matmul
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.c_proj.SCALE_INIT = True  # a residual projection: scaled init, see GPT._init_weights
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout

    def forward(self, x):
        B, T, C = x.size()  # batch, sequence length, embedding width
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, nh, T, hs): heads become a batch dimension
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        # flash attention on GPUs that have it; a fused kernel on CPU
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble the heads side by side
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")  # GPT-2's GELU
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.c_proj.SCALE_INIT = True
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),  # token embedding
            wpe=nn.Embedding(config.block_size, config.n_embd),  # position embedding
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # weight tying: the output head is the token embedding (saves 38.6M parameters at 124M)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            std = 0.02
            if getattr(module, "SCALE_INIT", False):
                # GPT-2: residual projections scaled by 1/sqrt(number of residual additions)
                std *= (2 * self.config.n_layer) ** -0.5
            torch.nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding: bool = False) -> int:
        """Parameter count (the tied head counted once).

        Args:
            non_embedding: leave out the position embedding (the token embedding is also the
                output head, so it stays), as nanoGPT reports it.
        """
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.transformer.wpe.weight.numel()
        return n

    def forward(self, idx, targets=None):
        """Logits for every position, and the mean cross-entropy when ``targets`` is given.

        Args:
            idx: (B, T) int64 token ids, T <= block_size.
            targets: (B, T) int64 next-token ids, or None at inference (then only the last
                position's logits are computed, shape (B, 1, vocab_size)).
        """
        B, T = idx.size()
        if T > self.config.block_size:
            raise ValueError(f"sequence of {T} tokens is longer than block_size "
                             f"{self.config.block_size}")
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is None:
            return self.lm_head(x[:, [-1], :]), None
        logits = self.lm_head(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)).float(), targets.reshape(-1))
        return logits, loss

    def configure_optimizers(self, weight_decay: float, learning_rate: float,
                             betas: tuple[float, float], device_type: str):
        """AdamW with weight decay on matrices (matmul weights, embeddings) only.

        Biases and LayerNorm gains (every tensor with fewer than 2 dimensions) are not decayed.
        Uses the fused CUDA kernel when this PyTorch has one.

        Args:
            weight_decay: decoupled weight decay of the 2-D tensors (0.1 in GPT-3 and llm.c).
            learning_rate: initial learning rate; the training loop sets it every step.
            betas: AdamW's (beta1, beta2), (0.9, 0.95) in GPT-3.
            device_type: "cuda" or "cpu".
        """
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        fused = device_type == "cuda" and "fused" in inspect.signature(torch.optim.AdamW).parameters
        extra = {"fused": True} if fused else {}
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas, **extra)

    def flops_per_token(self, seq_len: int) -> int:
        """Training FLOPs per token (forward + backward), PaLM appendix B: 6N + 12 L H Q T."""
        cfg = self.config
        n = self.num_params(non_embedding=True)
        return 6 * n + 12 * cfg.n_layer * cfg.n_head * (cfg.n_embd // cfg.n_head) * seq_len

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: torch.Generator | None = None,
                 allowed: int | None = None):
        """Continue each row of ``idx`` by ``max_new_tokens`` sampled tokens.

        Args:
            idx: (B, T) int64 prompt ids.
            max_new_tokens: tokens to append.
            temperature: divides the logits; lower is more conservative, 0 means greedy.
            top_k: sample only among the k most likely tokens (None: all).
            generator: a seeded ``torch.Generator`` for reproducible samples.
            allowed: sample only ids below this (the tokenizer's real vocabulary, so the padding
                rows of the embedding are never produced).
        """
        for _ in range(max_new_tokens):
            # crop the context to block_size tokens
            idx_cond = idx[:, -self.config.block_size:]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :].float()
            if allowed is not None:
                logits[:, allowed:] = -float("inf")
            if temperature <= 0:
                idx_next = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1, generator=generator)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx
