"""curation.tokenizer (C encoder in curation/_bpe.c) against tiktoken's GPT-2 encoding.

tiktoken is built offline from the GPT-2 vocabulary in ../shared/data/gpt2 with the pattern of
tiktoken_ext/openai_public.py, so nothing is downloaded.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import pathlib
import pickle
import random
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation import _bpe, tokenizer
from curation._bpe_reference import ReferenceBPE
from curation.tokenizer import GPT2_PAT_STR, get_encoding


@pytest.fixture(scope="module")
def enc():
    return get_encoding("gpt2")


@pytest.fixture(scope="module")
def tik(shared_data):
    """tiktoken's GPT-2 encoding, built from ../shared/data/gpt2 (not our copy of the files)."""
    tiktoken = pytest.importorskip("tiktoken")
    ranks = {t: i for i, t in enumerate(tokenizer.load_gpt2_tokens(shared_data / "gpt2")[:50256])}
    return tiktoken.Encoding(name="gpt2", pat_str=GPT2_PAT_STR, mergeable_ranks=ranks,
                             special_tokens={"<|endoftext|>": 50256})


@pytest.fixture(scope="module")
def sentences(shared_data):
    """All langid sentences (75 languages, 74,158 lines)."""
    out = []
    for path in sorted((shared_data / "langid" / "sentences").glob("*.txt")):
        out.extend(path.read_text(encoding="utf-8").splitlines())
    return out


@pytest.fixture(scope="module")
def pages(shared_data):
    """The HTML of the 1,301 real pages, decoded as UTF-8 with surrogateescape (so undecodable
    bytes become lone surrogates), plus the gold article bodies."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(shared_data / "pages" / "real-pages.warc.gz", "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type == "response":
                out.append(rec.content_stream().read().decode("utf-8", "surrogateescape"))
    with open(shared_data / "pages" / "real-pages.gold.jsonl", encoding="utf-8") as f:
        out.extend(g["article_body"] for g in map(json.loads, f) if g.get("article_body"))
    return out


# ---------------------------------------------------------------------------------------------
# the encoding object


def test_encoding_attributes(enc):
    assert (enc.name, enc.eot_token, enc.n_vocab, enc.max_token_value) == ("gpt2", 50256, 50257, 50256)
    assert get_encoding("gpt2") is enc
    assert enc.encode_ordinary("Hello world") == [15496, 995]
    assert enc.decode_single_token_bytes(50256) == b"<|endoftext|>"
    with pytest.raises(ValueError):
        get_encoding("cl100k_base")


def test_vocabulary_ids_are_merge_ranks(shared_data):
    """encoder.json's ids equal the ranks the merge list gives, which the C core relies on."""
    ref = ReferenceBPE.from_gpt2_files(shared_data / "gpt2")
    tokens = tokenizer.load_gpt2_tokens(shared_data / "gpt2")
    assert {t: i for i, t in enumerate(tokens[:50256])} == ref.ranks
    assert tokenizer.load_gpt2_tokens() == tokens  # the shipped copy is the same vocabulary


def test_pickles_by_name(enc):
    data = pickle.dumps(enc)
    assert b"gpt2" in data and len(data) < 200
    assert pickle.loads(data) is enc


def test_endoftext_text_is_plain_text(enc, tik):
    text = "a<|endoftext|>b"
    assert enc.encode_ordinary(text) == tik.encode_ordinary(text)
    assert 50256 not in enc.encode_ordinary(text)
    assert enc.decode(enc.encode_ordinary(text)) == text


def test_lone_surrogates_become_replacement_char(enc, tik):
    """tiktoken retries with text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"):
    lone surrogates become U+FFFD, a high+low pair becomes its character. So do we."""
    cases = ["a\ud800b", "\ud83d\ude00", "\ude00\ud83d", "\ud83d\ud83d\ude00x", "x\udfff", "\ud800",
             "caf\udce9 au lait", "\U0001f600\ud800 \ud800\udc00"]
    for text in cases:
        assert enc.encode_ordinary(text) == tik.encode_ordinary(text), repr(text)
    assert enc.encode_ordinary("\ud800") == enc.encode_ordinary("\ufffd") == [4210]
    assert enc.encode_ordinary("\ud83d\ude00") == enc.encode_ordinary("\U0001f600")


