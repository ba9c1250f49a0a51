"""MinHash signatures and LSH band keys for near-duplicate removal (FineWeb's 5-gram, 14 x 8 setup).

A document becomes a set of word 5-gram *shingles* of its normalised text, the set becomes a
112-value MinHash *signature*, and the signature is cut into 14 *bands* of 8 values; two
documents whose signatures agree on a whole band share that band's key and become a candidate
pair. The Beam wiring (``pipelines/dedup.py``) groups by band key; everything here is plain
Python + numpy and runs the same on every worker::

    >>> cfg = MinHashConfig()                       # str(cfg) == "5ng_14bs_8hs"
    >>> sig = MinHasher(cfg).signature("The quick brown fox jumps over the lazy dog.")
    >>> sig.shape, sig.dtype                        # ((112,), dtype('uint64')), values < 2**32
    >>> band_keys(sig, cfg)[:2]                     # ['b00:3f1c…', 'b01:9a0e…'] (32 hex digits)
    >>> exact_key("Hello,  WORLD 42!") == exact_key("hello world 17")   # True

How, and why it equals datasketch:
  * `normalize` is datatrove's ``simplify_text`` with its default ``TextNormConfig``: lower-case,
    numbers (any script, with one decimal separator) -> "0", datatrove's punctuation list -> space,
    whitespace collapsed, diacritics dropped (NFD, then combining marks removed).
  * Shingles are the space-joined word n-grams of that text, as UTF-8 bytes. A text with fewer
    than ``ngram`` words is one shingle (the whole normalised text). Words are split on spaces
    only, so scripts written without spaces (Chinese, Japanese, Thai) get one "word" per
    space-separated run; datatrove uses a per-language word tokenizer there.
  * A signature is exactly ``datasketch.MinHash(num_perm, seed=seed, scheme="legacy")`` updated
    with every shingle: SHA-1's first 4 bytes (little-endian) as the 32-bit shingle hash, and
    permutations ``((a * h + b) mod 2**64 mod (2**61 - 1)) & 0xFFFFFFFF`` whose (a, b) pairs are
    drawn in turn from ``np.random.RandomState(seed)``. ("legacy" was datasketch's only scheme
    before 2.0; 2.0's default "affine32" gives other values.) The seed is in `MinHashConfig`, so
    every worker draws the same permutations.
  * Vectorised: a document's shingles are byte slices of its encoded text (word boundaries found
    with numpy) hashed in one list comprehension over ``hashlib.sha1`` (no per-shingle string
    building), de-duplicated (sort + mask), then permuted and min-reduced in numpy blocks
    of `_BLOCK_ROWS` shingles x ``num_perm``, so memory stays bounded on very long documents.
    `MinHasher.signatures` does the same for a batch, reducing per document with
    ``np.minimum.reduceat``.

Empty documents (nothing left after normalisation) get the all-``0xFFFFFFFF`` signature, which
`is_empty` recognises; `band_keys` gives them no keys and `estimate_jaccard` / `jaccard` give 0.0,
so an empty document never becomes a near-duplicate of anything. (Their `exact_key` is the hash of
"", so exact dedup does collapse them; drop empty texts before dedup.)

Run the tests with ``python -m pytest tests/curation/test_minhash.py``; the signature benchmark
against datasketch and datatrove is ``python bench/minhash.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import unicodedata

import numpy as np

# ----------------------------------------------------------------------------------------------
# Config


@dataclasses.dataclass(frozen=True)
class MinHashConfig:
    """MinHash LSH parameters; ``str(config)`` names intermediate directories.

    Args:
        ngram: words per shingle (FineWeb: 5).
        bands: LSH bands (FineWeb: 14). A pair with Jaccard s shares at least one band with
            probability 1 - (1 - s**rows)**bands (0.92 at s = 0.8 for 14 x 8).
        rows: signature values per band (FineWeb: 8); ``bands * rows`` permutations in all.
        seed: seed of the permutation parameters; must be the same on every worker.
    """

    ngram: int = 5  # word n-gram shingles (FineWeb)
    bands: int = 14  # LSH bands (FineWeb: 14 x 8 = 112 hashes)
    rows: int = 8  # hashes per band
    seed: int = 1  # one seed shared by all workers

    def __post_init__(self):
        for knob in ("ngram", "bands", "rows"):
            if not isinstance(getattr(self, knob), int) or getattr(self, knob) < 1:
                raise ValueError(f"MinHashConfig.{knob} must be a positive int, got "
                                 f"{getattr(self, knob)!r}")

    def __str__(self) -> str:
        # The seed is left out as in datatrove's directory names; different seeds must not share
        # a directory either, so it is appended when it is not the default.
        name = f"{self.ngram}ng_{self.bands}bs_{self.rows}hs"
        return name if self.seed == 1 else f"{name}_seed{self.seed}"

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


# ----------------------------------------------------------------------------------------------
# Normalisation and exact keys

# datatrove ``utils/text.py`` PUNCTUATION (what ``simplify_text`` turns into spaces), kept exactly
# so our shingles match: its listed symbols plus the C0 controls but TAB and LF, and DEL + C1.
_PUNCTUATION = (
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
    + "".join(map(chr, [*range(0, 9), 11, 12, *range(13, 32), *range(127, 160)]))
)
# datatrove's NUMBERS_PATTERN ``\p{Nd}+([.,،٫⎖⎗⎘]{1}\p{Nd}+)?``; ``\d`` on str patterns is \p{Nd}.
_NUMBERS = re.compile(r"\d+(?:[.,،٫⎖⎗⎘]\d+)?")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_KEY_BYTES = 16  # blake2b digest size of exact and band keys: 128 bits, no collisions at 1e9 docs


def _ranges(codepoints: list[int]) -> str:
    """A regex character-class body for sorted code points, as ranges."""
    out, start = [], codepoints[0]
    for prev, cur in zip(codepoints, codepoints[1:] + [-1]):
        if cur != prev + 1:
            out.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}" if prev > start
                       else re.escape(chr(start)))
            start = cur
    return "".join(out)


@functools.cache
def _separators() -> re.Pattern:
    """Runs of punctuation and whitespace to turn into one space, in one pass: the same as
    datatrove's translate-to-space then ``\\s+`` -> " ", but a lone " " (most of them) is no match,
    which halves the time. Every character is in the BMP, so ``re`` tests the class by bitmap."""
    seps = "".join(re.escape(c) for c in _PUNCTUATION)
    spaces = "".join(re.escape(chr(c)) for c in range(0x10000) if chr(c).isspace() and c != 32)
    return re.compile(f"[{seps}{spaces}][\\s{seps}]*| [\\s{seps}]+")


@functools.cache
def _bmp_marks() -> re.Pattern:
    """Runs of BMP non-spacing marks (category ``Mn``), built on first use (~10 ms). Kept apart
    from the astral ones: a class with code points above U+FFFF loses ``re``'s bitmap and is
    ~30x slower."""
    marks = [c for c in range(0x10000) if unicodedata.category(chr(c)) == "Mn"]
    return re.compile(f"[{_ranges(marks)}]+")


@functools.cache
def _astral_marks() -> dict[int, None]:
    """A ``str.translate`` table deleting the non-spacing marks above U+FFFF, built on the first
    text that has an astral character (~30 ms). Unicode puts them only in plane 1 (Brahmi, musical
    symbols ...) and plane 14 (variation selectors)."""
    planes = (*range(0x10000, 0x20000), *range(0xE0000, 0xF0000))
    return {c: None for c in planes if unicodedata.category(chr(c)) == "Mn"}


def normalize(text: str) -> str:
    """datatrove's ``simplify_text`` (default config): the text MinHash and exact keys see.

    Lower-cases, folds every number to "0" (``"3.14"``, ``"1,000"`` and ``"٣"`` alike), turns
    datatrove's punctuation into spaces, collapses whitespace and drops diacritics (``"Café"`` ->
    ``"cafe"``). Words are separated by exactly one space (a stray combining mark between two
    spaces, which datatrove would leave as a double space, is collapsed too).

    Args:
        text: any text; a non-str (None, bytes) counts as empty rather than raising.
    """
    if not isinstance(text, str):
        return ""
    text = _separators().sub(" ", _NUMBERS.sub("0", text.lower()))
    if not text.isascii():  # NFD of ASCII is itself and it has no combining marks
        text = _bmp_marks().sub("", unicodedata.normalize("NFD", text))
        if _ASTRAL.search(text):
            text = text.translate(_astral_marks())
        if "  " in text:
            text = _separators().sub(" ", text)
    return text.strip()


def exact_key(text: str) -> str:
    """The exact-duplicate key: a 32-hex-digit blake2b of `normalize` (text). Texts that differ
    only in case, punctuation, digits, diacritics or whitespace get the same key.

    Args:
        text: the document text.
    """
    data = normalize(text).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=_KEY_BYTES).hexdigest()


def _encoded_shingles(text: str, ngram: int) -> tuple[bytes, np.ndarray, np.ndarray]:
    """The UTF-8 normalised text and the byte [start, end) of each shingle in it."""
    buf = normalize(text).encode("utf-8", "surrogatepass")
    if not buf:
        return buf, np.zeros(0, np.int64), np.zeros(0, np.int64)
    # 0x20 never occurs inside a multi-byte UTF-8 sequence, so these are the word separators.
    spaces = np.flatnonzero(np.frombuffer(buf, np.uint8) == 0x20)
    if len(spaces) + 1 <= ngram:  # too few words: one shingle of the whole text (datatrove)
        return buf, np.zeros(1, np.int64), np.full(1, len(buf), np.int64)
    starts = np.concatenate(([0], spaces + 1))  # word i starts at starts[i] ...
    ends = np.concatenate((spaces, [len(buf)]))  # ... and ends at ends[i]
    return buf, starts[: len(starts) - ngram + 1], ends[ngram - 1:]


def shingles(text: str, ngram: int) -> list[bytes]:
    """The word n-gram shingles of `normalize` (text), as UTF-8 bytes of the space-joined words,
    in text order (repeats kept); ``[]`` for an empty text.

    Args:
        text: the document text.
        ngram: words per shingle.
    """
    buf, starts, ends = _encoded_shingles(text, ngram)
    return [buf[s:e] for s, e in zip(starts.tolist(), ends.tolist())]


# ----------------------------------------------------------------------------------------------
# Signatures

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)  # also the value of every slot of an empty signature
_SHIFT_61 = np.uint64(61)
# Shingles permuted per numpy block: 1024 x 112 x 8 B = 0.9 MB per work array, two arrays; small
# enough for L2 and to keep a 10 MB document's memory flat, big enough to amortise numpy calls.
_BLOCK_ROWS = 1024


def _shingle_hashes(text: str, ngram: int) -> np.ndarray:
    """datasketch's ``sha1_hash32`` of every distinct shingle, as uint64 (sorted)."""
    buf, starts, ends = _encoded_shingles(text, ngram)
    sha1 = hashlib.sha1  # ~0.4 us a shingle: the floor, OpenSSL call overhead dominates
    digests = b"".join([sha1(buf[s:e]).digest()[:4]
                        for s, e in zip(starts.tolist(), ends.tolist())])
    hv = np.sort(np.frombuffer(digests, "<u4"))  # (np.unique is ~10x slower than sort + mask)
    return hv[np.concatenate(([True], hv[1:] != hv[:-1]))[:len(hv)]].astype(np.uint64)


