"""The whole job, end to end, on the bundled sample and on the real crawls in ../shared/data."""

import functools
import gzip
import http.server
import json
import pathlib
import threading

import pyarrow.parquet as pq
import pytest

from pipelines import cc_to_shards
from pipelines.cli import main as cli_main
from pipelines.stats import check_invariant
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

SAMPLE = ROOT / "tests" / "data" / "sample.warc.gz"
EXPECTED = ROOT / "tests" / "data" / "sample_expected.json"
# Stages of the default recipe, as the sample's expected outcomes name them.
STAGE_OF_REASON = {"url": "FilterUrls", "extract": "ExtractText", "language": "IdentifyLanguage",
                   "gopher_repetition": "FilterGopherRepetition",
                   "gopher_quality": "FilterGopherQuality", "c4": "FilterC4",
                   "fineweb_quality": "FilterFineWeb", "dedup": "DedupMinHash"}


def _run(inputs, output, *extra):
    argv = []
    for i in inputs:
        argv += ["--input", str(i)]
    return cc_to_shards.run(argv + ["--output", str(output), *extra])


def _documents(output, subdir="documents"):
    rows = []
    for path in sorted((pathlib.Path(output) / subdir).glob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows


def _parquet_bytes(output):
    return {p.name: p.read_bytes()
            for p in sorted((pathlib.Path(output) / "documents").glob("*.parquet"))}


def _shard_bytes(output):
    return {p.name: p.read_bytes()
            for p in sorted((pathlib.Path(output) / "shards").iterdir())}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    stats = _run([SAMPLE], out)
    return out, stats


def test_sample_funnel_adds_up(sample_run):
    out, stats = sample_run
    assert check_invariant(stats) == [] and stats["invariant_ok"]
    on_disk = json.loads((out / "stats.json").read_text())
    assert on_disk["kept"] == stats["kept"]
    assert [s["stage"] for s in on_disk["stages"]] == [
        "FilterUrls", "ExtractText", "IdentifyLanguage", "FilterGopherRepetition",
        "FilterGopherQuality", "FilterC4", "FilterFineWeb", "DedupMinHash"]
    assert on_disk["job"]["stages"][3]["config"]["dup_line_frac"] == 0.3
    read = stats["read"]
    # The sample has every kind of record: requests, metadata, warcinfo, revisit, non-HTML,
    # and one damaged gzip member.
    for kind in ("request", "metadata", "warcinfo", "revisit", "http_status"):
        assert read["skipped"].get(kind, 0) >= 1, kind
    assert read["skipped"].get("non_html", 0) >= 3
    assert sum(read["damaged"].values()) >= 1
    drops = {r for s in stats["stages"] for r in s["dropped"]}
    assert {"url_blocklisted_domain", "url_hard_banned_word", "extract_empty",
            "language_not_allowed", "gopher_rep_top_2_gram", "gopher_too_many_bullets",
            "c4_lorem_ipsum", "fineweb_short_line_ratio", "dedup_exact", "dedup_minhash"} <= drops
    assert stats["dedup"]["params"]["config"] == "5ng_14bs_8hs"
    assert stats["dedup"]["cluster_sizes"] == {"3-4": 1}  # the Erie Canal article and its copies
    assert stats["pii"].get("email", 0) >= 1 and stats["pii"].get("ip", 0) >= 1


def test_sample_documents(sample_run):
    out, stats = sample_run
    rows = _documents(out)
    assert len(rows) == stats["kept"] == stats["output"]["documents"]
    assert list(rows[0])[:8] == ["text", "id", "dump", "url", "date", "file_path", "language",
                                 "language_score"]
    for row in rows:
        assert row["language"] == "en" and row["language_score"] >= 0.65
        assert row["dump"] == "CC-MAIN-2099-01"
        assert row["id"].startswith("<urn:") and row["url"].startswith("http")
        assert "<html" not in row["text"].lower()
    text = "\n".join(r["text"] for r in rows)
    assert "4111 1111 1111 1111" not in text  # PII scrubbed


def test_sample_shards_hold_the_documents(sample_run):
    """Read back with a reader written from llm.c's format alone: every kept document, in file
    and offset order, as <eot> + its GPT-2 tokens; one val shard and one train shard."""
    import numpy as np
    from curation.tokenizer import get_encoding

    out, stats = sample_run
    enc = get_encoding("gpt2")
    rows = _documents(out)
    by_id = {r["id"]: r for r in rows}
    seen = []
    for split in ("val", "train"):
        (path,) = sorted((out / "shards").glob(f"curation_{split}_*.bin"))
        header = np.fromfile(path, dtype="<i4", count=256)
        tokens = np.memmap(path, dtype="<u2", mode="r", offset=1024)
        assert (header[0], header[1], header[2]) == (20240520, 1, len(tokens))
        docs = np.split(np.asarray(tokens), np.flatnonzero(tokens == enc.eot_token))[1:]
        assert stats["tokens"][split] == {"shards": 1, "tokens": len(tokens),
                                          "documents": len(docs)}
        texts = [enc.decode(d[1:].tolist()) for d in docs]
        seen += texts
        for d, text in zip(docs, texts):
            assert len(d) - 1 == next(r["token_count"] for r in rows if r["text"] == text)
    assert sorted(seen) == sorted(r["text"] for r in by_id.values())
    assert stats["tokens"]["documents"] == len(rows) == stats["kept"]
    assert stats["tokens"]["tokens"] == sum(r["token_count"] + 1 for r in rows)


def test_sample_matches_expected_outcomes(sample_run):
    """Each page of the sample meets the fate its README gives it."""
    out, _ = sample_run
    expected = json.loads(EXPECTED.read_text())
    assert set(expected.values()) - {"kept"} <= {
        f"{stage}:{reason}" for stage in list(STAGE_OF_REASON) + ["read"]
        for reason in ("dropped", "extract_empty")}
    kept_urls = {r["url"] for r in _documents(out)}
    assert kept_urls == {url for url, fate in expected.items() if fate == "kept"}
    dropped = {r["url"]: r["drop_stage"] for r in _documents(out, "dropped")}
    for url, fate in expected.items():
        stage = fate.split(":")[0]
        if stage in ("gopher_repetition", "gopher_quality", "c4", "fineweb_quality", "dedup"):
            assert dropped[url].startswith(stage), (url, fate, dropped[url])


def test_worker_count_does_not_change_output(sample_run, tmp_path, shared_data):
    out2, stats2 = sample_run
    real = shared_data / "warc" / "cc-main-2020-34-sample.warc.gz"
    small_shards = ["--set", "tokenize.shard_tokens=1000", "--set", "tokenize.val_fraction=0.1"]
    a = _run([SAMPLE, real], tmp_path / "a", "--direct_num_workers", "1",
             "--direct_running_mode", "in_memory", *small_shards)
    b = _run([SAMPLE, real], tmp_path / "b", "--direct_num_workers", "2", *small_shards)
    assert _parquet_bytes(tmp_path / "a") == _parquet_bytes(tmp_path / "b")
    shards = _shard_bytes(tmp_path / "a")
    assert len(shards) > 4 and shards == _shard_bytes(tmp_path / "b")
    assert a["tokens"] == {**b["tokens"], "directory": a["tokens"]["directory"]}
    assert a["stages"] == b["stages"] and a["read"] == b["read"]
    sample_name = [n for n in _parquet_bytes(tmp_path / "a") if n.startswith("sample")]
    assert _parquet_bytes(tmp_path / "a")[sample_name[0]] == \
        _parquet_bytes(out2)[sample_name[0]]


@pytest.mark.slow
def test_real_crawls_and_every_edge_file(tmp_path, shared_data):
    warc = shared_data / "warc"
    inputs = sorted(warc.glob("*.warc.gz")) + sorted((warc / "edge").iterdir())
    # Reading is under test here: without the quality filters more pages reach the output.
    stats = _run(inputs, tmp_path, "--stages", "url,extract,language,pii")
    assert check_invariant(stats) == []
    assert stats["job"]["inputs"] == len(inputs)
    assert stats["read"]["damaged"], "the edge files' damage is counted"
    assert stats["read"]["skipped"].get("revisit", 0) >= 55
    rows = _documents(tmp_path)
    assert stats["kept"] == len(rows) > 50
    assert {r["language"] for r in rows} == {"en"}
    dumps = {r["dump"] for r in rows if "cc-main-2020-34" in r["file_path"]}
    assert dumps == {"CC-MAIN-2020-34"}


@pytest.mark.slow
def test_real_pages(tmp_path, shared_data):
    """The 1,301 real pages: English ones kept, the German-heavy rest dropped, all accounted."""
    stats = _run([shared_data / "pages" / "real-pages.warc.gz"], tmp_path)
    assert check_invariant(stats) == []
    assert stats["read"]["html"] == 1301
    rows = _documents(tmp_path)
    assert 250 <= len(rows) <= 600, len(rows)
    assert all(r["language"] == "en" for r in rows)


# ----------------------------------------------------------------------------------------------
# Reading a crawl over HTTPS-style URLs, against a loopback server


@pytest.fixture
def crawl_server(tmp_path, shared_data):
    root = tmp_path / "www"
    crawl = root / "crawl-data" / "CC-MAIN-2099-01"
    crawl.mkdir(parents=True)
    files = ["cc-main-2020-34-sample.warc.gz", "cc-main-2024-22-one-page.warc.gz"]
    for name in files:
        (crawl / name).write_bytes((shared_data / "warc" / name).read_bytes())
    with gzip.open(crawl / "warc.paths.gz", "wt") as f:
        f.write("".join(f"crawl-data/CC-MAIN-2099-01/{n}\n" for n in files))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_crawl_over_http(crawl_server, tmp_path, shared_data):
    stats = cc_to_shards.run(["--crawl", "CC-MAIN-2099-01", "--max-files", "1",
                              "--cc_base_url", crawl_server, "--output", str(tmp_path / "h")])
    local = _run([shared_data / "warc" / "cc-main-2020-34-sample.warc.gz"], tmp_path / "l")
    assert stats["job"]["inputs"] == 1
    assert stats["read"] == local["read"] and stats["stages"] == local["stages"]
    remote_rows = _documents(tmp_path / "h")
    assert [r["text"] for r in remote_rows] == [r["text"] for r in _documents(tmp_path / "l")]
    assert all(r["file_path"].startswith("http://127.0.0.1") for r in remote_rows)


# ----------------------------------------------------------------------------------------------
# The CLI's errors: one line that says what to do


def test_relative_model_and_list_paths_become_absolute(tmp_path, monkeypatch):
    """Workers of a portable runner start in another directory: the paths they load from are
    resolved where the job is started."""
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "domains").write_text("blocked.example\n")
    (lists / "lid.ftz").write_bytes(b"")
    seen = {}

    class Built(Exception):
        pass

    def fake_build(p, o, paths, stages, configs, *rest):
        seen.update(lid_model=o.lid_model, blocklist=configs["url"].blocklist)
        raise Built

    monkeypatch.setattr(cc_to_shards, "build", fake_build)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Built):
        cc_to_shards.run(["--input", str(SAMPLE), "--output", "out", "--blocklist", "lists/domains",
                          "--lid_model", "lists/lid.ftz"])
    assert seen == {"lid_model": str(lists / "lid.ftz"), "blocklist": str(lists / "domains")}


