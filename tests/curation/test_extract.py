"""Tests for curation.extract: real pages against gold, and the killable child process."""

import json
import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from curation.document import Decision, Document
from curation.extract import (
    EMPTY,
    ERROR,
    TIMEOUT,
    TOO_LARGE,
    ExtractConfig,
    Extraction,
    Extractor,
)
from tests.conftest import ROOT, counter_dict

# Gold pages our FineWeb-settings extraction gets right (all `with` snippets in, all `without`
# out; or the start of the article body in), from several languages and sites.
TRAFILATURA_GOLD = [
    "<urn:uuid:a09c699a-2e99-43dd-8c9c-140398214ec0>",  # greenpeace.de (de)
    "<urn:uuid:489d68c3-9764-4e7b-914e-119417c23bdf>",  # threatpost.com (en)
    "<urn:uuid:e7b43465-126d-432d-a3ea-2e0daa88e105>",  # xinhuanet.com (zh)
    "<urn:uuid:886bad16-1862-4e04-baad-f1d0db079914>",  # dalloz-actualite.fr (fr)
    "<urn:uuid:52fbc599-e1d6-4624-8d3a-649209b83fb0>",  # piratenpartei-hessen.de (de)
]
AEB_GOLD = [
    "<urn:uuid:e0be19c2-6bbb-4c82-86bf-8a3c37ce9506>",  # aljazeera.com
    "<urn:uuid:9b5164fb-8e85-4a87-956f-826eb7cc6a19>",  # profootballtalk.nbcsports.com
]

SIMPLE = (
    "<html><head><title>Test</title></head><body><nav><a href='/'>Home</a></nav><article>"
    "<h1>Ferry timetable changes</h1><p>From Monday the morning ferry leaves the harbour at "
    "seven o'clock instead of half past six, the operator said on Tuesday.</p><p>The evening "
    "crossing is unchanged and tickets bought before the change remain valid.</p></article>"
    "</body></html>"
)


def slow_page(paragraphs: int = 30_000) -> str:
    """Pathological but valid HTML: trafilatura needs ~2-3 s for 30k paragraphs (2 MB)."""
    body = "".join(f"<div><p>paragraph {i} with some words in it to make text.</p></div>" for i in range(paragraphs))
    return f"<html><body>{body}</body></html>"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def extractor():
    with Extractor(ExtractConfig()) as ex:
        yield ex


@pytest.fixture(scope="module")
def gold_pages(shared_data):
    """{record id: (gold, html)} for the gold pages used here."""
    from warcio.archiveiterator import ArchiveIterator

    wanted = set(TRAFILATURA_GOLD + AEB_GOLD)
    with open(shared_data / "pages" / "real-pages.gold.jsonl", encoding="utf-8") as f:
        gold = {g["record_id"]: g for g in map(json.loads, f) if g["record_id"] in wanted}
    pages = {}
    with open(shared_data / "pages" / "real-pages.warc.gz", "rb") as f:
        for rec in ArchiveIterator(f):
            rid = rec.rec_headers.get_header("WARC-Record-ID")
            if rec.rec_type == "response" and rid in wanted:
                pages[rid] = (gold[rid], rec.content_stream().read().decode("utf-8", "replace"))
    assert set(pages) == wanted
    return pages


# ---------------------------------------------------------------------------------------------
# Quality on real pages


@pytest.mark.parametrize("rid", TRAFILATURA_GOLD)
def test_trafilatura_gold_snippets(extractor, gold_pages, rid):
    gold, html = gold_pages[rid]
    res = extractor.extract(html)
    assert res.keep and res.reason == ""
    text = norm(res.text)
    for snippet in gold["with"]:
        assert norm(snippet) in text
    for snippet in gold["without"]:
        assert norm(snippet) not in text


@pytest.mark.parametrize("rid", AEB_GOLD)
def test_article_body_gold(extractor, gold_pages, rid):
    gold, html = gold_pages[rid]
    res = extractor.extract(html)
    assert res.keep
    first, last = gold["article_body"].split("\n")[0], gold["article_body"].split("\n")[-1]
    assert norm(first)[:80] in norm(res.text)
    assert norm(last)[-80:] in norm(res.text)


def test_batch_equals_one_by_one(gold_pages):
    htmls = [html for _, html in gold_pages.values()]
    with Extractor() as a, Extractor() as b:  # fresh children: same deduplication history
        assert a.extract_many(htmls) == [b.extract(h) for h in htmls]


# ---------------------------------------------------------------------------------------------
# Drop reasons and counters


def test_empty_and_whitespace_pages(extractor):
    assert extractor.extract("<html><body></body></html>") == Extraction(False, EMPTY)
    assert extractor.extract("<html><body><p>   </p>\n</body></html>") == Extraction(False, EMPTY)
    assert extractor.extract("") == Extraction(False, EMPTY)