def _mod_mersenne(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``x % (2**61 - 1)`` for uint64 ``x`` into ``out``, without numpy's slow 64-bit division
    (~4x the time of these bit operations); ``x`` is used as scratch.

    x = hi * 2**61 + lo with hi <= 7, and 2**61 = 1 (mod p), so x = lo + hi (mod p) with
    lo + hi < p + 8: one conditional subtraction, almost never needed, finishes it.
    """
    np.bitwise_and(x, _MERSENNE, out=out)
    np.right_shift(x, _SHIFT_61, out=x)
    np.add(out, x, out=out)
    if out.max() >= _MERSENNE:  # probability ~8 / 2**61 per value
        out[out >= _MERSENNE] -= _MERSENNE
    return out


class MinHasher:
    """Computes datasketch-compatible ("legacy" scheme) MinHash signatures.

    Picklable and cheap to send: it carries only its config; the permutation parameters are drawn
    on first use (about a millisecond) and are the same in every process.

    Args:
        config: n-gram size, number of permutations (``bands * rows``) and seed.
    """

    def __init__(self, config: MinHashConfig = MinHashConfig()) -> None:
        self.config = config
        self._perm: tuple[np.ndarray, np.ndarray] | None = None

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])

    @property
    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, b), each uint64 of shape (num_perm,), exactly as datasketch's legacy scheme draws
        them: pairs (a_i in [1, p), b_i in [0, p)) in turn from ``RandomState(seed)``."""
        if self._perm is None:
            gen = np.random.RandomState(self.config.seed)
            ab = np.array([(gen.randint(1, _MERSENNE, dtype=np.uint64),
                            gen.randint(0, _MERSENNE, dtype=np.uint64))
                           for _ in range(self.config.num_perm)], dtype=np.uint64)
            self._perm = (ab[:, 0].copy(), ab[:, 1].copy())
        return self._perm

    def _permute(self, hv: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """datasketch's permuted hashes of the block ``hv`` (m,), computed in the work arrays
        ``x`` and ``y`` (at least m rows); returns ``y[:m]``, shape (m, num_perm)."""
        a, b = self.permutations
        m = len(hv)
        x, y = x[:m], y[:m]
        np.multiply(hv[:, None], a, out=x)  # wraps mod 2**64, as datasketch's does
        np.add(x, b, out=x)
        _mod_mersenne(x, out=y)
        np.bitwise_and(y, _MAX_HASH, out=y)
        return y

    def signatures(self, texts: list[str]) -> np.ndarray:
        """Signatures of a batch of texts, shape (len(texts), num_perm), uint64 < 2**32.

        Shingle hashes of the whole batch are permuted together in blocks, so many short
        documents cost few numpy calls.

        Args:
            texts: document texts; an empty or non-str text gets the empty signature.
        """
        ngram, num_perm = self.config.ngram, self.config.num_perm
        hashes = [_shingle_hashes(t, ngram) for t in texts]
        out = np.full((len(hashes), num_perm), _MAX_HASH, dtype=np.uint64)
        total = sum(len(h) for h in hashes)
        if total == 0:
            return out
        hv = np.concatenate(hashes)
        doc = np.repeat(np.arange(len(hashes)), [len(h) for h in hashes])  # row -> document
        rows = min(total, _BLOCK_ROWS)
        x = np.empty((rows, num_perm), np.uint64)
        y = np.empty((rows, num_perm), np.uint64)
        for lo in range(0, total, rows):
            d = doc[lo:lo + rows]
            firsts = np.flatnonzero(np.concatenate(([True], d[1:] != d[:-1])))
            mins = np.minimum.reduceat(self._permute(hv[lo:lo + rows], x, y), firsts, axis=0)
            ids = d[firsts]  # distinct: a document's rows are contiguous
            out[ids] = np.minimum(out[ids], mins)
        return out

    def signature(self, text: str) -> np.ndarray:
        """The signature of one text, shape (num_perm,), uint64 < 2**32 (all 0xFFFFFFFF when
        the text is empty after normalisation).

        Args:
            text: the document text.
        """
        return self.signatures([text])[0]


# ----------------------------------------------------------------------------------------------
# Band keys and similarity


def is_empty(signature: np.ndarray) -> bool:
    """Whether ``signature`` is that of an empty text (every slot 0xFFFFFFFF)."""
    return bool(np.all(np.asarray(signature) == _MAX_HASH))


def band_keys(signature: np.ndarray, config: MinHashConfig) -> list[str]:
    """One LSH key per band, ``"b{band:02d}:" + 32 hex digits`` of blake2b-128 over the band's
    ``rows`` values as little-endian uint64; the same in every process. ``[]`` for an empty
    signature, which must never match.

    Args:
        signature: a `MinHasher` signature of shape (config.num_perm,).
        config: the bands and rows to cut it into.
    """
    sig = np.asarray(signature)
    if sig.shape != (config.num_perm,):
        raise ValueError(f"signature has shape {sig.shape}, config {config} needs "
                         f"({config.num_perm},)")
    if is_empty(sig):
        return []
    data = sig.astype("<u8").tobytes()
    width = 8 * config.rows
    return [f"b{band:02d}:" + hashlib.blake2b(data[band * width:(band + 1) * width],
                                              digest_size=_KEY_BYTES).hexdigest()
            for band in range(config.bands)]


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The MinHash estimate of Jaccard similarity: the share of equal slots (datasketch's
    ``MinHash.jaccard``); 0.0 when either signature is empty.

    Args:
        a: a signature.
        b: a signature of the same shape.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"signatures differ in shape: {a.shape} vs {b.shape}")
    if a.size == 0 or is_empty(a) or is_empty(b):
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


def jaccard(a: str, b: str, ngram: int = 5) -> float:
    """Exact Jaccard similarity of the two texts' shingle sets (a reference for tests); 0.0
    when either text is empty after normalisation.

    Args:
        a: a text.
        b: another text.
        ngram: words per shingle.
    """
    sa, sb = set(shingles(a, ngram)), set(shingles(b, ngram))
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
