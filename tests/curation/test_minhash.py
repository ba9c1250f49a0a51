"""Tests for curation.minhash: normalisation, exact keys, datasketch-equal signatures, band keys
and the LSH S-curve on real pages.

The real texts are the 181 gold article bodies (scrapinghub article-extraction-benchmark) in
``../shared/data/pages/real-pages.gold.jsonl``. Near-duplicate pairs are made from them by
replacing words at random positions; their exact Jaccard is measured, and the share of pairs that
share a band key is compared with the S-curve ``1 - (1 - s**rows)**bands``.
"""

import dataclasses
import functools
import inspect
import json
import pickle
import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation import minhash
from curation.minhash import (MinHashConfig, MinHasher, band_keys, estimate_jaccard, exact_key,
                              is_empty, jaccard, normalize, shingles)

datasketch = pytest.importorskip("datasketch")

MAX = (1 << 32) - 1


@functools.lru_cache(maxsize=1)
def _articles(path: str) -> tuple:
    with open(f"{path}/pages/real-pages.gold.jsonl", encoding="utf-8") as f:
        return tuple(g["article_body"] for g in map(json.loads, f) if g.get("article_body"))


@pytest.fixture(scope="module")
def articles(shared_data) -> tuple:
    """The 181 gold article texts (mostly English news, a few hundred to thousands of words)."""
    return _articles(str(shared_data))


def reference_signature(text: str, config: MinHashConfig) -> np.ndarray:
    """datasketch's MinHash (the pre-2.0 "legacy" scheme) over shingles built independently of
    `curation.minhash.shingles`: the space-joined word n-grams of the normalised text."""
    legacy = "scheme" in inspect.signature(datasketch.MinHash).parameters  # datasketch >= 2.0
    kw = {"scheme": "legacy"} if legacy else {}
    m = datasketch.MinHash(num_perm=config.num_perm, seed=config.seed, **kw)
    words = normalize(text).split()
    grams = [words] if len(words) < config.ngram else [
        words[i:i + config.ngram] for i in range(len(words) - config.ngram + 1)]
    for gram in grams:
        if gram:
            m.update(" ".join(gram).encode("utf-8"))
    return m.hashvalues


# ---------------------------------------------------------------------------------------------
# Config, normalisation, exact keys


