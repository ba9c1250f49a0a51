"""HTML -> plain text with trafilatura, the FineWeb way, in a child process that can be killed.

FineWeb extracts with ``trafilatura.extract(html, favor_precision=True, include_comments=False,
deduplicate=True)`` (datatrove ``pipeline/extractors/trafilatura.py``). trafilatura can run for a
very long time on some pages (trafilatura #704 "runs indefinitely"; a 7 MB page of 100k short
paragraphs takes 21 s here), and a Python thread cannot be stopped, so the extraction runs in ONE
persistent child process per `Extractor`. The parent sends it the UTF-8 bytes of each page over a
socket pair and waits at most ``timeout_s`` per document; on timeout it SIGKILLs the child, starts
a new one and reports ``extract_timeout``. A child is started only by ``setup()`` and after a kill
or a death, never per document.

Usage::

    with Extractor(ExtractConfig()) as ex:          # setup() starts the child
        doc, decision = ex.extract_document(doc, count)
        # Decision(True) and doc.text = the plain text, or Decision(False, "extract_timeout"|...)

        ex.submit(html)                             # pipelined: returns at once
        result = ex.next_result()                   # results in submission order

The pipelined pair lets the caller work on one page's text (language ID, PII, ...) while the
child extracts the next page; a Beam worker keeps one page queued ahead (`pipelines.transforms`).

Drop reasons: ``extract_timeout``, ``extract_error`` (trafilatura raised, or the child died),
``extract_empty`` (no text, or only whitespace) and ``extract_too_large`` (over
``max_html_bytes``; such a page is never sent to the child).

Why ``subprocess`` and not ``multiprocessing``: both "spawn" and "forkserver" re-import the
parent's ``__main__`` in every child. Under Beam that is ``sdk_worker_main`` (importing Beam adds
~1.8 s and ~100 MB to each child), and a user script without an ``if __name__ == "__main__"``
guard would re-run itself. ``subprocess.Popen`` (fork+exec done in C, so safe from any thread,
like "spawn") runs a fixed entry point, `_child_main`, and nothing else. Framing and ``poll`` come
from `multiprocessing.connection.Connection` on the socket, with ``send_bytes``/``recv_bytes``: no
pickling.

Run the tests with ``python -m pytest tests/curation/test_extract.py``; measure quality and speed
with ``python bench/extraction.py``.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import json
import logging
import os
import pathlib
import queue
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, Sequence

from curation.document import Count, Decision, Document, no_count

log = logging.getLogger(__name__)

TIMEOUT = "extract_timeout"
ERROR = "extract_error"
EMPTY = "extract_empty"
TOO_LARGE = "extract_too_large"

# `extract_many` keeps at most this many pages sent and unanswered, so that one call with a whole
# bundle does not hold the bundle twice in memory (here and in the child).
_MANY_IN_FLIGHT = 16

# Result messages from the child start with one status byte.
_TEXT, _EMPTY, _ERROR = b"T", b"N", b"E"
_READY = b"ready"

# Parsed once by each new child: it fails fast on bad trafilatura options and warms trafilatura up.
_WARMUP_HTML = (
    "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up page</h1>"
    "<p>This paragraph exists only to run trafilatura once before the first real page, "
    "so that option errors show up at start-up.</p></article></body></html>"
)


@dataclasses.dataclass(frozen=True)
class ExtractConfig:
    """Options of the extraction stage.

    Args:
        favor_precision: trafilatura option; less text, less boilerplate (FineWeb: True).
        include_comments: trafilatura option; keep user comments (FineWeb: False).
        include_tables: trafilatura option; keep text inside <table> (trafilatura and FineWeb: True).
        deduplicate: trafilatura option; drop paragraphs repeated more than twice within the page.
            trafilatura keeps its repetition cache for the whole process, so in datatrove the
            output of a page depends on the pages its worker saw before; we clear the cache before
            every page, so the output is the same whatever the worker count or order.
        fast: trafilatura option; skip the fallback extractors (readability port, jusText).
            FineWeb: False. True is 1.7x faster on the real pages but leaves 2.8% of them empty
            instead of 0.5%, with lower recall (bench/README-extraction.md).
        timeout_s: wall-clock seconds one document may take in the child before it is killed.
        max_html_bytes: pages whose UTF-8 HTML is longer are dropped without being sent.
        startup_timeout_s: seconds a new child may take to import trafilatura and warm up.
    """

    favor_precision: bool = True  # FineWeb / datatrove default
    include_comments: bool = False  # datatrove hard-codes False: comments are not main text
    include_tables: bool = True  # trafilatura's default; datatrove leaves it alone
    deduplicate: bool = True  # FineWeb default; within the page only (see docstring)
    fast: bool = False  # FineWeb ran with trafilatura's fallbacks on (no_fallback=False)
    # 5 s: on the 1,301 real pages (bench/extraction.py, busy 2-core box) the median is 19 ms,
    # p99 110 ms and the slowest 0.4 s, so 5 s stops only real pathologies. datatrove's 0.1 s
    # drops 1.4% of these pages, mostly long articles, and makes drops depend on machine load.
    # A kill + restart costs ~0.4 s of child start-up, so a tight limit is not cheaper either.
    timeout_s: float = 5.0
    # 2 MiB: Common Crawl truncates payloads at 1 MiB (WARC-Truncated: length), so no CC page is
    # dropped; larger non-CC inputs take seconds (1.4 MB of paragraphs: 2.2 s, 2.7 MB: 6.1 s).
    max_html_bytes: int = 2 * 2**20
    startup_timeout_s: float = 60.0  # import trafilatura takes ~0.3 s; slack for loaded workers

    def trafilatura_kwargs(self) -> dict[str, Any]:
        """The keyword arguments passed to ``trafilatura.extract``."""
        return dict(
            favor_precision=self.favor_precision,
            include_comments=self.include_comments,
            include_tables=self.include_tables,
            deduplicate=self.deduplicate,
            fast=self.fast,
        )


class Extraction(NamedTuple):
    """The result of extracting one page: a `Decision` plus the text."""

    keep: bool
    reason: str = ""  # "" when kept, else extract_timeout/_error/_empty/_too_large
    text: str = ""  # the extracted plain text when kept

    @property
    def decision(self) -> Decision:
        return Decision(self.keep, self.reason)


KEPT = Decision(True)
_DROPS = {r: Extraction(False, r) for r in (TIMEOUT, ERROR, EMPTY, TOO_LARGE)}


# ---------------------------------------------------------------------------------------------
# The parent side


class Extractor:
    """trafilatura in one persistent, killable child process.

    Thread safety: one lock guards the child for a whole `extract_many` call. The child extracts one page
    at a time anyway, so a child per thread would only add parallelism by adding processes, and
    Beam already runs one SDK process per core: more children would oversubscribe the CPUs, and
    each costs 75-110 MB RSS. Give each DoFn instance its own Extractor (created in
    ``DoFn.setup``) when more parallelism per process is wanted.

    Pickling keeps only the config (the child and the socket stay behind), so an Extractor can be
    built at pipeline-construction time and ``setup()`` on the worker.

    Args:
        config: the extraction options.
    """

    name = "extract_v1"  # counter namespace

    def __init__(self, config: ExtractConfig = ExtractConfig()):
        self.config = config
        self._lock = threading.RLock()  # extract_many holds it around submit/next_result
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._ready = False  # the current child has sent its "ready"
        self._started = 0  # children started so far
        self._logged: set[str] = set()  # reasons already logged once
        # Submitted pages, oldest first: [utf-8 bytes sent to the child, None] until answered,
        # or [None, result] for a page decided here (too large, not a string).
        self._queue: collections.deque[list] = collections.deque()

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])

    def __enter__(self) -> "Extractor":
        self.setup()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass

    @property
    def child_pid(self) -> int | None:
        """Pid of the current child, or None when none is running."""
        return self._proc.pid if self._proc is not None else None

    @property
    def restarts(self) -> int:
        """Children started after the first one (after kills or deaths)."""
        return max(0, self._started - 1)

    def setup(self, wait: bool = True) -> None:
        """Start the child if it is not running. Idempotent.

        Args:
            wait: wait until the child has imported trafilatura and said it is ready (and raise if
                it cannot start). With False the child starts in the background and the first
                page waits for it: a Beam worker loads its other models meanwhile.
        """
        with self._lock:
            if wait:
                self._ensure_child()
            elif self._proc is None or self._proc.poll() is not None:
                self._spawn()

    def close(self) -> None:
        """Stop the child: closing the socket makes it exit; kill it if it does not."""
        with self._lock:
            self._stop(graceful=True)
            self._queue.clear()

    # -- extraction ---------------------------------------------------------------------------

    def extract(self, html: str) -> Extraction:
        """Extract the main text of one HTML page."""
        return self.extract_many([html])[0]

    def extract_many(self, htmls: Sequence[str]) -> list[Extraction]:
        """Extract several pages, keeping the child busy, each page under its own timeout.

        Thread-safe, like `extract`: the call holds the extractor until its last result."""
        results: list[Extraction] = []
        with self._lock:
            if self._queue:
                raise RuntimeError("extract_many() while submitted pages await next_result()")
            for html in htmls:
                self.submit(html)
                if self.in_flight >= _MANY_IN_FLIGHT:
                    results.append(self.next_result())
            while self.in_flight:
                results.append(self.next_result())
        return results

    def extract_document(self, doc: Document, count: Count = no_count) -> tuple[Document, Decision]:
        """Replace ``doc.text`` (HTML) with its extracted text.

        Returns ``(new_doc, Decision(True))``, or ``(doc, Decision(False, reason))`` with the
        document unchanged. Counts ``total``, ``kept``, ``dropped`` and ``dropped:<reason>``.

        Args:
            doc: a document whose text is HTML.
            count: injectable counter, ``count(name, n=1)``.
        """
        return self.apply(doc, self.extract(doc.text), count)

    def extract_documents(
        self, docs: Sequence[Document], count: Count = no_count
    ) -> list[tuple[Document, Decision]]:
        """`extract_document` for several documents (see `extract_many`)."""
        return [self.apply(d, r, count) for d, r in zip(docs, self.extract_many([d.text for d in docs]))]

    @staticmethod
    def apply(doc: Document, res: Extraction, count: Count = no_count) -> tuple[Document, Decision]:
        """``doc`` with the extracted text of ``res`` and the decision, counted as
        `extract_document` counts it."""
        count("total")
        if not res.keep:
            count("dropped")
            count(f"dropped:{res.reason}")
            return doc, res.decision
        count("kept")
        return dataclasses.replace(doc, text=res.text), KEPT

    # -- pipelined: the child works on the next pages while the caller uses earlier results ----

    @property
    def in_flight(self) -> int:
        """Pages submitted whose result `next_result` has not returned yet."""
        return len(self._queue)

    def submit(self, html: str) -> None:
        """Send one page to the child and return at once; `next_result` returns the results in
        the order the pages were submitted. For one caller at a time (a DoFn instance)."""
        with self._lock:
            if not isinstance(html, str):
                entry = [None, self._drop(ERROR, f"expected str HTML, got {type(html).__name__}")]
            else:
                data = html.encode("utf-8", "surrogatepass")  # lone surrogates survive the trip
                too_large = len(data) > self.config.max_html_bytes
                entry = [None, _DROPS[TOO_LARGE]] if too_large else [data, None]
            self._queue.append(entry)
            if entry[0] is not None:
                self._send(entry[0])

    def next_result(self) -> Extraction:
        """The result of the oldest submitted page: waits for it at most ``timeout_s`` (counted
        from this call), and kills and replaces the child if it takes longer or dies."""
        with self._lock:
            data, result = self._queue[0]
            if result is None:
                result = self._receive()
            self._queue.popleft()
            return result

    # -- child management ---------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        self._ensure_child()
        assert self._conn is not None
        try:
            self._conn.send_bytes(data)
        except OSError:
            pass  # the child died: `_receive` reports it for the page it was on and resends the rest

    def _receive(self) -> Extraction:
        """The child's answer for the page at the head of the queue."""
        assert self._conn is not None
        if not self._conn.poll(self.config.timeout_s):
            result = self._drop(TIMEOUT, f"a page took over {self.config.timeout_s} s")
        else:
            try:
                return self._decode(self._conn.recv_bytes())
            except (EOFError, OSError):  # killed (OOM, segfault in lxml, ...) mid-page
                code = self._proc.poll() if self._proc is not None else None
                result = self._drop(ERROR, f"extraction child died (exit code {code})")
        # The head page is lost with the child; the pages behind it go to a new one.
        self._restart()
        for data, res in itertools.islice(self._queue, 1, None):
            if res is None:
                self._send(data)
        return result

    def _decode(self, msg: bytes) -> Extraction:
        status, body = msg[:1], msg[1:]
        if status == _TEXT:
            return Extraction(True, "", body.decode("utf-8", "surrogatepass"))
        if status == _EMPTY:
            return _DROPS[EMPTY]
        return self._drop(ERROR, body.decode("utf-8", "replace"))

    def _drop(self, reason: str, message: str) -> Extraction:
        if reason not in self._logged:  # the first of each kind only, not one line per page
            self._logged.add(reason)
            log.warning("%s: %s (further ones are only counted)", reason, message)
        return _DROPS[reason]

    def _ensure_child(self) -> None:
        """Make sure a child is running and has said it is ready."""
        if self._proc is None or self._proc.poll() is not None:  # none yet, or died while idle
            self._spawn()
        if self._ready:
            return
        assert self._conn is not None and self._proc is not None
        try:
            self._ready = self._conn.poll(self.config.startup_timeout_s) and self._conn.recv_bytes() == _READY
        except (EOFError, OSError):
            pass
        if not self._ready:
            code = self._proc.poll()
            self._stop(graceful=False)
            raise RuntimeError(f"trafilatura child did not start (exit code {code}); see its stderr")

    def _restart(self) -> None:
        """Kill the child and start the next one now; it imports trafilatura while we go on."""
        self._stop(graceful=False)
        try:
            self._spawn()
        except OSError:  # e.g. out of processes: `_ensure_child` tries again and raises
            pass

    def _spawn(self) -> None:
        self._stop(graceful=False)  # reap a dead child, if any
        parent_sock, child_sock = socket.socketpair()
        fd = child_sock.fileno()
        root = str(pathlib.Path(__file__).resolve().parent.parent)  # where `curation` lives
        boot = (
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from curation.extract import _child_main; _child_main(int(sys.argv[2]), sys.argv[3])"
        )
        opts = json.dumps(self.config.trafilatura_kwargs())
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", boot, root, str(fd), opts],
                pass_fds=(fd,),
                # numpy's BLAS would start a thread per core in every child for nothing (the
                # stand-ins use no BLAS); one thread also makes a killed child reapable at once.
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1"},
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C meant for the parent does not hit the child
            )
        except BaseException:
            parent_sock.close()
            raise
        finally:
            child_sock.close()
        self._conn = Connection(parent_sock.detach())
        self._ready = False
        self._started += 1

    def _stop(self, graceful: bool) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()  # the child reads EOF and exits
        if proc is not None:
            if graceful:
                try:
                    proc.wait(timeout=2)
                    return
                except subprocess.TimeoutExpired:
                    pass
            proc.kill()  # SIGKILL: trafilatura may be stuck in C code
            proc.wait()


