"""Tests for curation/warc.py on the real crawl files in ../shared/data and on synthetic records.

Run: .venv/bin/python -m pytest tests/curation/test_warc.py -q
"""

import gzip
import io
import json
import pathlib
import zlib

import brotli
import pytest

from curation.warc import ReadConfig, decode_html, read_records
from tests.conftest import counter_dict

# Exact counters per real file: every record ends in exactly one outcome.
EXPECTED = {
    "warc/cc-2008-sample.warc.gz": {
        "html": 125, "record:response": 145, "record:warcinfo": 1, "skipped:empty": 1,
        "skipped:http_status": 13, "skipped:non_html": 6, "skipped:warcinfo": 1},
    "warc/cc-main-2020-34-sample.warc.gz": {
        "html": 16, "record:metadata": 16, "record:request": 17, "record:response": 16,
        "record:warcinfo": 1, "skipped:metadata": 16, "skipped:request": 17,
        "skipped:warcinfo": 1},
    "warc/cc-main-2024-22-one-page.warc.gz": {
        "html": 1, "record:metadata": 1, "record:request": 1, "record:response": 1,
        "record:warcinfo": 1, "skipped:metadata": 1, "skipped:request": 1, "skipped:warcinfo": 1},
    "warc/heritrix-2008-example.warc.gz": {
        "html": 94, "record:metadata": 261, "record:request": 261, "record:response": 299,
        "record:warcinfo": 1, "skipped:empty": 5, "skipped:http_status": 41,
        "skipped:metadata": 261,
        "skipped:non_html": 121, "skipped:non_http": 38, "skipped:request": 261,
        "skipped:warcinfo": 1},
    # whole-file gzip (one member, many records), which warcio refuses
    "warc/edge/bad-gzip.warc.gz": {
        "html": 1, "record:request": 2, "record:response": 2, "record:revisit": 1,
        "record:warcinfo": 1, "skipped:http_status": 1, "skipped:request": 2, "skipped:revisit": 1,
        "skipped:warcinfo": 1},
    "warc/edge/brotli-body.warc.gz": {
        "html": 1, "record:metadata": 1, "record:request": 1, "record:resource": 1,
        "record:response": 1, "record:warcinfo": 1, "skipped:metadata": 1, "skipped:request": 1,
        "skipped:resource": 1, "skipped:warcinfo": 1},
    # lines end in \r\r\n; a 302 without a body
    "warc/edge/missing-status-text.warc": {"record:response": 1, "skipped:non_html": 1},
    "warc/edge/revisit-dupes.warc.gz": {
        "html": 1, "record:request": 12, "record:response": 3, "record:revisit": 9,
        "record:warcinfo": 1, "skipped:non_html": 2, "skipped:request": 12, "skipped:revisit": 9,
        "skipped:warcinfo": 1},
    "warc/edge/revisits.warc.gz": {
        "html": 6, "record:metadata": 62, "record:request": 62, "record:response": 10,
        "record:revisit": 55, "record:warcinfo": 1, "skipped:http_status": 1,
        "skipped:metadata": 62,
        "skipped:non_http": 3, "skipped:request": 62, "skipped:revisit": 55,
        "skipped:warcinfo": 1},
    # WARC/0.17, ends at a member boundary
    "warc/edge/truncated-file.warc.gz": {
        "html": 2, "record:metadata": 7, "record:request": 7, "record:response": 8,
        "record:warcinfo": 1, "skipped:metadata": 7, "skipped:non_html": 5,
        "skipped:non_http": 1, "skipped:request": 7, "skipped:warcinfo": 1},
    # one gzip member cut at 75 KB of an 88 KB record
    "warc/edge/truncated-record.warc.gz": {
        "damaged:truncated_record": 1, "record:response": 1},
    "warc/edge/warc-0.18-clueweb.warc.gz": {
        "html": 29, "record:response": 29, "record:warcinfo": 1, "skipped:warcinfo": 1},
    "warc/edge/wget-angle-bracket-uris.warc.gz": {
        "html": 22, "record:metadata": 1, "record:request": 22, "record:resource": 2,
        "record:response": 22, "record:warcinfo": 1, "skipped:metadata": 1,
        "skipped:request": 22, "skipped:resource": 2, "skipped:warcinfo": 1},
}


