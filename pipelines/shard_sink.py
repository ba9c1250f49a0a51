"""The token shard sink: kept documents to llm.c token shards, byte-identical on any worker count.

    docs -> Tokenize ----------------------------> docs with metadata token_count (to Parquet)
              \\-> (input file, tokens) -> GroupByKey -> per-file runs of <eot> doc <eot> doc ...
                     -> global offsets (a side input of every run's length, in file order)
                     -> cut into (split, shard) pieces -> GroupByKey -> write each shard atomically
                     -> manifest.json

The order of documents is fixed by the data, never by the runner: input files in path order, and
within a file by record offset. Each document goes to ``val`` or ``train`` by an md5 of its id
(`curation.shards.split_hash`). A run's place in its split is the sum of the lengths of the runs
before it, so every worker can cut its own runs into shard pieces without seeing the others', and
one shard's pieces meet in one ``GroupByKey``. Shards are written to a temporary name and renamed
(``OUTPUT/shards/{prefix}_{split}_{index:06d}.bin``), so a retried bundle or a re-run replaces a
file whole. Memory per worker is bounded by one input file's tokens and one shard (200 MB at the
default 100M tokens).
"""

from __future__ import annotations

import hashlib
import json

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.utils import shared

from curation.document import Document
from curation.shards import (MAGIC, VERSION, ShardConfig, cut, header_bytes, shard_name,
                             split_hash)
from pipelines.sink import write_atomic

TOKENIZE_NAMESPACE = "tokenize_v1"
MANIFEST = "manifest.json"


def _load_encoding(name: str):
    from curation.tokenizer import get_encoding

    enc = get_encoding(name)
    # (can do since GPT-2's max token value, 50256, is < 2**16)
    assert enc.max_token_value < 2**16, f"{name} ids do not fit in uint16 shards"
    return enc


class _Holder:
    """A weak-referenceable box for the encoder, for `apache_beam.utils.shared.Shared`."""

    def __init__(self, enc):
        self.enc = enc


class _TokenizeFn(beam.DoFn):
    """Encodes each document; the main output is the document with its ``token_count``, the
    ``tokens`` output is ``(file_path, (offset, id, uint16 bytes of <eot> + tokens))``."""

    def __init__(self, config: ShardConfig):
        self._config = config
        self._shared = shared.Shared()
        self._documents = Metrics.counter(TOKENIZE_NAMESPACE, "documents")
        self._tokens = Metrics.counter(TOKENIZE_NAMESPACE, "tokens")

    def setup(self):
        name = self._config.tokenizer
        self._enc = self._shared.acquire(lambda: _Holder(_load_encoding(name)), tag=name).enc

    def process(self, doc: Document):
        # One document per call: Beam already runs a DoFn per core; the C encoder's own threads are
        # for batch callers.
        flat, counts = self._enc.encode_for_shard([doc.text], num_threads=1)
        n = int(counts[0])
        self._documents.inc()
        self._tokens.inc(n)
        key = str(doc.metadata.get("file_path") or "")
        offset = doc.metadata.get("offset") or 0
        yield beam.pvalue.TaggedOutput("tokens", (key, (offset, doc.id, flat.tobytes())))
        yield doc.with_metadata(token_count=n - 1)  # the text's own tokens, without the <eot>


class _SplitCountFn(beam.CombineFn):
    """``(n_documents, lowest (split_hash, id))`` over all documents: enough for every worker to
    make the same val/train choice."""

    def create_accumulator(self):
        return 0, None

    def add_input(self, acc, doc_id):
        n, low = acc
        key = (split_hash(doc_id), doc_id)
        return n + 1, key if low is None or key < low else low

    def merge_accumulators(self, accs):
        n, low = 0, None
        for m, other in accs:
            n += m
            if other is not None and (low is None or other < low):
                low = other
        return n, low

    def extract_output(self, acc):
        return acc


def is_val(doc_id: str, val_fraction: float, split_count) -> bool:
    """The split rule: a hash under ``val_fraction``; failing any, the lowest hash of a run of
    two or more documents."""
    h = split_hash(doc_id)
    if h < val_fraction:
        return True
    n, low = split_count
    return n >= 2 and low is not None and low[0] >= val_fraction and (h, doc_id) == low


