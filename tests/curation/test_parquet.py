"""Documents to Parquet and back."""

import pyarrow.parquet as pq

from curation.document import Document
from curation.parquet import (FINEWEB_FIELDS, documents_to_table, read_documents,
                              table_to_parquet_bytes)


def _doc(i, **meta):
    base = {"dump": "CC-MAIN-2099-01", "date": "2099-01-01T00:00:00Z", "file_path": "a.warc.gz",
            "language": "en", "language_score": 0.9, "offset": i}
    return Document(id=f"<urn:uuid:{i}>", url=f"https://example.com/{i}", text=f"text {i}",
                    metadata={**base, **meta})


def test_fineweb_columns_first_then_metadata(tmp_path):
    docs = [_doc(1, pii={"email": 1}), _doc(2, charset="utf-8")]
    table = documents_to_table(docs)
    names = table.schema.names
    assert names[:8] == [f.name for f in FINEWEB_FIELDS]
    assert names[8:] == ["charset", "offset", "pii"]
    path = tmp_path / "x.parquet"
    path.write_bytes(table_to_parquet_bytes(table))
    rows = pq.read_table(path).to_pylist()
    assert rows[0]["pii"] == '{"email": 1}'
    assert rows[1]["pii"] is None and rows[1]["charset"] == "utf-8"
    back = read_documents(str(path))
    assert [d.id for d in back] == ["<urn:uuid:1>", "<urn:uuid:2>"]
    assert back[0].metadata["language_score"] == 0.9


def test_bytes_are_deterministic():
    docs = [_doc(i) for i in range(50)]
    assert table_to_parquet_bytes(documents_to_table(docs)) == \
        table_to_parquet_bytes(documents_to_table(list(docs)))


def test_missing_annotations_are_nulls():
    doc = Document(id="x", url="u", text="t")
    row = documents_to_table([doc]).to_pylist()[0]
    assert row["language"] is None and row["language_score"] is None
