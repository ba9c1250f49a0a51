"""Read WARC/ARC files into `Document`s: one per HTTP response whose payload is HTML.

Pure Python (no Beam), streaming: memory stays bounded by `ReadConfig`, whatever the file size.
Handles per-record gzip (Common Crawl), whole-file gzip and plain WARC (1.0, 1.1, 0.17, 0.18),
and ARC through warcio's ``arc2warc``. Damage never raises: a corrupt gzip member is skipped by
scanning for the next member that inflates to ``WARC/`` (a sync point), a record never runs on
past a sync point (a Content-Length that claims more is ``damaged:truncated_record``), and every
record ends in exactly one counter, so ``sum(record:*) == html + sum(skipped:*) +
sum(damaged:*)``. Records and counters do not depend on read sizes, and byte ranges that tile a
file read exactly what one whole read does (`read_records`):

    record:<warc_type> | record:damaged    one per record read / per unparseable region
    html                                   yielded
    skipped:<warc_type>                    request, metadata, revisit, warcinfo, resource, ...
    skipped:non_http | skipped:non_html | skipped:too_large | skipped:empty
    skipped:http_status                    HTML, but the HTTP status is known and not 2xx
    damaged:bad_gzip | damaged:bad_header | damaged:bad_http_header | damaged:truncated_record |
    damaged:truncated_file | damaged:content_encoding | damaged:bad_arc

Usage::

    with open("CC-MAIN-...warc.gz", "rb") as f:
        for doc in read_records(f, "CC-MAIN-...warc.gz"):
            print(doc.id, doc.url, doc.metadata["charset"], len(doc.text))

To read a big per-record gzip file in parallel, split it into byte ranges and give each
reader the file opened at its range start (``pipelines.inputs`` plans and opens ranges)::

    with open(path, "rb") as f:
        f.seek(start)
        docs = list(read_records(f, path, dump="CC-MAIN-2024-10", start=start, end=end))

``metadata["offset"]`` is the file offset of the record's gzip member (what Common Crawl's index
calls ``offset``) for per-record gzip and plain files, and the offset in the decompressed stream
for records inside a whole-file gzip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import zlib
from typing import BinaryIO, Iterator

import brotli

from curation.charset import decode_html
from curation.document import Count, Document, no_count


@dataclasses.dataclass(frozen=True)
class ReadConfig:
    """How much the reader reads, buffers and sniffs.

    Args:
        max_payload_bytes: HTML bodies larger than this (as stored or once decoded) are dropped
            as ``skipped:too_large`` without being read into memory.
        max_header_bytes: a WARC or HTTP header block larger than this is damage.
        read_chunk_bytes: bytes read from the file per call (also the HTTP read size), and
            the compressed bytes given to one inflate call (at most 64 KiB).
        inflate_chunk_bytes: most bytes one inflate call may produce (bounds gzip bombs).
        resync_window_bytes: compressed bytes of the current gzip member kept so a corrupt
            member can be rescanned from its start for the next member header.
        meta_scan_bytes: prefix of the body searched for ``<meta charset>``.
        detect_bytes: prefix of the body given to charset-normalizer when nothing declared works.
    """

    max_payload_bytes: int = 5_000_000  # Common Crawl truncates at 1 MiB; 5 MB leaves margin
    max_header_bytes: int = 65_536  # real headers are < 8 KiB
    read_chunk_bytes: int = 262_144
    inflate_chunk_bytes: int = 4_194_304
    resync_window_bytes: int = 1_048_576
    meta_scan_bytes: int = 4_096  # browsers prescan 1 KiB; pages often declare it later
    detect_bytes: int = 16_384  # charset-normalizer cost grows with input; a prefix suffices


_GZIP_MAGIC = b"\x1f\x8b\x08"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "unknown/unknown",
                            "application/unknown", "application/x-unknown-content-type", "*/*"})
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:()+-]{1,40})", re.I)
_TYPE_RE = re.compile(r"[a-z][a-z0-9_-]{0,30}")



class _Damaged(Exception):
    """A region that could not be read; ``reason`` becomes ``damaged:<reason>``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ----------------------------------------------------------------------------------------------
