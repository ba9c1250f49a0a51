"""Tests for filters.language: thresholding the language annotation, one test per reason."""

import pickle

import pytest

from curation.document import KEEP, Decision, Document
from filters.base import Filter
from filters.language import LanguageConfig, LanguageFilter


def doc(language, score):
    return Document("a", "https://example.com/", "text", {"language": language, "language_score": score})


def test_protocol_and_name():
    f = LanguageFilter()
    f.setup()
    f.setup()
    assert isinstance(f, Filter) and f.name == "language_v1"


def test_keeps_confident_english():
    assert LanguageFilter()(doc("en", 0.93)) == KEEP


def test_language_not_allowed():
    assert LanguageFilter()(doc("de", 0.99)) == Decision(False, "language_not_allowed")
    assert LanguageFilter()(doc("unknown", 0.0)) == Decision(False, "language_not_allowed")


def test_language_low_score():
    f = LanguageFilter()
    assert f(doc("en", 0.5)) == Decision(False, "language_low_score")
    assert f(doc("en", 0.6499)) == Decision(False, "language_low_score")
    assert f(doc("en", 0.65)) == KEEP  # the rule: score >= 0.65
    assert f(doc("en", float("nan"))) == Decision(False, "language_low_score")


def test_thresholds_and_languages_configurable():
    f = LanguageFilter(LanguageConfig(languages=("de", "fr"), min_score=0.3))
    assert f(doc("de", 0.4)) == KEEP
    assert f(doc("en", 0.99)) == Decision(False, "language_not_allowed")
    any_language = LanguageFilter(LanguageConfig(languages=None, min_score=0.8))
    assert any_language(doc("zh", 0.9)) == KEEP
    assert any_language(doc("zh", 0.7)) == Decision(False, "language_low_score")
    with pytest.raises(TypeError):
        LanguageFilter(LanguageConfig(languages="en"))


def test_missing_annotation_is_an_error_not_a_keep():
    with pytest.raises(ValueError, match="annotate"):
        LanguageFilter()(Document("a", "https://example.com/", "Hello there"))


def test_pickles_with_config():
    f = pickle.loads(pickle.dumps(LanguageFilter(LanguageConfig(min_score=0.8))))
    assert f.config.min_score == 0.8 and f(doc("en", 0.79)).reason == "language_low_score"
