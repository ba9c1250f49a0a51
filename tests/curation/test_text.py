"""Tests for curation.text: the spaCy-compatible word splitter, sentence counts, repetition stats.

The expected tokens below are what datatrove's English word tokenizer (``spacy.blank("en")``,
spaCy 3.8) returns for the same strings; they were checked against it when written. The real
pages fixture `english_pages` is shared with the filter tests.
"""

import functools
import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.text import (PUNCTUATION, TERMINAL_PUNCTUATION, count_sentences, dup_ngram_chars,
                           find_duplicates, split_words, stored, top_ngram_chars)

# ---------------------------------------------------------------------------------------------
# Real pages: English news articles (scrapinghub article-extraction-benchmark) extracted the
# FineWeb way. Cached per session; about 40 pages keep it to a few seconds.

N_PAGES = 40


@functools.lru_cache(maxsize=1)
def _english_pages(path: str) -> tuple:
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    with open(f"{path}/pages/real-pages.gold.jsonl", encoding="utf-8") as f:
        aeb = [g["record_id"] for g in map(json.loads, f) if g["dataset"] == "scrapinghub-aeb"]
    wanted = set(aeb[:N_PAGES])
    pages = []
    with open(f"{path}/pages/real-pages.warc.gz", "rb") as f:
        for rec in ArchiveIterator(f):
            rid = rec.rec_headers.get_header("WARC-Record-ID")
            if rec.rec_type == "response" and rid in wanted:
                html = rec.content_stream().read()
                text = trafilatura.extract(html, favor_precision=True, include_comments=False,
                                           deduplicate=True)
                pages.append((rid, rec.rec_headers.get_header("WARC-Target-URI"), text or ""))
    return tuple(pages)


def english_pages(shared_data) -> tuple:
    """``((record_id, url, text), ...)`` for the first 40 article-benchmark pages."""
    return _english_pages(str(shared_data))


_VOCAB = """river mountain village teacher garden window morning evening library bridge market
harbor forest winter summer letter story history science music painting kitchen station
student doctor engineer farmer writer island valley castle candle lantern journey answer
question problem reason season weather family friend neighbor stranger captain soldier
quickly slowly quietly carefully gently suddenly finally rarely often always never
bright dark green golden silver ancient modern simple strange famous gentle narrow wide
builds carries finds keeps opens watches follows reaches paints writes reads remembers
crosses gathers shares explains discovers repairs visits protects teaches measures
through across beyond under above behind beside toward within without during""".split()
_STOP = ["the", "of", "and", "to", "with", "that", "be", "have", "a", "in", "on", "for"]


def prose(n_sentences: int, seed: int = 0) -> str:
    """Made-up English prose, one sentence (12 to 17 words) a line, no line or word 5-gram
    repeated: it passes all four FineWeb filter families."""
    import random

    rng = random.Random(seed)
    lines = []
    for _ in range(n_sentences):
        words = [rng.choice(_VOCAB if rng.random() < 0.65 else _STOP)
                 for _ in range(rng.randint(12, 17))]
        lines.append(" ".join(words).capitalize() + ".")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Word splitting


@pytest.mark.parametrize("text, words", [
    ("Hello, world! It's here.", ["Hello", ",", "world", "!", "It", "'s", "here", "."]),
    # contractions are split as spaCy's exception table says, with ' or ’
    ("I can't, won't; I'm gonna.",
     ["I", "ca", "n't", ",", "wo", "n't", ";", "I", "'m", "gon", "na", "."]),
    ("don’t cannot dont Im", ["do", "n’t", "can", "not", "do", "nt", "I", "m"]),
    ("Its well.He went", ["Its", "well", ".", "He", "went"]),  # "Its", "well" are not contractions
    # abbreviations keep their period; a lone capital + period too (initials)
    ("See e.g. Mr. Smith of the U.S. and J. Doe.",
     ["See", "e.g.", "Mr.", "Smith", "of", "the", "U.S.", "and", "J.", "Doe", "."]),
    ("z.B. e.V. WWII.", ["z.", "B.", "e.", "V.", "WWII", "."]),
    # numbers: decimals and thousands stay whole, units and currency come off
    ("$5.50 1,000,000 3.5km 50% 10am 2nd 1st.",
     ["$", "5.50", "1,000,000", "3.5", "km", "50", "%", "10", "am", "2nd", "1st", "."]),
    ("3-4 5-year-old +49 -5", ["3", "-", "4", "5", "-", "year", "-", "old", "+49", "-5"]),
    # hyphens, slashes between letters; hashtags and mentions
    ("well-known and/or e-mail a/b #tag @user",
     ["well", "-", "known", "and/or", "e", "-", "mail", "a", "/", "b", "#", "tag", "@user"]),
    # unicode letters
    ("Größe: 3,5 cm²; naïve café — Ελληνικά; русский текст.",
     ["Größe", ":", "3,5", "cm²", ";", "naïve", "café", "—", "Ελληνικά", ";", "русский", "текст",
      "."]),
    # URLs are kept whole, but closing punctuation comes off
    ("https://example.com/a-b?x=1, www.test.org/path.",
     ["https://example.com/a-b?x=1", ",", "www.test.org/path", "."]),
    # ellipses, quotes, brackets, emoticons re-merged after the affix cuts
    ('Wait... "no." (really)…', ["Wait", "...", '"', "no", ".", '"', "(", "really", ")", "…"]),
    ("(see below): (item 8):", ["(", "see", "below", "):", "(", "item", "8)", ":"]),  # as spaCy
    ("\n\n  \t\xa0", []),
])
def test_split_words_matches_spacy(text, words):
    assert split_words(text) == words


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list("ab Z.,'’!?()-/:;1 2%$#@…\"\n\xa0éд中😀")), max_size=40))
def test_split_words_only_cuts(text):
    # words never contain whitespace and, glued back, give the text without its whitespace
    words = split_words(text)
    assert all(w and not any(c.isspace() for c in w) for w in words)
    assert "".join(words) == "".join(text.split())


