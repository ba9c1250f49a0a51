"""Peak memory and time of the dedup clustering stage (band keys -> edges -> components) on the
DirectRunner, over synthetic documents with planted clusters.

    python bench/dedup_memory.py                    # 100k documents, in_memory, 1 worker
    python bench/dedup_memory.py --docs 10000       # a smaller run, to see how memory scales

Documents are synthetic 112-value MinHash signatures cut into real `band_keys`: 60% singletons;
the rest in planted clusters, star-like (members = the cluster's base signature with 15% of the
slots redrawn) or chains (each member = the previous one with 20% redrawn, so far ends of a
chain share no band), plus one 5,000-document boilerplate cluster. The records are generated
inside the pipeline (chunk by chunk) so the driver holds no corpus. The result is checked against
a union-find over the same buckets.

Prints the peak RSS of the process (the in_memory DirectRunner runs every stage in it), the
growth over the RSS before the run, the wall time and the graph figures. The DirectRunner keeps
each PCollection in memory, so on it memory grows with the corpus; on Dataflow every stage
streams, and per-worker memory is bounded by the reducers' state (see bench/README-dedup.md).
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import apache_beam as beam  # noqa: E402
from apache_beam.metrics import Metrics  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402
from apache_beam.testing.util import assert_that  # noqa: E402

from curation.minhash import MinHashConfig, band_keys  # noqa: E402
from pipelines import stats  # noqa: E402
from pipelines.dedup import (DEDUP_NAMESPACE, DEFAULT_MAX_ROUNDS, CandidateEdges,  # noqa: E402
                             ConnectedComponents, _compact)

CONFIG = MinHashConfig()
CHUNK = 5_000  # documents generated per input element
BIG_CLUSTER = 5_000  # one boilerplate cluster of this many documents (in chunk 0)


# ----------------------------------------------------------------------------------------------
# Synthetic corpus


def _redraw(rng, sig, share):
    out = sig.copy()
    mask = rng.random(sig.shape) < share
    out[mask] = rng.integers(0, 2**32, mask.sum(), dtype=np.uint64)
    return out


def chunk_signatures(chunk: int, n: int):
    """``(doc_id, signature)`` for the ``n`` documents of ``chunk``; deterministic."""
    rng = np.random.default_rng(chunk)
    made = 0
    cluster = 0
    if chunk == 0:
        base = rng.integers(0, 2**32, CONFIG.num_perm, dtype=np.uint64)
        for k in range(min(BIG_CLUSTER, n)):
            yield f"c{chunk:04d}-big-{k:05d}", _redraw(rng, base, 0.05)
        made = min(BIG_CLUSTER, n)
    while made < n:
        cluster += 1
        base = rng.integers(0, 2**32, CONFIG.num_perm, dtype=np.uint64)
        size = 1 if rng.random() < 0.6 else int(min(2 + rng.pareto(1.5) * 2, 500))
        size = min(size, n - made)
        chain = rng.random() < 0.1
        sig = base
        for k in range(size):
            # Ids are random in the cluster, so the smallest id is anywhere in a chain.
            doc_id = f"c{chunk:04d}-{rng.integers(10**12):012d}-{k}"
            if k:
                sig = _redraw(rng, sig if chain else base, 0.2 if chain else 0.15)
            yield doc_id, sig
        made += size


def band_records(chunk: int, n: int):
    for doc_id, sig in chunk_signatures(chunk, n):
        for key in band_keys(sig, CONFIG):
            yield key, doc_id


def reference_labels(n_docs: int) -> dict[str, str]:
    """Union-find over the same buckets, in one process (the check)."""
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[str, str] = {}
    for chunk in range(-(-n_docs // CHUNK)):
        for key, doc_id in band_records(chunk, min(CHUNK, n_docs - chunk * CHUNK)):
            other = first.setdefault(key, doc_id)
            ru, rv = find(other), find(doc_id)
            if ru != rv:
                parent[max(ru, rv)] = min(ru, rv)
    labels = {x: find(x) for x in list(parent)}
    size = collections.Counter(labels.values())
    return {x: r for x, r in labels.items() if size[r] > 1}  # the pipeline sees only edges


# ----------------------------------------------------------------------------------------------
# Run


def _count_edge(edge, counter):
    counter.inc()
    return edge


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000, help="synthetic documents")
    ap.add_argument("--rounds", type=int, default=DEFAULT_MAX_ROUNDS, help="max CC rounds")
    ap.add_argument("--no-check", action="store_true", help="skip the union-find check")
    args = ap.parse_args(argv)

    n_chunks = -(-args.docs // CHUNK)
    sizes = [min(CHUNK, args.docs - c * CHUNK) for c in range(n_chunks)]
    out = Path(tempfile.mkdtemp(prefix="dedup-bench-")) / "labels.jsonl"

    def save(actual):
        with open(out, "w") as f:
            for node, label in actual:
                f.write(f"{node}\t{label}\n")

    rss_before = _current_rss_mb()
    t0 = time.perf_counter()
    p = beam.Pipeline(options=PipelineOptions(["--direct_running_mode", "in_memory",
                                               "--direct_num_workers", "1"]))
    labels = (p
              | beam.Create(list(zip(range(n_chunks), sizes)))
              | "Generate" >> beam.FlatMap(lambda cn: band_records(*cn))
              | "Compact" >> beam.Map(lambda kv: (_compact(kv[0]), kv[1]))
              | CandidateEdges()
              | "CountEdges" >> beam.Map(_count_edge, Metrics.counter(DEDUP_NAMESPACE, "edges"))
              | ConnectedComponents(args.rounds))
    assert_that(labels, save)
    result = p.run()
    result.wait_until_finish()
    wall = time.perf_counter() - t0
    peak = _rss_mb()
    counters = stats.query_counters(result).get(DEDUP_NAMESPACE, {})

    got = dict(line.rstrip("\n").split("\t") for line in out.open())
    report = {
        "docs": args.docs,
        "band_records": args.docs * CONFIG.bands,
        "clustered_nodes": len(got),
        "distinct_edges": counters.get("edges", 0),
        "components": sum(1 for k, v in got.items() if k == v),
        "largest_component": max(collections.Counter(got.values()).values(), default=0),
        "edges_by_round": {k.split(":")[1]: v for k, v in sorted(counters.items())
                           if k.startswith("cc_edges_round:")},
        "settled_by_round": {k.split(":")[1]: v for k, v in sorted(counters.items())
                             if k.startswith("cc_settled_round:")},
        "cc_unconverged": counters.get("cc_unconverged", 0),
        "wall_s": round(wall, 1),
        "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(peak),
        "peak_growth_mb": round(peak - rss_before),
    }
    if not args.no_check:
        ref = reference_labels(args.docs)
        report["equals_union_find"] = got == ref
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
