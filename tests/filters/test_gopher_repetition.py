"""Tests for filters.gopher_repetition: one document per drop reason, re-deciding from stored
measurements, and sanity on real English articles."""

import dataclasses
import json
import pickle

import pytest

from curation.document import KEEP, Decision, Document
from filters.base import Filter
from filters.gopher_repetition import (KEY, GopherRepetitionConfig, GopherRepetitionFilter,
                                       annotate, decide, measure, required)
from tests.curation.test_text import english_pages, prose

OFF = dict(dup_line_frac=None, dup_para_frac=None, dup_line_char_frac=None,
           dup_para_char_frac=None, top_n_grams=(), dup_n_grams=())


def doc(text):
    return Document("<urn:uuid:1>", "https://example.com/a", text, {"source": "test"})


def fillers(n, width=10):
    """``n`` distinct made-up words of ``width`` characters."""
    return [f"w{i:0{width - 1}d}" for i in range(n)]


def para(i):
    return prose(3, seed=i)  # three lines


CASES = {
    "gopher_rep_empty": "",
    # 16 paragraphs, 5 repeat "Menu": 0.31 of paragraphs but only 5 of 36 lines
    "gopher_rep_dup_para_frac": "\n\n".join([para(i) for i in range(10)] + ["Menu"] * 6),
    # one long three-line paragraph twice among six one-line paragraphs
    "gopher_rep_dup_para_char_frac": "\n\n".join(
        [prose(1, seed=i) for i in range(6)] + [prose(3, seed=99)] * 2),
    # 10 distinct lines and 6 "Share": one paragraph, 5 of 16 lines repeat
    "gopher_rep_dup_line_frac": "\n".join([prose(10)] + ["Share"] * 6),
    # 8 short lines and one long line twice
    "gopher_rep_dup_line_char_frac": "\n".join(
        [f"Line {i} here." for i in range(8)] + [prose(3, seed=5).replace("\n", " ")] * 2),
    # "big dog" covers over half the characters
    "gopher_rep_top_2_gram": " ".join(f"big dog {w}" for w in fillers(40, 3)),
    # "aaa bbb ccc" covers 0.28 of the characters, its bigrams at most 0.18
    "gopher_rep_top_3_gram": " ".join(f"aaa bbb ccc {a} {b} {c}"
                                      for a, b, c in zip(*[iter(fillers(120, 8))] * 3)),
    "gopher_rep_top_4_gram": " ".join("aaa bbb ccc ddd " + " ".join(ws)
                                      for ws in zip(*[iter(fillers(250, 11))] * 5)),
    # one line that ends by repeating its first third: 5- to 10-gram duplicates
    "gopher_rep_duplicated_5_n_grams": (lambda t: t + " " + t[:len(t) // 3])(
        prose(12, seed=3).replace("\n", " ")),
}


@pytest.mark.parametrize("reason", list(CASES))
def test_one_document_per_reason(reason):
    assert GopherRepetitionFilter()(doc(CASES[reason])) == Decision(False, reason)


@pytest.mark.parametrize("reason, knob", [
    ("gopher_rep_dup_para_frac", "dup_para_frac"), ("gopher_rep_dup_line_frac", "dup_line_frac"),
    ("gopher_rep_top_2_gram", "top_n_grams"), ("gopher_rep_top_3_gram", "top_n_grams"),
    ("gopher_rep_top_4_gram", "top_n_grams")])
def test_only_that_rule_trips(reason, knob):
    off = GopherRepetitionConfig(**{knob: OFF[knob]})
    assert GopherRepetitionFilter(off)(doc(CASES[reason])) == KEEP


def test_duplicated_n_gram_sizes_in_order():
    text = CASES["gopher_rep_duplicated_5_n_grams"]
    m = measure(text)
    assert all(m[f"dup_{n}_gram_char_frac"] > t for n, t in GopherRepetitionConfig().dup_n_grams)
    six_up = GopherRepetitionConfig(dup_n_grams=((6, 0.14), (10, 0.10)))
    assert GopherRepetitionFilter(six_up)(doc(text)) == \
        Decision(False, "gopher_rep_duplicated_6_n_grams")


def test_prose_passes_and_config_knobs_change_decisions():
    text = prose(30)
    assert GopherRepetitionFilter()(doc(text)) == KEEP
    strict = GopherRepetitionConfig(top_n_grams=((2, 0.001),))
    assert GopherRepetitionFilter(strict)(doc(text)) == Decision(False, "gopher_rep_top_2_gram")
    all_off = GopherRepetitionFilter(GopherRepetitionConfig(**OFF))
    assert all_off(doc(CASES["gopher_rep_top_2_gram"])) == KEEP


def test_measurements_are_stored_flat_and_json_ready():
    d = annotate(doc(CASES["gopher_rep_dup_line_frac"]))
    m = d.metadata[KEY]
    assert sorted(m) == sorted(required())
    assert m["dup_line_frac"] == 5 / 16 and m["dup_para_frac"] == 0.0
    assert json.loads(json.dumps(m)) == m
    assert d.metadata["source"] == "test" and d.text == CASES["gopher_rep_dup_line_frac"]


@pytest.mark.parametrize("reason", list(CASES))
def test_decide_from_stored_equals_call(reason):
    f = GopherRepetitionFilter()
    d = annotate(doc(CASES[reason]))
    assert decide(d.metadata[KEY]) == f(d) == f(doc(CASES[reason]))
    # as the Parquet output stores it: a JSON string
    as_parquet = dataclasses.replace(d, text="", metadata={KEY: json.dumps(d.metadata[KEY])})
    assert f(as_parquet) == f(d)


def test_refilter_with_new_thresholds_uses_stored_values():
    d = annotate(doc(prose(20)))
    stale = dataclasses.replace(d, text="")  # the text is not looked at again
    f = GopherRepetitionFilter(GopherRepetitionConfig(top_n_grams=((4, 0.001),)))
    assert f(stale) == Decision(False, "gopher_rep_top_4_gram")
    # a config measuring a new n-gram size re-annotates
    f = GopherRepetitionFilter(GopherRepetitionConfig(dup_n_grams=((12, 0.5),)))
    out, decision = f.apply(d)
    assert decision == KEEP and "dup_12_gram_char_frac" in out.metadata[KEY]


def test_protocol_pickling_and_bad_input():
    f = GopherRepetitionFilter(GopherRepetitionConfig(dup_line_frac=0.5))
    f.setup()
    f.setup()
    assert isinstance(f, Filter) and f.name == "gopher_repetition_v1"
    g = pickle.loads(pickle.dumps(f))
    text = CASES["gopher_rep_top_2_gram"]
    assert g.config == f.config and g(doc(text)) == f(doc(text))
    assert f(doc(None)) == Decision(False, "gopher_rep_empty")
    assert f(Document("x", "u", "text", {KEY: "{broken"})) == KEEP  # unreadable: measured again


def test_real_articles_mostly_pass(shared_data):
    pages = [p for p in english_pages(shared_data) if p[2]]
    f = GopherRepetitionFilter()
    kept = [rid for rid, url, text in pages if f(doc(text)).keep]
    assert len(kept) >= 0.9 * len(pages)
