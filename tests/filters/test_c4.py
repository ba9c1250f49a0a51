"""Tests for filters.c4: the line rules (text edits), one document per drop reason, re-deciding
the document rules from stored measurements, and sanity on real English articles."""

import dataclasses
import json
import pickle

import pytest

from curation.document import KEEP, Decision, Document
from filters.base import Filter
from filters.c4 import KEY, MEASUREMENTS, C4Config, C4Filter, annotate, clean, decide
from tests.curation.test_text import english_pages, prose


def doc(text):
    return Document("<urn:uuid:1>", "https://example.com/a", text, {"source": "test"})


PROSE = prose(6)  # six one-sentence lines

CASES = {
    "c4_lorem_ipsum": (PROSE + "\nLorem ipsum dolor sit amet.", "filter_lorem_ipsum"),
    "c4_curly_bracket": (PROSE + "\nThe function body {return x} ends here.", "filter_curly_bracket"),
    "c4_too_few_sentences": ("\n".join(PROSE.splitlines()[:4]), "min_num_sentences"),
}


@pytest.mark.parametrize("reason", list(CASES))
def test_one_document_per_reason(reason):
    text, knob = CASES[reason]
    assert C4Filter()(doc(text)) == Decision(False, reason)
    off = C4Config(**{knob: -1 if knob == "min_num_sentences" else False})
    assert C4Filter(off)(doc(text)) == KEEP


def test_line_rules_edit_the_text():
    text = "\n".join([
        "  The river crosses the valley [1] and the old bridge.[edit]  ",
        "Short line",                                    # < 3 words
        "Please enable JavaScript to view this page now.",
        "This site uses cookies to improve your visit.",
        "A line with " + "x" * 1001 + " inside it.",      # word over 1000 characters
        "Read the [citation needed] tale of the lighthouse",  # no final punctuation: kept in FineWeb
        "", PROSE])
    cleaned, m = clean(text)
    assert cleaned.split("\n")[:2] == ["The river crosses the valley  and the old bridge.",
                                       "Read the  tale of the lighthouse"]
    assert cleaned.endswith(PROSE) and "\n\n" not in cleaned
    assert (m["n_lines"], m["n_lines_kept"], m["n_lines_too_few_words"], m["n_lines_javascript"],
            m["n_lines_policy"], m["n_lines_too_long_word"]) == (13, 8, 2, 1, 1, 1)
    assert m["n_sentences"] == 8 and m["n_chars_before"] == len(text)
    # C4's own terminal punctuation rule, off in FineWeb
    cleaned, m = clean(text, C4Config(filter_no_terminal_punct=True))
    assert "lighthouse" not in cleaned and m["n_lines_no_terminal_punct"] == 3  # with "", "Short line"
    # line rules can be switched off
    cleaned, _ = clean(text, C4Config(filter_javascript=False, filter_policy=False,
                                      remove_citations=False, min_words_per_line=-1,
                                      max_word_length=-1))
    assert "JavaScript" in cleaned and "cookies" in cleaned and "[1]" in cleaned
    assert "Short line" in cleaned and "x" * 1001 in cleaned


def test_apply_returns_the_cleaned_doc():
    text = "Menu\nHome\n" + PROSE + "\nShare this"
    d, decision = C4Filter().apply(doc(text))
    assert decision == KEEP and d.text == PROSE and d.metadata["source"] == "test"
    assert d.metadata[KEY]["n_lines_kept"] == 6
    assert doc(text).text == text  # the input is never changed


def test_rule_order_and_redeciding_without_text():
    curly_first = PROSE + "\nThe body {x} is here.\nLorem ipsum dolor sit amet."
    lorem_first = PROSE + "\nLorem ipsum dolor sit amet.\nThe body {x} is here."
    same_line = PROSE + "\nLorem ipsum {dolor} sit amet."
    js_curly = PROSE + "\nvar x = {a: 1}; // javascript here"  # removed as a javascript line
    assert C4Filter()(doc(curly_first)) == Decision(False, "c4_curly_bracket")
    assert C4Filter()(doc(lorem_first)) == Decision(False, "c4_lorem_ipsum")
    assert C4Filter()(doc(same_line)) == Decision(False, "c4_lorem_ipsum")
    assert C4Filter()(doc(js_curly)) == KEEP
    stored = dataclasses.replace(annotate(doc(curly_first)), text="")
    assert C4Filter(C4Config(filter_curly_bracket=False))(stored) == Decision(False, "c4_lorem_ipsum")
    assert C4Filter(C4Config(filter_curly_bracket=False, filter_lorem_ipsum=False))(stored) == KEEP
    assert C4Filter(C4Config(min_num_sentences=9, filter_curly_bracket=False,
                             filter_lorem_ipsum=False))(stored) == Decision(False, "c4_too_few_sentences")


@pytest.mark.parametrize("reason", list(CASES))
def test_decide_from_stored_equals_call(reason):
    f = C4Filter()
    d = annotate(doc(CASES[reason][0]))
    assert sorted(d.metadata[KEY]) == sorted(MEASUREMENTS)
    assert decide(d.metadata[KEY]) == f(d) == f(doc(CASES[reason][0]))
    as_parquet = dataclasses.replace(d, metadata={KEY: json.dumps(d.metadata[KEY])})
    assert f.apply(as_parquet) == (as_parquet, f(d))  # stored: the text is not cleaned twice


def test_protocol_pickling_and_bad_input():
    f = C4Filter(C4Config(min_num_sentences=3))
    f.setup()
    f.setup()
    assert isinstance(f, Filter) and f.name == "c4_v1"
    assert pickle.loads(pickle.dumps(f)).config == f.config
    assert f(doc(None)) == Decision(False, "c4_too_few_sentences")
    assert f(doc("\x00\ufffd {")) == Decision(False, "c4_too_few_sentences")  # 2 words: line removed


def test_real_articles_mostly_pass(shared_data):
    pages = [p for p in english_pages(shared_data) if p[2]]
    f = C4Filter()
    results = [f.apply(doc(text)) for _, _, text in pages]
    assert sum(d.keep for _, d in results) >= 0.85 * len(pages)
    for (_, _, text), (d, decision) in zip(pages, results):
        kept_lines = d.text.split("\n") if d.text else []
        assert len(kept_lines) == d.metadata[KEY]["n_lines_kept"] and len(d.text) <= len(text)
    d, decision = results[0]  # the Al Jazeera article keeps all its paragraphs
    assert decision == KEEP and d.metadata[KEY]["n_sentences"] > 20
