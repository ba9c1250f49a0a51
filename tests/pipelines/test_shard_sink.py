"""The token shard sink: llm.c's format, fixed-size shards, the val/train split, determinism.

Shards are read back with an independent reader written from the format alone (numpy memmap),
not with `curation.shards`.
"""

import hashlib
import json

import numpy as np
import pytest

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline as BeamPipeline
from apache_beam.testing.util import assert_that, equal_to

from curation.document import Document
from curation.shards import ShardConfig, cut, split_hash
from pipelines.shard_sink import WriteTokenShards, is_val

EOT = 50256


def read_shard(path):
    """header (256 x int32: magic 20240520, version 1, n_tokens) then uint16 tokens."""
    header = np.fromfile(path, dtype="<i4", count=256)
    assert header[0] == 20240520 and header[1] == 1, path
    tokens = np.memmap(path, dtype="<u2", mode="r", offset=1024)
    assert header[2] == len(tokens), path
    assert path.stat().st_size == 1024 + 2 * int(header[2])
    assert not header[3:].any()
    return np.array(tokens)


def read_split(directory, split):
    paths = sorted(directory.glob(f"*_{split}_*.bin"))
    return paths, (np.concatenate([read_shard(p) for p in paths]) if paths
                   else np.zeros(0, np.uint16))


@pytest.fixture(scope="module")
def enc():
    from curation.tokenizer import get_encoding

    return get_encoding("gpt2")


# ----------------------------------------------------------------------------------------------
# Pure pieces


def test_cut_tiles_the_range():
    assert list(cut(0, 10, 4)) == [(0, 0, 0, 4), (1, 0, 4, 8), (2, 0, 8, 10)]
    assert list(cut(6, 5, 4)) == [(1, 2, 0, 2), (2, 0, 2, 5)]
    assert list(cut(3, 0, 4)) == []


def test_split_hash_is_stable_and_uniform():
    assert split_hash("<urn:uuid:1>") == split_hash("<urn:uuid:1>")
    digest = hashlib.md5(b"<urn:uuid:1>").digest()
    assert split_hash("<urn:uuid:1>") == int.from_bytes(digest[:8], "big") / 2.0**64
    values = [split_hash(f"doc-{i}") for i in range(20000)]
    assert 0 <= min(values) and max(values) < 1
    assert abs(sum(v < 0.01 for v in values) / len(values) - 0.01) < 0.003


def test_val_falls_back_to_the_lowest_hash():
    ids = [f"doc-{i}" for i in range(5)]
    low = min((split_hash(i), i) for i in ids)
    count = (len(ids), low)
    assert [is_val(i, 0.0, count) for i in ids] == [i == low[1] for i in ids]
    assert not any(is_val(i, 0.0, (1, (split_hash(i), i))) for i in ids[:1])  # one doc: train
    assert all(is_val(i, 1.0, count) for i in ids)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="shard_tokens"):
        ShardConfig(shard_tokens=0)
    with pytest.raises(ValueError, match="val_fraction"):
        ShardConfig(val_fraction=1.5)
    with pytest.raises(ValueError, match="prefix"):
        ShardConfig(prefix="a/b")
    with pytest.raises(ValueError, match="only 'gpt2'"):
        ShardConfig(tokenizer="cl100k_base")


# ----------------------------------------------------------------------------------------------
# The transform


def _docs():
    texts = ["Hello world, this is a document.", "Another one: <|endoftext|> stays text.",
             "Zürich ☃ 東京 " * 20, "x", "Short.", "Numbers 12345 and code: def f(x): return x"]
    docs = []
    for i, t in enumerate(texts * 3):
        docs.append(Document(id=f"<urn:uuid:{i:04d}>", url=f"https://e.com/{i}", text=t,
                             metadata={"file_path": f"crawl/{i % 2}.warc.gz", "offset": 100 * i}))
    return docs


def _run(docs, out, config, enc):
    """Run the sink; the documents it passes on carry their own token count (without <eot>)."""
    expected = [(d.id, len(enc.encode_ordinary(d.text))) for d in docs]
    with BeamPipeline() as p:
        counts = (p | beam.Create(docs) | WriteTokenShards(config, str(out))
                  | beam.Map(lambda d: (d.id, d.metadata["token_count"])))
        assert_that(counts, equal_to(expected))


def test_shards_hold_every_document_in_order(tmp_path, enc):
    docs = _docs()
    config = ShardConfig(shard_tokens=37, val_fraction=0.2)
    _run(docs, tmp_path, config, enc)
    shards = tmp_path / "shards"

    count = (len(docs), min((split_hash(d.id), d.id) for d in docs))
    order = sorted(docs, key=lambda d: (d.metadata["file_path"], d.metadata["offset"]))
    manifest = json.loads((shards / "manifest.json").read_text())
    n_val_shards = 0
    for split in ("val", "train"):
        mine = [d for d in order if is_val(d.id, 0.2, count) == (split == "val")]
        assert mine, split
        expected = np.array([t for d in mine for t in [EOT] + enc.encode_ordinary(d.text)],
                            dtype=np.uint16)
        paths, tokens = read_split(shards, split)
        np.testing.assert_array_equal(tokens, expected)
        sizes = [len(read_shard(p)) for p in paths]
        assert all(s == 37 for s in sizes[:-1]) and 0 < sizes[-1] <= 37
        indices = [int(p.stem.rsplit("_", 1)[1]) for p in paths]
        if split == "val":
            n_val_shards = len(paths)
            assert indices == list(range(len(paths)))
        else:  # one index across both splits, val first, as llm.c's fineweb.py
            assert indices == list(range(n_val_shards, n_val_shards + len(paths)))
        assert manifest["totals"][split] == {"shards": len(paths), "tokens": len(expected),
                                             "documents": len(mine)}
    index = lambda name: int(name.rsplit("_", 1)[1].split(".")[0])  # noqa: E731
    assert [e["file"] for e in manifest["shards"]] == sorted(
        (p.name for p in shards.glob("*.bin")), key=index)
    for e in manifest["shards"]:
        data = (shards / e["file"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest()
        assert e["documents"] == int((read_shard(shards / e["file"]) == EOT).sum())
    assert not list(shards.glob("*.tmp-*"))


def test_no_documents_writes_an_empty_manifest(tmp_path, enc):
    _run([], tmp_path, ShardConfig(), enc)
    manifest = json.loads((tmp_path / "shards" / "manifest.json").read_text())
    assert manifest["shards"] == []
    assert manifest["totals"]["train"] == {"shards": 0, "tokens": 0, "documents": 0}