# ---------------------------------------------------------------------------------------------
# The child side


def _child_main(fd: int, opts_json: str) -> None:
    """Serve extraction requests on ``fd`` until the parent closes it or dies.

    Args:
        fd: the child's end of the socket pair.
        opts_json: `ExtractConfig.trafilatura_kwargs` as JSON.
    """
    conn = Connection(fd)
    parent = os.getppid()
    try:  # if memory runs out, let the kernel kill this child rather than the Beam worker
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000\n")
    except OSError:
        pass
    # trafilatura logs an ERROR/WARNING line for each unparsable or empty page: keep them quiet,
    # outcomes are counted by the parent.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    import trafilatura

    _freeze_justext_stoplist()
    from curation.fastextract import install  # exact stand-ins: same output, faster

    install()
    from trafilatura.deduplication import LRU_TEST

    opts = json.loads(opts_json)
    trafilatura.extract(_WARMUP_HTML, **opts)
    # A reader thread takes pages off the socket as they come, so the parent's sends never wait
    # for our answers: it sends the next pages while it reads the answers to the earlier ones.
    pages: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_read_pages, args=(conn, parent, pages), daemon=True).start()
    try:
        conn.send_bytes(_READY)
        while True:
            page = pages.get()
            LRU_TEST.clear()  # in-page dedup only: deterministic whatever came before
            conn.send_bytes(_extract_one(trafilatura.extract, page, opts))
    except OSError:  # the parent closed the socket or died
        os._exit(0)