def read(data: bytes, path="test.warc.gz", **kw):
    counts, count = counter_dict()
    docs = list(read_records(io.BytesIO(data), path, count=count, **kw))
    assert_invariant(counts)
    return docs, counts


def read_file(path, **kw):
    counts, count = counter_dict()
    with open(path, "rb") as f:
        docs = list(read_records(f, str(path), count=count, **kw))
    assert_invariant(counts)
    return docs, counts


def assert_invariant(counts):
    records = sum(v for k, v in counts.items() if k.startswith("record:"))
    outcomes = counts.get("html", 0) + sum(
        v for k, v in counts.items() if k.startswith(("skipped:", "damaged:")))
    assert records == outcomes, counts


def warc_record(wtype="response", block=b"", uri="http://example.com/", rid=None,
                date="2024-01-02T03:04:05Z", version=b"WARC/1.0", extra=()):
    head = [version, b"WARC-Type: " + wtype.encode(), b"WARC-Date: " + date.encode()]
    if rid is not False:
        head.append(b"WARC-Record-ID: " + (rid or f"<urn:uuid:{abs(hash(block)):032x}>").encode())
    if uri:
        head.append(b"WARC-Target-URI: " + uri.encode())
    head += [h.encode() for h in extra]
    head.append(b"Content-Length: %d" % len(block))
    return b"\r\n".join(head) + b"\r\n\r\n" + block + b"\r\n\r\n"


def http_block(body: bytes, ctype="text/html", status=b"200 OK", headers=()):
    lines = [b"HTTP/1.1 " + status]
    if ctype is not None:
        lines.append(b"Content-Type: " + ctype.encode())
    lines += [h.encode() for h in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def per_record_gzip(*records: bytes) -> bytes:
    return b"".join(gzip.compress(r) for r in records)


PAGE = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello world</p></body></html>"
RU = "<html><head><meta charset=\"windows-1251\"></head><body>Привет, мир! Съешь ещё.</body></html>"
JA = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"
      "</head><body>日本語のテキストです。こんにちは世界</body></html>")


def one(body, ctype="text/html", headers=(), status=b"200 OK", **kw):
    """Read a file holding one response; return (docs, counts)."""
    return read(per_record_gzip(warc_record(block=http_block(body, ctype, status, headers))),
                **kw)


# ----------------------------------------------------------------------------------------------
# real files

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_files_counts(shared_data, name):
    docs, counts = read_file(shared_data / name)
    assert counts == EXPECTED[name]
    assert len(docs) == counts.get("html", 0)
    assert len({d.id for d in docs}) == len(docs)
    for d in docs:
        assert d.text and isinstance(d.text, str)
        assert not d.url.startswith("<")
        assert d.metadata["file_path"] == str(shared_data / name)


def test_cc_sample_metadata_and_offsets_match_warcio(shared_data):
    from warcio.archiveiterator import ArchiveIterator

    path = shared_data / "warc/cc-main-2020-34-sample.warc.gz"
    docs, _ = read_file(path)
    expected = []
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        for rec in it:
            if rec.rec_type == "response":
                expected.append((rec.rec_headers.get_header("WARC-Record-ID"),
                                 rec.rec_headers.get_header("WARC-Target-URI"),
                                 it.get_record_offset()))
    assert [(d.id, d.url, d.metadata["offset"]) for d in docs] == expected
    first = docs[0]
    assert first.id == "<urn:uuid:c4c112a5-3503-4483-abf8-51a0dd86dd53>"
    assert first.metadata == {
        "date": "2020-08-08T17:27:41Z", "dump": "CC-MAIN-2020-34", "file_path": str(path),
        "offset": 940, "content_type": "text/html", "charset": "utf-8", "http_status": 200}
    assert {d.metadata["charset"] for d in docs} >= {"utf-8", "gb18030"}
    # the dump argument wins over warcinfo isPartOf
    docs, _ = read_file(path, dump="CC-MAIN-1999-01")
    assert {d.metadata["dump"] for d in docs} == {"CC-MAIN-1999-01"}


