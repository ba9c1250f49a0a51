"""One composite PTransform per stage of the curation job.

    ReadWarc -> FilterUrls -> ExtractText -> IdentifyLanguage -> Filter<Quality>... -> ScrubPii

Every stage counts what it does in Beam counters under its versioned name (`read_v1`, `url_v1`,
`extract_v1`, `language_v1`, `pii_v1`): `total`, `kept`, `dropped` and `dropped:<reason>`. The job
reads them back after the run to write the funnel in stats.json.

Models and lists are loaded once per worker process: DoFns load in `setup()` through
`apache_beam.utils.shared.Shared`, so every DoFn instance in a process shares one copy.
"""

from __future__ import annotations

import collections
import logging
from typing import Callable, Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils import shared
from apache_beam.utils.windowed_value import WindowedValue

from curation.document import Document
from curation.extract import ExtractConfig, Extractor
from curation.langid import LanguageIdentifier
from curation.pii import PiiConfig, PiiScrubber
from curation.warc import ReadConfig, read_records, warcinfo_dump
from filters.base import Filter
from pipelines import coders, progress  # noqa: F401 (importing coders registers the Document coder)
from pipelines.local import exit_quickly_in_worker
from pipelines.inputs import dump_from_path, input_size, open_input, plan_ranges

log = logging.getLogger(__name__)

READ_NAMESPACE = "read_v1"
EXTRACT_NAMESPACE = "extract_v1"
PII_NAMESPACE = "pii_v1"

DEFAULT_RANGE_BYTES = 64 * 1024 * 1024  # one worker reads at most this much of a file at a time
MIN_RANGE_BYTES = 1024 * 1024  # never split finer: each range costs an open and a resync scan


