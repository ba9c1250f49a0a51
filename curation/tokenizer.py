"""GPT-2 tokenizer: a tiktoken-shaped wrapper over the C encoder in ``_bpe.c``.

Ids are exactly those of ``tiktoken.get_encoding("gpt2").encode_ordinary`` (tested on the 1,301
pages, 75,000 langid sentences and random Unicode), but the encoder is C, runs without the GIL and
can write uint16 ids straight into a token-shard buffer::

    >>> enc = get_encoding("gpt2")            # cached per process; vocabulary ships in curation/data/gpt2
    >>> enc.encode_ordinary("Hello world")
    [15496, 995]
    >>> enc.decode([15496, 995])
    'Hello world'
    >>> tokens, counts = enc.encode_for_shard(["Hello world", "Hi"], num_threads=2)
    >>> tokens.tolist(), counts.tolist()      # EOT before every document; counts include it
    ([50256, 15496, 995, 50256, 17250], [3, 2])

Semantics, as tiktoken's ``encode_ordinary``: a literal ``"<|endoftext|>"`` in the text is encoded
as plain text; lone surrogates (possible in a Python str) become U+FFFD and a surrogate pair is
joined into its character, which is what tiktoken's ``text.encode("utf-16", "surrogatepass")
.decode("utf-16", "replace")`` fallback does. ``decode`` uses ``errors="replace"``.

An `Encoding` pickles by name, so Beam ships ``"gpt2"`` and each worker rebuilds it once.
"""

from __future__ import annotations

import functools
import json
import pathlib

import numpy as np

from curation import _bpe

ENDOFTEXT = "<|endoftext|>"

# The pattern tiktoken_ext/openai_public.py gives gpt2/r50k_base; _bpe.c's scanner implements it
# by hand. Kept here for reference and for the tests, which build tiktoken with it.
GPT2_PAT_STR = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""

_DATA = pathlib.Path(__file__).resolve().parent / "data"


def _data_gym_byte_decoder() -> dict[str, int]:
    """GPT-2's printable-character stand-in for each byte (``bytes_to_unicode`` in its encoder.py),
    inverted: character -> byte."""
    printable = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
    decoder = {chr(b): b for b in printable}
    n = 0
    for b in range(256):
        if b not in printable:
            decoder[chr(256 + n)] = b
            n += 1
    return decoder


def load_gpt2_tokens(directory: pathlib.Path | None = None) -> list[bytes]:
    """The GPT-2 vocabulary as a list: entry i is the bytes of token id i (50,257 entries; the
    last is ``b"<|endoftext|>"``). GPT-2 ids are also merge ranks, as tiktoken assumes.

    Args:
        directory: folder holding OpenAI's ``encoder.json``; defaults to the copy shipped in
            ``curation/data/gpt2`` (MIT, see its LICENSE).
    """
    directory = directory or _DATA / "gpt2"
    with open(directory / "encoder.json", encoding="utf-8") as f:
        encoder = json.load(f)
    byte_of = _data_gym_byte_decoder()
    tokens: list[bytes | None] = [None] * len(encoder)
    for text, i in encoder.items():
        tokens[i] = text.encode() if text == ENDOFTEXT else bytes(byte_of[ch] for ch in text)
    if any(t is None for t in tokens):
        raise ValueError(f"{directory / 'encoder.json'}: token ids are not 0..{len(tokens) - 1}")
    return tokens  # type: ignore[return-value]


class Encoding:
    """A byte-level BPE encoding with tiktoken's interface (the ``encode_ordinary`` family).

    Args:
        name: the encoding's name; pickling stores only this and `get_encoding` rebuilds it.
        tokens: bytes of every token id; the first ``len(tokens) - len(special_tokens)`` are BPE
            tokens, whose ids are their merge ranks.
        special_tokens: special token text -> id (only ``<|endoftext|>`` for GPT-2); they are
            never produced by ``encode_ordinary``, only decoded.
    """

    def __init__(self, name: str, tokens: list[bytes], special_tokens: dict[str, int]):
        self.name = name
        self.pat_str = GPT2_PAT_STR
        self._special_tokens = dict(special_tokens)
        self.n_vocab = len(tokens)
        self.max_token_value = self.n_vocab - 1
        # (uint16 output is safe: the C core refuses vocabularies with more than 2**16 tokens)
        self.eot_token = self._special_tokens[ENDOFTEXT]
        self._core = _bpe.CoreBPE(tokens, self.n_vocab - len(self._special_tokens))

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    def __reduce__(self):
        return get_encoding, (self.name,)

    @property
    def special_tokens_set(self) -> set[str]:
        return set(self._special_tokens)

    # ----------------------------------------------------------------------------------------------
    # encoding

    def encode_ordinary(self, text: str) -> list[int]:
        """Token ids of ``text``; special-token text is encoded as plain text."""
        return self._core.encode_ordinary(text)

    def encode_ordinary_numpy(self, text: str) -> np.ndarray:
        """`encode_ordinary` as a uint16 array, built without an intermediate Python list."""
        return np.frombuffer(self._core.encode_ordinary_u16(text), dtype=np.uint16)

    def encode_ordinary_batch(self, texts: list[str], *, num_threads: int = 8) -> list[list[int]]:
        """`encode_ordinary` of every text, on up to ``num_threads`` threads (without the GIL).

        Args:
            texts: the strings to encode.
            num_threads: threads to use; the result does not depend on it.
        """
        return self._core.encode_ordinary_batch(texts, num_threads)

    def encode_for_shard(self, texts: list[str], *, num_threads: int = 8) -> tuple[np.ndarray, np.ndarray]:
        """Token-shard payload of a batch: one flat uint16 array holding, for every text in order,
        `eot_token` and then the text's ids; and the int64 number of ids per text, EOT included.

        Args:
            texts: the documents' texts.
            num_threads: threads to use; the output is identical for any value.
        """
        tokens, counts = self._core.encode_for_shard(texts, num_threads, self.eot_token)
        return np.frombuffer(tokens, dtype=np.uint16), np.frombuffer(counts, dtype=np.int64)

    # ----------------------------------------------------------------------------------------------
    # decoding

    def decode_bytes(self, tokens) -> bytes:
        """The bytes of a sequence of ids (a list, or an integer numpy array); KeyError on an
        unknown id."""
        return self._core.decode_bytes(tokens)

    def decode(self, tokens, errors: str = "replace") -> str:
        """The text of a sequence of ids; invalid UTF-8 (a split character) becomes U+FFFD.

        Args:
            tokens: ids, as for `decode_bytes`.
            errors: the ``bytes.decode`` error handler.
        """
        return self._core.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one id."""
        return self._core.decode_single_token_bytes(token)


@functools.lru_cache(maxsize=None)
def get_encoding(name: str) -> Encoding:
    """The named encoding, built once per process. Only ``"gpt2"`` is shipped.

    Args:
        name: ``"gpt2"``.
    """
    if name != "gpt2":
        raise ValueError(f"unknown encoding {name!r}; available: ['gpt2']")
    tokens = load_gpt2_tokens()
    return Encoding(name, tokens, {ENDOFTEXT: tokens.index(ENDOFTEXT.encode())})
