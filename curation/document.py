"""The two values every stage passes around: `Document` and `Decision`.

A document read from a crawl looks like this before extraction (``text`` holds the HTML)::

    Document(id="<urn:uuid:6b1c...>", url="https://example.com/a",
             text="<html>...", metadata={"date": "2024-02-21T10:00:00Z",
             "dump": "CC-MAIN-2024-10", "file_path": "crawl/x.warc.gz", "offset": 1234})

and after extraction ``text`` holds the plain text. Documents are frozen: change them only with
``dataclasses.replace`` (or `Document.with_metadata`), never in place, because Beam forbids
mutating an element it handed you.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, NamedTuple


@dataclasses.dataclass(frozen=True)
class Document:
    id: str  # WARC-Record-ID, e.g. "<urn:uuid:...>"
    url: str  # WARC-Target-URI
    text: str  # HTML before extraction, plain text after
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def with_metadata(self, **updates: Any) -> "Document":
        """A copy with ``updates`` merged into the metadata."""
        return dataclasses.replace(self, metadata={**self.metadata, **updates})


class Decision(NamedTuple):
    """What every filter returns. ``reason`` is a prefixed snake_case drop reason, e.g.
    ``url_blocklisted_domain``; it is empty when ``keep`` is true."""

    keep: bool
    reason: str = ""


KEEP = Decision(True)

# An injectable counter, as in C4's `counter_inc_fn`: pure functions report what happened through
# `count(name, n)`; the Beam wiring binds it to `Metrics.counter`, tests bind it to a dict.
Count = Callable[..., None]


def no_count(name: str, n: int = 1) -> None:
    """The default `Count`: discard."""