# HTTP payload

def _looks_html(body: bytes) -> bool:
    head = body[:1024].lower()
    return b"<html" in head or b"<!doctype html" in head


def _parse_http(block: bytes, complete: bool) -> tuple[int | None, dict[str, str], int] | None:
    """Status, headers (lowercase keys) and body start of an HTTP response. Headers that run to
    the end of a ``complete`` block end there; in a partial block that is damage (None)."""
    status, headers, pos = None, {}, 0
    while pos < len(block):
        end = block.find(b"\n", pos)
        if end < 0:
            if not complete:
                return None
            end = len(block)
        line = block[pos:end].rstrip(b"\r")
        if pos == 0:
            parts = line.split()
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        elif not line.strip():
            return status, headers, end + 1
        else:
            name, sep, value = line.partition(b":")
            if sep:
                key = name.strip().lower().decode("latin-1")
                value = value.strip().decode("latin-1")
                if key in headers and key != "content-type":  # e.g. two Content-Encoding lines
                    value = headers[key] + ", " + value
                headers[key] = value
        pos = end + 1
    return status, headers, len(block)


def _dechunk(body: bytes) -> bytes | None:
    """Undo chunked Transfer-Encoding; None when the body is not validly chunked."""
    out, pos = [], 0
    while True:
        end = body.find(b"\n", pos)
        if end < 0:
            return b"".join(out) if out else None  # cut short: keep what was complete
        try:
            size = int(body[pos:end].split(b";")[0].strip(), 16)
        except ValueError:
            return None
        if size == 0:
            return b"".join(out)
        out.append(body[end + 1:end + 1 + size])
        pos = end + 1 + size
        pos += 2 if body[pos:pos + 2] == b"\r\n" else 1


def _decompress(body: bytes, encoding: str, limit: int) -> bytes | None:
    """One Content-Encoding step with at most ``limit`` output bytes; None when it fails."""
    if encoding == "br":
        try:
            return brotli.Decompressor().process(body, output_buffer_limit=limit)
        except brotli.error:
            return None
    for wbits in (47, -15) if encoding in ("gzip", "x-gzip") else (15, -15, 47):
        try:
            out = zlib.decompressobj(wbits).decompress(body, limit)
        except zlib.error:
            continue
        if out:  # a body cut short (WARC-Truncated) still gives its readable prefix
            return out
    return None


def _payload(block: bytes, rest: int, cfg: ReadConfig) -> tuple[str, bytes, dict]:
    """Classify a response block; return ``(outcome, html_body, http_info)``.

    ``rest`` is how many block bytes were not read (the block was too big to hold).
    """
    if not block.startswith(b"HTTP/"):
        return "skipped:non_http", b"", {}
    parsed = _parse_http(block, complete=not rest)
    if parsed is None:
        return "damaged:bad_http_header", b"", {}
    status, headers, start = parsed
    ctype = headers.get("content-type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    info = {"content_type": ctype, "http_status": status}
    if mime not in _HTML_TYPES and mime not in _GENERIC_TYPES:
        return "skipped:non_html", b"", info
    cap = cfg.max_payload_bytes
    if len(block) - start + rest > cap:
        return "skipped:too_large", b"", info
    body = block[start:]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body) or body  # many WARC writers de-chunk but keep the header
    for enc in reversed(headers.get("content-encoding", "").lower().split(",")):
        enc = enc.strip()
        if enc in ("", "identity", "none"):
            continue
        out = _decompress(body, enc, cap + 1)
        if out is None:
            if _looks_html(body):  # already decoded by the crawler (e.g. ClueWeb09)
                continue
            return "damaged:content_encoding", b"", info
        if len(out) > cap:
            return "skipped:too_large", b"", info
        body = out
    if mime in _GENERIC_TYPES and not _looks_html(body):
        return "skipped:non_html", b"", info
    if not body or body.isspace():
        return "skipped:empty", b"", info
    if status is not None and not 200 <= status < 300:  # redirects, 404 pages: not content
        return "skipped:http_status", b"", info
    match = _CHARSET_RE.search(ctype)
    info["declared"] = match.group(1) if match else None
    return "html", body, info


