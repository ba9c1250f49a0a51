"""Tests of pipelines/dedup.py: exact and near-duplicate removal, distributed connected components.

The near-duplicate reference builds a few hundred real article bodies
(../shared/data/pages/real-pages.gold.jsonl) and controlled word-edited copies, clusters them by
brute-force exact Jaccard, and checks that DedupMinHash keeps the same documents up to the LSH
error.
"""

from __future__ import annotations

import collections
import json
import random

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from curation.document import Document
from curation.minhash import MinHashConfig, MinHasher, band_keys, jaccard, shingles
from pipelines import stats
from pipelines.dedup import (DEDUP_NAMESPACE, ConnectedComponents, DedupMinHash, final_label,
                             large_star, size_bucket, small_star, star_edges)

CONFIG = MinHashConfig()
ROUNDS = 8  # plenty for the graphs below (a 300-node random path settles in ~7)


# ----------------------------------------------------------------------------------------------
# Helpers


def _union_find_labels(edges) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges:
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    return {x: find(x) for x in list(parent)}


def _saver(path):
    """An `assert_that` matcher that writes what it gets to ``path`` as JSON (works in any worker
    process)."""

    def match(actual):
        path.write_text(json.dumps(sorted(actual)))

    return match


def _run_dedup(docs, tmp_path, options=None, **kw):
    """Run DedupMinHash over ``docs``; returns (kept [(id, metadata)], dedup_v1 counters)."""
    out = tmp_path / "kept.json"
    p = beam.Pipeline(options=options or PipelineOptions())
    kept = p | beam.Create(docs) | DedupMinHash(CONFIG, max_rounds=ROUNDS, **kw)
    assert_that(kept | beam.Map(lambda d: (str(d.id), dict(d.metadata))), _saver(out))
    result = p.run()
    result.wait_until_finish()
    counters = stats.query_counters(result).get(DEDUP_NAMESPACE, {})
    return [(i, m) for i, m in json.loads(out.read_text())], counters


def _doc(i, text):
    return Document(id=i, url=f"https://example.com/{i}", text=text)


def _edit(text: str, rate: float, rng: random.Random, tag: str) -> str:
    """``text`` with a share ``rate`` of its words replaced by new words."""
    words = text.split()
    for k in rng.sample(range(len(words)), max(1, round(rate * len(words)))):
        words[k] = f"{tag}x{k}q"
    return " ".join(words)


