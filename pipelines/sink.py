"""The document sink: kept documents to Parquet, one file per input file, written atomically.

Documents are grouped by the crawl file they came from and sorted by their offset in it, so the
output is byte-identical whatever the number of workers or the bundle order: the file
``documents/<input stem>-<md5(input path)[:8]>.parquet`` always holds the same rows in the same
order. Each file is written to a temporary name and renamed, so a retried bundle or a re-run
replaces a file whole and never leaves half of one.

One group holds the kept documents of one input file (for a 1 GB Common Crawl WARC, a few tens of
MB of text), which bounds the memory a writer needs.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import uuid

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from curation.document import Document
from curation.parquet import documents_to_table, table_to_parquet_bytes

_ARCHIVE_SUFFIX = re.compile(r"(\.(warc|arc))?(\.(gz|bz2|zst))?$", re.IGNORECASE)


def output_name(input_path: str) -> str:
    """The Parquet file name for the documents of ``input_path``: stable across runs, unique
    across directories (two `00000.warc.gz` in different folders get different names)."""
    stem = _ARCHIVE_SUFFIX.sub("", posixpath.basename(input_path.rstrip("/"))) or "input"
    digest = hashlib.md5(input_path.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}.parquet"


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` (local, gs://, s3://) through a temporary file and a rename.

    The temporary file is hidden (``.NAME.tmp-<uuid>``): one that a killed worker leaves behind
    is skipped by readers of the directory (pyarrow datasets, Spark and Hadoop ignore names that
    start with ``.`` or ``_``) and never matches ``*.parquet``.
    """
    directory, name = FileSystems.split(path)
    tmp = FileSystems.join(directory, f".{name}.tmp-{uuid.uuid4().hex}")
    with FileSystems.create(tmp) as f:
        f.write(data)
    FileSystems.rename([tmp], [path])


def _sort_key(doc: Document):
    return (doc.metadata.get("offset") or 0, doc.id)


class _WriteParquetFn(beam.DoFn):
    def __init__(self, directory: str, counter_prefix: str):
        self._directory = directory
        self._files = Metrics.counter("output_v1", counter_prefix + "files")
        self._documents = Metrics.counter("output_v1", counter_prefix + "documents")

    def process(self, element):
        input_path, docs = element
        docs = sorted(docs, key=_sort_key)
        path = FileSystems.join(self._directory, output_name(input_path))
        write_atomic(path, table_to_parquet_bytes(documents_to_table(docs)))
        self._files.inc()
        self._documents.inc(len(docs))
        yield path, len(docs)


class WriteDocuments(beam.PTransform):
    """Write documents under ``OUTPUT/<subdir>/``; outputs ``(path, n_documents)``.

    Args:
        output_dir: the job's output directory.
        subdir: ``documents`` for the kept documents, ``dropped`` for the documents the quality
            filters dropped (kept so `curation refilter` can re-decide them).
    """

    def __init__(self, output_dir: str, subdir: str = "documents"):
        super().__init__()
        self._directory = FileSystems.join(output_dir, subdir)
        self._counter_prefix = "" if subdir == "documents" else subdir + "_"

    def expand(self, docs):
        return (
            docs
            | "KeyBySource" >> beam.Map(lambda d: (d.metadata.get("file_path") or "", d))
            | "GroupBySource" >> beam.GroupByKey()
            | "Write" >> beam.ParDo(_WriteParquetFn(self._directory, self._counter_prefix))
        )
