"""The filter protocol.

A filter is a callable object with a stable, versioned ``name`` (also its Beam counter namespace),
an idempotent ``setup()`` that loads whatever it needs (models, blocklists), and
``__call__(doc) -> Decision``. The Beam wiring (`pipelines.transforms.ApplyFilter`) calls
``setup()`` once per worker and counts ``total``, ``kept``, ``dropped`` and ``dropped:<reason>``.

Adding a filter means one module here, one test file and one entry in the stage list.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from curation.document import Decision, Document
from curation.text import load_tables, stored


@runtime_checkable
class Filter(Protocol):
    name: str  # stable, versioned id such as "url_v1"; also the counter namespace

    def setup(self) -> None:
        """Load models or lists. Must be idempotent: Beam may call it more than once."""

    def __call__(self, doc: Document) -> Decision:
        """Keep or drop ``doc``, with a prefixed snake_case reason when dropping."""


class MeasuredFilter:
    """Annotate, then decide: the shape every quality filter shares.

    A subclass names its stored measurements (``key``, ``measurements``) and points at its
    module's pure functions: ``annotate_fn(doc, config) -> Document`` measures (and may rewrite
    the text, as C4 does), ``decide_fn(measurements, config) -> Decision`` only thresholds. `apply`
    trusts measurements already in the metadata (a dict, or the JSON string Parquet stores), so
    `curation refilter` re-decides with new thresholds without measuring again.

    Args:
        config: the filter's config dataclass; None = the module's defaults.
    """

    name: str  # versioned, e.g. "gopher_quality_v1"
    key: str  # metadata key of the measurements
    measurements: tuple[str, ...] = ()  # the keys `decide_fn` reads
    default_config: object
    annotate_fn: staticmethod
    decide_fn: staticmethod

    def __init__(self, config=None):
        self.config = config if config is not None else self.default_config

    def setup(self) -> None:
        """Build the word splitter's tables (once per process)."""
        load_tables()

    def required(self) -> tuple[str, ...]:
        """The measurements `decide_fn` needs under this config."""
        return self.measurements

    def apply(self, doc: Document) -> tuple[Document, Decision]:
        """The annotated document (measured now if nothing usable is stored) and the decision."""
        m = stored(doc.metadata, self.key, self.required())
        if m is None:
            doc = self.annotate_fn(doc, self.config)
            m = doc.metadata[self.key]
        return doc, self.decide_fn(m, self.config)

    def __call__(self, doc: Document) -> Decision:
        return self.apply(doc)[1]