def test_bad_input_types(enc):
    with pytest.raises(TypeError):
        enc.encode_ordinary(b"bytes")
    with pytest.raises(TypeError):
        enc.encode_ordinary_batch(["ok", 3])
    with pytest.raises(KeyError):
        enc.decode([50257])
    assert enc.encode_ordinary("") == [] and enc.encode_ordinary_batch([]) == []


# ---------------------------------------------------------------------------------------------
# exactness on real text


@pytest.mark.slow
def test_all_pages_equal_tiktoken(enc, tik, pages):
    ours = enc.encode_ordinary_batch(pages, num_threads=2)
    theirs = tik.encode_ordinary_batch(pages, num_threads=2)
    assert len(pages) == 1301 + 181
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"page {i}"


@pytest.mark.slow
def test_shard_path_on_all_pages_grows_its_buffers_exactly(pages):
    """All pages in one shard-path call: each worker writes megabytes of ids, so its output
    buffer grows past 1 MiB onto 2 MiB pages (copying what it holds) within the call; a second
    call reuses the grown buffers. Fresh encoder, so the first call starts from small buffers."""
    fresh = tokenizer.Encoding("gpt2", tokenizer.load_gpt2_tokens(), {"<|endoftext|>": 50256})
    lists = fresh.encode_ordinary_batch(pages, num_threads=2)
    expected = np.concatenate([np.array([50256] + ids, dtype=np.uint16) for ids in lists])
    assert expected.size * 2 > 4 << 20
    for n in (1, 2, 1):
        tokens, counts = fresh.encode_for_shard(pages, num_threads=n)
        assert np.array_equal(tokens, expected)
        assert counts.tolist() == [1 + len(ids) for ids in lists]


@pytest.mark.slow
def test_all_langid_sentences_equal_tiktoken(enc, tik, sentences):
    assert len(sentences) > 70_000
    ours = enc.encode_ordinary_batch(sentences, num_threads=2)
    theirs = tik.encode_ordinary_batch(sentences, num_threads=2)
    for text, a, b in zip(sentences, ours, theirs):
        assert a == b, text


def test_langid_sample_equals_tiktoken_and_reference(enc, tik, sentences, shared_data):
    sample = sentences[::150]  # 500 sentences, every language
    ref = ReferenceBPE.from_gpt2_files(shared_data / "gpt2")
    for text in sample:
        ids = enc.encode_ordinary(text)
        assert ids == tik.encode_ordinary(text) == ref.encode(text), text
        assert enc.decode(ids) == text


def test_reference_equals_c_on_page_text(enc, shared_data):
    ref = ReferenceBPE.from_gpt2_files(shared_data / "gpt2")
    with open(shared_data / "pages" / "real-pages.gold.jsonl", encoding="utf-8") as f:
        bodies = [g["article_body"] for g in map(json.loads, f) if g.get("article_body")][:40]
    for text in bodies:
        assert enc.encode_ordinary(text) == ref.encode(text)


def test_long_pieces_use_the_heap_merge_exactly(enc, tik):
    """Pieces longer than the linear-scan limit (48 bytes) take the O(n log n) heap merge."""
    rng = np.random.default_rng(0)
    letters = list("abcdefghijklmnopqrstuvwxyzéßøπж")
    for n in (47, 48, 49, 50, 64, 200, 1000, 4000):
        word = "".join(rng.choice(letters, n))
        assert enc.encode_ordinary(word) == tik.encode_ordinary(word), n
        assert enc.encode_ordinary(" " + word) == tik.encode_ordinary(" " + word), n
    for text in ("a" * 3000, "1" * 3001, " " * 5000 + "x", "\n" * 777, "=" * 2049, "\u4e2d" * 1500,
                 "\U0001f600" * 500):
        assert enc.encode_ordinary(text) == tik.encode_ordinary(text), text[:3]



