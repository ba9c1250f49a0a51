"""Tests for pipelines/inputs.py against a loopback HTTP server; never touches the internet.

Run: .venv/bin/python -m pytest tests/pipelines/test_inputs.py -q
"""

import functools
import gzip
import http.server
import os
import threading

import pytest

from curation.warc import read_records
from pipelines import inputs
from pipelines.inputs import (crawl_inputs, dump_from_path, expand_inputs, input_size,
                              open_input, plan_ranges)
from tests.conftest import counter_dict


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files; supports ``Range: bytes=N-`` (http.server does not); can drop a response
    half-way, or ignore Range like some servers do."""

    drop_after: dict = {}  # path -> bytes to send before cutting the connection (once)
    ignore_range: set = set()  # paths answered with the whole file whatever the Range
    requests: list = []  # (path, first byte asked for) of every GET

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and self.path not in self.ignore_range:
            start = int(rng[6:].split("-")[0])
            self.requests.append((self.path, start))
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.requests.append((self.path, 0))
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        cut = self.drop_after.pop(self.path, None)
        if cut is not None:
            self.wfile.write(data[start:start + cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data[start:])


@pytest.fixture
def server(tmp_path, shared_data):
    """Serve a root holding a link to the shared WARCs and a fake crawl listing."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "warc").symlink_to(shared_data / "warc")
    listing = root / "crawl-data" / "CC-MAIN-2099-01"
    listing.mkdir(parents=True)
    names = ["warc/cc-main-2020-34-sample.warc.gz", "warc/edge/revisits.warc.gz",
             "warc/heritrix-2008-example.warc.gz"]
    (listing / "warc.paths.gz").write_bytes(gzip.compress("\n".join(names).encode() + b"\n"))
    handler = functools.partial(_Handler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", names
    httpd.shutdown()
    httpd.server_close()


def _docs(path, name):
    with open_input(path) as f:
        return [(d.id, d.url, d.text, d.metadata["offset"]) for d in read_records(f, name)]


def test_http_read_equals_local_read(server, shared_data):
    base, _ = server
    name = "warc/cc-main-2020-34-sample.warc.gz"
    remote = _docs(base + name, name)
    local = _docs(str(shared_data / name), name)
    assert len(local) == 16 and remote == local


def test_http_resumes_after_dropped_connection(server, shared_data, monkeypatch):
    base, _ = server
    monkeypatch.setattr(inputs, "HTTP_BACKOFF_S", 0.01)
    name = "warc/heritrix-2008-example.warc.gz"
    _Handler.drop_after["/" + name] = 100_000
    remote = _docs(base + name, name)
    assert "/" + name not in _Handler.drop_after  # the drop happened
    assert remote == _docs(str(shared_data / name), name)


def test_crawl_inputs_end_to_end(server, shared_data):
    base, names = server
    urls = crawl_inputs("CC-MAIN-2099-01", max_files=2, base_url=base)
    assert urls == [base + n for n in names[:2]]
    assert len(crawl_inputs("CC-MAIN-2099-01", None, base_url=base.rstrip("/"))) == 3
    counts = []
    for url in urls:
        with open_input(url) as f:
            counts.append(sum(1 for _ in read_records(f, url)))
    assert counts == [16, 6]  # revisits.warc.gz: one of its 7 HTML responses is a non-2xx


def test_crawl_inputs_http_error(server, monkeypatch):
    base, _ = server
    with pytest.raises(RuntimeError, match=r"HTTP 404.*crawl id"):
        crawl_inputs("CC-MAIN-1999-99", max_files=1, base_url=base)
    monkeypatch.setattr(inputs, "HTTP_RETRIES", 0)
    with pytest.raises(RuntimeError, match="could not download"):
        crawl_inputs("CC-MAIN-2099-01", 1, base_url="http://127.0.0.1:9/")  # nothing listens


def test_expand_inputs_globs(tmp_path):
    for name in ("b.warc.gz", "a.warc.gz", "c.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.warc.gz").write_bytes(b"x")
    got = expand_inputs([str(tmp_path / "*.warc.gz"), str(tmp_path / "a.warc.gz"),
                         str(tmp_path / "sub" / "*.warc.gz"), "https://h/x.warc.gz"])
    assert got == sorted([str(tmp_path / "a.warc.gz"), str(tmp_path / "b.warc.gz"),
                          str(tmp_path / "sub" / "d.warc.gz"), "https://h/x.warc.gz"])
    with pytest.raises(ValueError, match=r"nothing\*\.warc\.gz.*matched no files"):
        expand_inputs([str(tmp_path / "*.warc.gz"), str(tmp_path / "nothing*.warc.gz")])


def test_open_input_local_is_raw_bytes(shared_data):
    path = shared_data / "warc/cc-main-2020-34-sample.warc.gz"
    with open_input(str(path)) as f:
        assert f.read(2) == b"\x1f\x8b"  # not gunzipped: the reader does that per member


def test_dump_from_path():
    assert dump_from_path("https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-10/segments/"
                          "1/warc/CC-MAIN-20240220211055-00000.warc.gz") == "CC-MAIN-2024-10"
    assert dump_from_path("/data/my.warc.gz") is None


# ----------------------------------------------------------------------------------------------
# byte ranges

def _range_docs(path, name, start, end):
    counts, count = counter_dict()
    with open_input(path, start) as f:
        docs = [(d.id, d.url, d.text, d.metadata) for d in
                read_records(f, name, dump="CC-MAIN-2099-01", count=count, start=start, end=end)]
    return docs, counts


def _read_planned(path, name, range_bytes):
    """Docs concatenated over the planned ranges, counters summed, and the plan."""
    plan = plan_ranges(path, input_size(path), range_bytes)
    docs, total = [], {}
    for start, end in plan:
        got, counts = _range_docs(path, name, start, end)
        docs += got
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
    return docs, total, plan


def test_http_ranges_equal_local_ranges(server, shared_data):
    base, _ = server
    for name, range_bytes in (("warc/cc-main-2020-34-sample.warc.gz", 16_384),
                              ("warc/heritrix-2008-example.warc.gz", 300_000)):
        local = str(shared_data / name)
        assert input_size(base + name) == input_size(local) == os.path.getsize(local)
        remote_docs, remote_counts, plan = _read_planned(base + name, name, range_bytes)
        local_docs, local_counts, local_plan = _read_planned(local, name, range_bytes)
        assert plan == local_plan and len(plan) > 5
        assert (remote_docs, remote_counts) == (local_docs, local_counts)
        whole, whole_counts = _range_docs(local, name, 0, None)
        assert (local_docs, local_counts) == (whole, whole_counts)
        asked = {s for p, s in _Handler.requests if p == "/" + name}
        assert asked >= {s for s, _ in plan}  # each range asked for its own bytes


def test_http_range_resumes_and_tolerates_servers_without_range(server, shared_data,
                                                                monkeypatch):
    base, _ = server
    monkeypatch.setattr(inputs, "HTTP_BACKOFF_S", 0.01)
    name = "warc/heritrix-2008-example.warc.gz"
    local = _range_docs(str(shared_data / name), name, 1_000_000, 2_000_000)
    assert len(local[0]) > 10
    _Handler.drop_after["/" + name] = 150_000  # the range request breaks after 150 KB
    assert _range_docs(base + name, name, 1_000_000, 2_000_000) == local
    assert "/" + name not in _Handler.drop_after
    _Handler.ignore_range.add("/" + name)  # 200 with the whole file: skip to the offset
    try:
        assert _range_docs(base + name, name, 1_000_000, 2_000_000) == local
    finally:
        _Handler.ignore_range.discard("/" + name)
    size = input_size(base + name)
    with open_input(base + name, size) as f:  # 416: a range past the end is empty
        assert f.read(10) == b""


def test_open_input_local_offset(shared_data, tmp_path):
    path = shared_data / "warc/cc-main-2020-34-sample.warc.gz"
    data = path.read_bytes()
    with open_input(str(path), 940) as f:
        assert f.read(100) == data[940:1040]
    with open_input(str(path)) as f:
        assert f.read(100) == data[:100]


def test_input_size(server, shared_data, tmp_path):
    base, _ = server
    assert input_size(str(shared_data / "warc/edge/bad-gzip.warc.gz")) == 1950
    assert input_size(base + "warc/edge/bad-gzip.warc.gz") == 1950
    assert input_size(str(tmp_path / "missing.warc.gz")) is None
    assert input_size(base + "warc/missing.warc.gz") is None  # 404


def test_plan_ranges():
    assert plan_ranges("s3://b/x.warc.gz", 10, 3) == [(0, 3), (3, 6), (6, 9), (9, None)]
    assert plan_ranges("x.warc.gz", 9, 3) == [(0, 3), (3, 6), (6, None)]
    assert plan_ranges("https://h/X.WARC.GZ", 7, 3) == [(0, 3), (3, 6), (6, None)]
    assert plan_ranges("x.warc.gz", 3, 3) == [(0, None)]  # not bigger than one range
    assert plan_ranges("x.warc.gz", None, 3) == [(0, None)]  # size unknown
    for name in ("x.warc", "x.arc.gz", "x.warc.wet.gz.txt", "x.gz"):
        assert plan_ranges(name, 100, 3) == [(0, None)]


def test_unlistable_remote_pattern_says_what_to_do(monkeypatch):
    """A filesystem the install lacks, or a listing that fails, is a one-line error with the fix,
    not a trace. (Patched: the test must not reach the network.)"""
    from apache_beam.io.filesystem import BeamIOError

    from pipelines import inputs

    def refuse(patterns):
        raise BeamIOError("Match operation failed", {patterns[0]: ValueError("no credentials")})

    monkeypatch.setattr(inputs.FileSystems, "match", refuse)
    with pytest.raises(ValueError) as e:
        inputs.expand_inputs(["s3://no-such-bucket/*.warc.gz"])
    message = str(e.value)
    assert "cannot list input 's3://no-such-bucket/*.warc.gz'" in message
    assert "pip install -e '.[aws]'" in message and "\n" not in message
    with pytest.raises(ValueError, match="cannot list input 'nosuch://x/y'"):
        monkeypatch.undo()
        inputs.expand_inputs(["nosuch://x/y"])