@pytest.fixture(scope="module")
def articles(shared_data):
    bodies = []
    for line in (shared_data / "pages" / "real-pages.gold.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        body = rec.get("article_body") or ""
        if len(body.split()) >= 200:
            bodies.append(body)
    assert len(bodies) >= 120
    return bodies


# ----------------------------------------------------------------------------------------------
# Pure graph steps


def test_size_bucket():
    assert [size_bucket(n) for n in (2, 3, 4, 5, 8, 9, 16, 17, 1000)] == [
        "2", "3-4", "3-4", "5-8", "5-8", "9-16", "9-16", "17-32", "513-1024"]


def test_star_edges_is_a_star_not_all_pairs():
    assert sorted(star_edges(["d", "b", "c", "b", "e"])) == [("b", "c"), ("b", "d"), ("b", "e")]
    assert list(star_edges(["a"])) == []
    assert list(star_edges([])) == []


def test_small_and_large_star():
    # small-star at "d" (neighbours b, c smaller, e larger): b, c, d linked to b; d not a leaf
    assert sorted(small_star("d", ["c", "b", "e", "c"])) == [("b", "c", False), ("b", "d", False)]
    assert list(small_star("a", ["b", "c"])) == []  # no smaller neighbour
    assert list(small_star("c", ["a", "a"])) == [("a", "c", True)]  # only neighbour: a leaf
    kind, out = large_star("b", [("a", False), ("c", False), ("d", False)])
    assert kind == "edges" and sorted(out) == [("a", "c"), ("a", "d")]
    kind, out = large_star("a", [("b", True), ("c", True), ("b", True)])
    assert kind == "settled" and sorted(out) == [("a", "a"), ("b", "a"), ("c", "a")]
    assert final_label("c", ["a"]) == ("a", True)
    assert final_label("c", ["b", "d"]) == ("b", False)  # a middle node: not converged


def _cc(edges, tmp_path, rounds=ROUNDS):
    p = beam.Pipeline()
    out = p | beam.Create(edges) | ConnectedComponents(rounds)
    assert_that(out, _saver(tmp_path / "labels.json"))
    result = p.run()
    result.wait_until_finish()
    labels = json.loads((tmp_path / "labels.json").read_text())
    return dict(labels), len(labels), stats.query_counters(result)


def test_connected_components_equal_union_find(tmp_path):
    rng = random.Random(7)
    nodes = [f"n{rng.randrange(10**9):09d}" for _ in range(400)]
    # Random sparse graph (many small components) plus a 150-node random path.
    edges = {tuple(sorted(rng.sample(nodes[:250], 2))) for _ in range(180)}
    path = nodes[250:]
    edges |= {tuple(sorted(e)) for e in zip(path, path[1:])}
    labels, n_records, counters = _cc(sorted(edges), tmp_path)
    assert labels == _union_find_labels(edges)
    assert n_records == len(labels)  # one label per node
    assert counters[DEDUP_NAMESPACE].get("cc_unconverged", 0) == 0


def test_connected_components_at_the_round_bound_keep_every_component_alive(tmp_path):
    rng = random.Random(3)
    ids = [f"p{i:04d}" for i in range(200)]
    rng.shuffle(ids)
    edges = [tuple(sorted(e)) for e in zip(ids, ids[1:])]
    labels, _, counters = _cc(edges, tmp_path, rounds=1)  # far too few rounds for a 200-node path
    assert counters[DEDUP_NAMESPACE]["cc_unconverged"] > 0
    assert labels[min(ids)] == min(ids)  # the component's smallest id still labels itself
    assert all(label <= node for node, label in labels.items())  # labels point down the order
    assert len({v for v in labels.values()}) > 1  # under-deduplicated, never emptied


# ----------------------------------------------------------------------------------------------
# DedupMinHash


def test_exact_duplicates_keep_the_smallest_id(articles, tmp_path):
    a, b = articles[0], articles[1]
    docs = [_doc("id3", a), _doc("id1", "  " + a.upper().replace(" ", "   ") + " !!"),
            _doc("id2", a), _doc("id9", b), _doc("id0", "")]
    kept, counters = _run_dedup(docs, tmp_path)
    assert kept == [("id0", {}), ("id1", {"dedup_cluster_size": 3}), ("id9", {})]
    assert counters == {"total": 5, "kept": 3, "dropped": 2, "dropped:dedup_exact": 2,
                        "clusters": 1, "cluster_size:3-4": 1}


def _chain(base: str):
    """Texts A, B, C with A~B and B~C sharing an LSH band but A and C sharing none."""
    hasher = MinHasher(CONFIG)
    for seed in range(50):
        rng = random.Random(seed)
        a = base
        b = _edit(a, 0.04, rng, "b")
        c = _edit(b, 0.04, rng, "c")
        ka, kb, kc = (set(band_keys(s, CONFIG)) for s in hasher.signatures([a, b, c]))
        if ka & kb and kb & kc and not ka & kc:
            return a, b, c
    raise AssertionError("no chain found")


def test_transitive_chain_collapses_to_one(articles, tmp_path):
    a, b, c = _chain(articles[2])
    assert jaccard(a, c) < jaccard(a, b)
    # Ids ordered so that the survivor C is reachable from A only through B.
    docs = [_doc("c-first", c), _doc("x-middle", b), _doc("z-last", a), _doc("other", articles[3])]
    kept, counters = _run_dedup(docs, tmp_path, keep_dropped=False)
    assert kept == [("c-first", {"dedup_cluster_size": 3}), ("other", {})]
    assert counters["dropped:dedup_minhash"] == 2
    assert counters["total"] == counters["kept"] + counters["dropped"] == 4


def test_dropped_documents_and_removed_ids(articles, tmp_path):
    a = articles[4]
    near = _edit(a, 0.01, random.Random(1), "n")
    docs = [_doc("b", a), _doc("a", near), _doc("c", a), _doc("d", articles[5])]
    out = tmp_path / "dropped.json"
    p = beam.Pipeline()
    kept, dropped = (p | beam.Create(docs)
                     | DedupMinHash(CONFIG, str(tmp_path / "removed"), max_rounds=ROUNDS,
                                    removed_ids_shards=2, keep_dropped=True))
    assert_that(kept | "KeptIds" >> beam.Map(lambda d: d.id), equal_to(["a", "d"]),
                label="Kept")
    assert_that(dropped | beam.Map(lambda d: (d.id, d.metadata["drop_reason"],
                                              d.metadata["dedup_cluster"])),
                _saver(out), label="Dropped")
    p.run().wait_until_finish()
    # "c" is an exact copy of "b", "b" a near-duplicate of "a".
    assert json.loads(out.read_text()) == [["b", "dedup_minhash", "a"],
                                           ["c", "dedup_exact", "b"]]
    files = sorted((tmp_path / "removed" / str(CONFIG)).iterdir())
    assert all(f.name.startswith("removed-") and f.name.endswith("-of-00002.jsonl")
               for f in files)
    records = sorted((json.loads(line) for f in files for line in f.read_text().splitlines()),
                     key=lambda r: r["id"])
    assert records == [{"cluster": "a", "id": "b", "reason": "dedup_minhash"},
                       {"cluster": "b", "id": "c", "reason": "dedup_exact"}]


def test_bad_input_is_counted_not_fatal(tmp_path):
    docs = [_doc("a", ""), _doc("b", None), _doc("c", "one two"), _doc("c", "one two"),
            _doc("d", "short"), Document(id=None, url="", text="no id here at all"),
            _doc("e", "a different text")]
    kept, counters = _run_dedup(docs, tmp_path)
    # "" and None normalise alike (exact duplicates); the second "c" is a duplicate id.
    assert [i for i, _ in kept] == ["None", "a", "c", "d", "e"]
    assert counters["total"] == 7 == counters["kept"] + counters["dropped"]
    assert counters["dropped:dedup_exact"] == 1 and counters["dropped:dedup_duplicate_id"] == 1


def test_transform_in_test_pipeline(articles):
    a = articles[6]
    docs = [_doc("2", a), _doc("1", _edit(a, 0.005, random.Random(0), "t")), _doc("3", "x y z")]
    with test_pipeline.TestPipeline() as p:
        kept = p | beam.Create(docs) | DedupMinHash(CONFIG, max_rounds=2)
        assert_that(kept | beam.Map(lambda d: d.id), equal_to(["1", "3"]))


# ----------------------------------------------------------------------------------------------
# Brute-force reference on real texts


def _corpus(articles) -> list[Document]:
    """~270 documents: 120 real article bodies, near copies (J ~ 0.9), pairs of near copies,
    far copies (J ~ 0.4, must stay) and exact copies (different case and spacing)."""
    rng = random.Random(2024)
    base = articles[:120]
    docs = [(f"art{i:03d}", t) for i, t in enumerate(base)]
    for i in range(0, 40):
        docs.append((f"near{i:03d}", _edit(base[i], 0.01, rng, "n")))
    for i in range(40, 70):
        docs.append((f"pairA{i:03d}", _edit(base[i], 0.01, rng, "p")))
        docs.append((f"pairB{i:03d}", _edit(base[i], 0.01, rng, "q")))
    for i in range(70, 100):
        docs.append((f"far{i:03d}", _edit(base[i], 0.12, rng, "f")))
    for i in range(100, 120):
        docs.append((f"copy{i:03d}", base[i].upper().replace(" ", "  ")))
    rng.shuffle(docs)
    return [_doc(i, t) for i, t in docs]


def _reference_kept(docs, threshold: float) -> set[str]:
    """The smallest id of every connected component of the exact-Jaccard >= threshold graph."""
    sets = {d.id: set(shingles(d.text, CONFIG.ngram)) for d in docs}
    index = collections.defaultdict(list)
    for i, s in sets.items():
        for sh in s:
            index[sh].append(i)
    common = collections.Counter()
    for ids in index.values():
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                common[tuple(sorted((ids[x], ids[y])))] += 1
    edges = [(u, v) for (u, v), n in common.items()
             if n / (len(sets[u]) + len(sets[v]) - n) >= threshold]
    labels = _union_find_labels(edges)
    return {i for i in sets if labels.get(i, i) == i}


@pytest.mark.slow
def test_equals_brute_force_jaccard_reference(articles, tmp_path):
    docs = _corpus(articles)
    reference = _reference_kept(docs, threshold=0.75)
    kept, counters = _run_dedup(docs, tmp_path)
    kept_ids = {i for i, _ in kept}
    # The designed similarities sit far from the threshold (0.9 vs 0.4), where 14 x 8 LSH errs
    # with probability 4e-4 (miss) and 1e-2 (false merge) per pair: allow 2 of ~270 documents.
    assert len(kept_ids ^ reference) <= 2, sorted(kept_ids ^ reference)
    assert 140 <= len(reference) <= 160
    assert counters["total"] == len(docs) == counters["kept"] + counters["dropped"]
    assert counters["dropped:dedup_exact"] == 20
    assert counters["dropped"] == (counters["dropped:dedup_exact"]
                                   + counters["dropped:dedup_minhash"])
    assert counters.get("cc_unconverged", 0) == 0
    # Survivors carry their cluster sizes; the histogram counts the same clusters.
    sizes = collections.Counter(size_bucket(m["dedup_cluster_size"]) for _, m in kept
                                if "dedup_cluster_size" in m)
    assert {k[len("cluster_size:"):]: v for k, v in counters.items()
            if k.startswith("cluster_size:")} == dict(sizes)
    assert sum(m.get("dedup_cluster_size", 1) for _, m in kept) == len(docs)


@pytest.mark.slow
def test_same_result_with_one_and_two_workers(articles, tmp_path):
    docs = _corpus(articles)[:120]
    runs = []
    for n, mode in ((1, "in_memory"), (2, "multi_processing")):
        opts = PipelineOptions(["--direct_num_workers", str(n), "--direct_running_mode", mode])
        d = tmp_path / mode
        d.mkdir()
        runs.append(_run_dedup(docs, d, options=opts))
    (kept1, c1), (kept2, c2) = runs
    assert kept1 == kept2
    assert {k: v for k, v in c1.items() if not k.startswith("cc_")} == \
        {k: v for k, v in c2.items() if not k.startswith("cc_")}
