"""Near-duplicate removal as Beam transforms: exact keys, MinHash LSH, distributed clustering.

    docs ─ Sign ─ ExactDups ─ CandidateEdges ─ ConnectedComponents ─ ClusterSizes ─┐
      └──────────────────────────────────── (id, doc) ─────────────────────────────┴─ Decide

1. ``Sign``: per bundle, the exact key (`curation.minhash.exact_key`) and the LSH band keys of
   every document (`MinHasher.signatures` over a batch). Only these small records travel on;
   the text is shuffled once, in the final join.
2. ``ExactDups``: group by exact key; the smallest id survives, the others are dropped as
   ``dedup_exact``. Only survivors emit their band keys, so a page copied 100k times makes no
   100k-wide LSH bucket.
3. ``CandidateEdges``: group ``(band_key, id)`` by key; each bucket of n >= 2 ids gives a star of
   n - 1 edges around its smallest id (never the n^2 pairs), de-duplicated across bands.
4. ``ConnectedComponents``: Kiveris et al.'s alternating small-star / large-star rounds
   ("Connected Components in MapReduce and Beyond", SoCC 2014), each a single GroupByKey of
   the edges by node, unrolled ``max_rounds`` times. A component that has become a star around
   its smallest id is detected and leaves the loop, so late rounds run on almost nothing.
5. ``Decide``: documents joined by id with their fate: a document whose component label (the
   smallest id of its component) is its own id survives; the others are dropped as
   ``dedup_minhash`` with ``dedup_cluster`` = that label. The result does not depend on worker
   count or bundle order.

No step holds more than one group's iterator (two streaming passes over it) and a bounded set;
nothing is a side input, so memory per worker does not grow with the corpus. Counters, namespace
``dedup_v1``: ``total``, ``kept``, ``dropped``, ``dropped:dedup_exact``, ``dropped:dedup_minhash``,
``dropped:dedup_duplicate_id`` (two input documents with one id: all but one dropped), plus
``edges``, ``clusters``, ``cluster_size:<bucket>`` (power-of-two buckets, see `size_bucket`),
``cc_edges_round:<r>`` (edges still active entering round r), ``cc_settled_round:<r>``
(components settled in round r) and ``cc_unconverged`` (nodes still
unsettled after the last round; see `ConnectedComponents`). Shuffle cost and scale: see
``bench/README-dedup.md``. Tests: ``python -m pytest tests/pipelines/test_dedup.py``.

Usage::

    kept = docs | "DedupMinHash" >> DedupMinHash(MinHashConfig(), removed_ids_dir="out/removed")
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Iterable, Iterator, Tuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from curation.document import Document
from curation.minhash import MinHashConfig, MinHasher, band_keys, exact_key
from pipelines import coders  # noqa: F401 (importing coders registers the Document coder)
from pipelines.sink import write_atomic
from pipelines.transforms import _Counters

DEDUP_NAMESPACE = "dedup_v1"
REASON_EXACT = "dedup_exact"
REASON_MINHASH = "dedup_minhash"
REASON_DUPLICATE_ID = "dedup_duplicate_id"
_Pair = Tuple[Any, str]  # (band key bytes, id), (node, node) or (node, label)

# Alternating rounds unrolled into the graph. On path graphs (the slowest shape: a chain of
# near-duplicates) a component settles in ~3 rounds per decade of size (random ids, n = 1e5: 14;
# ids increasing along the chain: 18), so 24 covers chains of ~1e8 (random) / ~1e7 (ordered).
# LSH clusters are star-like and settle in 1-5. Past the bound see `ConnectedComponents`.
DEFAULT_MAX_ROUNDS = 24
# Neighbours a reducer de-duplicates in memory; past this it streams on without de-duplicating,
# which costs duplicate edges (never a wrong result) and keeps memory bounded (~100 B per id).
_SEEN_CAP = 100_000
SIGN_BATCH = 256  # documents per `MinHasher.signatures` call


def size_bucket(n: int) -> str:
    """The histogram bucket of a cluster of ``n`` >= 2 documents: ``"2"``, ``"3-4"``, ``"5-8"``,
    ``"9-16"``, ... (power-of-two upper bounds)."""
    if n <= 2:
        return "2"
    hi = 1 << (n - 1).bit_length()
    return f"{hi // 2 + 1}-{hi}"


def _compact(key: str) -> bytes:
    """A band key as the 16 bytes that travel through the shuffle (the 36-character text key,
    band index included, hashed again): 14 of them per document, so half the bytes count."""
    return hashlib.blake2b(key.encode("ascii"), digest_size=16).digest()


def _doc_id(doc: Document) -> str:
    return doc.id if isinstance(doc.id, str) else str(doc.id)


# ----------------------------------------------------------------------------------------------
# The graph steps as pure functions over one group: the Beam DoFns below only wire them.
# Edges are (u, v) with u < v; a node's group is its neighbours, possibly repeated.


def _distinct(values: Iterable, key=lambda v: v) -> Iterator:
    """``values`` without repeats while fewer than `_SEEN_CAP` were seen, then all of them."""
    seen: set = set()
    for v in values:
        k = key(v)
        if k in seen:
            continue
        if len(seen) < _SEEN_CAP:
            seen.add(k)
        yield v


def star_edges(ids: Iterable[str]) -> Iterator[tuple[str, str]]:
    """One LSH bucket's candidate edges: its smallest id to every other id (n - 1 edges for n
    ids, not n(n-1)/2). ``ids`` is iterated twice (a Beam group is re-iterable)."""
    m = min(ids, default=None)
    if m is None:
        return
    for v in _distinct(ids):
        if v != m:
            yield m, v


def small_star(u: str, neighbours: Iterable[str]) -> Iterator[tuple[str, str, bool]]:
    """Kiveris' small-star at ``u``: link ``u`` and its smaller neighbours to the smallest of
    them. Yields ``(m, v, leaf)``; ``leaf`` says ``v`` had ``m`` as its one and only neighbour,
    which `large_star` uses to see a finished star."""
    m, only = None, None  # smallest smaller neighbour; the single distinct neighbour, if one
    distinct_count = 0
    for v in neighbours:
        if v < u and (m is None or v < m):
            m = v
        if distinct_count == 0:
            only, distinct_count = v, 1
        elif v != only:
            distinct_count = 2
    if m is None:
        return
    for v in _distinct(neighbours):
        if m < v < u:
            yield m, v, False
    yield m, u, distinct_count == 1


def large_star(u: str, neighbours: Iterable[tuple[str, bool]]):
    """Kiveris' large-star at ``u``: link every larger neighbour to the smallest of ``u`` and
    its neighbours. ``neighbours`` are ``(v, leaf)`` pairs (``leaf``: ``v``'s only neighbour is
    ``u``).

    Returns ``("settled", labels)`` when ``u`` is smaller than all its neighbours and they are all
    leaves (the component is a finished star around ``u``; ``labels`` are ``(node, u)`` for it),
    else ``("edges", edges)``.
    """
    m, all_leaves = u, True
    for v, leaf in neighbours:
        if v < m:
            m = v
        all_leaves = all_leaves and leaf
    if m == u and all_leaves:
        labels = [(u, u)]
        return "settled", _chain(labels, ((v, u) for v, _ in _distinct(neighbours, key=_first)))
    return "edges", ((m, v) for v, _ in _distinct(neighbours, key=_first) if v > u)


def _first(pair):
    return pair[0]


def _chain(*iterables):
    for it in iterables:
        yield from it


def final_label(u: str, neighbours: Iterable[str]) -> tuple[str, bool]:
    """After the last round: ``u``'s label (the smallest of ``u`` and its neighbours) and whether
    ``u`` sits in a finished star (a root, or a leaf with one distinct neighbour). Unfinished
    nodes still get a label that is a smaller node of the same component, and the component's
    smallest id always labels itself, so an unconverged component keeps more than one document,
    never zero."""
    m, only, distinct_count = u, None, 0
    for v in neighbours:
        if v < m:
            m = v
        if distinct_count == 0:
            only, distinct_count = v, 1
        elif v != only:
            distinct_count = 2
    return m, m == u or distinct_count == 1


# ----------------------------------------------------------------------------------------------
# DoFns


class _SignFn(beam.DoFn):
    """A batch of documents in; ``(exact_key, (id, band_keys))`` out for each."""

    def __init__(self, config: MinHashConfig):
        self._config = config
        self._count = _Counters(DEDUP_NAMESPACE)

    def setup(self):
        self._hasher = MinHasher(self._config)

    def process(self, batch: list[Document]):
        texts = [d.text if isinstance(d.text, str) else "" for d in batch]
        try:
            sigs = self._hasher.signatures(texts)
        except Exception:  # noqa: BLE001 one bad text must not lose the batch: retry one by one
            sigs = None
        for i, (doc, text) in enumerate(zip(batch, texts)):
            try:
                sig = sigs[i] if sigs is not None else self._hasher.signature(text)
                keys = tuple(_compact(k) for k in band_keys(sig, self._config))
            except Exception:  # noqa: BLE001 unsignable: still exact-deduplicated, never clustered
                self._count("sign_error")
                keys = ()
            yield exact_key(text), (_doc_id(doc), keys)


class _ExactFn(beam.DoFn):
    """One exact-key group in: the band keys of its smallest id (main output), ``(loser,
    winner)`` for the others (``exact``) and ``(winner, copies)`` when there are any
    (``weight``)."""

    EXACT, WEIGHT = "exact", "weight"

    def process(self, element):
        _, values = element
        winner, winner_keys, n = None, (), 0
        for doc_id, keys in values:
            n += 1
            if winner is None or doc_id < winner:
                winner, winner_keys = doc_id, keys
        for key in winner_keys:
            yield key, winner
        if n > 1:
            yield beam.pvalue.TaggedOutput(self.WEIGHT, (winner, n))
            for doc_id, _ in _distinct(values, key=_first):
                if doc_id != winner:
                    yield beam.pvalue.TaggedOutput(self.EXACT, (doc_id, winner))


class _BucketFn(beam.DoFn):
    def process(self, element):
        _, ids = element
        yield from star_edges(ids)


class _SmallStarFn(beam.DoFn):
    def process(self, element):
        u, neighbours = element
        yield from small_star(u, neighbours)


class _LargeStarFn(beam.DoFn):
    SETTLED = "settled"

    def __init__(self, round_number: int):
        self._round = round_number
        self._count = _Counters(DEDUP_NAMESPACE)

    def process(self, element):
        u, neighbours = element
        kind, out = large_star(u, neighbours)
        if kind == "settled":
            self._count(f"cc_settled_round:{self._round}")
            for label in out:
                yield beam.pvalue.TaggedOutput(self.SETTLED, label)
        else:
            yield from out


class _FinalLabelFn(beam.DoFn):
    def __init__(self):
        self._count = _Counters(DEDUP_NAMESPACE)

    def process(self, element):
        u, neighbours = element
        label, finished = final_label(u, neighbours)
        if not finished:
            self._count("cc_unconverged")
        yield u, label


def _both_ways(edge):
    u, v = edge[0], edge[1]
    return [(u, v), (v, u)]


class _RoundInputFn(beam.DoFn):
    """An edge in, both directions out; counts the edges still active in round ``r``."""

    def __init__(self, round_number: int):
        self._name = f"cc_edges_round:{round_number}"
        self._count = _Counters(DEDUP_NAMESPACE)

    def process(self, edge):
        self._count(self._name)
        yield from _both_ways(edge)


def _both_ways_flagged(edge):
    m, v, leaf = edge
    return [(m, (v, leaf)), (v, (m, False))]


class _SizeFn(beam.DoFn):
    """A node's label and exact-copy weight in, ``(label, weight)`` out."""

    def process(self, element):
        node, grouped = element
        labels, weights = grouped["label"], grouped["weight"]
        weight = max(sum(weights), 1)
        yield (min(labels) if labels else node), weight


