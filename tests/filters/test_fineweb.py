"""Tests for filters.fineweb: one document per drop reason (each trips only its rule), re-deciding
from stored measurements, and the four filter families chained in FineWeb's order."""

import dataclasses
import json
import pickle

import pytest

from curation.document import KEEP, Decision, Document
from filters import c4, fineweb, gopher_quality, gopher_repetition
from filters.base import Filter
from filters.fineweb import (KEY, MEASUREMENTS, FineWebQualityConfig, FineWebQualityFilter,
                             annotate, decide, measure)
from tests.curation.test_text import english_pages, prose


def doc(text):
    return Document("<urn:uuid:1>", "https://example.com/a", text, {"source": "test"})


PROSE = prose(10)

CASES = {
    # one line of ten ends in punctuation
    "fineweb_line_punct_ratio": ("\n".join(ln if i == 0 else ln[:-1]
                                           for i, ln in enumerate(PROSE.splitlines())),
                                 "line_punct_thr"),
    # 8 distinct short lines, 2 long ones
    "fineweb_short_line_ratio": ("\n".join([f"Item number {i} is fine." for i in range(8)]
                                           + PROSE.splitlines()[:2]), "short_line_thr"),
    # one long line repeated
    "fineweb_char_dup_ratio": (PROSE + "\n" + PROSE.splitlines()[3], "char_duplicates_ratio"),
    # two words a line: a list
    "fineweb_list_ratio": ("\n".join(f"Extraordinarily incomprehensible{i:03d}." for i in range(20)),
                           "new_line_ratio"),
}


@pytest.mark.parametrize("reason", list(CASES))
def test_one_document_per_reason(reason):
    text, knob = CASES[reason]
    assert FineWebQualityFilter()(doc(text)) == Decision(False, reason)
    assert FineWebQualityFilter(FineWebQualityConfig(**{knob: None}))(doc(text)) == KEEP


def test_empty():
    assert FineWebQualityFilter()(doc(" \n\t\n")) == Decision(False, "fineweb_empty")
    assert FineWebQualityFilter()(doc(None)) == Decision(False, "fineweb_empty")


def test_measurements_and_knobs():
    text = "A short line.\nAnother line that is long enough to count\n\nA short line."
    m = measure(text)
    assert m["n_lines"] == 3 and m["line_punct_ratio"] == 2 / 3
    assert m["short_line_ratio"] == 2 / 3
    assert m["char_dup_ratio"] == len("A short line.") / (len(text) - 3)
    assert m["list_ratio"] == 3 / m["n_words"]
    assert measure(text, FineWebQualityConfig(short_line_length=10))["short_line_ratio"] == 0.0
    assert measure(text, FineWebQualityConfig(stop_chars=("t",)))["line_punct_ratio"] == 1 / 3
    # a document without any punctuated line passes when zero is excluded
    no_punct = CASES["fineweb_line_punct_ratio"][0].split("\n", 1)[1]
    assert FineWebQualityFilter()(doc(no_punct)) == Decision(False, "fineweb_line_punct_ratio")
    assert FineWebQualityFilter(FineWebQualityConfig(line_punct_exclude_zero=True))(doc(no_punct)) == KEEP


@pytest.mark.parametrize("reason", list(CASES))
def test_decide_from_stored_equals_call(reason):
    f = FineWebQualityFilter()
    d = annotate(doc(CASES[reason][0]))
    assert sorted(d.metadata[KEY]) == sorted(MEASUREMENTS)
    assert decide(d.metadata[KEY]) == f(d) == f(doc(CASES[reason][0]))
    as_parquet = dataclasses.replace(d, text="", metadata={KEY: json.dumps(d.metadata[KEY])})
    assert f(as_parquet) == f(d)
    relaxed = FineWebQualityConfig(**{CASES[reason][1]: None})
    assert FineWebQualityFilter(relaxed)(as_parquet) == KEEP


def test_protocol_and_pickling():
    f = FineWebQualityFilter(FineWebQualityConfig(short_line_thr=0.9))
    f.setup()
    f.setup()
    assert isinstance(f, Filter) and f.name == "fineweb_quality_v1"
    assert pickle.loads(pickle.dumps(f)).config == f.config


# ---------------------------------------------------------------------------------------------
# The four families in FineWeb's order (C4 cleans the text FineWeb's rules then see)

CHAIN = (gopher_repetition.GopherRepetitionFilter(), gopher_quality.GopherQualityFilter(),
         c4.C4Filter(), FineWebQualityFilter())


def run_chain(d):
    for f in CHAIN:
        d, decision = f.apply(d)
        if not decision.keep:
            return d, decision
    return d, KEEP


def test_a_document_passes_all_four():
    d, decision = run_chain(doc("Home\nMenu\n" + prose(20) + "\nShare this"))
    assert decision == KEEP and d.text == prose(20)
    assert {gopher_repetition.KEY, gopher_quality.KEY, c4.KEY, KEY} <= set(d.metadata)
    assert json.loads(json.dumps(dict(d.metadata))) == dict(d.metadata)


def test_real_articles_mostly_pass_the_chain(shared_data):
    pages = [p for p in english_pages(shared_data) if p[2]]
    results = [run_chain(doc(text)) for _, _, text in pages]
    assert sum(d.keep for _, d in results) >= 0.5 * len(pages)
    assert all(FineWebQualityFilter()(d).keep for d, dec in results if dec.keep)
    assert results[0][1] == KEEP  # the Al Jazeera article
