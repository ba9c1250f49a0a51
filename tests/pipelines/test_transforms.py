"""Tests for pipelines.transforms DoFns driven by hand (bundle lifecycle)."""

from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP

from curation.document import Document
from curation.extract import ExtractConfig
from pipelines.transforms import _ExtractFn

PAGE = ("<html><body><article><h1>{0}</h1><p>The {0} report was published on Tuesday and "
        "describes the harbour works planned for the next two years in some detail.</p>"
        "</article></body></html>")


def _docs(*names):
    return [Document(id=n, url=f"https://example.com/{n}", text=PAGE.format(n)) for n in names]


def test_extract_fn_emits_in_order_and_a_retried_bundle_starts_clean():
    fn = _ExtractFn(ExtractConfig())
    fn.setup()
    try:
        window = GlobalWindow()
        fn.start_bundle()  # a bundle that fails after three pages were handed to the child
        for doc in _docs("Alpha", "Bravo", "Charlie"):
            list(fn.process(doc, MIN_TIMESTAMP, window))
        fn.start_bundle()  # the retry: nothing of the failed bundle may come out of this one
        out = []
        for doc in _docs("Delta", "Echo", "Foxtrot"):
            out += fn.process(doc, MIN_TIMESTAMP, window)
        assert len(out) == 3 - _ExtractFn.AHEAD  # the last AHEAD pages wait for finish_bundle
        out += fn.finish_bundle()
        assert [wv.value.id for wv in out] == ["Delta", "Echo", "Foxtrot"]
        assert all(wv.value.text.startswith(wv.value.id) for wv in out)
        assert all(wv.windows == (window,) and wv.timestamp == MIN_TIMESTAMP for wv in out)
    finally:
        fn.teardown()