class _CountClustersFn(beam.DoFn):
    def __init__(self):
        self._count = _Counters(DEDUP_NAMESPACE)

    def process(self, element):
        root, size = element
        if size > 1:
            self._count("clusters")
            self._count("cluster_size:" + size_bucket(size))
            yield root, size


class _DecideFn(beam.DoFn):
    """One id's documents and fate in; the survivor out, the removed ids tagged ``removed``
    (and, with ``keep_dropped``, the dropped documents tagged ``dropped``)."""

    REMOVED, DROPPED = "removed", "dropped"

    def __init__(self, keep_dropped: bool):
        self._keep_dropped = keep_dropped
        self._count = _Counters(DEDUP_NAMESPACE)

    def process(self, element):
        doc_id, g = element
        docs = sorted(g["doc"], key=lambda d: (d.text if isinstance(d.text, str) else "", d.url))
        exact, label, size = g["exact"], g["label"], g["size"]
        for i, doc in enumerate(docs):
            self._count("total")
            if i > 0:
                reason, cluster = REASON_DUPLICATE_ID, doc_id
            elif exact:
                reason, cluster = REASON_EXACT, min(exact)
            elif label:
                reason, cluster = REASON_MINHASH, min(label)
            else:
                self._count("kept")
                yield doc.with_metadata(dedup_cluster_size=max(size)) if size else doc
                continue
            self._count.drop(reason)
            yield beam.pvalue.TaggedOutput(self.REMOVED, {"id": doc_id, "cluster": cluster,
                                                          "reason": reason})
            if self._keep_dropped:
                yield beam.pvalue.TaggedOutput(self.DROPPED, doc.with_metadata(
                    drop_stage=DEDUP_NAMESPACE, drop_reason=reason, dedup_cluster=cluster))


