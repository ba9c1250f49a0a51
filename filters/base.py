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


@runtime_checkable
class Filter(Protocol):
    name: str  # stable, versioned id such as "url_v1"; also the counter namespace

    def setup(self) -> None:
        """Load models or lists. Must be idempotent: Beam may call it more than once."""

    def __call__(self, doc: Document) -> Decision:
        """Keep or drop ``doc``, with a prefixed snake_case reason when dropping."""