def _read_pages(conn: Connection, parent: int, pages: queue.SimpleQueue) -> None:
    """Put each page the parent sends on ``pages``; end the process when the parent is gone."""
    try:
        while True:
            # Also wake up every second: if another process forked from the parent keeps our
            # socket open, EOF never comes, but a changed parent pid still says it is gone.
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    raise EOFError
            pages.put(conn.recv_bytes())
    except (EOFError, OSError):
        # The parent closed the socket: it wants no more answers, including for pages still
        # queued. Nothing to flush, and skipping the teardown of lxml and trafilatura's modules
        # saves a few hundred ms that the parent (a Beam worker shutting down) would wait for.
        os._exit(0)


def _freeze_justext_stoplist() -> None:
    """Make trafilatura's jusText fallback cheaper (one-paragraph page: 8.9 -> 1.0 ms), same output.

    trafilatura passes jusText one tuple of all 154,484 stopwords of all languages, and jusText's
    ``define_stoplist`` is an ``lru_cache`` keyed on it: every call re-hashes the whole tuple
    (2.1 ms here; a tuple does not cache its hash). A frozenset caches its hash (0.001 ms) and
    ``define_stoplist`` only iterates it, so results are identical. Skipped if trafilatura changes.
    """
    try:
        from trafilatura import external

        external.JT_STOPLIST = frozenset(external.JT_STOPLIST or external.jt_stoplist_init())
    except (ImportError, AttributeError, TypeError):
        pass


def _extract_one(extract: Any, page: bytes, opts: dict) -> bytes:
    try:
        text = extract(str(page, "utf-8", "surrogatepass"), **opts)
    except Exception as err:  # trafilatura raised: report it, keep serving
        return _ERROR + f"{type(err).__name__}: {err}".encode("utf-8", "replace")
    if not text or text.isspace():
        return _EMPTY
    return _TEXT + text.encode("utf-8", "surrogatepass")
