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
from pipelines.inputs import crawl_inputs, dump_from_path, expand_inputs, open_input


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files; supports ``Range: bytes=N-``; can drop a response half-way."""

    drop_after: dict = {}  # path -> bytes to send before cutting the connection (once)

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
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        cut = self.drop_after.pop(self.path, None)
        if cut is not None and not start:
            self.wfile.write(data[:cut])
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
    assert counts == [16, 7]


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