def test_real_pages_all_read(shared_data):
    with open(shared_data / "pages/real-pages.gold.jsonl") as f:
        gold = {(g["record_id"], g["url"].strip()) for g in map(json.loads, f)}
    docs, counts = read_file(shared_data / "pages/real-pages.warc.gz")
    assert counts == {"record:response": 1301, "html": 1301}
    assert {(d.id, d.url) for d in docs} == gold
    # non-http target URIs ("hard::...") still have their HTTP envelope parsed
    assert all(d.metadata["http_status"] == 200 for d in docs)
    assert sum(d.metadata["charset"] == "cp1252" for d in docs) > 10  # meta iso-8859-1 pages
    assert all(d.text.count("\ufffd") < 50 for d in docs)


def test_brotli_body_decoded(shared_data):
    docs, _ = read_file(shared_data / "warc/edge/brotli-body.warc.gz")
    assert docs[0].url == "http://tokemon.sb.statsbiblioteket.dk/"  # was <...> in the file
    assert "<title>Simple page</title>" in docs[0].text


def test_warc_018_clueweb(shared_data):
    docs, _ = read_file(shared_data / "warc/edge/warc-0.18-clueweb.warc.gz")
    # Content-Encoding: gzip, but Nutch stored the body decoded
    assert {d.metadata["charset"] for d in docs} == {"euc_jp"}
    assert {d.metadata["dump"] for d in docs} == {"clueweb09-ja"}
    assert "ブラウニー" in docs[0].text
    assert docs[0].metadata["date"] == "2008-10-294T05:21:46-0700"  # passed through as is


def test_wget_angle_brackets(shared_data):
    docs, _ = read_file(shared_data / "warc/edge/wget-angle-bracket-uris.warc.gz")
    assert docs[0].url == "https://www.semanticscholar.org/research/research-team"
    assert all(d.url.startswith("http") for d in docs)
    assert {d.metadata["dump"] for d in docs} == {None}  # its warcinfo has no isPartOf


def _members(data):
    offsets, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        d.decompress(data[pos:])
        offsets.append(pos)
        pos = len(data) - len(d.unused_data)
    return offsets


def test_corrupt_member_resyncs(shared_data):
    data = (shared_data / "warc/cc-main-2020-34-sample.warc.gz").read_bytes()
    offs = _members(data)
    base, _ = read(data)
    mid = (offs[5] + offs[6]) // 2  # inside the second response's member
    docs, counts = read(data[:mid] + bytes(200) + data[mid + 200:])
    assert counts["damaged:bad_gzip"] == 1 and counts["record:damaged"] == 1
    assert counts["html"] == 15
    assert [d.id for d in docs] == [d.id for d in base if d.metadata["offset"] != offs[5]]
    assert [d.metadata["offset"] for d in docs] == [
        d.metadata["offset"] for d in base if d.metadata["offset"] != offs[5]]
    # a member cut short and followed by the next one
    docs, counts = read(data[:mid] + data[offs[6]:])
    assert counts["damaged:bad_gzip"] == 1 and counts["html"] == 15
    # garbage between members; tiny buffers exercise every buffer boundary
    tiny = ReadConfig(read_chunk_bytes=7, inflate_chunk_bytes=13, resync_window_bytes=64)
    for cfg in (ReadConfig(), tiny):
        docs, counts = read(data[:offs[7]] + b"GARBAGE" * 100 + data[offs[7]:], config=cfg)
        assert counts["damaged:bad_gzip"] == 1 and counts["html"] == 16
        docs, counts = read(data[:mid] + bytes(200) + data[mid + 200:], config=cfg)
        assert counts["damaged:bad_gzip"] == 1 and counts["html"] == 15


