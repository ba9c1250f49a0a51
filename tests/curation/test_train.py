"""Tests of curation/train.py: the shard loader, the learning rate, training, resume, sampling.

The loader tests need only numpy; the training tests need PyTorch and the real pages in
../shared/data (the scrapinghub gold article bodies, tokenized into llm.c shards).
"""

import json
import math
import os
import re

import numpy as np
import pytest

from curation.shards import ShardError, shard_name, write_shard
from curation.train import ShardLoader, get_lr


def stream_shards(directory, sizes, split="train"):
    """Shards holding the consecutive numbers 0, 1, 2, ... split into ``sizes``; the stream."""
    stream = np.arange(sum(sizes), dtype=np.uint16)
    start = 0
    for i, n in enumerate(sizes):
        write_shard(str(directory / shard_name("t", split, i)), stream[start:start + n])
        start += n
    return stream


# -----------------------------------------------------------------------------
# loader

def test_loader_reads_across_shard_boundaries_and_wraps(tmp_path):
    stream = stream_shards(tmp_path, [5, 0, 7, 3, 10])  # an empty shard in the middle
    loader = ShardLoader(str(tmp_path), "train", batch_size=2, seq_len=3)
    assert loader.total == 25 and loader.batches_per_epoch == 4
    for p in (0, 6, 12, 18):  # every batch spans a shard boundary
        x, y = loader.next_batch()
        assert x.dtype == np.int64 and x.shape == (2, 3)
        assert x.ravel().tolist() == stream[p:p + 6].tolist()
        assert y.ravel().tolist() == stream[p + 1:p + 7].tolist()
    assert loader.epoch == 0
    x, _ = loader.next_batch()  # 24 + 7 > 25 tokens: start over
    assert loader.epoch == 1 and x.ravel().tolist() == list(range(6))


def test_loader_ranks_are_disjoint_and_cover_each_window(tmp_path):
    stream = stream_shards(tmp_path, [11, 4, 20, 9])
    world, B, T = 3, 2, 2
    loaders = [ShardLoader(str(tmp_path), "train", B, T, rank=r, world_size=world)
               for r in range(world)]
    for step in range(3):
        p = step * world * B * T
        batches = [loader.next_batch() for loader in loaders]
        xs = np.concatenate([x.ravel() for x, _ in batches])
        ys = np.concatenate([y.ravel() for _, y in batches])
        assert xs.tolist() == stream[p:p + world * B * T].tolist()  # disjoint, covering, in order
        assert ys.tolist() == stream[p + 1:p + world * B * T + 1].tolist()


def test_loader_state_resumes_at_the_same_token(tmp_path):
    stream_shards(tmp_path, [13, 13, 13])
    a = ShardLoader(str(tmp_path), "train", 2, 4)
    for _ in range(3):
        a.next_batch()
    state = a.state_dict()
    assert state == {"split": "train", "shard": 1, "offset": 11, "position": 24, "epoch": 0,
                     "tokens": 39}
    b = ShardLoader(str(tmp_path), "train", 2, 4)
    b.load_state_dict(json.loads(json.dumps(state)))
    for _ in range(4):  # including the wrap to a new epoch
        (xa, ya), (xb, yb) = a.next_batch(), b.next_batch()
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    with pytest.raises(ShardError, match="not in the 3 train shards"):
        b.load_state_dict({**state, "shard": 7})


def test_loader_errors_name_the_problem(tmp_path):
    with pytest.raises(ShardError, match="no val shards in .*curation run"):
        ShardLoader(str(tmp_path), "val", 1, 4)
    stream_shards(tmp_path, [6, 4])
    with pytest.raises(ShardError, match=r"hold 10 tokens, fewer than the 17 .*--batch-size"):
        ShardLoader(str(tmp_path), "train", 2, 4, world_size=2)
    bad = tmp_path / shard_name("t", "train", 2)
    bad.write_bytes(b"\0" * 2048)
    with pytest.raises(ShardError, match=re.escape(str(bad)) + ": magic number 0"):
        ShardLoader(str(tmp_path), "train", 1, 4)


