"""bench/pipeline.py's input preparation: the split files hold the same records, and with
``payload_type`` each HTML response carries the header Common Crawl writes, nothing else changed."""

import importlib.util
import sys
import zlib

import pytest

from curation.warc import read_records
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_pipeline", ROOT / "bench" / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _records(paths):
    from warcio.archiveiterator import ArchiveIterator

    out = []
    for path in paths:
        with open(path, "rb") as f:
            for r in ArchiveIterator(f):
                out.append((r.rec_headers.get_header("WARC-Record-ID"), r.rec_type,
                            r.rec_headers.get_header("WARC-Identified-Payload-Type"),
                            r.content_stream().read()))
    return sorted(out)


def _docs(paths):
    docs = []
    for path in paths:
        with open(path, "rb") as f:
            for d in read_records(f, "x"):  # where a record lies differs, nothing else may
                meta = {k: v for k, v in d.metadata.items() if k not in ("file_path", "offset")}
                docs.append((d.id, d.url, d.text, sorted(meta.items())))
    return sorted(docs)


def test_payload_type_added_and_nothing_else_changes(bench, shared_data, tmp_path):
    src = str(shared_data / "pages" / "real-pages.warc.gz")
    plain, n = bench.split_warc(src, str(tmp_path / "plain"), 2, limit=30)
    typed, n2 = bench.split_warc(src, str(tmp_path / "typed"), 2, limit=30, payload_type=True)
    assert n == n2 == 30
    a, b = _records(plain), _records(typed)
    assert [r[2] for r in a] == [None] * 30  # the sample has no payload type
    assert [r[2] for r in b] == ["text/html"] * 30  # its HTTP Content-Type
    assert [(r[0], r[1], r[3]) for r in a] == [(r[0], r[1], r[3]) for r in b]
    assert _docs(plain) == _docs(typed)  # our reader ignores the header


def test_with_payload_type_leaves_other_records_alone(bench, shared_data):
    import gzip

    request = b"WARC/1.0\r\nWARC-Type: request\r\nContent-Length: 0\r\n\r\n\r\n\r\n"
    member = gzip.compress(request)
    assert bench.with_payload_type(member) is member
    typed = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Identified-Payload-Type: text/plain\r\n"
             b"Content-Length: 38\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
    member = gzip.compress(typed)
    assert bench.with_payload_type(member) is member  # already has one
    assert bench.with_payload_type(b"\x1f\x8b damaged") == b"\x1f\x8b damaged"
    response = typed.replace(b"WARC-Identified-Payload-Type: text/plain\r\n", b"").replace(
        b"text/html", b"Text/HTML; charset=utf-8")
    out = zlib.decompress(bench.with_payload_type(gzip.compress(response)), 31)
    assert b"\r\nWARC-Identified-Payload-Type: text/html\r\n\r\nHTTP/1.1" in out
