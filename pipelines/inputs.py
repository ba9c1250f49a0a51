"""Where the WARC files come from: patterns, Common Crawl crawl ids, and opening each one.

Local paths, globs, ``gs://`` and ``s3://`` go through Beam's `FileSystems` (install the
``gcp``/``aws`` extras for the cloud schemes); ``http(s)://`` URLs are streamed with urllib and
resumed with a Range request when the connection drops mid-file. Big per-record gzip files
are read in byte ranges (see `plan_ranges` and ``curation.warc.read_records``). Example::

    paths = crawl_inputs("CC-MAIN-2024-10", max_files=2)   # data.commoncrawl.org URLs
    with open_input(paths[0]) as f:
        for doc in read_records(f, paths[0], dump=dump_from_path(paths[0])): ...
    for start, end in plan_ranges(paths[0], input_size(paths[0]), 64 << 20):
        with open_input(paths[0], start) as f:
            docs = read_records(f, paths[0], dump=dump_from_path(paths[0]), start=start, end=end)
"""

from __future__ import annotations

import gzip
import http.client
import io
import os
import re
import socket
import time
import urllib.error
import urllib.request
from typing import BinaryIO

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

HTTP_TIMEOUT_S = 60  # per connect/read; a stalled Common Crawl download fails instead of hanging
HTTP_RETRIES = 3  # extra attempts after a transient error (5xx, 429, reset, timeout)
HTTP_BACKOFF_S = 1.0  # first wait between attempts; doubles each time
_USER_AGENT = "curation-warc-reader/1 (python-urllib)"  # polite, identifiable
_DUMP_RE = re.compile(r"CC-MAIN-\d{4}-\d{2}")
_TRANSIENT = (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout,
              TimeoutError)


def _is_url(path: str) -> bool:
    return path.startswith(("http://", "https://"))


def absolute_path(path: str) -> str:
    """``path`` made absolute when it is local; URLs (``gs://``, ``s3://``, ``https://``) as given.

    Workers on a portable runner (Flink, Spark, a worker pool) run in their own working
    directory, where a relative path names a different file or none; absolute paths also keep
    output names (which hash the input path) the same wherever the job is started from.
    """
    return path if "://" in path else os.path.abspath(path)


def expand_inputs(patterns: list[str]) -> list[str]:
    """Resolve paths and globs (local, gs://, s3://) to a sorted, deduplicated list of files;
    local ones come back absolute.

    Args:
        patterns: file paths or glob patterns; ``http(s)://`` URLs pass through unchanged.

    Raises:
        ValueError: a pattern matches nothing or cannot be listed (the message names it and
            says what to do).
    """
    found: set[str] = set()
    for pattern in patterns:
        if _is_url(pattern):
            found.add(pattern)
            continue
        try:
            matches = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
        except Exception as e:  # BeamIOError, or ValueError for a filesystem Beam lacks
            extra = {"gs": "gcp", "s3": "aws"}.get(pattern.partition("://")[0])
            hint = (f"; reading {pattern.partition('://')[0]}:// needs the '{extra}' extra "
                    f"(pip install -e '.[{extra}]') and credentials") if extra else ""
            raise ValueError(f"cannot list input {pattern!r}: {str(e).splitlines()[0]}"
                             f"{hint}") from None
        if not matches:
            raise ValueError(f"input pattern {pattern!r} matched no files: check the path or "
                             f"glob, or use --crawl CC-MAIN-YYYY-WW")
        found.update(absolute_path(m) for m in matches)
    return sorted(found)


def dump_from_path(path: str) -> str | None:
    """The Common Crawl dump named in a path, e.g. ``"CC-MAIN-2024-10"``, or None."""
    match = _DUMP_RE.search(path)
    return match.group(0) if match else None


def _urlopen(url: str, start: int = 0, method: str = "GET"):
    """Open ``url`` (from byte ``start``), retrying transient failures with backoff."""
    headers = {"User-Agent": _USER_AGENT}
    if start:
        headers["Range"] = f"bytes={start}-"
    delay = HTTP_BACKOFF_S
    for attempt in range(HTTP_RETRIES + 1):
        try:
            return urllib.request.urlopen(
                urllib.request.Request(url, headers=headers, method=method),
                timeout=HTTP_TIMEOUT_S)
        except urllib.error.HTTPError as e:
            if e.code not in (408, 429, 500, 502, 503, 504) or attempt == HTTP_RETRIES:
                raise
        except _TRANSIENT:
            if attempt == HTTP_RETRIES:
                raise
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


