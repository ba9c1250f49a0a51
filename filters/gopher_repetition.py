"""Drop repetitive documents: Gopher's repetition rules (Rae et al. 2021, table A1), as FineWeb runs
them (datatrove ``GopherRepetitionFilter`` with its defaults; our own code).

Annotate, then decide. `annotate` measures once and stores, under ``metadata["gopher_repetition"]``,
a flat dict of fractions that do not depend on any threshold; `decide` only compares them with the
`GopherRepetitionConfig`, so ``curation refilter`` can re-decide from the Parquet output::

    {"n_chars": 5123, "dup_para_frac": 0.0, "dup_para_char_frac": 0.0, "dup_line_frac": 0.04,
     "dup_line_char_frac": 0.01, "top_2_gram_char_frac": 0.012, "top_3_gram_char_frac": 0.008,
     "top_4_gram_char_frac": 0.006, "dup_5_gram_char_frac": 0.0, ..., "dup_10_gram_char_frac": 0.0}

Paragraphs are separated by two or more newlines, lines by one or more; ``*_char_frac`` divide the
characters of the repeated items by the length of the whole text. Words come from
`curation.text.split_words` (punctuation marks are words). The first rule that trips names the
drop, in datatrove's order: ``gopher_rep_empty``, ``gopher_rep_dup_para_frac``,
``gopher_rep_dup_para_char_frac``, ``gopher_rep_dup_line_frac``, ``gopher_rep_dup_line_char_frac``,
``gopher_rep_top_{n}_gram`` (n = 2, 3, 4), ``gopher_rep_duplicated_{n}_n_grams`` (n = 5..10).

    f = GopherRepetitionFilter(); f.setup()
    doc, decision = f.apply(doc)   # annotated doc and Decision(False, "gopher_rep_dup_line_frac")
"""

from __future__ import annotations

import dataclasses
import re

from curation.document import KEEP, Decision, Document
from filters.base import MeasuredFilter
from curation.text import dup_ngram_chars, find_duplicates, split_words
from curation.text import top_ngram_chars

KEY = "gopher_repetition"  # metadata key of the measurements
ANNOTATE_KNOBS = ()  # every knob is a threshold: all can be re-decided from stored measurements
_PARAGRAPHS = re.compile(r"\n{2,}")
_LINES = re.compile(r"\n+")


@dataclasses.dataclass(frozen=True)
class GopherRepetitionConfig:
    """Gopher's repetition thresholds; a measurement above its threshold drops the document.

    Args:
        dup_line_frac: max share of lines that repeat an earlier line (0 or None: rule off).
        dup_para_frac: max share of paragraphs that repeat an earlier paragraph.
        dup_line_char_frac: max share of the text's characters in repeated lines.
        dup_para_char_frac: max share of the text's characters in repeated paragraphs.
        top_n_grams: (n, max share of characters covered by the most frequent word n-gram).
        dup_n_grams: (n, max share of characters in word n-grams that repeat an earlier one).
    """

    dup_line_frac: float | None = 0.3  # Gopher table A1, FineWeb
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    dup_para_char_frac: float | None = 0.2
    top_n_grams: tuple[tuple[int, float], ...] = ((2, 0.2), (3, 0.18), (4, 0.16))
    dup_n_grams: tuple[tuple[int, float], ...] = (
        (5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))


DEFAULT = GopherRepetitionConfig()


def _ns(config: GopherRepetitionConfig) -> tuple[list[int], list[int]]:
    """The n-gram sizes to measure: the defaults plus any the config adds."""
    top = sorted({n for n, _ in DEFAULT.top_n_grams + config.top_n_grams})
    dup = sorted({n for n, _ in DEFAULT.dup_n_grams + config.dup_n_grams})
    return top, dup


def measure(text: str, config: GopherRepetitionConfig = DEFAULT) -> dict:
    """The repetition measurements of ``text`` (see the module docstring for the keys).

    Args:
        text: the extracted plain text.
        config: only its n-gram sizes matter here (the defaults are always measured).
    """
    n_chars = len(text)
    if not n_chars:
        return dict.fromkeys(required(config), 0)
    m: dict = {"n_chars": n_chars}
    paragraphs = _PARAGRAPHS.split(text.strip())
    n_dup, dup_chars = find_duplicates(paragraphs)
    m["dup_para_frac"] = n_dup / len(paragraphs)
    m["dup_para_char_frac"] = dup_chars / n_chars
    lines = _LINES.split(text)
    n_dup, dup_chars = find_duplicates(lines)
    m["dup_line_frac"] = n_dup / len(lines)
    m["dup_line_char_frac"] = dup_chars / n_chars
    words = split_words(text)
    top, dup = _ns(config)
    for n in top:
        m[f"top_{n}_gram_char_frac"] = top_ngram_chars(words, n) / n_chars
    for n, chars in dup_ngram_chars(words, dup).items():
        m[f"dup_{n}_gram_char_frac"] = chars / n_chars
    return m


def required(config: GopherRepetitionConfig = DEFAULT) -> list[str]:
    """The measurement names `decide` reads under ``config``."""
    top, dup = _ns(config)
    return (["n_chars", "dup_para_frac", "dup_para_char_frac", "dup_line_frac",
             "dup_line_char_frac"] + [f"top_{n}_gram_char_frac" for n in top]
            + [f"dup_{n}_gram_char_frac" for n in dup])


def decide(m: dict, config: GopherRepetitionConfig = DEFAULT) -> Decision:
    """Keep or drop from stored measurements alone.

    Args:
        m: what `measure` returned (or what `annotate` stored).
        config: the thresholds.
    """
    if not m["n_chars"]:
        return Decision(False, "gopher_rep_empty")
    for rule in ("dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac"):
        threshold = getattr(config, rule)
        if threshold and m[rule] > threshold:
            return Decision(False, f"gopher_rep_{rule}")
    for n, threshold in config.top_n_grams:
        if m[f"top_{n}_gram_char_frac"] > threshold:
            return Decision(False, f"gopher_rep_top_{n}_gram")
    for n, threshold in config.dup_n_grams:
        if m[f"dup_{n}_gram_char_frac"] > threshold:
            return Decision(False, f"gopher_rep_duplicated_{n}_n_grams")
    return KEEP


def annotate(doc: Document, config: GopherRepetitionConfig = DEFAULT) -> Document:
    """``doc`` with its measurements under ``metadata["gopher_repetition"]``."""
    text = doc.text if isinstance(doc.text, str) else ""  # bad input measures as empty
    return doc.with_metadata(**{KEY: measure(text, config)})


class GopherRepetitionFilter(MeasuredFilter):
    """The Filter-protocol stage: thresholds stored measurements, annotating first if missing.

    Args:
        config: the thresholds.
    """

    name = "gopher_repetition_v1"
    key = KEY
    default_config = DEFAULT
    annotate_fn = staticmethod(annotate)
    decide_fn = staticmethod(decide)

    def required(self) -> tuple[str, ...]:
        return tuple(required(self.config))
