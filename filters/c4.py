"""C4's cleaning rules (Raffel et al. 2020), as FineWeb runs them: datatrove ``C4QualityFilter``
with ``filter_no_terminal_punct=False`` (our own code). It edits the text as well as deciding.

Each line (``str.splitlines()``, stripped) is removed when, in this order: a whitespace word is
longer than ``max_word_length``; (after deleting citation markers ``[1]``, ``[]``, ``[edit]``,
``[citation needed]``) it lacks terminal punctuation, only if ``filter_no_terminal_punct``; it has
fewer than ``min_words_per_line`` whitespace words; it mentions "javascript"; it contains a
cookie/terms/privacy-policy phrase. The kept lines, joined by ``\\n``, are the new text. The whole
document is dropped when a line that got past the word rules says "lorem ipsum"
(``c4_lorem_ipsum``), when a line that got past the javascript rule has a ``{``
(``c4_curly_bracket``, whichever comes first), or when the kept lines hold fewer than
``min_num_sentences`` sentences (``c4_too_few_sentences``; spaCy sentencizer rules,
`curation.text.count_sentences`, per line).

Annotate, then decide. `annotate` replaces ``doc.text`` with the cleaned text (also for documents
that will be dropped: datatrove's exclusion writer would keep the original) and stores::

    "c4": {"n_lines": 40, "n_lines_kept": 21, "n_lines_too_long_word": 0,
           "n_lines_no_terminal_punct": 0, "n_lines_too_few_words": 17, "n_lines_javascript": 1,
           "n_lines_policy": 1, "n_chars_before": 5400, "lorem_ipsum_line": -1,
           "curly_bracket_line": -1, "n_sentences": 35}

Re-deciding: ``min_num_sentences``, ``filter_lorem_ipsum`` and ``filter_curly_bracket`` re-apply
to the stored values exactly as datatrove would (the lorem/curly line indices keep its rule order,
and the cleaned text is the same under every setting of these three). The line rules
(`ANNOTATE_KNOBS`) changed the text, so changing them needs the original text and a re-annotation.

    f = C4Filter(); f.setup()
    doc, decision = f.apply(doc)  # cleaned doc, Decision(False, "c4_too_few_sentences")
"""

from __future__ import annotations

import dataclasses
import re

from curation.document import KEEP, Decision, Document
from filters.base import MeasuredFilter
from curation.text import count_sentences

KEY = "c4"  # metadata key of the measurements
ANNOTATE_KNOBS = ("remove_citations", "filter_no_terminal_punct", "min_words_per_line",
                  "max_word_length", "filter_javascript", "filter_policy")
CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
END_PUNCTUATION = (".", "?", "!", '"', "'")
POLICY_PHRASES = ("terms of use", "privacy policy", "cookie policy", "uses cookies",
                  "use of cookies", "use cookies")
MEASUREMENTS = ("n_lines", "n_lines_kept", "n_lines_too_long_word", "n_lines_no_terminal_punct",
                "n_lines_too_few_words", "n_lines_javascript", "n_lines_policy", "n_chars_before",
                "lorem_ipsum_line", "curly_bracket_line", "n_sentences")


@dataclasses.dataclass(frozen=True)
class C4Config:
    """C4's rules with FineWeb's settings. Line rules are applied at annotate time.

    Args:
        remove_citations: delete ``[1]``, ``[edit]``, ``[citation needed]`` from lines.
        filter_no_terminal_punct: remove lines not ending in . ? ! " ' (or ending in "...").
        min_num_sentences: drop documents with fewer sentences in their kept lines (-1: off).
        min_words_per_line: remove lines with fewer whitespace-separated words (-1: off).
        max_word_length: remove lines with a longer word, in characters (-1: off).
        filter_lorem_ipsum: drop documents saying "lorem ipsum".
        filter_javascript: remove lines mentioning "javascript".
        filter_curly_bracket: drop documents containing "{".
        filter_policy: remove lines with a `POLICY_PHRASES` phrase.
    """

    remove_citations: bool = True
    filter_no_terminal_punct: bool = False  # FineWeb turns C4's rule off
    min_num_sentences: int = 5
    min_words_per_line: int = 3
    max_word_length: int = 1000  # characters
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True


DEFAULT = C4Config()


def clean(text: str, config: C4Config = DEFAULT) -> tuple[str, dict]:
    """The cleaned text and the measurements (module docstring) of ``text``.

    Args:
        text: the extracted plain text.
        config: its line rules (the three document rules do not change what is measured).
    """
    c = config
    m = dict.fromkeys(MEASUREMENTS, 0)
    m.update(n_chars_before=len(text), lorem_ipsum_line=-1, curly_bracket_line=-1)
    kept = []
    for i, line in enumerate(text.splitlines()):
        m["n_lines"] += 1
        line = line.strip()
        words = line.split()
        if c.max_word_length != -1 and any(len(w) > c.max_word_length for w in words):
            m["n_lines_too_long_word"] += 1
            continue
        if c.remove_citations:
            line = CITATION.sub("", line)
        if c.filter_no_terminal_punct and (not line.endswith(END_PUNCTUATION)
                                           or line.endswith("...")):
            m["n_lines_no_terminal_punct"] += 1
            continue
        if len(words) < c.min_words_per_line:
            m["n_lines_too_few_words"] += 1
            continue
        lower = line.lower()
        if m["lorem_ipsum_line"] < 0 and "lorem ipsum" in lower:
            m["lorem_ipsum_line"] = i
        if c.filter_javascript and "javascript" in lower:
            m["n_lines_javascript"] += 1
            continue
        if m["curly_bracket_line"] < 0 and "{" in line:
            m["curly_bracket_line"] = i
        if c.filter_policy and any(p in lower for p in POLICY_PHRASES):
            m["n_lines_policy"] += 1
            continue
        m["n_sentences"] += count_sentences(line)
        kept.append(line)
    m["n_lines_kept"] = len(kept)
    return "\n".join(kept).strip(), m


def decide(m: dict, config: C4Config = DEFAULT) -> Decision:
    """Keep or drop from stored measurements alone.

    Args:
        m: what `clean` measured (or what `annotate` stored).
        config: its document rules.
    """
    lorem = m["lorem_ipsum_line"] if config.filter_lorem_ipsum else -1
    curly = m["curly_bracket_line"] if config.filter_curly_bracket else -1
    if lorem >= 0 and (curly < 0 or lorem <= curly):
        return Decision(False, "c4_lorem_ipsum")
    if curly >= 0:
        return Decision(False, "c4_curly_bracket")
    if m["n_sentences"] < config.min_num_sentences:
        return Decision(False, "c4_too_few_sentences")
    return KEEP


def annotate(doc: Document, config: C4Config = DEFAULT) -> Document:
    """``doc`` with the cleaned text and its measurements under ``metadata["c4"]``."""
    text, m = clean(doc.text if isinstance(doc.text, str) else "", config)
    return dataclasses.replace(doc, text=text, metadata={**doc.metadata, KEY: m})


class C4Filter(MeasuredFilter):
    """The Filter-protocol stage. Use `apply` to get the cleaned text too; ``__call__`` returns
    the decision only. Stored measurements are trusted (the text is then already clean).

    Args:
        config: the rules.
    """

    name = "c4_v1"
    key = KEY
    measurements = MEASUREMENTS
    default_config = DEFAULT
    annotate_fn = staticmethod(annotate)
    decide_fn = staticmethod(decide)