def _document(fields: dict, body: bytes, info: dict, file_path: str, offset: int,
              dump: str | None, cfg: ReadConfig) -> Document:
    text, charset = decode_html(body, info["declared"], cfg.meta_scan_bytes, cfg.detect_bytes)
    rid = fields.get("warc-record-id") or "<urn:sha1:%s>" % hashlib.sha1(
        f"{file_path}:{offset}".encode()).hexdigest()
    url = fields.get("warc-target-uri", "").strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    return Document(id=rid, url=url, text=text, metadata={
        "date": fields.get("warc-date"), "dump": dump, "file_path": file_path, "offset": offset,
        "content_type": info["content_type"], "charset": charset,
        "http_status": info["http_status"]})


# ----------------------------------------------------------------------------------------------
# the byte stream

_INFLATE_PIECE = 65_536  # compressed bytes per inflate call
_SYNC_WINDOW = 1024  # compressed bytes from a candidate member start that decide if it is one


def _inflates_to_warc(data: bytes) -> bool:
    """Whether ``data`` (the file's bytes from a candidate offset, at most `_SYNC_WINDOW`)
    starts a gzip member that inflates to ``WARC/``: a sync point. Every decision about where
    records start (resync after damage, range ends, range starts) goes through this test on the
    same window, so each reader of a file agrees on the sync points."""
    try:
        return zlib.decompressobj(31).decompress(data[:_SYNC_WINDOW], 8).startswith(b"WARC/")
    except zlib.error:
        return False


def _find_sync(raw: BinaryIO, at: int, end: int | None, cfg: ReadConfig
               ) -> tuple[bytes, int] | None:
    """Scan ``raw`` (positioned at file offset ``at``) for the first sync point at or after
    ``at`` and before ``end``; return ``(bytes from it, its offset)`` or None. Holds at most one
    read chunk plus `_SYNC_WINDOW` bytes."""
    buf, eof = b"", False
    while True:
        i = buf.find(_GZIP_MAGIC)
        if i >= 0:
            if end is not None and at + i >= end:
                return None
            while len(buf) - i < _SYNC_WINDOW and not eof:
                chunk = raw.read(cfg.read_chunk_bytes)
                eof = not chunk
                buf += chunk
            if _inflates_to_warc(buf[i:i + _SYNC_WINDOW]):
                return buf[i:], at + i
            at, buf = at + i + 1, buf[i + 1:]
            continue
        if eof:
            return None
        keep = buf[-2:]  # may be the start of a magic cut by the read
        at, buf = at + len(buf) - len(keep), keep
        if end is not None and at >= end:
            return None
        chunk = raw.read(cfg.read_chunk_bytes)
        eof = not chunk
        buf += chunk