class _WriteRemovedFn(beam.DoFn):
    def __init__(self, directory: str, shards: int):
        self._directory = directory
        self._shards = shards

    def process(self, element):
        shard, records = element
        lines = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records)
        path = FileSystems.join(self._directory,
                                f"removed-{shard:05d}-of-{self._shards:05d}.jsonl")
        write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
        yield path


# ----------------------------------------------------------------------------------------------
# Transforms


class CandidateEdges(beam.PTransform):
    """``(band_key, id)`` in; the distinct candidate edges ``(u, v)``, ``u < v``, out: a star
    around the smallest id of every bucket with two or more ids."""

    def expand(self, band_records):
        return (band_records
                | "GroupBuckets" >> beam.GroupByKey()
                | "Stars" >> beam.ParDo(_BucketFn())
                | "Distinct" >> beam.Distinct())


class ConnectedComponents(beam.PTransform):
    """Edges ``(u, v)`` in; ``(node, label)`` out for every node of the graph, ``label`` being
    the smallest node of its connected component.

    Each round is Kiveris' small-star then large-star, one GroupByKey each. A large-star that
    finds a node smaller than all its neighbours, each of which has it as its only neighbour, has
    found a whole component in its final shape: it emits the labels and the component's edges
    leave the loop. After ``max_rounds`` the remaining edges (normally none) get each node's
    smallest neighbour as label; a node not yet in a finished star is counted as
    ``cc_unconverged``. Its label is still a smaller node of its component and every
    component's smallest node labels itself, so at the bound a component may keep more than one
    survivor (under-deduplication), never none.

    Args:
        max_rounds: alternating rounds unrolled into the pipeline graph (see
            `DEFAULT_MAX_ROUNDS`).
    """

    def __init__(self, max_rounds: int = DEFAULT_MAX_ROUNDS):
        super().__init__()
        if max_rounds < 1:
            raise ValueError(f"max_rounds must be >= 1, got {max_rounds}")
        self._max_rounds = max_rounds

    def expand(self, edges):
        settled = []
        for r in range(1, self._max_rounds + 1):
            flagged = (edges
                       | f"SmallStarKey{r}" >> beam.ParDo(_RoundInputFn(r))
                       | f"SmallStarGroup{r}" >> beam.GroupByKey()
                       | f"SmallStar{r}" >> beam.ParDo(_SmallStarFn()))
            large = (flagged
                     | f"LargeStarKey{r}" >> beam.FlatMap(_both_ways_flagged)
                     | f"LargeStarGroup{r}" >> beam.GroupByKey()
                     | f"LargeStar{r}" >> beam.ParDo(_LargeStarFn(r))
                     .with_output_types(_Pair)
                     .with_outputs(_LargeStarFn.SETTLED, main="edges"))
            settled.append(large[_LargeStarFn.SETTLED])
            edges = large["edges"]
        rest = (edges
                | "FinalKey" >> beam.FlatMap(_both_ways)
                | "FinalGroup" >> beam.GroupByKey()
                | "FinalLabel" >> beam.ParDo(_FinalLabelFn()))
        return (*settled, rest) | "Labels" >> beam.Flatten()