def _runs(element, val_fraction: float, split_count):
    """One input file's documents, in offset order, as one run of tokens per split:
    ``((split, file_path), (uint16 bytes, [token offset of each document start]))``."""
    file_path, docs = element
    out = {"val": ([], [], 0), "train": ([], [], 0)}
    for _, doc_id, data in sorted(docs, key=lambda d: (d[0], d[1])):
        split = "val" if is_val(doc_id, val_fraction, split_count) else "train"
        chunks, starts, n = out[split]
        chunks.append(data)
        starts.append(n)
        out[split] = (chunks, starts, n + len(data) // 2)
    for split, (chunks, starts, _) in out.items():
        if chunks:
            yield (split, file_path), (b"".join(chunks), starts)


def _layout(runs, shard_tokens: int) -> tuple[dict, int]:
    """From every run's ``((split, file_path), n_tokens)``: each run's first token in its split
    (runs in path order) and the number of val shards (val shards are numbered first)."""
    starts, totals = {}, {"val": 0, "train": 0}
    for key, n in sorted(runs):
        starts[key] = totals[key[0]]
        totals[key[0]] += n
    return starts, -(-totals["val"] // shard_tokens)


def _pieces(run, layout, shard_tokens: int):
    """Cut one run into ``((split, shard index), (offset in shard, bytes, n_documents))``."""
    key, (data, doc_starts) = run
    starts, n_val_shards = layout
    base = 0 if key[0] == "val" else n_val_shards
    doc_starts = np.asarray(doc_starts, dtype=np.int64)
    for shard, offset, begin, end in cut(starts[key], len(data) // 2, shard_tokens):
        n_docs = int(np.count_nonzero((doc_starts >= begin) & (doc_starts < end)))
        yield (key[0], base + shard), (offset, data[2 * begin:2 * end], n_docs)


class _WriteShardFn(beam.DoFn):
    def __init__(self, directory: str, prefix: str):
        self._directory = directory
        self._prefix = prefix
        self._shards = Metrics.counter(TOKENIZE_NAMESPACE, "shards")

    def process(self, element):
        (split, index), pieces = element
        pieces = sorted(pieces, key=lambda p: p[0])
        n_tokens = sum(len(p[1]) // 2 for p in pieces)
        # Pieces tile the shard: each starts where the previous one ended.
        pos = 0
        for offset, data, _ in pieces:
            assert offset == pos, f"shard {split} {index}: gap or overlap at token {pos}"
            pos += len(data) // 2
        data = header_bytes(n_tokens) + b"".join(p[1] for p in pieces)
        name = shard_name(self._prefix, split, index)
        write_atomic(FileSystems.join(self._directory, name), data)
        self._shards.inc()
        yield {"file": name, "split": split, "index": index, "tokens": n_tokens,
               "documents": sum(p[2] for p in pieces),
               "sha256": hashlib.sha256(data).hexdigest()}


def manifest(entries, config: ShardConfig) -> dict:
    """The shard list with per-split totals, as written to ``manifest.json``."""
    entries = sorted(entries, key=lambda e: e["index"])
    totals = {}
    for split in ("train", "val"):
        mine = [e for e in entries if e["split"] == split]
        totals[split] = {"shards": len(mine), "tokens": sum(e["tokens"] for e in mine),
                         "documents": sum(e["documents"] for e in mine)}
    return {"format": "llm.c", "magic": MAGIC, "version": VERSION, "tokenizer": config.tokenizer,
            "eot_token": _load_encoding(config.tokenizer).eot_token, "shard_tokens": config.shard_tokens,
            "val_fraction": config.val_fraction,
            "shards": [{k: e[k] for k in ("file", "split", "tokens", "documents", "sha256")}
                       for e in entries],
            "totals": totals}


def _write_manifest(entries, directory: str, config: ShardConfig) -> str:
    path = FileSystems.join(directory, MANIFEST)
    write_atomic(path, (json.dumps(manifest(entries, config), indent=1) + "\n").encode())
    return path


class WriteTokenShards(beam.PTransform):
    """Tokenize the kept documents and write ``OUTPUT/shards/``; outputs the documents with their
    ``token_count`` (GPT-2 tokens of the text, without the end-of-text token).

    Args:
        config: shard size, validation share, file prefix, tokenizer.
        output_dir: the job's output directory.
    """

    def __init__(self, config: ShardConfig, output_dir: str):
        super().__init__()
        self._config = config
        self._directory = FileSystems.join(output_dir, "shards")

    def expand(self, docs):
        c = self._config
        tagged = docs | "Tokenize" >> beam.ParDo(_TokenizeFn(c)).with_outputs("tokens", main="docs")
        tokens = tagged.tokens
        split_count = beam.pvalue.AsSingleton(
            tokens
            | "DocIds" >> beam.Map(lambda kv: kv[1][1])
            | "CountForSplit" >> beam.CombineGlobally(_SplitCountFn()))
        runs = (tokens
                | "GroupByFile" >> beam.GroupByKey()
                | "Runs" >> beam.FlatMap(_runs, c.val_fraction, split_count))
        layout = beam.pvalue.AsSingleton(
            runs
            | "RunLength" >> beam.Map(lambda r: (r[0], len(r[1][0]) // 2))
            | "AllRuns" >> beam.combiners.ToList()
            | "Layout" >> beam.Map(_layout, c.shard_tokens))
        _ = (runs
             | "Cut" >> beam.FlatMap(_pieces, layout, c.shard_tokens)
             | "GroupByShard" >> beam.GroupByKey()
             | "WriteShard" >> beam.ParDo(_WriteShardFn(self._directory, c.prefix))
             | "AllShards" >> beam.combiners.ToList()
             | "WriteManifest" >> beam.Map(_write_manifest, self._directory, c))
        return tagged.docs