def test_truncated_gzip(shared_data):
    data = (shared_data / "warc/cc-main-2020-34-sample.warc.gz").read_bytes()
    offs = _members(data)
    docs, counts = read(data[:(offs[5] + offs[6]) // 2])
    assert counts["html"] == 1 and counts["damaged:truncated_record"] == 1
    assert counts["record:response"] == 2
    docs, counts = read(data[:offs[7] + 12])  # just a gzip header of the next member
    assert counts["damaged:truncated_file"] == 1 and counts["record:damaged"] == 1


def test_plain_and_whole_file_gzip(shared_data):
    data = (shared_data / "warc/cc-main-2020-34-sample.warc.gz").read_bytes()
    plain = gzip.decompress(data)
    base, _ = read(data)
    for variant in (plain, gzip.compress(plain)):
        docs, counts = read(variant)
        assert counts == EXPECTED["warc/cc-main-2020-34-sample.warc.gz"]
        assert [d.id for d in docs] == [d.id for d in base]
        assert [d.text for d in docs] == [d.text for d in base]
    # plain offsets are byte offsets of the "WARC/" line
    docs, _ = read(plain)
    assert all(plain[d.metadata["offset"]:].startswith(b"WARC/1.0") for d in docs)
    # a wrong Content-Length costs the records it swallows, not the file
    i = plain.find(b"Content-Length: ", 3000)
    j = plain.find(b"\r\n", i)
    docs, counts = read(plain[:i] + b"Content-Length: 10" + plain[j:])
    assert counts["damaged:bad_header"] == 1 and counts["html"] == 16
    docs, counts = read(b"junk\n" * 10 + plain)
    assert counts["damaged:bad_header"] == 1 and counts["html"] == 16
    docs, counts = read(plain[:-100])
    assert counts["damaged:truncated_record"] == 1 and counts["html"] == 16


def test_unseekable_stream(shared_data):
    class Pipe:
        def __init__(self, data):
            self.f = io.BytesIO(data)

        def read(self, n=-1):
            return self.f.read(min(n, 1000) if n and n > 0 else n)

    data = (shared_data / "warc/cc-main-2020-34-sample.warc.gz").read_bytes()
    docs = list(read_records(Pipe(data), "x"))
    assert len(docs) == 16


# ----------------------------------------------------------------------------------------------
# synthetic records

def test_metadata_fields_and_dump_from_warcinfo():
    info = warc_record("warcinfo", b"software: test\r\nisPartOf: CC-MAIN-2099-01\r\n", uri=None)
    resp = warc_record(block=http_block(PAGE, "text/html; charset=UTF-8"), uri="<http://a.b/c>",
                       rid="<urn:uuid:1234>")
    data = per_record_gzip(info, resp)
    docs, counts = read(data, path="gs://bucket/x.warc.gz")
    assert counts == {"record:warcinfo": 1, "skipped:warcinfo": 1, "record:response": 1, "html": 1}
    (doc,) = docs
    assert (doc.id, doc.url, doc.text) == ("<urn:uuid:1234>", "http://a.b/c", PAGE.decode())
    assert doc.metadata == {
        "date": "2024-01-02T03:04:05Z", "dump": "CC-MAIN-2099-01",
        "file_path": "gs://bucket/x.warc.gz", "offset": len(gzip.compress(info)),
        "content_type": "text/html; charset=UTF-8", "charset": "utf-8", "http_status": 200}


def test_missing_record_id_is_stable():
    data = per_record_gzip(warc_record(block=http_block(PAGE), rid=False))
    a, _ = read(data, path="f1")
    b, _ = read(data, path="f1")
    c, _ = read(data, path="f2")
    assert a[0].id == b[0].id != c[0].id
    assert a[0].id.startswith("<urn:sha1:")


def test_skipped_kinds():
    data = per_record_gzip(
        warc_record("request", b"GET / HTTP/1.1\r\n\r\n"),
        warc_record("metadata", b"x: y\r\n"),
        warc_record("revisit", http_block(b"")),
        warc_record("conversion", b"plain text"),
        warc_record("resource", PAGE),
        warc_record(block=http_block(b"%PDF-1.4 ...", "application/pdf")),
        warc_record(block=b"a dns record"),
        warc_record(block=http_block(b"  \n ")),
        warc_record(block=http_block(PAGE)),
    )
    docs, counts = read(data)
    assert counts == {
        "record:request": 1, "skipped:request": 1, "record:metadata": 1, "skipped:metadata": 1,
        "record:revisit": 1, "skipped:revisit": 1, "record:conversion": 1,
        "skipped:conversion": 1, "record:resource": 1, "skipped:resource": 1,
        "record:response": 4, "skipped:non_html": 1, "skipped:non_http": 1, "skipped:empty": 1,
        "html": 1}


def test_non_2xx_html_is_skipped(shared_data):
    for status, kept in ((b"200 OK", True), (b"204 No Content", True), (b"301 Moved", False),
                         (b"404 Not Found", False), (b"500 Oops", False), (b"", True)):
        data = per_record_gzip(warc_record(block=http_block(PAGE, status=status)))
        docs, counts = read(data)
        assert counts == {"record:response": 1, ("html" if kept else "skipped:http_status"): 1}
    # a non-HTML 404 stays non_html: the status only matters for would-be documents
    docs, counts = one(b"%PDF-1.4", "application/pdf", status=b"404 Not Found")
    assert counts == {"record:response": 1, "skipped:non_html": 1}
    docs, _ = read_file(shared_data / "warc/cc-2008-sample.warc.gz")  # had 404s, 302s, 406s
    assert {d.metadata["http_status"] for d in docs} == {200}


@pytest.mark.parametrize("ctype, body, kept", [
    ("application/octet-stream", PAGE, True),
    (None, b"\n  <html><body>x</body></html>", True),
    ("application/xhtml+xml", b"<?xml version='1.0'?><html/>", True),
    ("application/octet-stream", b"%PDF-1.4 binary", False),
    (None, b"\x89PNG\r\n", False),
    ("text/plain", PAGE, False),
])
def test_content_type_and_sniffing(ctype, body, kept):
    docs, counts = one(body, ctype)
    assert counts.get("html", 0) == int(kept)
    assert counts.get("skipped:non_html", 0) == int(not kept)


@pytest.mark.parametrize("encoding, encode", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
    ("deflate", lambda b: _raw_deflate(b)),  # raw, as many servers send it
    ("br", brotli.compress),
    ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
    ("gzip", lambda b: b),  # header says gzip but the crawler stored it decoded
])
def test_content_encoding(encoding, encode):
    docs, counts = one(encode(PAGE), headers=[f"Content-Encoding: {encoding}"])
    assert counts.get("html") == 1, counts
    assert docs[0].text == PAGE.decode()


def _raw_deflate(data):
    c = zlib.compressobj(wbits=-15)
    return c.compress(data) + c.flush()


def test_broken_content_encoding_is_counted():
    docs, counts = one(b"\x1f\x8b\x08\x00garbage" * 10, headers=["Content-Encoding: gzip"])
    assert counts == {"record:response": 1, "damaged:content_encoding": 1}
    docs, counts = one(b"\x00\x01binary", headers=["Content-Encoding: zstd"])
    assert counts == {"record:response": 1, "damaged:content_encoding": 1}


def test_chunked_transfer_encoding():
    chunked = b"10\r\n" + PAGE[:16] + b"\r\n" + b"%x\r\n" % (len(PAGE) - 16) + PAGE[16:] \
        + b"\r\n0\r\n\r\n"
    docs, _ = one(chunked, headers=["Transfer-Encoding: chunked"])
    assert docs[0].text == PAGE.decode()
    docs, _ = one(PAGE, headers=["Transfer-Encoding: chunked"])  # already de-chunked
    assert docs[0].text == PAGE.decode()


def test_charset_from_meta_only():
    for text, codec, expected in ((RU, "cp1251", "cp1251"), (JA, "shift_jis", "cp932")):
        docs, _ = one(text.encode(codec), "text/html")
        assert docs[0].text == text
        assert docs[0].metadata["charset"] == expected


def test_wrong_or_unknown_header_charset():
    # header says utf-8, the page is windows-1251 and says so in <meta>
    docs, _ = one(RU.encode("cp1251"), "text/html; charset=utf-8")
    assert (docs[0].text, docs[0].metadata["charset"]) == (RU, "cp1251")
    # header says iso-8859-1 for a UTF-8 page: valid UTF-8 wins
    docs, _ = one(RU.encode("utf-8"), "text/html; charset=iso-8859-1")
    assert (docs[0].text, docs[0].metadata["charset"]) == (RU, "utf-8")
    # unknown label falls through to <meta>
    docs, _ = one(JA.encode("cp932"), "text/html; charset=x-no-such-charset")
    assert (docs[0].text, docs[0].metadata["charset"]) == (JA, "cp932")
    # header charset used when it decodes
    body = "<html><body>Grüße aus Köln, schöne Straße</body></html>"
    docs, _ = one(body.encode("cp1252"), "text/html; charset=ISO-8859-1")
    assert (docs[0].text, docs[0].metadata["charset"]) == (body, "cp1252")


def test_charset_detection_and_replacement():
    body = ("<html><body>" + "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 20
            + "</body></html>")
    text, codec = decode_html(body.encode("cp1251"))
    assert codec == "cp1251" and text == body
    text, codec = decode_html(body.encode("koi8-r"))
    assert text == body
    # declared utf-8 with a stray byte: replaced, not fatal
    text, codec = decode_html(b"<html>caf\xc3\xa9 \xff ok</html>", "utf-8")
    assert (text, codec) == ("<html>café \ufffd ok</html>", "utf-8")
    # a body cut inside a multi-byte character (WARC-Truncated)
    text, codec = decode_html("<p>日本語".encode()[:-1])
    assert (text, codec) == ("<p>日本", "utf-8")
    text, codec = decode_html(b"\xef\xbb\xbf<p>bom</p>", "cp1251")
    assert (text, codec) == ("<p>bom</p>", "utf-8")


def test_payload_cap():
    big = b"<html><body>" + b"x" * 20_000 + b"</body></html>"
    cfg = ReadConfig(max_payload_bytes=10_000, max_header_bytes=1024)
    small = warc_record(block=http_block(PAGE))
    data = per_record_gzip(warc_record(block=http_block(big)), small,
                           warc_record(block=http_block(big[:10_500])), small)
    docs, counts = read(data, config=cfg)
    assert counts == {"record:response": 4, "skipped:too_large": 2, "html": 2}
    assert [d.text for d in docs] == [PAGE.decode()] * 2
    # a small compressed body that inflates past the cap (gzip bomb)
    docs, counts = one(gzip.compress(b"<html>" + b" " * 1_000_000), config=cfg,
                       headers=["Content-Encoding: gzip"])
    assert counts == {"record:response": 1, "skipped:too_large": 1}
    # plain files take the streaming skip path too
    docs, counts = read(gzip.decompress(data), config=cfg)
    assert counts == {"record:response": 4, "skipped:too_large": 2, "html": 2}


def test_warc_versions_and_line_endings():
    block = b"HTTP/1.0 200\nContent-Type: text/html\n\n" + PAGE  # bare LF, no reason text
    rec = (b"WARC/0.18\nWARC-Type: response\nWARC-Target-URI: http://x.y/\n"
           b"Content-Length: %d\n\n" % len(block)) + block + b"\n\n"
    docs, counts = read(rec)
    assert counts == {"record:response": 1, "html": 1}
    assert docs[0].text == PAGE.decode()


def test_nonsense_never_raises():
    for data in (b"", b"hello world\n" * 100, bytes(range(256)) * 50, b"\x1f\x8b\x08garbage",
                 b"WARC/1.0\r\nWARC-Type: response\r\n\r\n", b"WARC/1.0\r\n" * 3):
        docs, counts = read(data)
        assert docs == []


def _arc(url, body, ctype="text/html", date="20080101000000"):
    return f"{url} 1.2.3.4 {date} {ctype} {len(body)}\n".encode() + body + b"\n"


def test_arc_files():
    filedesc = _arc("filedesc://t.arc", b"1 0 Test\nURL IP-address Archive-date Content-type "
                    b"Archive-length\n\n", "text/plain")
    page = _arc("http://example.com/a", http_block(PAGE, "text/html; charset=utf-8"))
    image = _arc("http://example.com/b.png", http_block(b"\x89PNG...", "image/png"))
    for data, offset in ((filedesc + page + image, len(filedesc)),
                         (per_record_gzip(filedesc, page, image), len(gzip.compress(filedesc)))):
        docs, counts = read(data, path="t.arc.gz")
        assert counts == {"record:warcinfo": 1, "skipped:warcinfo": 1, "record:response": 2,
                          "html": 1, "skipped:non_html": 1}
        (doc,) = docs
        assert (doc.url, doc.text) == ("http://example.com/a", PAGE.decode())
        assert doc.id.startswith("<urn:sha1:")
        assert doc.id == read(data, path="t.arc.gz")[0][0].id  # deterministic
        assert doc.metadata["date"] == "2008-01-01T00:00:00Z"
        assert doc.metadata["offset"] == offset
    docs, counts = read(filedesc + page + b"not an arc header at all\n" + image)
    assert len(docs) == 1 and counts["damaged:bad_arc"] == 1


# ----------------------------------------------------------------------------------------------
# byte ranges: ranges that tile a file read exactly what one whole read does

class Pipe:
    """A non-seekable stream that returns short reads, like an HTTP response."""

    def __init__(self, data, start=0, most=1000):
        self.f, self.most = io.BytesIO(data), most  # BytesIO shares the bytes: no copy
        self.f.seek(start)

    def read(self, n=-1):
        return self.f.read(min(n, self.most) if n and n > 0 else self.most)


def _key(doc):
    return doc.id, doc.url, doc.text, doc.metadata


def read_split(data: bytes, cuts, dump="CC-MAIN-2099-01", config=ReadConfig()):
    """Read ``data`` as ranges [(0, c1), (c1, c2), ..., (ck, None)], each from a stream opened
    at its start; return (docs concatenated in range order, counters summed over ranges)."""
    bounds = [0] + sorted(set(c for c in cuts if 0 < c < len(data)))
    docs, total = [], {}
    for start, end in zip(bounds, bounds[1:] + [None]):
        counts, count = counter_dict()
        docs += read_records(Pipe(data, start), "test.warc.gz", dump=dump, count=count,
                             config=config, start=start, end=end)
        assert_invariant(counts)  # every record is whole inside one range
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
    return docs, total


def assert_split_equals_whole(data: bytes, cuts, config=ReadConfig()):
    whole, counts = read(data, dump="CC-MAIN-2099-01", config=config)
    docs, total = read_split(data, cuts, config=config)
    assert [_key(d) for d in docs] == [_key(d) for d in whole], sorted(cuts)
    assert total == counts, sorted(cuts)
    return counts


RANGE_FILES = sorted(EXPECTED) + ["warc/cc-main-2024-22-one-page.warc.wet.gz"]


def _range_inputs(shared_data):
    files = [shared_data / name for name in RANGE_FILES]
    return files + [shared_data / "pages/real-pages.warc.gz",
                    pathlib.Path(__file__).resolve().parents[1] / "data/sample.warc.gz"]


@pytest.mark.parametrize("range_bytes", [1024, 7_000, 65_536, 1_048_576])
def test_ranges_equal_whole_read(shared_data, range_bytes):
    for path in _range_inputs(shared_data):
        if path.name == "real-pages.warc.gz" and range_bytes < 65_536:
            continue  # 38 MB in 1 KB ranges is the slow test's job
        data = path.read_bytes()
        assert_split_equals_whole(data, range(range_bytes, len(data), range_bytes))


@pytest.mark.slow
def test_ranges_equal_whole_read_exhaustive(shared_data):
    tiny = ReadConfig(read_chunk_bytes=7, inflate_chunk_bytes=13)  # see the damage test
    for path in _range_inputs(shared_data):
        data = path.read_bytes()
        for r in (333, 1024, 4_096, 7_000) if len(data) < 10_000_000 else (4_096, 7_000):
            assert_split_equals_whole(data, range(r, len(data), r))
        if len(data) < 300_000:
            assert_split_equals_whole(data, range(2_000, len(data), 2_000), config=tiny)


def test_range_reads_only_its_records(shared_data):
    data = (shared_data / "warc/cc-main-2020-34-sample.warc.gz").read_bytes()
    offs = _members(data)
    whole, _ = read(data)
    # a range reads the records whose member starts in it, past its end to finish the last
    start, end = offs[5] + 1, offs[8] + 1  # members 6, 7, 8: metadata, request, response
    counts, count = counter_dict()
    docs = list(read_records(Pipe(data, start), "x", count=count, start=start, end=end))
    assert counts == {"record:metadata": 1, "record:request": 1, "record:response": 1,
                      "skipped:metadata": 1, "skipped:request": 1, "html": 1}
    assert [d.metadata["offset"] for d in docs] == [offs[8]]
    # a range with no member start in it reads nothing, even though it reads past its start
    for start, end in ((offs[9] + 1, offs[10]), (offs[9] + 1, offs[9] + 2)):
        counts, count = counter_dict()
        assert list(read_records(Pipe(data, start), "x", count=count, start=start,
                                 end=end)) == []
        assert counts == {}
    # dump: only the range holding the warcinfo learns isPartOf; the caller's dump wins
    docs, _ = read_split(data, [offs[6]], dump=None)  # two responses before offs[6]
    assert [d.metadata["dump"] for d in docs] == ["CC-MAIN-2020-34"] * 2 + [None] * 14
    assert [d.id for d in docs] == [d.id for d in whole]


def test_unsplittable_files_read_by_first_range_only(shared_data):
    data = (shared_data / "warc/cc-main-2020-34-sample.warc.gz").read_bytes()
    plain = gzip.decompress(data)
    filedesc = _arc("filedesc://t.arc", b"1 0 Test\nURL IP-address Archive-date Content-type "
                    b"Archive-length\n\n", "text/plain")
    arc = b"".join([filedesc] + [_arc(f"http://e.com/{i}", http_block(PAGE)) for i in range(50)])
    arc_gz = per_record_gzip(filedesc, *[_arc(f"http://e.com/{i}", http_block(PAGE))
                                         for i in range(50)])
    for variant in (plain, gzip.compress(plain), arc, arc_gz):
        n = len(read(variant)[0])
        assert n in (16, 50)
        for start in (1, 100, len(variant) // 2, len(variant) - 1):
            for end in (start + 500, None):
                counts, count = counter_dict()
                assert list(read_records(Pipe(variant, start), "x", count=count, start=start,
                                         end=end)) == []
                assert counts == {}
        docs, _ = read(variant, end=100)  # the first range reads the whole file
        assert len(docs) == n


def _damage_cases(data):
    """(name, damaged file, offsets worth cutting at) for damage in every position."""
    offs = _members(data)
    x, mid = offs[6], (offs[5] + offs[6]) // 2
    garbage = b"GARBAGE" * 100
    return [
        ("inside a member", data[:mid] + bytes(200) + data[mid + 200:],
         [offs[5], mid, mid + 100, mid + 200, x]),
        ("member header at a boundary", data[:x] + bytes(10) + data[x + 10:],
         [x, x + 5, x + 10, offs[7]]),
        ("straddling a member start", data[:x - 100] + bytes(200) + data[x + 100:],
         [offs[5], x - 100, x, x + 100, offs[7]]),
        ("garbage between members", data[:x] + garbage + data[x:],
         [x, x + 350, x + len(garbage), offs[7] + len(garbage)]),
        ("over several ranges",
         data[:offs[5] + 50] + bytes(offs[9] - offs[5]) + data[offs[9] + 50:],
         [offs[5] + 50, offs[7], offs[8], offs[9] + 50, offs[10]]),
        ("member cut short by the next", data[:mid] + data[x:], [mid, mid + 1, offs[7] - x + mid]),
        ("truncated inside the last member", data[:(offs[40] + offs[41]) // 2], [offs[40]]),
        ("truncated after a gzip header", data[:offs[45] + 12], [offs[44], offs[45]]),
    ]


def test_ranges_with_damage_at_every_position(shared_data):
    data = (shared_data / "warc/cc-main-2020-34-sample.warc.gz").read_bytes()
    for name, damaged, spots in _damage_cases(data):
        damage = {k: v for k, v in read(damaged)[1].items() if k.startswith("damaged:")}
        assert damage, name
        cuts = {c + d for c in spots for d in (-2, -1, 0, 1, 2)}
        for cut in sorted(cuts):  # two ranges split at and around each spot
            counts = assert_split_equals_whole(damaged, [cut])
            assert {k: v for k, v in counts.items() if k.startswith("damaged:")} == damage
        for r in (97, 1_000, 4_096):  # many ranges, some wholly inside the damage
            assert_split_equals_whole(damaged, range(r, len(damaged), r))
    # Tiny reads and inflate steps; the resync window stays large: a whole read only rescans
    # the last resync_window_bytes of a corrupt member, so a window smaller than the bytes
    # zlib swallows before it notices the damage loses sync points a range would start at.
    tiny = ReadConfig(read_chunk_bytes=7, inflate_chunk_bytes=13)
    for name, damaged, spots in _damage_cases(data)[:5]:
        assert_split_equals_whole(damaged, spots, config=tiny)


def test_content_length_overrun_stops_at_next_member():
    """In per-record gzip a record ends with its member: a Content-Length that claims more
    costs that record only, and the split stays exact."""
    good = [warc_record(block=http_block(PAGE), rid=f"<urn:uuid:{i}>") for i in range(4)]
    bad = good[1].replace(b"Content-Length: %d" % len(http_block(PAGE)), b"Content-Length: 99999")
    data = per_record_gzip(good[0], bad, good[2], good[3])
    docs, counts = read(data)
    assert counts == {"record:response": 4, "html": 3, "damaged:truncated_record": 1}
    assert [d.id for d in docs] == ["<urn:uuid:0>", "<urn:uuid:2>", "<urn:uuid:3>"]
    for cut in range(1, len(data), 7):
        assert_split_equals_whole(data, [cut])
