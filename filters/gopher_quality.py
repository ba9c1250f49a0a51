"""Drop documents that do not look like prose: Gopher's quality rules (Rae et al. 2021), as FineWeb
runs them (datatrove ``GopherQualityFilter`` with its defaults; our own code).

Annotate, then decide. `annotate` stores under ``metadata["gopher_quality"]``::

    {"n_words": 612, "n_non_symbol_words": 530, "avg_word_length": 4.71, "hash_word_ratio": 0.0,
     "ellipsis_word_ratio": 0.003, "bullet_lines_ratio": 0.05, "end_ellipsis_lines_ratio": 0.0,
     "alpha_words_ratio": 0.86, "n_stop_words": 7}

Words are `curation.text.split_words` tokens, punctuation included; a *non-symbol* word has a
character outside `curation.text.PUNCTUATION`, and the length bounds and the mean word length use
those only. The symbol ratios divide ``#`` and ellipsis (``...``, ``…``) counts by all words; lines
are ``str.splitlines()``; a bullet line starts with ``•`` or ``-``; ``n_stop_words`` counts the
distinct ``stop_words`` present (case-sensitive, as datatrove). Only ``stop_words`` changes a
measurement (`ANNOTATE_KNOBS`); the other knobs re-decide from stored values.

Drop reasons, in order: ``gopher_short_doc``, ``gopher_long_doc``, ``gopher_below_avg_threshold``,
``gopher_above_avg_threshold``, ``gopher_too_many_hashes``, ``gopher_too_many_ellipsis``,
``gopher_too_many_bullets``, ``gopher_too_many_end_ellipsis``, ``gopher_below_alpha_threshold``,
``gopher_enough_stop_words`` (datatrove's names: it means "not enough").

    f = GopherQualityFilter(GopherQualityConfig(min_doc_words=100)); f.setup()
    f(doc)  # Decision(False, "gopher_short_doc")
"""

from __future__ import annotations

import dataclasses

from curation.document import KEEP, Decision, Document
from filters.base import MeasuredFilter
from curation.text import PUNCTUATION, split_words

KEY = "gopher_quality"  # metadata key of the measurements
ANNOTATE_KNOBS = ("stop_words",)  # changing these needs the text: re-annotate
STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")  # Gopher's English list
MEASUREMENTS = ("n_words", "n_non_symbol_words", "avg_word_length", "hash_word_ratio",
                "ellipsis_word_ratio", "bullet_lines_ratio", "end_ellipsis_lines_ratio",
                "alpha_words_ratio", "n_stop_words")


@dataclasses.dataclass(frozen=True)
class GopherQualityConfig:
    """Gopher's quality thresholds (0 or None turns a rule off, as in datatrove).

    Args:
        min_doc_words: drop below this many non-symbol words.
        max_doc_words: drop above this many non-symbol words.
        min_avg_word_length: drop if the mean non-symbol word length (characters) is below.
        max_avg_word_length: drop if it is above.
        max_symbol_word_ratio: drop if ``#`` per word, or ellipses per word, is above.
        max_bullet_lines_ratio: drop if the share of lines starting with a bullet is above.
        max_ellipsis_lines_ratio: drop if the share of lines ending in an ellipsis is above.
        max_non_alpha_words_ratio: drop if the share of words with a letter is BELOW this
            (datatrove's name, kept so configs carry over).
        min_stop_words: drop with fewer distinct stop words.
        stop_words: the stop words (annotate-time: changing it needs a re-annotation).
    """

    min_doc_words: int | None = 50  # Gopher / FineWeb
    max_doc_words: int | None = 100_000
    min_avg_word_length: float | None = 3  # characters
    max_avg_word_length: float | None = 10
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    max_non_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2
    stop_words: tuple[str, ...] = STOP_WORDS


DEFAULT = GopherQualityConfig()


def measure(text: str, config: GopherQualityConfig = DEFAULT) -> dict:
    """The quality measurements of ``text`` (see the module docstring).

    Args:
        text: the extracted plain text.
        config: only ``stop_words`` matters here.
    """
    words = split_words(text)
    n = len(words)
    lengths = [len(w) for w in words if not PUNCTUATION.issuperset(w)]
    lines = text.splitlines()
    n_lines = len(lines) or 1  # no lines means no words: the ratios below are 0
    return {
        "n_words": n,
        "n_non_symbol_words": len(lengths),
        "avg_word_length": sum(lengths) / len(lengths) if lengths else 0.0,
        "hash_word_ratio": text.count("#") / n if n else 0.0,
        "ellipsis_word_ratio": (text.count("...") + text.count("…")) / n if n else 0.0,
        "bullet_lines_ratio": sum(ln.lstrip().startswith(("•", "-")) for ln in lines) / n_lines,
        "end_ellipsis_lines_ratio": sum(ln.rstrip().endswith(("...", "…"))
                                        for ln in lines) / n_lines,
        "alpha_words_ratio": sum(any(c.isalpha() for c in w) for w in words) / n if n else 0.0,
        "n_stop_words": len(set(config.stop_words).intersection(words)),
    }


def decide(m: dict, config: GopherQualityConfig = DEFAULT) -> Decision:
    """Keep or drop from stored measurements alone, in datatrove's rule order.

    Args:
        m: what `measure` returned (or what `annotate` stored).
        config: the thresholds.
    """
    c = config
    n = m["n_non_symbol_words"]
    if c.min_doc_words and n < c.min_doc_words:
        return Decision(False, "gopher_short_doc")
    if c.max_doc_words and n > c.max_doc_words:
        return Decision(False, "gopher_long_doc")
    if c.min_avg_word_length and m["avg_word_length"] < c.min_avg_word_length:
        return Decision(False, "gopher_below_avg_threshold")
    if c.max_avg_word_length and m["avg_word_length"] > c.max_avg_word_length:
        return Decision(False, "gopher_above_avg_threshold")
    if c.max_symbol_word_ratio and m["hash_word_ratio"] > c.max_symbol_word_ratio:
        return Decision(False, "gopher_too_many_hashes")
    if c.max_symbol_word_ratio and m["ellipsis_word_ratio"] > c.max_symbol_word_ratio:
        return Decision(False, "gopher_too_many_ellipsis")
    if c.max_bullet_lines_ratio and m["bullet_lines_ratio"] > c.max_bullet_lines_ratio:
        return Decision(False, "gopher_too_many_bullets")
    if c.max_ellipsis_lines_ratio and m["end_ellipsis_lines_ratio"] > c.max_ellipsis_lines_ratio:
        return Decision(False, "gopher_too_many_end_ellipsis")
    if c.max_non_alpha_words_ratio and m["alpha_words_ratio"] < c.max_non_alpha_words_ratio:
        return Decision(False, "gopher_below_alpha_threshold")
    if c.min_stop_words and m["n_stop_words"] < c.min_stop_words:
        return Decision(False, "gopher_enough_stop_words")
    return KEEP


def annotate(doc: Document, config: GopherQualityConfig = DEFAULT) -> Document:
    """``doc`` with its measurements under ``metadata["gopher_quality"]``."""
    text = doc.text if isinstance(doc.text, str) else ""  # bad input measures as empty
    return doc.with_metadata(**{KEY: measure(text, config)})


class GopherQualityFilter(MeasuredFilter):
    """The Filter-protocol stage: thresholds stored measurements, annotating first if missing.

    Args:
        config: the thresholds.
    """

    name = "gopher_quality_v1"
    key = KEY
    measurements = MEASUREMENTS
    default_config = DEFAULT
    annotate_fn = staticmethod(annotate)
    decide_fn = staticmethod(decide)