def test_too_large_is_dropped_without_being_sent():
    with Extractor(ExtractConfig(max_html_bytes=10_000, timeout_s=60)) as ex:
        pid = ex.child_pid
        t = time.monotonic()
        assert ex.extract(slow_page()) == Extraction(False, TOO_LARGE)
        assert time.monotonic() - t < 0.5  # the 2-3 s page never reached trafilatura
        assert ex.child_pid == pid and ex.restarts == 0
        # the cap counts UTF-8 bytes, not characters: 4,000 CJK characters are 12,000 bytes
        assert ex.extract("<html><body><p>" + "文" * 4000 + "</p></body></html>").reason == TOO_LARGE


def test_bad_input_never_crashes(extractor):
    assert extractor.extract(None) == Extraction(False, ERROR)  # type: ignore[arg-type]
    assert extractor.extract(b"<html></html>") == Extraction(False, ERROR)  # type: ignore[arg-type]
    lone_surrogate = SIMPLE.replace("Monday", "Mon\ud800day")
    assert extractor.extract(lone_surrogate).reason in ("", EMPTY)
    assert extractor.extract(SIMPLE).keep  # and the child is still fine


def test_extract_document_counts_exactly(extractor):
    counts, count = counter_dict()
    meta = {"dump": "CC-MAIN-2024-10"}
    docs = [
        Document("<urn:uuid:1>", "https://example.com/a", SIMPLE, meta),
        Document("<urn:uuid:2>", "https://example.com/b", "<html><body></body></html>", meta),
        Document("<urn:uuid:3>", "https://example.com/c", "<p>x</p>" * 400_000, meta),
        Document("<urn:uuid:4>", "https://example.com/d", SIMPLE.replace("Ferry", "Bus"), meta),
    ]
    out = [extractor.extract_document(d, count) for d in docs]
    assert counts == {
        "total": 4,
        "kept": 2,
        "dropped": 2,
        "dropped:extract_empty": 1,
        "dropped:extract_too_large": 1,
    }
    (new, decision) = out[0]
    assert decision == Decision(True)
    assert "seven o'clock" in new.text and "<p>" not in new.text
    assert (new.id, new.url, new.metadata) == (docs[0].id, docs[0].url, meta)
    assert docs[0].text == SIMPLE  # the input is untouched (Beam forbids mutation)
    assert out[1] == (docs[1], Decision(False, EMPTY))
    assert out[2] == (docs[2], Decision(False, TOO_LARGE))
    assert "Bus timetable" in out[3][0].text


def test_extract_documents_batch_counts(extractor):
    counts, count = counter_dict()
    docs = [Document(str(i), "u", SIMPLE.replace("seven", f"{i} past seven")) for i in range(5)]
    out = extractor.extract_documents(docs, count)
    assert [d.text.count(f"{i} past seven") for i, (d, _) in enumerate(out)] == [1] * 5
    assert counts == {"total": 5, "kept": 5}


# ---------------------------------------------------------------------------------------------
# The child process


def test_one_child_for_many_documents(extractor):
    pid = extractor.child_pid
    for i in range(20):
        assert extractor.extract(SIMPLE.replace("Tuesday", f"day {i}")).keep
    assert extractor.child_pid == pid
    assert extractor.restarts == 0


def test_timeout_kills_the_child_and_the_next_document_extracts(caplog):
    with Extractor(ExtractConfig(timeout_s=0.25, max_html_bytes=10**8)) as ex:
        pid = ex.child_pid
        t = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="curation.extract"):
            assert ex.extract(slow_page()) == Extraction(False, TIMEOUT)
            assert time.monotonic() - t < 2.0  # killed at 0.25 s, not left to run 2-3 s
            assert not _alive(pid)
            assert ex.child_pid != pid and ex.restarts == 1
            res = ex.extract(SIMPLE)
            assert res.keep and "seven o'clock" in res.text
            # in a batch, the pages after the slow one go to the new child
            out = ex.extract_many([SIMPLE, slow_page(), SIMPLE.replace("Ferry", "Train")])
        assert [r.reason for r in out] == ["", TIMEOUT, ""]
        assert "Train timetable" in out[2].text
        assert ex.restarts == 2
        # two timeouts, one log line
        assert [r.getMessage().split(":")[0] for r in caplog.records] == [TIMEOUT]


