"""The fast stand-in for trafilatura's OVERALL_DISCARD_XPATH selects exactly the same elements."""

import pytest

trafilatura = pytest.importorskip("trafilatura")
from trafilatura import xpaths  # noqa: E402
from trafilatura.deduplication import LRU_TEST  # noqa: E402
from trafilatura.utils import load_html  # noqa: E402

from curation import fastprune  # noqa: E402
from curation.warc import read_records  # noqa: E402


@pytest.fixture(scope="module")
def pages(shared_data):
    path = shared_data / "pages" / "real-pages.warc.gz"
    with open(path, "rb") as f:
        docs = [d.text for d in read_records(f, str(path))]
    return docs[::13]  # 101 pages spread over the file (all datasets, many sites)


@pytest.fixture
def original():
    saved = list(xpaths.OVERALL_DISCARD_XPATH)
    yield saved
    xpaths.OVERALL_DISCARD_XPATH[:] = saved


def test_same_elements_in_the_same_order(pages, original):
    fast = [fastprune._Discard(xpaths), fastprune._DiscardHidden()]
    compared = 0
    for html in pages:
        tree = load_html(html)
        if tree is None:
            continue
        for xpath, ours in zip(original, fast):
            assert ours(tree) == xpath(tree)
            compared += 1
    assert compared > 150


def test_same_extraction_output(pages, original):
    opts = dict(favor_precision=True, include_comments=False, deduplicate=True)

    def extract_all():
        out = []
        for html in pages[:40]:
            LRU_TEST.clear()
            out.append(trafilatura.extract(html, **opts))
        return out

    before = extract_all()
    assert fastprune.install()
    assert isinstance(xpaths.OVERALL_DISCARD_XPATH[0], fastprune._Discard)
    assert extract_all() == before


def test_other_trafilatura_versions_keep_their_xpath(original, monkeypatch):
    monkeypatch.setattr(fastprune, "_EXPECTED", "0" * 40)
    assert not fastprune.install()
    assert xpaths.OVERALL_DISCARD_XPATH == original