class _HttpStream:
    """A read-only binary stream over HTTP from byte ``offset``, opened with a Range request
    (a server that ignores Range is read and discarded up to ``offset``), and resumed with a
    Range request after a drop."""

    def __init__(self, url: str, offset: int = 0):
        self.url, self.pos, self.closed = url, offset, False
        try:
            self.resp = _urlopen(url, offset)
        except urllib.error.HTTPError as e:
            if e.code != 416 or not offset:
                raise
            self.resp = io.BytesIO()  # range starts at or past the end: nothing to read
            return
        if offset and self.resp.status != 206:  # a 200 with the whole file
            left = offset
            while left > 0:
                got = len(self.resp.read(min(left, 1 << 20)))
                if not got:
                    break
                left -= got

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        for attempt in range(HTTP_RETRIES + 1):
            try:
                data = self.resp.read(n) if n is not None and n >= 0 else self.resp.read()
                if not data and n != 0 and getattr(self.resp, "length", None):
                    # closed before Content-Length
                    raise ConnectionResetError(f"{self.url}: body ended early")
                self.pos += len(data)
                return data
            except _TRANSIENT:
                if attempt == HTTP_RETRIES:
                    raise
                self.resp.close()
                time.sleep(HTTP_BACKOFF_S * 2 ** attempt)
                self.resp = _urlopen(self.url, self.pos)
                if self.pos and self.resp.status != 206:
                    raise OSError(f"{self.url}: connection dropped at byte {self.pos} and the "
                                  f"server does not support Range requests to resume")
        raise AssertionError("unreachable")

    def close(self) -> None:
        if not self.closed:
            self.resp.close()
            self.closed = True

    def __enter__(self) -> "_HttpStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_input(path: str, offset: int = 0) -> BinaryIO:
    """Open one input for reading raw bytes (the WARC reader does its own gunzipping).

    Args:
        path: an ``http(s)://`` URL or anything Beam's FileSystems can open.
        offset: the byte to start at: a ``Range`` request over HTTP, a seek otherwise (read
            and discarded where the stream cannot seek).
    """
    if _is_url(path):
        return _HttpStream(path, offset)  # type: ignore[return-value]
    f = FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)
    if offset:
        try:
            f.seek(offset)
        except (OSError, AttributeError, NotImplementedError, io.UnsupportedOperation):
            left = offset
            while left > 0:
                got = len(f.read(min(left, 1 << 20)))
                if not got:
                    break
                left -= got
    return f


def input_size(path: str) -> int | None:
    """Size of one input in bytes, or None when unknown (no Content-Length, or an error).

    Args:
        path: an ``http(s)://`` URL (asked with a HEAD request) or anything Beam's
            FileSystems can match.
    """
    try:
        if _is_url(path):
            with _urlopen(path, method="HEAD") as resp:
                length = resp.headers.get("Content-Length", "")
            return int(length) if length.strip().isdigit() else None
        metadata = FileSystems.match([path])[0].metadata_list
        return metadata[0].size_in_bytes if metadata else None
    except (OSError, ValueError, http.client.HTTPException, IndexError):
        # urllib.error.URLError and the FileSystems errors (BeamIOError) are OSError/IOError.
        return None


def plan_ranges(path: str, size: int | None, range_bytes: int) -> list[tuple[int, int | None]]:
    """Byte ranges ``[(start, end), ...]`` to read one input as, for ``read_records``.

    Per-record gzip WARCs (``*.warc.gz``, as Common Crawl writes them) larger than
    ``range_bytes`` become consecutive ranges ``[(0, r), (r, 2r), ..., (k*r, None)]``; everything
    else (unknown size, plain WARC, ARC, WET...) is read whole: ``[(0, None)]``. A ``.warc.gz``
    that is one whole-file gzip member is still read correctly (its first range reads it all,
    the others read nothing), just not in parallel.

    Args:
        path: the input's path or URL (only its name is looked at).
        size: its size in bytes (`input_size`), or None when unknown.
        range_bytes: the most compressed bytes per range (> 0).
    """
    name = path.split("?", 1)[0].lower()
    if size is None or range_bytes <= 0 or size <= range_bytes or not name.endswith(".warc.gz"):
        return [(0, None)]
    starts = range(0, size, range_bytes)
    return [(s, s + range_bytes) for s in starts[:-1]] + [(starts[-1], None)]


def crawl_inputs(crawl_id: str, max_files: int | None,
                 base_url: str = "https://data.commoncrawl.org/") -> list[str]:
    """URLs of the WARC files of a Common Crawl crawl, from its ``warc.paths.gz`` listing.

    Args:
        crawl_id: e.g. ``"CC-MAIN-2024-10"``.
        max_files: keep the first this many files (None: all, ~90,000 for a recent crawl).
        base_url: the Common Crawl mirror (tests point it at a local server).

    Raises:
        RuntimeError: the listing could not be downloaded or read.
    """
    if not base_url.endswith("/"):
        base_url += "/"
    url = f"{base_url}crawl-data/{crawl_id}/warc.paths.gz"
    try:
        with _urlopen(url) as resp:
            listing = gzip.decompress(resp.read()).decode("utf-8")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"could not download {url}: HTTP {e.code} {e.reason}; check the crawl "
                           f"id (e.g. CC-MAIN-2024-10, see https://commoncrawl.org/get-started)"
                           ) from e
    except (OSError, EOFError, UnicodeDecodeError, http.client.HTTPException) as e:
        raise RuntimeError(f"could not download or read {url}: {e}") from e
    paths = [line.strip() for line in listing.splitlines() if line.strip()]
    if max_files is not None:
        paths = paths[:max_files]
    return [base_url + p.lstrip("/") for p in paths]