def test_pipelined_results_come_back_in_order_past_a_timeout():
    """submit() returns at once; next_result() answers in submission order, a page decided
    without the child (too large, not a string) keeps its place, and after a timeout the pages
    queued behind the slow one are re-sent to the new child."""
    pages = [SIMPLE.replace("Ferry", f"Boat{i}") for i in range(6)]
    with Extractor(ExtractConfig(timeout_s=0.25, max_html_bytes=3 * 10**6)) as ex:
        t = time.monotonic()
        for html in (pages[0], slow_page(), pages[1], "x" * (4 * 10**6), None, pages[2]):
            ex.submit(html)
        assert time.monotonic() - t < 0.2  # nothing waited for an answer
        assert ex.in_flight == 6
        out = [ex.next_result() for _ in range(6)]
        assert ex.in_flight == 0 and ex.restarts == 1
        assert [r.reason for r in out] == ["", TIMEOUT, "", TOO_LARGE, ERROR, ""]
        assert [re.search(r"Boat\d", r.text).group() for r in (out[0], out[2], out[5])] == [
            "Boat0", "Boat1", "Boat2"]
        # a window of pages in flight gives what one-by-one gives
        got = []
        for html in pages:
            ex.submit(html)
            if ex.in_flight > 2:
                got.append(ex.next_result())
        while ex.in_flight:
            got.append(ex.next_result())
        assert got == [ex.extract(h) for h in pages]
        with pytest.raises(RuntimeError, match="await next_result"):
            ex.submit(SIMPLE)
            ex.extract_many([SIMPLE])
        assert ex.next_result().keep


def test_child_death_is_an_error_and_the_next_document_extracts():
    with Extractor(ExtractConfig(timeout_s=60, max_html_bytes=10**8)) as ex:
        pid = ex.child_pid
        threading.Timer(0.3, os.kill, (pid, signal.SIGKILL)).start()  # dies mid-page, like OOM
        assert ex.extract(slow_page()) == Extraction(False, ERROR)
        assert ex.extract(SIMPLE).keep and ex.child_pid != pid
        # a child that died while idle is replaced silently: nothing is lost
        pid = ex.child_pid
        os.kill(pid, signal.SIGKILL)
        _wait_reapable(pid)
        assert ex.extract(SIMPLE).keep and ex.child_pid != pid


def test_close_stops_the_child_cleanly():
    ex = Extractor()
    ex.setup()
    ex.setup()  # idempotent
    proc = ex._proc
    ex.close()
    assert proc.returncode == 0  # it read EOF and returned, it was not killed
    assert ex.child_pid is None
    ex.close()  # idempotent


def test_child_exits_when_the_parent_dies():
    script = textwrap.dedent(
        """
        import os, signal, sys
        from curation.extract import Extractor
        ex = Extractor()
        ex.setup()
        print(ex.child_pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # no close(), no atexit
        """
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    child = int(out.stdout.split()[0])
    _wait_dead(child, within=5.0)


def test_threads_share_one_extractor(extractor):
    pages = [SIMPLE.replace("Tuesday", f"weekday {i}") for i in range(24)]
    results = [None] * len(pages)

    def work(k):
        for i in range(k, len(pages), 4):
            results[i] = extractor.extract(pages[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.keep and f"weekday {i}" in r.text for i, r in enumerate(results))


def test_pickles_as_config_only(extractor):
    clone = pickle.loads(pickle.dumps(extractor))
    assert clone.config == extractor.config and clone.child_pid is None
    with clone:
        assert clone.extract(SIMPLE).keep


def test_config_reaches_trafilatura():
    cfg = ExtractConfig()
    assert cfg.trafilatura_kwargs() == dict(
        favor_precision=True, include_comments=False, include_tables=True, deduplicate=True, fast=False
    )
    table = (
        "<html><body><article><p>" + "A sentence that makes this a real article. " * 6 + "</p>"
        "<table><tr><td>Quarterly revenue figure</td><td>42 million</td></tr></table></article></body></html>"
    )
    with Extractor(ExtractConfig(include_tables=False)) as ex:
        assert "42 million" not in ex.extract(table).text
    with Extractor(ExtractConfig(include_tables=True)) as ex:
        assert "42 million" in ex.extract(table).text


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def _wait_reapable(pid: int, within: float = 2.0) -> None:
    """Until our own child ``pid`` has exited and can be reaped (with threads still exiting, /proc
    shows "Z" a moment before ``waitpid`` can collect it)."""
    deadline = time.monotonic() + within
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        assert time.monotonic() < deadline, f"process {pid} still alive"
        time.sleep(0.02)


def _wait_dead(pid: int, within: float = 2.0) -> None:
    """Until ``pid`` (not our child) has exited."""
    deadline = time.monotonic() + within
    while _alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still alive"
        time.sleep(0.02)


def test_dedup_is_within_the_page_only(extractor):
    """trafilatura's repetition cache lives for the whole process; we clear it per page, so a
    page extracts the same after any history (and output does not depend on worker count)."""
    shared = ("This paragraph about the history of the canal and its locks is repeated on every "
              "page of the site, long enough for trafilatura's duplicate check to notice it.")

    def page(i):
        body = "".join(f"<p>Article {i}, paragraph {j}: the canal carried grain, timber and "
                       f"passengers between the lakes and the river for many decades.</p>"
                       for j in range(6))
        return f"<html><body><article><h1>Story {i}</h1>{body}<p>{shared}</p></article></body></html>"

    fresh = extractor.extract(page(9)).text
    for i in range(5):
        extractor.extract(page(i))
    assert extractor.extract(page(9)).text == fresh
    assert "repeated on every page" in fresh