def test_split_words_returns_a_fresh_list():
    words = split_words("a cached text")
    words.append("x")
    assert split_words("a cached text") == ["a", "cached", "text"]


def test_punctuation_sets_match_datatrove():
    assert {".", "!", "?", "。", "؟", "।"} <= TERMINAL_PUNCTUATION and "," not in TERMINAL_PUNCTUATION
    assert {"#", "…", "-", "—", "\x00", "１"} <= PUNCTUATION  # datatrove's list has the fullwidth 1
    assert not {"\t", "\n", "a", "1"} & PUNCTUATION


# ---------------------------------------------------------------------------------------------
# Sentences (spaCy's sentencizer)


@pytest.mark.parametrize("text, n", [
    ("", 1),
    ("no full stop here", 1),
    ("Hello world. This is it! Yes?", 3),
    ("See e.g. Mr. Smith. He agrees.", 2),  # abbreviations do not end a sentence
    ('He said "no." Then left.', 2),  # closing quote stays with the sentence
    ("It costs 5.50. Really (1990).", 2),
    ("Wait... what?! (really)", 2),  # "..." is not a sentence end; "?!" is one
    ("Done.\xa0»", 2),  # a non-breaking space is a token of its own for spaCy
])
def test_count_sentences(text, n):
    assert count_sentences(text) == n


# ---------------------------------------------------------------------------------------------
# Repetition statistics (checked against datatrove's definitions written out naively)


def test_find_duplicates():
    assert find_duplicates(["a", "bb", "a", "bb", "bb", "c"]) == (3, 5)
    assert find_duplicates([]) == (0, 0)


def _naive_top(words, n):
    grams = [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0
    best = max(set(grams), key=lambda g: (grams.count(g), -grams.index(g)))
    return len(best) * grams.count(best)


def _naive_dup(words, n):
    seen, chars, i = set(), 0, 0
    while i < len(words) - n + 1:
        gram = "".join(words[i:i + n])
        if gram in seen:
            chars, i = chars + len(gram), i + n
        else:
            seen.add(gram)
            i += 1
    return chars


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["a", "b", "ab", "c", "the", "."]), max_size=30), st.integers(1, 6))
def test_ngram_stats_match_definitions(words, n):
    assert top_ngram_chars(words, n) == _naive_top(words, n)
    assert dup_ngram_chars(words, [n]) == {n: _naive_dup(words, n)}


def test_ngram_stats_examples():
    words = "the cat sat on the cat sat on the mat".split()
    assert top_ngram_chars(words, 2) == len("the cat") * 2  # first of the tied bigrams
    assert top_ngram_chars(["a"], 2) == 0
    # "the cat sat on (the)" repeats once; then the skip jumps past it
    assert dup_ngram_chars(words, [4, 5]) == {4: len("thecatsaton"), 5: len("thecatsatonthe")}
    # n-grams are compared WITHOUT spaces, as datatrove does: "ab c" repeats "a bc"
    assert dup_ngram_chars(["a", "bc", "ab", "c"], [2]) == {2: 3}


# ---------------------------------------------------------------------------------------------
# Stored measurements


def test_stored_reads_dicts_and_json_strings():
    m = {"n_words": 3, "ratio": 0.5}
    assert stored({"k": m}, "k", ["n_words"]) == m
    assert stored({"k": json.dumps(m)}, "k", ["n_words", "ratio"]) == m  # as Parquet stores it
    assert stored({"k": m}, "k", ["missing"]) is None
    assert stored({}, "k") is None
    assert stored({"k": "{not json"}, "k") is None
    assert stored({"k": [1, 2]}, "k") is None


def test_real_pages_split_sanely(shared_data):
    pages = english_pages(shared_data)
    assert len(pages) == N_PAGES
    texts = [t for _, _, t in pages if t]
    assert len(texts) >= N_PAGES - 2
    for text in texts:
        words = split_words(text)
        assert "".join(words) == "".join(text.split())
    words = split_words(texts[0])  # the Al Jazeera moon-shot article
    assert words[:6] == ["Washington", ",", "DC", ",", "United", "States"]
    assert pickle.loads(pickle.dumps(words)) == words