class _Stream:
    """The decompressed bytes of a plain or gzip (any number of members) file, on demand.

    Remembers where gzip members start (decompressed offset -> file offset), and after a corrupt
    member rescans the compressed bytes for the next member that inflates to ``WARC/``.
    A later member that inflates to ``WARC/`` (a sync point) is a barrier: the data ends there
    (``barrier`` holds its offset) until the record parser calls `cross`. Inside a record that
    keeps a record from running on into the next record's member; between records only sync
    points at or after ``end`` are barriers, where a byte range stops (the check costs ~3 us,
    so it is skipped where it cannot matter).
    """

    def __init__(self, raw: BinaryIO, first: bytes, cfg: ReadConfig, at: int = 0,
                 end: int | None = None):
        self.raw, self.cfg, self.gz = raw, cfg, first.startswith(b"\x1f\x8b")
        self.rbuf, self.roff, self.raw_eof = first, at, False  # compressed bytes not yet inflated
        self.barrier: int | None = None  # offset of the sync point the data stops at
        self.crossed = at  # the sync point last crossed (the first member needs no crossing)
        self.end = end  # the range end: sync points from here on stop it
        self.between = False  # set by the parser while it is between two records
        self.d = None  # inflater of the current gzip member; None between members
        self.member = 0  # file offset of the current member
        self.hist, self.hist_off = bytearray(), 0  # tail of the current member's compressed bytes
        self.buf, self.pos, self.base = b"", 0, 0  # decompressed buffer; offset of buf[0]
        self.starts: dict[int, int] = {}  # decompressed offset -> file offset of member start
        self.truncated = False  # the file ended inside a gzip member

    def tell(self) -> int:
        return self.base + self.pos

    def file_offset(self, pos: int) -> int:
        for k in [k for k in self.starts if k < pos]:
            del self.starts[k]
        return self.starts.get(pos, pos)

    def _read_raw(self) -> bytes:
        chunk = self.raw.read(self.cfg.read_chunk_bytes)
        self.raw_eof = not chunk
        return chunk

    def _top_up(self, n: int) -> None:
        """Read until ``rbuf`` holds ``n`` bytes or the file ends (short reads are normal)."""
        parts, have = [self.rbuf], len(self.rbuf)
        while have < n and not self.raw_eof:
            parts.append(self._read_raw())
            have += len(parts[-1])
        self.rbuf = b"".join(parts)

    def cross(self) -> None:
        """Let the data go on past the barrier."""
        self.crossed, self.barrier = self.barrier, None

    def _produce(self) -> bytes | None:
        """Next decompressed bytes (maybe empty); None at the end of the data or a barrier."""
        if self.barrier is not None:
            return None
        if not self.rbuf:
            if self.raw_eof:
                self.truncated |= self.d is not None
                self.d = None
                return None
            self.rbuf = self._read_raw()
            return b""
        if not self.gz:
            out, self.rbuf = self.rbuf, b""
            return out
        if self.d is None:
            if len(self.rbuf) < 3 and not self.raw_eof:
                self.rbuf += self._read_raw()
                return b""
            if not self.rbuf.startswith(_GZIP_MAGIC):  # garbage between members
                self.hist, self.hist_off, self.member = bytearray(), self.roff, self.roff
                raise _Damaged("bad_gzip")
            if self.roff != self.crossed and (
                    not self.between or (self.end is not None and self.roff >= self.end)):
                self._top_up(_SYNC_WINDOW)
                if _inflates_to_warc(self.rbuf):
                    self.barrier = self.roff
                    return None
            self.d, self.member = zlib.decompressobj(31), self.roff
            self.starts[self.base + len(self.buf)] = self.roff
            self.hist, self.hist_off = bytearray(), self.roff
        # Inflate 64 KiB of input per call, counted from the member start whatever the read
        # sizes: output before a corrupt spot survives, and the same bytes give the same
        # records and counters over a local file, an HTTP stream or a byte range.
        piece = min(_INFLATE_PIECE, self.cfg.read_chunk_bytes)
        if len(self.rbuf) < piece:
            self._top_up(piece)
        data = self.rbuf if len(self.rbuf) <= piece else self.rbuf[:piece]
        try:
            out = self.d.decompress(data, self.cfg.inflate_chunk_bytes)
        except zlib.error:
            raise _Damaged("bad_gzip") from None
        if self.d.eof:
            rest, self.d = self.d.unused_data, None
        else:
            rest = self.d.unconsumed_tail
        used = len(data) - len(rest)
        self.hist += data[:used]
        if len(self.hist) > 2 * self.cfg.resync_window_bytes:
            cut = len(self.hist) - self.cfg.resync_window_bytes
            del self.hist[:cut]
            self.hist_off += cut
        self.roff += used
        self.rbuf = self.rbuf[used:]
        return out

    def _fill(self) -> bool:
        while True:
            out = self._produce()
            if out is None:
                return False
            if out:
                self.base += self.pos
                self.buf = self.buf[self.pos:] + out
                self.pos = 0
                return True

    def peek(self, n: int) -> bytes:
        while len(self.buf) - self.pos < n and self._fill():
            pass
        return self.buf[self.pos:self.pos + n]

    def skip_blank(self) -> bool:
        """Skip CR/LF between records; False at the end of the data."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in (10, 13):
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return True
            if not self._fill():
                return False

    def readline(self, limit: int) -> bytes:
        while True:
            i = self.buf.find(b"\n", self.pos, self.pos + limit)
            if i >= 0:
                line, self.pos = self.buf[self.pos:i + 1], i + 1
                return line
            if len(self.buf) - self.pos >= limit:
                raise _Damaged("bad_header")
            if not self._fill():
                line, self.pos = self.buf[self.pos:], len(self.buf)
                return line

    def read(self, n: int) -> bytes:
        parts = []
        while n > 0 and (self.pos < len(self.buf) or self._fill()):
            take = self.buf[self.pos:self.pos + n]
            self.pos += len(take)
            n -= len(take)
            parts.append(take)
        return b"".join(parts)

    def skip(self, n: int) -> int:
        left = n
        while left > 0 and (self.pos < len(self.buf) or self._fill()):
            take = min(left, len(self.buf) - self.pos)
            self.pos += take
            left -= take
        return n - left

    def recover(self, reason: str) -> None:
        """Move to the next record start after damage."""
        if reason == "bad_gzip":
            self._resync_gzip()
        else:
            self._scan_to_warc()

    def _scan_to_warc(self) -> None:
        """Skip to the next ``WARC/`` at a line or gzip member start."""
        self.pos += 1
        while True:
            i = self.buf.find(b"WARC/", self.pos)
            while i >= 0:
                if self.buf[i - 1:i] == b"\n" or self.base + i in self.starts:
                    self.pos = i
                    return
                i = self.buf.find(b"WARC/", i + 1)
            self.pos = max(self.pos, len(self.buf) - 5)
            if not self._fill():
                self.pos = len(self.buf)
                return

    def _resync_gzip(self) -> None:
        """Rescan compressed bytes after the corrupt member's start for a member inflating to
        ``WARC/``; at most one read chunk plus ``resync_window_bytes`` are held."""
        skip = 1 if self.hist_off == self.member else 0  # past the corrupt member's magic
        buf, off = (bytes(self.hist) + self.rbuf)[skip:], self.hist_off + skip
        self.hist, self.d = bytearray(), None
        self.base, self.buf, self.pos = self.base + len(self.buf), b"", 0
        while True:
            i = buf.find(_GZIP_MAGIC)
            if i < 0:
                off, buf = off + max(0, len(buf) - 2), buf[-2:]
                chunk = b"" if self.raw_eof else self._read_raw()
                if not chunk:
                    self.rbuf, self.raw_eof = b"", True
                    return
                buf += chunk
                continue
            while len(buf) - i < _SYNC_WINDOW and not self.raw_eof:
                buf += self._read_raw()
            if _inflates_to_warc(buf[i:i + _SYNC_WINDOW]):
                self.rbuf, self.roff = buf[i:], off + i
                return
            off, buf = off + i + 1, buf[i + 1:]


# ----------------------------------------------------------------------------------------------
# records

def _read_head(s: _Stream, limit: int) -> dict[str, str]:
    """WARC header fields (lowercase names) of the record at the stream position."""
    fields: dict[str, str] = {}
    total, key = 0, None
    s.readline(limit)  # the version line, already checked to start with WARC/
    while True:
        line = s.readline(limit)
        total += len(line)
        if not line.endswith(b"\n"):
            raise _Damaged("truncated_record")
        if total > limit:
            raise _Damaged("bad_header")
        line = line.rstrip(b"\r\n")
        if not line.strip():
            return fields
        if line[:1] in (b" ", b"\t") and key:  # folded continuation line
            fields[key] += " " + line.strip().decode("utf-8", "replace")
            continue
        name, sep, value = line.partition(b":")
        if sep:
            key = name.strip().lower().decode("latin-1")
            fields[key] = value.strip().decode("utf-8", "replace")


def _part_of(block: bytes) -> str | None:
    for line in block.splitlines():
        if line.lower().startswith(b"ispartof:"):
            return line[9:].strip().decode("utf-8", "replace") or None
    return None


def warcinfo_dump(fileobj: BinaryIO, config: ReadConfig = ReadConfig()) -> str | None:
    """The crawl name (``isPartOf``) of the warcinfo record that opens a WARC stream, or None.

    Ranges after the first never see that record, so a job that splits a file reads it once here
    and passes it to every range as ``dump``.
    """
    first = fileobj.read(config.read_chunk_bytes)
    if first.startswith(b"\x1f\x8b"):
        try:
            first = zlib.decompressobj(31).decompress(first, 2 * config.max_header_bytes)
        except zlib.error:
            return None
    head, _, block = first.partition(b"\r\n\r\n")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    if not head.startswith(b"WARC/") or fields.get(b"warc-type", b"").lower() != b"warcinfo":
        return None
    length = fields.get(b"content-length", b"")
    return _part_of(block[: int(length)] if length.isdigit() else block)


def read_records(fileobj: BinaryIO, file_path: str, dump: str | None = None,
                 count: Count = no_count, config: ReadConfig = ReadConfig(), start: int = 0,
                 end: int | None = None) -> Iterator[Document]:
    """Yield one `Document` per HTML response record of a WARC or ARC stream, or of the byte
    range ``[start, end)`` of one. Never raises on bad data.

    Ranges split a per-record gzip file (Common Crawl) at sync points: gzip members that
    inflate to ``WARC/``. A range reads every record whose sync point lies in it, reading past
    ``end`` to finish the last one; ranges that tile a file yield, in order, exactly the
    documents of one whole read and their counters add up to its counters. Damage belongs to
    the range holding the record before it: a range stops only at a sync point at or after
    ``end``, so it counts and skips a damaged region that starts before that; the next range
    starts at its first sync point at or after ``start`` (bytes skipped to reach it belong to
    the range before and are not counted). A file with no sync point after offset 0 (plain or
    whole-file gzip WARC, ARC) is read whole by the range that starts at 0, ignoring ``end``;
    other ranges of it yield and count nothing. A range that starts after 0 never sees the
    warcinfo record, so its documents carry ``dump`` as given (the caller passes the crawl
    name, e.g. ``pipelines.inputs.dump_from_path(path)``; None stays None).

    Args:
        fileobj: binary stream positioned at byte ``start`` of the file (need not be seekable).
        file_path: recorded in ``metadata["file_path"]`` and used for ids of ARC records.
        dump: crawl name for ``metadata["dump"]``; when None, the warcinfo ``isPartOf`` (only
            in the range that starts at 0).
        count: receives the counters listed in the module docstring.
        config: size limits and buffer sizes.
        start: file offset the range begins at (0: the start of the file).
        end: file offset the range ends at (exclusive); None: the end of the file.
    """
    if start > 0:
        found = _find_sync(fileobj, start, end, config)
        if found is None:
            return
        yield from _read_warc(_Stream(fileobj, found[0], config, at=found[1], end=end),
                              file_path, dump, False, end, count, config)
        return
    first = fileobj.read(config.read_chunk_bytes)
    if not first:
        return
    head = first
    if first.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(31).decompress(first, 16)
        except zlib.error:
            head = b""
    if head.lstrip().startswith(b"filedesc://"):
        yield from _read_arc(_Prefixed(first, fileobj), file_path, dump, count, config)
        return
    yield from _read_warc(_Stream(fileobj, first, config, end=end), file_path, dump,
                          dump is None, end, count, config)


def _read_warc(s: _Stream, file_path: str, dump: str | None, find_dump: bool, end: int | None,
               count: Count, cfg: ReadConfig) -> Iterator[Document]:
    """The records of a WARC stream, up to the first sync point at or after ``end``."""
    pending = None
    while True:
        counted = False
        try:
            if pending:
                reason, pending = pending, None
                s.recover(reason)
            s.between = True
            if not s.skip_blank():
                if s.barrier is not None:
                    if end is not None and s.barrier >= end:
                        return
                    s.cross()
                    continue
                if s.truncated:
                    count("record:damaged")
                    count("damaged:truncated_file")
                return
            offset = s.file_offset(s.tell())
            s.between = False
            if s.peek(5) != b"WARC/":
                raise _Damaged("bad_header")
            fields = _read_head(s, cfg.max_header_bytes)
            length = fields.get("content-length", "").strip()
            if not length.isdigit():
                raise _Damaged("bad_header")
            length = int(length)
            wtype = fields.get("warc-type", "").strip().lower()
            wtype = wtype if _TYPE_RE.fullmatch(wtype) else "unknown"
            count(f"record:{wtype}")
            counted = True
            if wtype != "response":
                if wtype == "warcinfo" and find_dump and length <= cfg.max_header_bytes:
                    block = s.read(length)
                    dump, find_dump = _part_of(block), False
                    got = len(block)
                else:
                    got = s.skip(length)
                if got < length:
                    raise _Damaged("truncated_record")
                count(f"skipped:{wtype}")
                continue
            find_dump = False  # isPartOf comes from the warcinfo that opens the file
            n = length if length <= cfg.max_payload_bytes + cfg.max_header_bytes \
                else cfg.max_header_bytes
            block = s.read(n)
            if len(block) < n or s.skip(length - n) < length - n:
                raise _Damaged("truncated_record")
            outcome, body, info = _payload(block, length - n, cfg)
            del block
            count(outcome)
            if outcome == "html":
                yield _document(fields, body, info, file_path, offset, dump, cfg)
        except _Damaged as e:
            s.between = False  # recovery scans stop at every sync point
            if not counted:
                count("record:damaged")
            count(f"damaged:{e.reason}")
            if e.reason == "truncated_record":
                s.truncated = False  # one count for one cut
            else:
                pending = e.reason


class _Prefixed:
    """A stream that replays bytes already read, then continues with the underlying stream."""

    def __init__(self, head: bytes, raw: BinaryIO):
        self.head, self.raw = head, raw

    def read(self, n: int = -1) -> bytes:
        if not self.head:
            return self.raw.read(n)
        out = self.head if n < 0 else self.head[:n]
        self.head = self.head[len(out):]
        return out


def _read_arc(stream: _Prefixed, file_path: str, dump: str | None, count: Count,
              cfg: ReadConfig) -> Iterator[Document]:
    """ARC files through warcio (arc2warc); ids derive from file path and offset."""
    from warcio.archiveiterator import ArchiveIterator

    it = ArchiveIterator(stream, no_record_parse=True, arc2warc=True)
    counted = False
    try:
        for rec in it:
            wtype = rec.rec_type if _TYPE_RE.fullmatch(rec.rec_type or "") else "unknown"
            count(f"record:{wtype}")
            counted = True
            if wtype != "response":
                it.get_record_offset()  # reads the rest of the record
                count(f"skipped:{wtype}")
                counted = False
                continue
            length = rec.length or 0
            n = length if length <= cfg.max_payload_bytes + cfg.max_header_bytes \
                else cfg.max_header_bytes
            block = rec.raw_stream.read(n)
            offset = it.get_record_offset()  # reads the rest of the record
            outcome, body, info = _payload(block, max(0, length - n), cfg)
            count(outcome)
            counted = False
            if outcome == "html":
                fields = {"warc-target-uri": rec.rec_headers.get_header("WARC-Target-URI") or "",
                          "warc-date": rec.rec_headers.get_header("WARC-Date")}
                yield _document(fields, body, info, file_path, offset, dump, cfg)
    except Exception:  # warcio raises many types on broken ARC; the file stops here
        if not counted:
            count("record:damaged")
        count("damaged:bad_arc")
