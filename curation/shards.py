"""Token shards in llm.c's format: write, read, check.

A shard is a 256 x int32 little-endian header, then the tokens as uint16 little-endian::

    header[0] = 20240520   magic
    header[1] = 1          version
    header[2] = n_tokens   number of uint16 tokens after the header
    header[3:] = 0

Every document is preceded by the end-of-text token (50256 for GPT-2), so a shard reads as
``<eot> doc0 <eot> doc1 ...``; a document may continue in the next shard. Shards are named like
llm.c's ``fineweb.py`` names them, ``{prefix}_val_000000.bin`` and ``{prefix}_train_000001.bin``
(one index across both splits, validation shards first), so llm.c's ``train_gpt2`` and the
bundled trainer take them as they are.

    python -m curation.shards OUTPUT/shards/curation_train_000001.bin   # prints the header
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import sys
from typing import Iterator, NamedTuple

import numpy as np

MAGIC = 20240520
VERSION = 1
HEADER_INTS = 256
HEADER_BYTES = HEADER_INTS * 4  # 1,024 bytes
TOKEN_DTYPE = np.dtype("<u2")  # (can do since GPT-2's max token value 50256 is < 2**16)

SHARD_NAME = re.compile(r"^(?P<prefix>.+)_(?P<split>train|val)_(?P<index>\d{6})\.bin$")


@dataclasses.dataclass(frozen=True)
class ShardConfig:
    """How the job turns kept documents into token shards.

    Args:
        shard_tokens: tokens per shard; every shard but the last of each split is exactly this
            long (llm.c's ``fineweb.py`` uses 100M: 200 MB files).
        val_fraction: the share of documents that go to the validation split, chosen by a hash of
            their id; when no document falls under it, the one with the lowest hash is taken, so a
            run of two or more documents always has both splits.
        prefix: the file name prefix, ``{prefix}_train_000001.bin``.
        tokenizer: the encoding (only ``gpt2``: the shards hold uint16 GPT-2 ids).
    """

    shard_tokens: int = 100_000_000  # 100M tokens, 200 MB per shard
    val_fraction: float = 0.01  # about 1% of documents
    prefix: str = "curation"
    tokenizer: str = "gpt2"

    def __post_init__(self):
        if self.shard_tokens < 1:
            raise ValueError(f"shard_tokens must be at least 1, not {self.shard_tokens}")
        if not 0.0 <= self.val_fraction <= 1.0:
            raise ValueError(f"val_fraction must be between 0 and 1, not {self.val_fraction}")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", self.prefix):
            raise ValueError(f"prefix {self.prefix!r}: use letters, digits, '.' and '-'")
        if self.tokenizer != "gpt2":
            raise ValueError(f"tokenizer {self.tokenizer!r}: only 'gpt2' writes uint16 shards")


def split_hash(doc_id: str) -> float:
    """A document's place in [0, 1) for the train/val split: md5 of its id, so it is the same on
    every worker and every run (never Python's salted ``hash()``)."""
    return int.from_bytes(hashlib.md5(doc_id.encode("utf-8")).digest()[:8], "big") / 2.0**64


def cut(start: int, n_tokens: int, shard_tokens: int) -> Iterator[tuple[int, int, int, int]]:
    """Cut the token range ``[start, start + n_tokens)`` of a split into per-shard pieces.

    Yields ``(shard, offset_in_shard, begin, end)``, where ``begin:end`` indexes the range's own
    tokens; shard ``k`` holds the split's tokens ``[k * shard_tokens, (k + 1) * shard_tokens)``.
    """
    pos, end = start, start + n_tokens
    while pos < end:
        shard, offset = divmod(pos, shard_tokens)
        stop = min(end, (shard + 1) * shard_tokens)
        yield shard, offset, pos - start, stop - start
        pos = stop


class ShardError(ValueError):
    """A file that is not a valid shard; the message names the file and what is wrong."""


class Header(NamedTuple):
    magic: int
    version: int
    n_tokens: int


def shard_name(prefix: str, split: str, index: int) -> str:
    """``{prefix}_{split}_{index:06d}.bin``, as llm.c's ``fineweb.py`` names its shards."""
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', not {split!r}")
    return f"{prefix}_{split}_{index:06d}.bin"


def header_bytes(n_tokens: int) -> bytes:
    """The 1,024-byte header of a shard holding ``n_tokens`` tokens."""
    header = np.zeros(HEADER_INTS, dtype="<i4")
    header[0], header[1], header[2] = MAGIC, VERSION, n_tokens
    return header.tobytes()


def shard_bytes(tokens: np.ndarray) -> bytes:
    """A whole shard (header + tokens) as bytes."""
    tokens = np.asarray(tokens)
    if tokens.size and int(tokens.max()) >= 2**16:
        raise ValueError(f"token value {int(tokens.max())} does not fit in uint16")
    return header_bytes(len(tokens)) + tokens.astype(TOKEN_DTYPE, copy=False).tobytes()


def write_shard(path: str, tokens: np.ndarray) -> str:
    """Write a local shard atomically (temporary file, then rename); returns its sha256."""
    data = shard_bytes(tokens)
    # Hidden, as the job's own writes (pipelines.sink.write_atomic): a leftover never matches
    # *.bin and readers of the directory skip it.
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def parse_header(raw: bytes, name: str = "shard", size: int | None = None) -> Header:
    """Check a shard header (and the file size, when given) and return it.

    Raises:
        ShardError: naming ``name`` and the problem (short file, wrong magic or version, a token
            count that disagrees with the file size).
    """
    if len(raw) < HEADER_BYTES:
        raise ShardError(f"{name}: {len(raw)} bytes, shorter than the {HEADER_BYTES}-byte header;"
                         " the file is truncated or not a token shard")
    header = np.frombuffer(raw[:HEADER_BYTES], dtype="<i4")
    magic, version, n_tokens = int(header[0]), int(header[1]), int(header[2])
    if magic != MAGIC:
        raise ShardError(f"{name}: magic number {magic}, expected {MAGIC}; not an llm.c token "
                         "shard (or written with another byte order)")
    if version != VERSION:
        raise ShardError(f"{name}: version {version}, expected {VERSION}; this reader knows "
                         "only uint16 GPT-2 shards")
    if n_tokens < 0:
        raise ShardError(f"{name}: negative token count {n_tokens} in the header")
    if size is not None:
        body = size - HEADER_BYTES
        have = body // TOKEN_DTYPE.itemsize
        if body % TOKEN_DTYPE.itemsize:
            raise ShardError(f"{name}: {body:,} bytes after the header is not a whole number of "
                             "uint16 tokens; the file is damaged: re-run the job to rewrite it")
        if have < n_tokens:
            raise ShardError(f"{name}: truncated: the header says {n_tokens:,} tokens but the "
                             f"file holds only {have:,} ({size:,} bytes); the write was cut short:"
                             " re-run the job")
        if have > n_tokens:
            raise ShardError(f"{name}: header token count {n_tokens:,} does not match the file, "
                             f"which holds {have:,} tokens; the header or the tokens were changed:"
                             " re-run the job")
    return Header(magic, version, n_tokens)


def peek_header(path: str) -> Header:
    """Read and check only the header of the shard at ``path`` (and its size)."""
    with open(path, "rb") as f:
        raw = f.read(HEADER_BYTES)
    return parse_header(raw, path, os.path.getsize(path))


def read_tokens(path: str) -> np.ndarray:
    """The tokens of a checked shard, memory-mapped (uint16, read-only)."""
    header = peek_header(path)
    return np.memmap(path, dtype=TOKEN_DTYPE, mode="r", offset=HEADER_BYTES,
                     shape=(header.n_tokens,))


def list_shards(directory: str, split: str | None = None) -> list[str]:
    """The shard files in ``directory`` (optionally of one split), sorted by index."""
    found = []
    for name in os.listdir(directory):
        m = SHARD_NAME.match(name)
        if m and (split is None or m["split"] == split):
            found.append((int(m["index"]), name))
    return [os.path.join(directory, name) for _, name in sorted(found)]


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(p, peek_header(p))