def test_cli_missing_input(tmp_path, capsys):
    assert cli_main(["run", "--input", str(tmp_path / "nothing-*.warc.gz"), "--output",
                     str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "nothing-*.warc.gz" in err and err.count("\n") == 1


def test_cli_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli_main(["run", "--input", str(SAMPLE), "--output", str(blocker / "out")]) == 2
    assert "cannot write to --output" in capsys.readouterr().err


def test_cli_bad_options(tmp_path, capsys):
    assert cli_main(["run", "--input", str(SAMPLE), "--output", str(tmp_path),
                     "--langauges", "en"]) == 2
    assert "unknown option --langauges" in capsys.readouterr().err
    assert cli_main(["run", "--input", str(SAMPLE), "--output", str(tmp_path),
                     "--stages", "url,language"]) == 2
    assert "after 'extract'" in capsys.readouterr().err
    assert cli_main(["run", "--input", str(SAMPLE), "--output", str(tmp_path),
                     "--min-language-score", "high"]) == 2


def test_cli_help(capsys):
    assert cli_main(["--help"]) == 0
    assert "run" in capsys.readouterr().out
    assert cli_main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--input", "--crawl", "--max-files", "--output", "--stages", "--blocklist",
                 "--lid-model", "--min-language-score", "--runner"):
        assert flag in out, flag