class _Counters:
    """Beam counters of one namespace: the fixed ones made up front (they are picklable), the
    per-reason ones made on first use and cached."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self._cache = {name: Metrics.counter(namespace, name)
                       for name in ("total", "kept", "dropped")}

    def __call__(self, name: str, n: int = 1) -> None:
        counter = self._cache.get(name)
        if counter is None:
            counter = self._cache[name] = Metrics.counter(self.namespace, name)
        counter.inc(n)

    def drop(self, reason: str) -> None:
        self("dropped")
        self("dropped:" + reason)


def _acquire(handle: shared.Shared, obj):
    """Set ``obj`` up once per worker process and return the shared, set-up instance."""

    def load():
        obj.setup()
        return obj

    exit_quickly_in_worker()
    return handle.acquire(load)


# ----------------------------------------------------------------------------------------------
# ReadWarc


class _PlanRangesFn(beam.DoFn):
    """A path in, the byte ranges to read it in out: ``(path, start, end, dump)``."""

    def __init__(self, dump: str | None, range_bytes: int, min_ranges: int):
        self._dump = dump
        self._range_bytes = range_bytes
        self._min_ranges = min_ranges

    def process(self, path: str):
        size = input_size(path)
        range_bytes = self._range_bytes
        if size and self._min_ranges > 1:
            # Enough ranges for every worker even when there is a single input file.
            range_bytes = max(MIN_RANGE_BYTES, min(range_bytes, -(-size // self._min_ranges)))
        ranges = plan_ranges(path, size, range_bytes)
        dump = self._dump or dump_from_path(path)
        if dump is None and len(ranges) > 1:
            # Only the first range sees the warcinfo record: read its crawl name once, for all.
            try:
                with open_input(path) as f:
                    dump = warcinfo_dump(f)
            except OSError as e:
                log.warning("could not read the warcinfo record of %s: %s", path, e)
        for start, end in ranges:
            yield path, start, end, dump


class _ReadWarcFn(beam.DoFn):
    def __init__(self, config: ReadConfig, progress_dir: str | None):
        self._config = config
        self._progress_dir = progress_dir
        self._count = _Counters(READ_NAMESPACE)

    def setup(self):
        self._progress = progress.Reporter(self._progress_dir)
        exit_quickly_in_worker()

    def process(self, element) -> Iterable[Document]:
        path, start, end, dump = element

        def count(name: str, n: int = 1) -> None:
            self._count(name, n)
            if name.startswith("record:"):
                self._progress.add(records=n)

        try:
            with open_input(path, offset=start) as f:
                yield from read_records(f, path, dump=dump, count=count, config=self._config,
                                        start=start, end=end)
        except OSError as e:
            # The file could not be opened, or the connection broke mid-stream after its
            # retries: count it, log it, and let the job finish with the other files.
            log.error("could not read %s from byte %d: %s", path, start, e)
            self._count("record:damaged")
            self._count("damaged:unreadable_file")
        self._progress.add(ranges=1)

    def teardown(self):
        self._progress.flush()


class ReadWarc(beam.PTransform):
    """Paths in, one `Document` per HTML response record out (text = the decoded HTML).

    Each file is split into byte ranges (per-record-gzip WARCs only; see
    `pipelines.inputs.plan_ranges`) and only the small ``(path, start, end)`` tuples are
    reshuffled, so reading, filtering and extraction run fused and streaming inside a range, and
    one large file still spreads over all workers. Memory per worker does not grow with the input.

    Args:
        paths: the input files.
        dump: crawl id for the ``dump`` column; None takes it from each path.
        config: reader options.
        range_bytes: the largest byte range one worker reads at a time.
        min_ranges: split every file into at least this many ranges (when it is large enough).
        progress_dir: where workers report progress during a local run (None: no reporting).
    """

    def __init__(self, paths: list[str], dump: str | None = None,
                 config: ReadConfig = ReadConfig(), range_bytes: int = DEFAULT_RANGE_BYTES,
                 min_ranges: int = 1, progress_dir: str | None = None):
        super().__init__()
        self._paths = paths
        self._dump = dump
        self._config = config
        self._range_bytes = range_bytes
        self._min_ranges = min_ranges
        self._progress_dir = progress_dir

    def expand(self, pbegin):
        return (
            pbegin
            | "Paths" >> beam.Create(self._paths)
            | "SpreadFiles" >> beam.Reshuffle()
            | "PlanRanges" >> beam.ParDo(
                _PlanRangesFn(self._dump, self._range_bytes, self._min_ranges))
            | "SpreadRanges" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(_ReadWarcFn(self._config, self._progress_dir))
            .with_output_types(Document)
        )


# ----------------------------------------------------------------------------------------------
# ApplyFilter: any `filters.base.Filter`


class _FilterFn(beam.DoFn):
    DROPPED = "dropped"

    def __init__(self, f: Filter, keep_dropped: bool = False):
        self._filter = f
        self._keep_dropped = keep_dropped
        self._handle = shared.Shared()
        self._count = _Counters(f.name)

    def setup(self):
        self._ready = _acquire(self._handle, self._filter)
        # Annotate, then decide: a filter with apply() returns the document with its
        # measurements (and C4 its cleaned text), which the output keeps.
        self._apply = getattr(self._ready, "apply", None)

    def process(self, doc: Document):
        self._count("total")
        if self._apply is not None:
            doc, decision = self._apply(doc)
        else:
            decision = self._ready(doc)
        if decision.keep:
            self._count("kept")
            yield doc
        else:
            self._count.drop(decision.reason)
            if self._keep_dropped:
                yield beam.pvalue.TaggedOutput(self.DROPPED, doc.with_metadata(
                    drop_stage=self._filter.name, drop_reason=decision.reason))


class ApplyFilter(beam.PTransform):
    """Keep the documents ``f`` keeps. The result has the kept documents under ``kept`` and,
    with ``keep_dropped``, the dropped ones (with ``drop_stage`` and ``drop_reason`` metadata)
    under ``dropped``; without it dropped documents are only counted, never held."""

    def __init__(self, f: Filter, keep_dropped: bool = False, label: str | None = None):
        super().__init__(label)
        self._filter = f
        self._keep_dropped = keep_dropped

    def expand(self, docs):
        return docs | beam.ParDo(_FilterFn(self._filter, self._keep_dropped)).with_outputs(
            _FilterFn.DROPPED, main="kept")


class FilterStage(beam.PTransform):
    """A keep/drop stage over any `filters.base.Filter` (URL filter, quality filters): the kept
    documents, annotated with the filter's measurements when it has an ``apply`` method.

    With ``keep_dropped`` the result is ``(kept, dropped)``, the dropped documents carrying
    ``drop_stage`` and ``drop_reason`` in their metadata.
    """

    def __init__(self, f: Filter, keep_dropped: bool = False):
        super().__init__()
        self._filter = f
        self._keep_dropped = keep_dropped

    def expand(self, docs):
        result = docs | ApplyFilter(self._filter, keep_dropped=self._keep_dropped)
        if self._keep_dropped:
            return result["kept"], result[_FilterFn.DROPPED]
        return result["kept"]


# ----------------------------------------------------------------------------------------------
# ExtractText


class _ExtractFn(beam.DoFn):
    # Pages handed to the child ahead of the one being waited for: while the child extracts
    # them, this worker reads the next records and runs the later stages on earlier pages.
    AHEAD = 1

    def __init__(self, config: ExtractConfig):
        self._config = config
        self._count = _Counters(EXTRACT_NAMESPACE)

    def setup(self):
        # One extraction worker process per DoFn instance: an instance runs one bundle at a time,
        # so its worker is never shared between threads.
        self._extractor = Extractor(self._config)
        self._extractor.setup(wait=False)  # trafilatura loads while the other stages set up

    def start_bundle(self):
        self._waiting: collections.deque = collections.deque()  # (doc, timestamp, window)
        while self._extractor.in_flight:  # pages of a bundle that failed and will be retried
            self._extractor.next_result()

    def process(self, doc: Document, timestamp=beam.DoFn.TimestampParam,
                window=beam.DoFn.WindowParam):
        self._extractor.submit(doc.text)
        self._waiting.append((doc, timestamp, window))
        if len(self._waiting) > self.AHEAD:
            yield from self._next()

    def finish_bundle(self):
        while self._waiting:
            yield from self._next()

    def _next(self):
        doc, timestamp, window = self._waiting.popleft()
        # Extractor.apply counts total, kept and dropped:<reason>.
        out, decision = Extractor.apply(doc, self._extractor.next_result(), self._count)
        if decision.keep:
            yield WindowedValue(out, timestamp, (window,))

    def teardown(self):
        self._extractor.close()


class ExtractText(beam.PTransform):
    """HTML to main text with trafilatura, FineWeb's settings, in a killable worker process."""

    def __init__(self, config: ExtractConfig = ExtractConfig()):
        super().__init__()
        self._config = config

    def expand(self, docs):
        return docs | beam.ParDo(_ExtractFn(self._config)).with_output_types(Document)


