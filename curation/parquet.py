"""Documents to Parquet, with FineWeb's columns first.

A kept document becomes one row::

    text | id | dump | url | date | file_path | language | language_score | <other metadata...>

The FineWeb columns have fixed types. Every other metadata key becomes a column of its own:
scalars keep their type, anything else (dicts, lists) is stored as a JSON string, so files written
by different workers always share a schema for the same set of keys.
"""

from __future__ import annotations

import io
import json
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from curation.document import Document

# FineWeb's columns, in FineWeb's order, with their types.
FINEWEB_FIELDS = [
    pa.field("text", pa.string()),
    pa.field("id", pa.string()),
    pa.field("dump", pa.string()),
    pa.field("url", pa.string()),
    pa.field("date", pa.string()),
    pa.field("file_path", pa.string()),
    pa.field("language", pa.string()),
    pa.field("language_score", pa.float64()),
]
_FIXED = {f.name for f in FINEWEB_FIELDS}
_METADATA_COLUMNS = _FIXED - {"text", "id", "url"}


def _scalar_type(values: list[Any]) -> pa.DataType:
    """The Arrow type of one extra metadata column; JSON strings for anything not scalar."""
    present = [v for v in values if v is not None]
    if not present:
        return pa.string()
    if all(isinstance(v, bool) for v in present):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pa.float64()
    if all(isinstance(v, str) for v in present):
        return pa.string()
    return pa.string()  # mixed or nested: stored as JSON


def _cell(value: Any, dtype: pa.DataType) -> Any:
    if value is None:
        return None
    if dtype == pa.string() and not isinstance(value, str):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if dtype == pa.float64():
        return float(value)
    return value


def documents_to_table(docs: Iterable[Document]) -> pa.Table:
    """An Arrow table of ``docs``, one row each, in the order given."""
    docs = list(docs)
    extra_keys = sorted({k for d in docs for k in d.metadata if k not in _FIXED})
    columns: dict[str, list[Any]] = {
        "text": [d.text for d in docs],
        "id": [d.id for d in docs],
        "url": [d.url for d in docs],
    }
    for name in _METADATA_COLUMNS:
        columns[name] = [d.metadata.get(name) for d in docs]
    fields = list(FINEWEB_FIELDS)
    for key in extra_keys:
        values = [d.metadata.get(key) for d in docs]
        dtype = _scalar_type(values)
        fields.append(pa.field(key, dtype))
        columns[key] = [_cell(v, dtype) for v in values]
    columns["language_score"] = [_cell(v, pa.float64()) for v in columns["language_score"]]
    for name in ("dump", "date", "file_path", "language"):
        columns[name] = [_cell(v, pa.string()) for v in columns[name]]
    schema = pa.schema(fields)
    return pa.table({f.name: pa.array(columns[f.name], type=f.type) for f in fields}, schema=schema)


def table_to_parquet_bytes(table: pa.Table) -> bytes:
    """Serialise ``table`` to Parquet bytes (zstd-compressed, no timestamps, so deterministic)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def read_documents(path: str) -> list[Document]:
    """Read a Parquet file written by the pipeline back into `Document`s (used by tests and
    `curation refilter`). Extra columns come back as metadata; JSON strings stay strings."""
    table = pq.read_table(path)
    docs = []
    for row in table.to_pylist():
        text, doc_id, url = row.pop("text"), row.pop("id"), row.pop("url")
        docs.append(Document(id=doc_id, url=url, text=text, metadata=row))
    return docs
