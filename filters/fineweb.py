"""FineWeb's own quality rules (Penedo et al. 2024; datatrove ``FineWebQualityFilter`` with its
defaults; our own code). In FineWeb they run after C4, on the C4-cleaned text.

Annotate, then decide. `annotate` stores under ``metadata["fineweb_quality"]``::

    {"n_lines": 21, "n_words": 712, "line_punct_ratio": 0.81, "short_line_ratio": 0.1,
     "char_dup_ratio": 0.0, "list_ratio": 0.028}

Lines are the non-blank lines of ``text.split("\\n")`` (unstripped). ``line_punct_ratio`` is the
share ending in a `curation.text.TERMINAL_PUNCTUATION` character, ``short_line_ratio`` the share
of at most ``short_line_length`` characters, ``char_dup_ratio`` the characters of lines repeating
an earlier line over all non-newline characters, ``list_ratio`` newlines per word
(`curation.text.split_words`). ``stop_chars`` and ``short_line_length`` change a measurement
(`ANNOTATE_KNOBS`); the thresholds re-decide from stored values.

Drop reasons, in order: ``fineweb_empty``, ``fineweb_line_punct_ratio``,
``fineweb_short_line_ratio``, ``fineweb_char_dup_ratio``, ``fineweb_list_ratio``.

    f = FineWebQualityFilter(); f.setup()
    f(doc)  # Decision(False, "fineweb_line_punct_ratio")
"""

from __future__ import annotations

import dataclasses

from curation.document import KEEP, Decision, Document
from filters.base import MeasuredFilter
from curation.text import TERMINAL_PUNCTUATION, find_duplicates, split_words

KEY = "fineweb_quality"  # metadata key of the measurements
ANNOTATE_KNOBS = ("stop_chars", "short_line_length")  # changing these needs a re-annotation
MEASUREMENTS = ("n_lines", "n_words", "line_punct_ratio", "short_line_ratio", "char_dup_ratio",
                "list_ratio")


@dataclasses.dataclass(frozen=True)
class FineWebQualityConfig:
    """FineWeb's thresholds (None turns a rule off).

    Args:
        line_punct_thr: drop if the share of lines ending in punctuation is below this.
        line_punct_exclude_zero: but keep documents where that share is exactly 0.
        stop_chars: the characters that count as ending punctuation (None: all Unicode
            sentence terminals, `curation.text.TERMINAL_PUNCTUATION`).
        short_line_thr: drop if the share of short lines is above this.
        short_line_length: a line of at most this many characters is short.
        char_duplicates_ratio: drop if the share of characters in repeated lines is above this.
        new_line_ratio: drop if newlines per word is above this (list-like pages).
    """

    line_punct_thr: float | None = 0.12  # FineWeb
    line_punct_exclude_zero: bool = False
    stop_chars: tuple[str, ...] | None = None
    short_line_thr: float | None = 0.67
    short_line_length: int = 30  # characters
    char_duplicates_ratio: float | None = 0.01
    new_line_ratio: float | None = 0.3


DEFAULT = FineWebQualityConfig()


def measure(text: str, config: FineWebQualityConfig = DEFAULT) -> dict:
    """The FineWeb measurements of ``text`` (see the module docstring); all 0 without a line.

    Args:
        text: the plain text (C4-cleaned in FineWeb's order).
        config: only ``stop_chars`` and ``short_line_length`` matter here.
    """
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return dict.fromkeys(MEASUREMENTS, 0)
    stops = tuple(config.stop_chars if config.stop_chars is not None else TERMINAL_PUNCTUATION)
    n_words = len(split_words(text))
    return {
        "n_lines": len(lines),
        "n_words": n_words,
        "line_punct_ratio": sum(1 for ln in lines if ln.endswith(stops)) / len(lines),
        "short_line_ratio": sum(1 for ln in lines
                                if len(ln) <= config.short_line_length) / len(lines),
        "char_dup_ratio": find_duplicates(lines)[1] / (len(text) - text.count("\n")),
        "list_ratio": text.count("\n") / n_words,
    }


def decide(m: dict, config: FineWebQualityConfig = DEFAULT) -> Decision:
    """Keep or drop from stored measurements alone.

    Args:
        m: what `measure` returned (or what `annotate` stored).
        config: the thresholds.
    """
    c = config
    if not m["n_lines"]:
        return Decision(False, "fineweb_empty")
    ratio = m["line_punct_ratio"]
    if (c.line_punct_thr is not None and ratio < c.line_punct_thr
            and not (ratio == 0 and c.line_punct_exclude_zero)):
        return Decision(False, "fineweb_line_punct_ratio")
    if c.short_line_thr is not None and m["short_line_ratio"] > c.short_line_thr:
        return Decision(False, "fineweb_short_line_ratio")
    if c.char_duplicates_ratio is not None and m["char_dup_ratio"] > c.char_duplicates_ratio:
        return Decision(False, "fineweb_char_dup_ratio")
    if c.new_line_ratio is not None and m["list_ratio"] > c.new_line_ratio:
        return Decision(False, "fineweb_list_ratio")
    return KEEP


def annotate(doc: Document, config: FineWebQualityConfig = DEFAULT) -> Document:
    """``doc`` with its measurements under ``metadata["fineweb_quality"]``."""
    text = doc.text if isinstance(doc.text, str) else ""  # bad input measures as empty
    return doc.with_metadata(**{KEY: measure(text, config)})


class FineWebQualityFilter(MeasuredFilter):
    """The Filter-protocol stage: thresholds stored measurements, annotating first if missing.

    Args:
        config: the thresholds.
    """

    name = "fineweb_quality_v1"
    key = KEY
    measurements = MEASUREMENTS
    default_config = DEFAULT
    annotate_fn = staticmethod(annotate)
    decide_fn = staticmethod(decide)