def test_every_token_inside_a_longer_piece_equals_tiktoken(enc, tik):
    """Each vocabulary token's text with letters or digits glued on both sides is a piece that is
    no token, so it goes through merging: this walks most of the pair table, and with it the pair
    filter in front of it (a clear filter bit must only ever mean "no such pair")."""
    texts = []
    for t in range(50256):
        text = enc.decode_single_token_bytes(t).decode("utf-8", "ignore")
        if text:
            texts.append("q" + text + "zx")
            texts.append(text + "7")
    joined = "\n".join(texts)
    assert enc.encode_ordinary(joined) == tik.encode_ordinary(joined)


def test_word_at_a_time_runs_stop_at_every_offset(enc, tik):
    """Letter, digit and space runs are scanned 8 ASCII bytes a step: a run ending (or turning
    non-ASCII) at each offset of a word, next to every class of character, splits as tiktoken."""
    enders = ["", " ", "\n", ".", "'s", "7", "x", "é", "ж", "\u4e2d", "\u00a0", "\u2003", "\U0001d400",
              "\t", "\x00", "Ä1", "_"]
    for n in range(0, 20):
        for run in ("q" * n, "Az" * (n // 2), "9" * n, " " * n, "\n" + " " * n):
            for end in enders:
                for text in (run + end, "(" + run + end + "x", end + run, " " + run + end + " y"):
                    assert enc.encode_ordinary(text) == tik.encode_ordinary(text), repr(text)
    boundary = "@[`{/:" + "".join(chr(c) for c in range(0x40, 0x80))  # bytes around 'A'-'z', '0'-'9'
    text = " ".join("ab" + ch + "cd" + ch + "12" for ch in boundary)
    assert enc.encode_ordinary(text) == tik.encode_ordinary(text)


def test_block_scanner_splits_at_every_offset_of_a_block(enc, tik):
    """ASCII text is split 64 bytes at a time from bit masks (block_starts in _bpe.c): each kind
    of piece boundary at every offset around the first and second block's edges (contractions,
    a space before a word, runs of whitespace, a non-ASCII byte that stops the block) splits as
    tiktoken does, in the middle of a text and at its end."""
    import platform

    if platform.machine().lower() in ("x86_64", "amd64"):
        assert _bpe.BLOCK_SCAN == 1  # the SSE2 masks agree with the generated tables
    probes = ["'s", "'ll", "'re", "'ve", "'d", "'t", "'m", "'S", "'l", "'", "''s", " 's", "\n's",
              "x's'd", "'sx", "'ster", "'ment", "'ree", " x", "  x", "   (", "\t x", "\n\n", " \n x", "\r\n", "  ", "12a",
              "a1", " 1", "é", " é", "\u00a0x", " \u00a0", "\u3000 ", "\x00", "\x0b\x0c", "_"]
    for filler in ("x", " ", "7", ".", "ab "):
        for k in range(0, 140):
            head = (filler * k)[:k]
            for probe in probes:
                for text in (head + probe, head + probe + " tail's end", head + probe + "é"):
                    assert enc.encode_ordinary(text) == tik.encode_ordinary(text), repr(text)


def test_ascii_runs_of_wide_strs_convert_at_every_offset(enc, tik):
    """A str that is not pure ASCII is converted to UTF-8 16 ASCII characters a step (to_utf8 in
    _bpe.c): one wider character (Latin-1, UCS2, UCS4, a lone or a paired surrogate) at every
    offset of an ASCII text, and two of them at every distance, encode as tiktoken does."""
    ascii = "The quick brown fox's 42 jumps\n  over it, again and again."
    for wide in ("é", "\u00a0", "ж", "\u201c", "\u4e2d", "\U0001f600", "\ud800", "\ud83d\ude00"):
        for k in range(len(ascii) + 1):
            text = ascii[:k] + wide + ascii[k:]
            assert enc.encode_ordinary(text) == tik.encode_ordinary(text), repr(text)
        for gap in range(0, 40):
            text = ascii[:5] + wide + ascii[5:5 + gap] + wide + ascii[5 + gap:]
            assert enc.encode_ordinary(text) == tik.encode_ordinary(text), repr(text)
    mixed = ascii + "\u201c" + ascii * 3 + "\U0001f600" + ascii  # UCS4, ASCII runs well over 16
    assert enc.encode_ordinary(mixed) == tik.encode_ordinary(mixed)


def test_every_two_byte_piece_equals_tiktoken(enc, tik):
    """A two-byte piece is a token or its two byte tokens, whatever path finds it: every ASCII
    pair, alone and after a word, and every 2-byte UTF-8 character (a 1-character piece)."""
    chars = [chr(c) for c in range(32, 127)] + ["\n", "\t", "\r", "\x00"]
    texts = [a + b for a in chars for b in chars] + [chr(c) for c in range(0x80, 0x800)]
    for text in texts:
        assert enc.encode_ordinary(text) == tik.encode_ordinary(text), repr(text)
    joined = "|".join("w" + t for t in texts)
    assert enc.encode_ordinary(joined) == tik.encode_ordinary(joined)


def test_long_piece_cache_returns_the_same_ids(enc, tik):
    """Pieces of 33..1024 bytes are cached per workspace; a repeat (or a hash-slot neighbour of
    another length) gives the ids of a fresh merge."""
    pieces = ["-" * n for n in (33, 34, 100, 1024, 1025)] + [" " + "x" * 40, " " + "x" * 41, "\u4e2d" * 20]
    for p in pieces:
        first = enc.encode_ordinary(p)
        assert first == tik.encode_ordinary(p)
        assert enc.encode_ordinary(p + " " + p) == tik.encode_ordinary(p + " " + p)
        assert enc.encode_ordinary(p) == first

# ---------------------------------------------------------------------------------------------
# Unicode classes: every code point against tiktoken's regex engine


def test_unicode_classes_match_tiktoken_for_every_code_point():
    """_bpe's generated tables (Unicode 16.0) give \\p{L}, \\p{N} and \\s exactly as the Rust regex
    in tiktoken does, for all 1,112,064 non-surrogate code points."""
    tiktoken = pytest.importorskip("tiktoken")
    assert _bpe.UNICODE_VERSION == "16.0.0"
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    byte_ranks = {bytes([b]): b for b in range(256)}
    expected = {}
    for cls, pat in ((1, r"\p{L}"), (2, r"\p{N}"), (3, r"\s")):
        probe = tiktoken.Encoding(name=f"probe{cls}", pat_str=pat, mergeable_ranks=byte_ranks,
                                  special_tokens={})
        for ch in bytes(probe.encode_ordinary(everything)).decode("utf-8"):
            expected[ord(ch)] = cls
    mismatched = [hex(cp) for cp in range(0x110000)
                  if not 0xD800 <= cp < 0xE000 and _bpe.char_class(cp) != expected.get(cp, 0)]
    assert mismatched == []
    # spot checks: letters/digits new in Unicode 15.0 and 16.0; U+001C is not White_Space
    assert [_bpe.char_class(cp) for cp in (0x11F04, 0x10D4A, 0x16D70, 0x1E4F0, 0x1C, 0x3000)] == [1, 1, 2, 2, 0, 3]


# ---------------------------------------------------------------------------------------------
# property tests

_WEIRD = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u0085", "\x1c", "'s", "'ll", "'S", "'",
     "’", "\u0301", "\u0308", "e\u0301", "\U0001f600", "\U0001f469\u200d\U0001f4bb", "\u0663\u0664",
     "\u0967", "\uff11", "\u00b2", "\u2167", "<|endoftext|>", "\ud800", "\udfff", "\ud83d\ude00", "x",
     "Hello", " world", "123", "\u4e2d\u6587", "\u3053\u308c", "\ud55c", "\u0645\u0631\u062d\u0628\u0627",
     "\U00011f04", "\U00010d4a", "\U00016d70", "\U0002ebf0", "\ufffd", "\x00", "\x7f", "\u200b"])
