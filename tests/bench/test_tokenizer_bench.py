"""bench/tokenizer.py's side-by-side reference (N single-thread sink processes, each on a core of
its own, encode every part at the same moment and report the same ids as the 1-thread pass) and
its small-batch table (each child's batch calls return the single-call ids), and the scaling
table's row of the sink's threads against that reference."""

import importlib.util
import json
import pickle
import sys

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_tokenizer", ROOT / "bench" / "tokenizer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def corpus_dir(bench, shared_data, tmp_path):
    """A small corpus of real article bodies, one part each, as the bench's children read it."""
    bodies = []
    with open(shared_data / "pages" / "real-pages.gold.jsonl", encoding="utf-8") as f:
        for line in f:
            body = json.loads(line).get("article_body") or ""
            if body:
                bodies.append(body)
            if len(bodies) == 4 * 6 + 3:
                break
    parts = {part: bodies[6 * i:6 * i + 6] for i, part in enumerate(bench.PARTS)}
    with open(tmp_path / "corpus.pkl", "wb") as f:
        pickle.dump((parts, bodies[-3:]), f)
    return tmp_path, parts


def test_side_by_side_processes_encode_every_part_like_the_one_thread_pass(bench, corpus_dir):
    tmp, _ = corpus_dir
    one = bench.run_child("ours", "sink", 1, tmp)
    count = 2
    res = bench.side_by_side(count, tmp, "t")
    assert res is not None and set(res) == set(bench.PARTS)
    for part in bench.PARTS:
        assert res[part]["seconds"] > 0
        # every process met every part's barrier: one marker file per process and part
        assert all((tmp / f"side-t-{part}-{k}").exists() for k in range(count))
        # the processes agreed on the ids, and they are exactly the 1-thread sink pass's
        assert (res[part]["tokens"], res[part]["digest"]) == (one[part]["tokens"], one[part]["digest"])
        assert res[part]["tokens"] > 0


def test_small_batch_pass_times_the_batch_call_on_short_texts(bench, corpus_dir):
    """The small-batch table: each child times the batch call on the first characters of the
    warm-up documents, and those calls return the single-call ids on 1 and 2 threads."""
    from curation.tokenizer import get_encoding

    tmp, _ = corpus_dir
    with open(tmp / "corpus.pkl", "rb") as f:
        _, warm = pickle.load(f)
    enc = get_encoding("gpt2")
    texts = [d[:bench.SMALL_CHARS] for d in warm[:bench.SMALL_DOCS]]
    assert texts and all(texts)
    want = bench._digest([enc.encode_ordinary(t) for t in texts])
    for threads in (1, 2):
        res = bench.run_child("ours", "small", threads, tmp)
        assert res["us"] > 0
        assert (res["tokens"], res["digest"]) == want


def test_scaling_table_reads_the_threads_against_the_reference_round_by_round(bench, capsys):
    """Under the reference row, the sink's threads over the side-by-side processes: per round, the
    processes' seconds (T times the work) over T times the threads' seconds, its median and range."""
    T = 2
    plan = [("ours sink 1 thread", "ours", "sink", 1), (f"ours sink {T} threads", "ours", "sink", T)]
    rounds = []
    for one, many, side in ((2.0, 1.25, 2.2), (2.0, 1.0, 2.0), (4.0, 2.0, 5.0)):
        secs = lambda s: {part: {"seconds": s} for part in bench.PARTS}
        rounds.append({"ours sink 1 thread": secs(one), f"ours sink {T} threads": secs(many), "side": secs(side)})
    bench.print_scaling(plan, rounds, T)
    lines = {line.split(" | ")[0]: line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")}
    # threads 1.6x / 2.0x / 2.0x; reference 2*2/2.2 = 1.82x, 2.0x, 2*4/5 = 1.6x
    assert lines["| ours sink 2 threads / 1"].count("2.00x (1.60-2.00)") == len(bench.PARTS) + 1
    assert lines["| reference: 2 1-thread sink processes side by side / 1"].count("1.82x (1.60-2.00)") == len(bench.PARTS) + 1
    # 2.2/2.5 = 0.88, 2/2 = 1.00, 5/4 = 1.25
    assert lines["| ours sink 2 threads / reference"].count("1.00x (0.88-1.25)") == len(bench.PARTS) + 1
