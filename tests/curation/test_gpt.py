"""Tests of the GPT model in curation/gpt.py (CPU, small shapes)."""

import dataclasses
import math

import pytest

torch = pytest.importorskip("torch")

from curation.gpt import GPT, PRESETS, GPTConfig  # noqa: E402

SMALL = GPTConfig(block_size=16, vocab_size=97, n_layer=2, n_head=2, n_embd=32)


def test_gpt2_124m_parameter_count_matches_llm_c():
    # llm.c's train_gpt2 prints num_parameters: 124439808 for GPT-2 small at vocab 50,257
    with torch.device("meta"):
        assert GPT(dataclasses.replace(PRESETS["gpt2-124m"], vocab_size=50257)).num_params() \
            == 124_439_808
        assert GPT(PRESETS["gpt2-124m"]).num_params() == 124_475_904  # padded to 50,304


def test_output_head_is_tied_to_token_embedding():
    model = GPT(SMALL)
    assert model.lm_head.weight is model.transformer.wte.weight


def test_initial_loss_is_log_vocab():
    torch.manual_seed(0)
    model = GPT(PRESETS["tiny"])
    idx = torch.randint(0, 50257, (2, 32))
    targets = torch.randint(0, 50257, (2, 32))
    logits, loss = model(idx, targets)
    assert logits.shape == (2, 32, 50304)
    assert loss.item() == pytest.approx(math.log(50304), abs=0.1)


def test_inference_returns_only_last_position():
    logits, loss = GPT(SMALL)(torch.zeros(3, 5, dtype=torch.long))
    assert logits.shape == (3, 1, SMALL.vocab_size) and loss is None


def test_attention_is_causal():
    torch.manual_seed(0)
    model = GPT(SMALL).eval()
    a = torch.randint(0, SMALL.vocab_size, (1, 12))
    b = a.clone()
    b[0, 8:] = (b[0, 8:] + 1) % SMALL.vocab_size  # change only the future
    la, _ = model(a, a)
    lb, _ = model(b, b)
    assert torch.allclose(la[0, :8], lb[0, :8], atol=1e-6)
    assert not torch.allclose(la[0, 8:], lb[0, 8:])


def test_attention_matches_explicit_masked_softmax():
    torch.manual_seed(0)
    attn = GPT(SMALL).transformer.h[0].attn
    x = torch.randn(2, 7, SMALL.n_embd)
    q, k, v = attn.c_attn(x).split(SMALL.n_embd, dim=2)
    hs = SMALL.n_embd // SMALL.n_head
    q, k, v = (t.view(2, 7, SMALL.n_head, hs).transpose(1, 2) for t in (q, k, v))
    att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
    att = att.masked_fill(torch.ones(7, 7).tril() == 0, float("-inf")).softmax(dim=-1)
    y = (att @ v).transpose(1, 2).reshape(2, 7, SMALL.n_embd)
    assert torch.allclose(attn(x), attn.c_proj(y), atol=1e-5)


def test_weight_decay_only_on_matrices():
    model = GPT(SMALL)
    opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decay["params"])
    assert all(p.dim() == 1 for p in no_decay["params"])
    # each parameter once (the tied head is the embedding); 2 + 4 per block matrices
    assert len(decay["params"]) == 2 + 4 * SMALL.n_layer
    assert sum(p.numel() for g in opt.param_groups for p in g["params"]) == model.num_params()


def test_config_is_checked():
    with pytest.raises(ValueError, match="multiple of n_head"):
        GPTConfig(n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="longer than block_size"):
        GPT(SMALL)(torch.zeros(1, SMALL.block_size + 1, dtype=torch.long))


def test_generate_is_seeded_and_respects_top_k_and_allowed():
    torch.manual_seed(0)
    model = GPT(SMALL).eval()
    idx = torch.tensor([[1, 2, 3]])

    def run(**kw):
        gen = torch.Generator().manual_seed(7)
        return model.generate(idx, 20, generator=gen, **kw)

    out = run(temperature=1.0)
    assert out.shape == (1, 23) and torch.equal(out[:, :3], idx)
    assert torch.equal(out, run(temperature=1.0))  # same seed, same sample
    assert torch.equal(run(temperature=1.0, top_k=1), run(temperature=0))  # top-1 is greedy
    assert int(run(temperature=2.0, allowed=10)[:, 3:].max()) < 10
    # the context is cropped to block_size, so generation can run past it
    assert model.generate(idx, SMALL.block_size + 4, temperature=0).shape[1] == \
        3 + SMALL.block_size + 4


def test_flops_per_token_of_gpt2_124m():
    with torch.device("meta"):
        model = GPT(PRESETS["gpt2-124m"])
    n = model.num_params(non_embedding=True)
    assert n == 124_475_904 - 1024 * 768
    assert model.flops_per_token(1024) == 6 * n + 12 * 12 * 768 * 1024