_PIECES = st.lists(st.one_of(_WEIRD, st.text(max_size=6)), max_size=40).map("".join)
_ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)


@settings(derandomize=True, max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(_PIECES, _ANY_TEXT))
def test_property_equals_tiktoken(enc, tik, text):
    assert enc.encode_ordinary(text) == tik.encode_ordinary(text)


@pytest.mark.slow
@settings(derandomize=True, max_examples=6000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(_PIECES, _ANY_TEXT, st.text(max_size=400)))
def test_property_equals_tiktoken_many(enc, tik, text):
    assert enc.encode_ordinary(text) == tik.encode_ordinary(text)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80) | _PIECES.filter(
    lambda t: not any(0xD800 <= ord(c) < 0xE000 for c in t)))
def test_property_round_trip(enc, text):
    ids = enc.encode_ordinary(text)
    assert enc.decode(ids) == text
    assert enc.decode_bytes(np.asarray(ids, dtype=np.uint16)) == text.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# batch, numpy and shard paths


def _real_sample(shared_data, n=300):
    texts = []
    for path in sorted((shared_data / "langid" / "sentences").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        texts.append("\n".join(lines[:40]))
    with open(shared_data / "pages" / "real-pages.gold.jsonl", encoding="utf-8") as f:
        texts.extend(g["article_body"] for g in map(json.loads, f) if g.get("article_body"))
    return texts[:n] + ["", "x", "<|endoftext|>", "a\ud800b"]


def test_batch_and_numpy_equal_single(enc, shared_data):
    texts = _real_sample(shared_data)
    single = [enc.encode_ordinary(t) for t in texts]
    for n in (1, 2, 5):
        assert enc.encode_ordinary_batch(texts, num_threads=n) == single
    for text, ids in zip(texts[:50], single):
        arr = enc.encode_ordinary_numpy(text)
        assert arr.dtype == np.uint16 and arr.tolist() == ids


def test_batch_lists_are_built_while_workers_encode(shared_data):
    """encode_ordinary_batch hands each document's ids to the caller's thread as soon as they
    are ready, and a batch's fresh workspaces start with a copy of the warm one's caches: on a
    fresh encoder, the lists are the single-call ids for any thread count, in input order, also
    for many tiny and empty documents and when Python threads run batches at the same time."""
    tokens = tokenizer.load_gpt2_tokens()
    fresh = tokenizer.Encoding("gpt2", tokens, {"<|endoftext|>": 50256})
    texts = _real_sample(shared_data)
    single = [fresh.encode_ordinary(t) for t in texts]  # warms one workspace only
    tiny = [t[:k] for t in texts[:200] for k in (0, 1, 7)]
    tiny_single = [fresh.encode_ordinary(t) for t in tiny]
    for n in (2, 1, 3, 8):
        assert fresh.encode_ordinary_batch(texts, num_threads=n) == single
        assert fresh.encode_ordinary_batch(tiny, num_threads=n) == tiny_single
    assert fresh.encode_ordinary_batch([], num_threads=2) == []
    results = {}

    def work(k):
        results[k] = fresh.encode_ordinary_batch(texts[k::3] + tiny, num_threads=2)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(3):
        assert results[k] == single[k::3] + tiny_single


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs Linux CPU affinity")
def test_batches_run_under_any_cpu_affinity(enc, shared_data):
    """Batch workers (pool threads) start pinned to a CPU of the caller's affinity set other than
    the caller's own, where needed, then widen back to the whole set: the ids are the same under a
    one-CPU mask, under the full mask and with more threads than CPUs, and the caller's own mask is
    left as it was."""
    texts = _real_sample(shared_data)
    single = [enc.encode_ordinary(t) for t in texts]
    flat = [t for ids in single for t in [enc.eot_token] + ids]
    full = os.sched_getaffinity(0)
    try:
        for mask in ({min(full)}, full):
            os.sched_setaffinity(0, mask)
            for n in (2, len(mask), len(mask) + 1, 8):
                assert enc.encode_ordinary_batch(texts, num_threads=n) == single
                assert enc.encode_for_shard(texts, num_threads=n)[0].tolist() == flat
            assert os.sched_getaffinity(0) == mask
    finally:
        os.sched_setaffinity(0, full)


def test_pooled_threads_give_the_same_ids_for_batches_of_any_size(enc, shared_data):
    """Batch workers are pool threads, woken per batch and put back after it; a small batch is
    often done by the caller alone, the job handed to a thread that had not woken yet taken back.
    Many batches of 1-12 real documents, from three Python threads at once, on both paths: every
    result is the single-call ids, whatever the thread count."""
    texts = _real_sample(shared_data, n=120)
    single = [enc.encode_ordinary(t) for t in texts]
    failures = []

    def work(k):
        rng = random.Random(k)
        for _ in range(150):
            i = rng.randrange(len(texts))
            m = rng.randint(1, 12)
            n = rng.choice((2, 3, 8))
            part, want = texts[i:i + m], single[i:i + m]
            if enc.encode_ordinary_batch(part, num_threads=n) != want:
                failures.append(("lists", k, i, m, n))
            flat = [t for ids in want for t in [enc.eot_token] + ids]
            if enc.encode_for_shard(part, num_threads=n)[0].tolist() != flat:
                failures.append(("shard", k, i, m, n))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_batches_work_in_a_forked_child(enc, shared_data):
    """The pool's threads are not in a child made by fork (as multiprocessing's default start
    method on Linux makes Beam's and users' worker processes): the child starts threads of its
    own, and its batches give the same ids."""
    texts = _real_sample(shared_data, n=60)
    single = [enc.encode_ordinary(t) for t in texts]
    assert enc.encode_ordinary_batch(texts, num_threads=2) == single  # the parent's pool has threads
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        lists, flat, started = pool.apply_async(_batch_in_child, (texts,)).get(timeout=120)
    assert lists == single and flat == [t for ids in single for t in [enc.eot_token] + ids]
    if started is not None:
        assert started >= 1  # not the parent's threads, which do not exist in the child
    assert enc.encode_ordinary_batch(texts, num_threads=2) == single


def _batch_in_child(texts):
    enc = tokenizer.get_encoding("gpt2")
    tasks = pathlib.Path("/proc/self/task")
    before = len(list(tasks.iterdir())) if tasks.is_dir() else None
    lists = enc.encode_ordinary_batch(texts, num_threads=2)
    flat = enc.encode_for_shard(texts, num_threads=2)[0].tolist()
    return lists, flat, None if before is None else len(list(tasks.iterdir())) - before


def test_batch_rejects_non_str_without_leaking(enc):
    with pytest.raises(TypeError):
        enc.encode_ordinary_batch(["ok", b"bytes"], num_threads=2)
    assert enc.encode_ordinary_batch(["ok", "fine"], num_threads=2) == [[482], [38125]]


def test_shard_path_is_eot_plus_ids_for_any_thread_count(enc, shared_data):
    texts = _real_sample(shared_data)
    expected = [t for text in texts for t in [enc.eot_token] + enc.encode_ordinary(text)]
    counts_expected = [1 + len(enc.encode_ordinary(text)) for text in texts]
    for n in (1, 2, 3, 8):
        tokens, counts = enc.encode_for_shard(texts, num_threads=n)
        assert tokens.dtype == np.uint16 and counts.dtype == np.int64
        assert tokens.tolist() == expected and counts.tolist() == counts_expected
    tokens, counts = enc.encode_for_shard([], num_threads=2)
    assert tokens.size == 0 and counts.size == 0


def test_shard_tokens_outlive_the_call_and_are_writable(enc):
    """The uint16 array is C memory of our own behind the buffer protocol; numpy keeps it alive."""
    tokens, _ = enc.encode_for_shard(["Hello world", "Hi"] * 3, num_threads=2)
    raw = enc._core.encode_for_shard(["Hello world"], 1, enc.eot_token)[0]
    del _
    gc.collect()
    assert tokens.tolist() == [50256, 15496, 995, 50256, 17250] * 3
    assert len(raw) == 6 and bytes(raw) == np.array([50256, 15496, 995], np.uint16).tobytes()
    tokens[0] = 7
    assert tokens[0] == 7


def test_python_threads_share_the_encoder(enc, shared_data):
    """encode_ordinary releases the GIL on long texts; concurrent calls must not interfere."""
    texts = [t for t in _real_sample(shared_data) if len(t) > 5000][:16]
    expected = [enc.encode_ordinary(t) for t in texts]
    results = {}

    def work(k):
        results[k] = [enc.encode_ordinary(t) for t in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == expected for k in range(4))