class DedupMinHash(beam.PTransform):
    """Remove exact and near-duplicate documents; keep the smallest id of every cluster.

    Survivors of a cluster of more than one document (exact copies included) get
    ``dedup_cluster_size`` in their metadata. Counts under ``dedup_v1`` (see the module
    docstring); ``total == kept + dropped`` exactly.

    Args:
        config: MinHash shingles, bands, rows and seed (FineWeb's 5-grams, 14 x 8, by default).
        removed_ids_dir: when set, the removed documents' ``{"id", "cluster", "reason"}`` are
            written as JSONL to ``removed_ids_dir/<config>/removed-NNNNN-of-MMMMM.jsonl``
            (``cluster``: the kept document's id for ``dedup_exact``, the component label for
            ``dedup_minhash``), each file sorted and written atomically.
        max_rounds: connected-components rounds unrolled (see `ConnectedComponents`).
        removed_ids_shards: files the removed ids are spread over (by md5 of the id); one file's
            records are sorted in memory, so raise it for very large runs.
        keep_dropped: return ``(kept, dropped)``, the dropped documents carrying ``drop_stage``,
            ``drop_reason`` and ``dedup_cluster`` in their metadata, like `FilterStage`.
    """

    def __init__(self, config: MinHashConfig = MinHashConfig(),
                 removed_ids_dir: str | None = None, *,
                 max_rounds: int = DEFAULT_MAX_ROUNDS, removed_ids_shards: int = 16,
                 keep_dropped: bool = False):
        super().__init__()
        self._config = config
        self._removed_ids_dir = removed_ids_dir
        self._max_rounds = max_rounds
        self._shards = removed_ids_shards
        self._keep_dropped = keep_dropped

    def params(self) -> dict:
        """The parameters to record in stats.json."""
        return {"name": DEDUP_NAMESPACE, "config": str(self._config),
                **dataclasses.asdict(self._config), "max_rounds": self._max_rounds}

    def expand(self, docs):
        signed = (docs
                  | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=SIGN_BATCH)
                  | "Sign" >> beam.ParDo(_SignFn(self._config)))
        exact = (signed
                 | "GroupExact" >> beam.GroupByKey()
                 | "ExactDups" >> beam.ParDo(_ExactFn()).with_output_types(_Pair).with_outputs(
                     _ExactFn.EXACT, _ExactFn.WEIGHT, main="bands"))
        labels = (exact["bands"]
                  | "CandidateEdges" >> CandidateEdges()
                  | "CountEdges" >> beam.Map(_count_edge, _Counters(DEDUP_NAMESPACE))
                  | "ConnectedComponents" >> ConnectedComponents(self._max_rounds))
        sizes = ({"label": labels, "weight": exact[_ExactFn.WEIGHT]}
                 | "JoinWeights" >> beam.CoGroupByKey()
                 | "Weights" >> beam.ParDo(_SizeFn())
                 | "ClusterSizes" >> beam.CombinePerKey(sum)
                 | "CountClusters" >> beam.ParDo(_CountClustersFn()))
        dropped_labels = labels | "NonRoots" >> beam.Filter(lambda nl: nl[0] != nl[1])
        decided = ({"doc": docs | "KeyById" >> beam.Map(lambda d: (_doc_id(d), d)),
                    "exact": exact[_ExactFn.EXACT], "label": dropped_labels, "size": sizes}
                   | "JoinFates" >> beam.CoGroupByKey()
                   | "Decide" >> beam.ParDo(_DecideFn(self._keep_dropped))
                   .with_output_types(Document)
                   .with_outputs(_DecideFn.REMOVED, _DecideFn.DROPPED, main="kept"))
        if self._removed_ids_dir:
            directory = FileSystems.join(self._removed_ids_dir, str(self._config))
            shards = self._shards
            _ = (decided[_DecideFn.REMOVED]
                 | "ShardRemoved" >> beam.Map(lambda r: (_shard(r["id"], shards), r))
                 | "GroupRemoved" >> beam.GroupByKey()
                 | "WriteRemoved" >> beam.ParDo(_WriteRemovedFn(directory, shards)))
        if self._keep_dropped:
            return decided["kept"], decided[_DecideFn.DROPPED]
        return decided["kept"]


def _count_edge(edge, count):
    count("edges")
    return edge


def _shard(doc_id: str, shards: int) -> int:
    return int.from_bytes(hashlib.md5(doc_id.encode("utf-8", "surrogatepass")).digest()[:8],
                          "big") % shards