# ----------------------------------------------------------------------------------------------
# IdentifyLanguage: annotate, then decide


class _AnnotateLanguageFn(beam.DoFn):
    def __init__(self, identifier: LanguageIdentifier):
        self._identifier = identifier
        self._handle = shared.Shared()

    def setup(self):
        self._ready = _acquire(self._handle, self._identifier)

    def process(self, doc: Document):
        yield self._ready.annotate(doc)


class IdentifyLanguage(beam.PTransform):
    """Annotate every document with fastText's top language and score, then keep the documents
    the language filter accepts."""

    def __init__(self, identifier: LanguageIdentifier, f: Filter):
        super().__init__()
        self._identifier = identifier
        self._filter = f

    def expand(self, docs):
        annotated = docs | "Annotate" >> beam.ParDo(_AnnotateLanguageFn(self._identifier))
        return (annotated | "Decide" >> ApplyFilter(self._filter))["kept"]


# ----------------------------------------------------------------------------------------------
# ScrubPii


class _ScrubPiiFn(beam.DoFn):
    def __init__(self, config: PiiConfig, namespace: str):
        self._config = config
        self._count = _Counters(namespace)

    def setup(self):
        self._scrubber = PiiScrubber(self._config)

    def process(self, doc: Document):
        self._count("total")
        self._count("kept")
        yield self._scrubber.scrub_document(doc, self._count)


class ScrubPii(beam.PTransform):
    """Replace e-mail addresses, public IPs, phone numbers and card numbers with placeholders."""

    def __init__(self, config: PiiConfig = PiiConfig(), namespace: str = PII_NAMESPACE):
        super().__init__()
        self._config = config
        self._namespace = namespace

    def expand(self, docs):
        return docs | beam.ParDo(_ScrubPiiFn(self._config, self._namespace))


# ----------------------------------------------------------------------------------------------
# The final count of kept documents, for the progress line


class _CountKeptFn(beam.DoFn):
    def __init__(self, progress_dir: str | None):
        self._progress_dir = progress_dir

    def setup(self):
        self._progress = progress.Reporter(self._progress_dir)

    def process(self, doc: Document):
        self._progress.add(kept=1)
        yield doc

    def teardown(self):
        self._progress.flush()


def count_kept(progress_dir: str | None) -> Callable:
    return beam.ParDo(_CountKeptFn(progress_dir))
