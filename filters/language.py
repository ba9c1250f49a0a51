"""Keep documents in the wanted languages: FineWeb keeps English with fastText score >= 0.65.

Annotate, then decide: `curation.langid.LanguageIdentifier.annotate` (the `IdentifyLanguage`
stage) writes ``metadata["language"]`` and ``metadata["language_score"]``; this filter only
thresholds them, so a new threshold never reruns the model.

It decides like datatrove's ``LanguageFilter(languages=["en"], language_threshold=0.65)``: keep
when the top language is allowed and its score is at least ``min_score``. (datatrove keeps only
scores strictly above the threshold, which differs only for a score of exactly 0.65; and it tests
every allowed language's score, which differs from the top label's only when ``min_score < 0.5``.
The score is stored unrounded so the decision never flips on rounding.)

    f = LanguageFilter(LanguageConfig(languages=("en",), min_score=0.65)); f.setup()
    f(identifier.annotate(doc))  # Decision(keep=False, reason="language_not_allowed")
"""

from __future__ import annotations

import dataclasses

from curation.document import KEEP, Decision, Document


@dataclasses.dataclass(frozen=True)
class LanguageConfig:
    """Which languages to keep and how sure fastText must be.

    Args:
        languages: ISO 639 codes as lid.176 writes them ("en", "de", "zh"); None keeps any
            language that clears ``min_score``.
        min_score: keep only if ``language_score >= min_score``.
    """

    languages: tuple[str, ...] | None = ("en",)  # FineWeb: English only
    min_score: float = 0.65  # FineWeb's language_threshold


class LanguageFilter:
    """Drop documents whose annotated language is not allowed or not certain enough.

    Args:
        config: the languages and threshold.

    Raises (on call):
        ValueError: the document was never annotated; that is a wiring error, and keeping such
            documents silently would let every language through.
    """

    name = "language_v1"

    def __init__(self, config: LanguageConfig = LanguageConfig()):
        if isinstance(config.languages, str):  # ("en") is a str, not a tuple: a common slip
            raise TypeError(f"LanguageConfig.languages must be a tuple, got {config.languages!r}")
        self.config = config
        self._allowed = frozenset(config.languages) if config.languages is not None else None

    def setup(self) -> None:
        """Nothing to load: the model runs in the annotate step."""

    def __call__(self, doc: Document) -> Decision:
        language = doc.metadata.get("language")
        score = doc.metadata.get("language_score")
        if language is None or not isinstance(score, (int, float)):
            raise ValueError(
                f"document {doc.id!r} has no language/language_score metadata: run "
                "curation.langid.LanguageIdentifier.annotate (IdentifyLanguage) before "
                "LanguageFilter"
            )
        if self._allowed is not None and language not in self._allowed:
            return Decision(False, "language_not_allowed")
        if not score >= self.config.min_score:  # also drops NaN
            return Decision(False, "language_low_score")
        return KEEP