def test_learning_rate_warms_up_then_decays():
    lrs = [get_lr(s, 1.0, 0.1, warmup=10, decay_steps=100) for s in range(1, 121)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == 1.0  # linear to the peak at step 10
    assert all(a > b for a, b in zip(lrs[9:99], lrs[10:100]))  # cosine down
    assert lrs[54] == pytest.approx(0.55)  # halfway
    assert lrs[99:] == [0.1] * 21


# -----------------------------------------------------------------------------
# training on shards of real pages

@pytest.fixture(scope="module")
def page_shards(shared_data, tmp_path_factory):
    """Shards made by the pipeline (`curation run`, reading, URL filter, extraction, language,
    PII, tokenization) from the real crawls in ../shared/data/warc: ~430k GPT-2 tokens, 2 val and
    12 train shards of 32,768 tokens."""
    from pipelines import cc_to_shards

    out = tmp_path_factory.mktemp("run")
    stats = cc_to_shards.run([
        "--input", str(shared_data / "warc" / "*.warc.gz"), "--output", str(out),
        "--stages", "url,extract,language,pii,tokenize",
        "--set", "tokenize.shard_tokens=32768", "--set", "tokenize.val_fraction=0.05"])
    assert stats["tokens"]["train"]["shards"] >= 4 and stats["tokens"]["val"]["shards"] >= 1
    return out / "shards"


def read_log(run_dir):
    with open(os.path.join(run_dir, "log.jsonl")) as f:
        return [json.loads(line) for line in f]


TINY = ["--preset", "tiny", "--batch-size", "4", "--seq-len", "64",
        "--total-batch-tokens", "256", "--device", "cpu", "--seed", "0"]


@pytest.mark.slow
def test_tiny_model_loss_falls(page_shards, tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from curation.train import main

    run = tmp_path / "run"
    assert main(["--data", str(page_shards), "--out", str(run), *TINY, "--max-steps", "20",
                 "--lr", "4e-3", "--warmup-steps", "3", "--eval-every", "20",
                 "--eval-batches", "4", "--log-every", "10"]) == 0
    log = read_log(run)
    header, steps = log[0], [e for e in log if "loss" in e]
    assert header["args"]["max_steps"] == 20 and header["model"]["n_layer"] == 4
    assert header["params"] == 7_248_640 and header["resumed_from_step"] is None
    assert [e["step"] for e in steps] == list(range(1, 21))
    assert set(steps[0]) == {"step", "loss", "lr", "tokens_per_s", "elapsed_s", "grad_norm"}
    val = [e["val_loss"] for e in log if "val_loss" in e]
    assert len(val) == 2
    assert val[0] == pytest.approx(math.log(50304), abs=0.15)  # chance level, ~10.83
    assert val[1] < val[0] - 1.5  # measured 10.86 -> 8.90 on the pipeline's shards
    assert steps[0]["loss"] > 10.5 and min(e["loss"] for e in steps[-10:]) < 8.5
    out = capsys.readouterr().out
    assert re.search(r"^step 20/20 \| loss=\d+\.\d{4} \| lr 4\.0e-04 \| [\d,]+ tok/s \| eta 0m00s$",
                     out, re.M)
    assert os.path.exists(run / "ckpt.pt")
    assert torch.load(run / "ckpt.pt", weights_only=True)["step"] == 20


@pytest.mark.slow
def test_resumed_run_continues_exactly(page_shards, tmp_path, capsys):
    pytest.importorskip("torch")
    from curation.train import main

    # dropout on, so the restored RNG state matters too; 2 micro-steps of gradient accumulation
    common = ["--data", str(page_shards), *TINY, "--batch-size", "2", "--seq-len", "32",
              "--total-batch-tokens", "128", "--dropout", "0.1", "--eval-every", "0",
              "--lr-decay-steps", "6", "--warmup-steps", "2"]
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert main([*common, "--out", str(whole), "--max-steps", "6"]) == 0
    assert main([*common, "--out", str(split), "--max-steps", "3"]) == 0  # "crashes" at 3
    assert main([*common, "--out", str(split), "--max-steps", "6"]) == 0  # rerun: auto-resume
    assert f"resuming from {split / 'ckpt.pt'} at step 3" in capsys.readouterr().out
    a = [e for e in read_log(whole) if "loss" in e]
    b = [e for e in read_log(split) if "loss" in e]
    assert [e["step"] for e in b] == list(range(1, 7))
    assert [e["loss"] for e in b] == [e["loss"] for e in a]  # bit for bit, steps 4..6 included
    assert [e["lr"] for e in b] == [e["lr"] for e in a]
    assert [e.get("resumed_from_step") for e in read_log(split) if "args" in e] == [None, 3]


@pytest.mark.slow
def test_resume_drops_log_lines_after_the_checkpoint_and_sample(page_shards, tmp_path, capsys):
    pytest.importorskip("torch")
    from curation.train import main, sample_main

    run = tmp_path / "run"
    args = ["--data", str(page_shards), "--out", str(run), *TINY, "--seq-len", "32",
            "--total-batch-tokens", "128", "--eval-every", "0"]
    assert main([*args, "--max-steps", "2"]) == 0
    os.replace(run / "ckpt.pt", tmp_path / "step2.pt")
    assert main([*args, "--max-steps", "3"]) == 0  # a fresh run, logs steps 1..3
    steps = [e["step"] for e in read_log(run) if "loss" in e]
    assert steps == [1, 2, 3]
    # back to step 2: the log forgets step 3 and logs it again
    assert main([*args, "--max-steps", "4", "--resume", str(tmp_path / "step2.pt")]) == 0
    log = read_log(run)
    assert [e["step"] for e in log if "loss" in e] == [1, 2, 3, 4]
    assert [e["resumed_from_step"] for e in log if "args" in e] == [None, 2]
    with pytest.raises(SystemExit):
        main([*args, "--no-such-flag"])
    assert main([*args, "--max-steps", "5", "--n-layer", "2"]) == 2  # shape differs from ckpt
    assert "has n_layer=4 but --n-layer 2 was given" in capsys.readouterr().err

    sample = [str(run), "--prompt", "The city", "--max-new-tokens", "8", "--num-samples", "2",
              "--device", "cpu"]
    assert sample_main(sample) == 0
    first = capsys.readouterr().out
    assert sample_main(sample) == 0
    assert capsys.readouterr().out == first  # seeded
    texts = first.split("\n---\n")
    assert len(texts) == 2 and all(t.startswith("The city") for t in texts)


def test_main_reports_missing_shards(tmp_path, capsys):
    pytest.importorskip("torch")
    from curation.train import main

    assert main(["--data", str(tmp_path), "--out", str(tmp_path / "run"), "--device", "cpu"]) == 2
    assert "no train shards in" in capsys.readouterr().err
    stream_shards(tmp_path, [100])
    assert main(["--data", str(tmp_path), "--out", str(tmp_path / "run"), "--device", "cpu",
                 "--batch-size", "3", "--seq-len", "16", "--total-batch-tokens", "100"]) == 2
    assert "not a multiple of batch-size x seq-len" in capsys.readouterr().err


def test_main_reports_token_ids_outside_the_vocabulary(tmp_path, capsys):
    pytest.importorskip("torch")
    from curation.train import main

    write_shard(str(tmp_path / shard_name("t", "train", 1)), np.full(100, 60000, np.uint16))
    assert main(["--data", str(tmp_path), "--out", str(tmp_path / "run"), "--device", "cpu",
                 "--n-layer", "1", "--n-embd", "16", "--n-head", "1", "--batch-size", "2",
                 "--seq-len", "8", "--total-batch-tokens", "16", "--max-steps", "1"]) == 2
    assert "token id 60000 in the" in capsys.readouterr().err