def test_config_names_and_validates():
    cfg = MinHashConfig()
    assert str(cfg) == "5ng_14bs_8hs"
    assert cfg.num_perm == 112
    assert str(MinHashConfig(ngram=3, bands=20, rows=5)) == "3ng_20bs_5hs"
    assert str(MinHashConfig(seed=7)) == "5ng_14bs_8hs_seed7"  # other seeds never share a dir
    with pytest.raises(ValueError, match="rows"):
        MinHashConfig(rows=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.bands = 3


@pytest.mark.parametrize("text, expected", [
    ("Hello, World!", "hello world"),
    ("  tabs\tand\n\nnew   lines  ", "tabs and new lines"),
    ("Pi is 3.14, not 22/7; 1,000 people in 2024.", "pi is 0 not 0 0 0 people in 0"),
    ("Arabic-Indic ٣٤٥ digits", "arabic indic 0 digits"),
    ("Café NAÏVE résumé Ærøskøbing", "cafe naive resume ærøskøbing"),  # NFD: ø, æ don't decompose
    ("“Quotes” — «guillemets» … and (brackets) [x] {y}", "quotes guillemets and brackets x y"),
    ("don't stop", "don t stop"),
    ("a \u0301 b", "a b"),  # a lone combining mark leaves no empty word
    ("x\x00y\x1fz\x7f\x9fw", "x y z w"),  # control characters are separators
    ("日本語のテキスト、です。", "日本語のテキスト てす"),  # datatrove drops the voicing mark too
    ("", ""),
    ("!!! ... ---", ""),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_bad_input():
    assert normalize(None) == ""
    assert normalize(b"bytes") == ""
    assert normalize("lone \ud800 surrogate") == "lone \ud800 surrogate"
    exact_key("lone \ud800 surrogate")  # encodable, no crash
    assert is_empty(MinHasher().signature(None))


def test_exact_key_ignores_case_punctuation_digits():
    a = exact_key("The price rose 3.5% in 2023 -- says Reuters.")
    assert a == exact_key("the PRICE rose 7.1 % in 1999, says reuters")
    assert a == exact_key("The price rose 3.5% in 2023 — says Réuters!\n")
    assert a != exact_key("The price fell 3.5% in 2023 -- says Reuters.")
    assert len(a) == 32 and int(a, 16) >= 0


def test_exact_key_on_real_articles(articles):
    keys = {exact_key(t) for t in articles}
    assert len(keys) == len(set(map(normalize, articles)))
    t = articles[0]
    assert exact_key(t.upper().replace(",", " ; ")) == exact_key(t)


# ---------------------------------------------------------------------------------------------
# Shingles and signatures


def test_shingles():
    assert shingles("One, two: three four five six!", 5) == [b"one two three four five",
                                                             b"two three four five six"]
    assert shingles("Too short.", 5) == [b"too short"]  # fewer words than ngram: one shingle
    assert shingles("a b c d e", 5) == [b"a b c d e"]
    assert shingles("", 5) == [] and shingles("?!", 5) == []
    assert shingles("Zoë and Chloé", 2) == [b"zoe and", b"and chloe"]


def test_signatures_equal_datasketch(articles):
    mh = MinHasher()
    cfg = mh.config
    texts = list(articles[:25]) + ["Short text.", "one two three four five", "x"]
    sigs = mh.signatures(texts)
    assert sigs.shape == (len(texts), 112) and sigs.dtype == np.uint64
    assert int(sigs.max()) <= MAX
    for text, sig in zip(texts, sigs):
        np.testing.assert_array_equal(sig, reference_signature(text, cfg))


def test_other_config_equals_datasketch(articles):
    cfg = MinHashConfig(ngram=3, bands=4, rows=5, seed=42)
    mh = MinHasher(cfg)
    for text in articles[25:30]:
        sig = mh.signature(text)
        assert sig.shape == (20,)
        np.testing.assert_array_equal(sig, reference_signature(text, cfg))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_signature_equals_datasketch_on_any_text(text):
    cfg = MinHashConfig(ngram=2, bands=2, rows=3)
    sig = MinHasher(cfg).signature(text)
    if not normalize(text):
        assert is_empty(sig)
    else:
        np.testing.assert_array_equal(sig, reference_signature(text, cfg))


def test_mod_mersenne_edges():
    p = (1 << 61) - 1
    edges = [0, 1, p - 1, p, p + 1, p + 7, 2 * p, 2 * p + 6, (1 << 62) - 2, 7 * p + 6,
             (1 << 64) - 1, (1 << 64) - 2, 8 * p - 1, 8 * p]
    rng = np.random.default_rng(0)
    x = np.array(edges + [int(v) for v in rng.integers(0, 1 << 63, 1000)], dtype=np.uint64)
    want = x % np.uint64(p)
    out = minhash._mod_mersenne(x.copy(), out=np.empty_like(x))
    np.testing.assert_array_equal(out, want)


def test_batch_spanning_blocks_equals_single(articles, monkeypatch):
    texts = ["", articles[0], "tiny", articles[1], articles[2], "", "a b c d e f g"]
    mh = MinHasher()
    single = np.stack([mh.signature(t) for t in texts])
    monkeypatch.setattr(minhash, "_BLOCK_ROWS", 97)  # documents straddle many blocks
    np.testing.assert_array_equal(mh.signatures(texts), single)
    assert mh.signatures([]).shape == (0, 112)


def test_empty_text_never_matches():
    mh, cfg = MinHasher(), MinHashConfig()
    empty = mh.signature("")
    assert (empty == MAX).all() and is_empty(empty)
    assert band_keys(empty, cfg) == []
    assert estimate_jaccard(empty, mh.signature("... !!!")) == 0.0  # both empty
    assert estimate_jaccard(empty, mh.signature("some words")) == 0.0
    assert jaccard("", "") == 0.0 and jaccard("", "a b c d e") == 0.0


def test_duplicate_shingles_and_word_order():
    mh = MinHasher()
    text = "the cat sat on the mat " * 20
    np.testing.assert_array_equal(mh.signature(text), mh.signature(text + " the cat sat on"))
    assert not np.array_equal(mh.signature("a b c d e f"), mh.signature("f e d c b a"))


def test_pickle_round_trip_carries_config_only(articles):
    mh = MinHasher(MinHashConfig(seed=3))
    before = mh.signature(articles[3])
    data = pickle.dumps(mh)
    assert len(data) < 300  # permutations are re-drawn, not shipped
    clone = pickle.loads(data)
    assert clone.config == mh.config
    np.testing.assert_array_equal(clone.signature(articles[3]), before)


# ---------------------------------------------------------------------------------------------
# Band keys


def test_band_keys_format_and_stability(articles):
    cfg = MinHashConfig()
    mh = MinHasher(cfg)
    keys = band_keys(mh.signature(articles[0]), cfg)
    assert len(keys) == 14 and len(set(keys)) == 14
    assert [k[:4] for k in keys] == [f"b{i:02d}:" for i in range(14)]
    assert all(len(k) == 36 for k in keys)
    other = band_keys(mh.signature(articles[1]), cfg)
    assert not set(keys) & set(other)
    # The same keys in a fresh process (no salted hash(), no per-process state).
    code = ("import json,sys; from curation.minhash import *; c=MinHashConfig(); "
            "print(json.dumps(band_keys(MinHasher(c).signature(sys.stdin.read()), c)))")
    out = subprocess.run([sys.executable, "-c", code], input=articles[0], capture_output=True,
                         text=True, check=True, env={"PYTHONHASHSEED": "123", "PATH": ""},
                         cwd=str(minhash.__file__).rsplit("/curation/", 1)[0])
    assert json.loads(out.stdout) == keys
    with pytest.raises(ValueError, match="shape"):
        band_keys(np.zeros(10, np.uint64), cfg)


def test_band_key_changes_only_with_its_band():
    cfg = MinHashConfig(bands=4, rows=2)
    sig = np.arange(8, dtype=np.uint64)
    changed = sig.copy()
    changed[5] += 1  # band 2
    a, b = band_keys(sig, cfg), band_keys(changed, cfg)
    assert [x == y for x, y in zip(a, b)] == [True, True, False, True]


# ---------------------------------------------------------------------------------------------
# Similarity on real near-duplicates and the LSH S-curve


def edited(words: list, n_edits: int, vocab: list, rng: random.Random) -> str:
    """``words`` with ``n_edits`` distinct positions replaced by words from ``vocab``."""
    out = list(words)
    for i in rng.sample(range(len(out)), min(n_edits, len(out))):
        out[i] = rng.choice(vocab)
    return " ".join(out)


@functools.lru_cache(maxsize=1)
def _pairs(path: str) -> tuple:
    """(exact Jaccard, shares a band key, MinHash estimate) for ~1,000 pairs (article, edited
    copy). Random replacements of k words change about 5k of N shingles, so J ~ (N-5k)/(N+5k);
    k is aimed at targets from 0.3 to 0.95 and the measured J is what counts."""
    cfg = MinHashConfig()
    mh = MinHasher(cfg)
    rng = random.Random(1234)
    docs = [normalize(t).split() for t in _articles(path)]
    docs = [w for w in docs if 300 <= len(w) <= 3000]
    vocab = sorted({w for d in docs for w in d})
    targets = (0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.83, 0.86, 0.9)
    copies = []
    for words in docs:
        n = len(words) - 4
        copies += [edited(words, max(1, round(n * (1 - t) / (5 * (1 + t)))), vocab, rng)
                   for t in targets]
    originals = [" ".join(words) for words in docs]
    sa, sb = mh.signatures(originals), mh.signatures(copies)
    out = []
    for i, (a, x) in enumerate(zip(originals, sa)):
        keys, grams = set(band_keys(x, cfg)), set(shingles(a, cfg.ngram))
        for b, y in zip(copies[i * len(targets):], sb[i * len(targets):(i + 1) * len(targets)]):
            other = set(shingles(b, cfg.ngram))
            out.append((len(grams & other) / len(grams | other),
                        bool(keys & set(band_keys(y, cfg))), estimate_jaccard(x, y)))
    return tuple(out)


@pytest.fixture(scope="module")
def pairs(shared_data):
    return _pairs(str(shared_data))


def s_curve(s: float, bands: int = 14, rows: int = 8) -> float:
    return 1 - (1 - s**rows) ** bands


def test_estimate_tracks_exact_jaccard(pairs):
    err = np.array([est - j for j, _, est in pairs])
    # 112 permutations: standard error sqrt(J(1-J)/112) <= 0.047.
    assert abs(err.mean()) < 0.01
    assert np.abs(err).max() < 0.2
    assert np.mean(np.abs(err) < 0.1) > 0.95


def test_lsh_catch_rate_follows_s_curve(pairs):
    j = np.array([p[0] for p in pairs])
    hit = np.array([p[1] for p in pairs])
    assert len(pairs) > 800
    high = (j >= 0.8) & (j < 0.9)
    low = j < 0.5
    assert high.sum() > 100 and low.sum() > 200
    assert hit[high].mean() >= 0.90  # FineWeb's 14 x 8: 0.92 at J = 0.8, 0.99 at 0.9
    assert hit[j >= 0.9].mean() >= 0.97
    assert hit[low].mean() <= 0.05  # 0.05 at J = 0.5, 0.003 at 0.35
    # Every band of J agrees with the curve within three binomial standard deviations + 0.03.
    for lo in np.arange(0.3, 1.0, 0.1):
        sel = (j >= lo) & (j < lo + 0.1)
        if sel.sum() < 30:
            continue
        p = np.array([s_curve(s) for s in j[sel]])
        tol = 3 * np.sqrt((p * (1 - p)).sum()) / sel.sum() + 0.03
        assert abs(hit[sel].mean() - p.mean()) <= tol, (lo, hit[sel].mean(), p.mean())
