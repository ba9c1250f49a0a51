"""The exact stand-ins of curation.fastprune / curation.fastextract change nothing in the output.

Differential tests on the real pages of ../shared/data/pages: each XPath stand-in against
trafilatura's XPath on the very trees trafilatura calls it on, and whole extractions with and
without every stand-in (40 pages here; all 1,301 in the slow test).
"""

import collections
import re

import pytest

trafilatura = pytest.importorskip("trafilatura")
pytest.importorskip("numpy")
from lxml import html  # noqa: E402
from trafilatura import utils, xpaths  # noqa: E402
from trafilatura.deduplication import LRU_TEST  # noqa: E402
from trafilatura.utils import load_html  # noqa: E402

from curation import fastextract, fastprune  # noqa: E402
from curation.warc import read_records  # noqa: E402

OPTS = dict(favor_precision=True, include_comments=False, deduplicate=True, include_tables=True)
XPATHS = [f"{name}[{i}]" for name, i, _, _ in fastprune._STANDINS]
ALL = XPATHS + list(fastextract._INSTALLERS)


@pytest.fixture(scope="module")
def all_pages(shared_data):
    path = shared_data / "pages" / "real-pages.warc.gz"
    with open(path, "rb") as f:
        return [d.text for d in read_records(f, str(path))]


@pytest.fixture(scope="module")
def pages(all_pages):
    return all_pages[::13]  # 101 pages spread over the file (all datasets, many sites)


@pytest.fixture
def stock():
    """trafilatura as installed, whatever the test did to it."""
    fastextract.uninstall()
    yield
    fastextract.uninstall()


def extract_all(htmls):
    out = []
    for page in htmls:
        LRU_TEST.clear()  # in-page dedup only, as in curation.extract
        out.append(trafilatura.extract(page, **OPTS))
    return out


def test_every_stand_in_applies_to_this_trafilatura(stock):
    assert [f"{name}[{i}]" for name, i, _, _ in fastprune.standins(xpaths)] == XPATHS
    assert fastextract.install() == ALL
    assert fastextract.install() == ALL  # idempotent


class _Both:
    """Calls trafilatura's XPath and the stand-in on the same tree, counts disagreements."""

    def __init__(self, name, xpath, standin, seen):
        self.name, self.xpath, self.standin, self.seen = name, xpath, standin, seen

    def __call__(self, tree):
        want = self.xpath(tree)
        got = list(self.standin(tree))
        self.seen[self.name, "calls"] += 1
        self.seen[self.name, "hits"] += bool(want)
        self.seen[self.name, "differ"] += got != want
        return want


def test_stand_ins_select_what_the_xpath_selects_on_the_trees_trafilatura_builds(pages, stock):
    seen = collections.Counter()
    pairs = fastprune.standins(xpaths)
    for name, i, xpath, standin in pairs:
        getattr(xpaths, name)[i] = _Both(f"{name}[{i}]", xpath, standin, seen)
    try:
        extract_all(pages[::2])
    finally:
        for name, i, xpath, _ in pairs:
            getattr(xpaths, name)[i] = xpath
    for name in XPATHS:
        assert seen[name, "calls"] > 0, name
        assert seen[name, "differ"] == 0, name
    # the data exercises the selections, not only empty results
    assert sum(seen[name, "hits"] > 0 for name in XPATHS) >= 10


def test_stand_ins_on_raw_trees(pages, stock):
    trees = [t for t in map(load_html, pages[:50]) if t is not None]
    for name, i, xpath, standin in fastprune.standins(xpaths):
        for tree in trees:
            assert list(standin(tree)) == xpath(tree), (name, i)
        for tree in trees[:20]:  # a subtree as context node: ".//*" excludes it
            body = tree.find("body")
            if body is not None:
                assert list(standin(body)) == xpath(body), (name, i)


def test_same_extraction_output(pages, stock):
    before = extract_all(pages[:40])
    assert fastextract.install() == ALL
    assert extract_all(pages[:40]) == before


def test_uninstall_puts_trafilatura_back(stock):
    from trafilatura import core

    def state():
        return list(xpaths.BODY_XPATH), utils.INVALID_XML_CHARS, core.trafilatura_sequence

    originals = state()
    fastextract.install()
    assert isinstance(xpaths.BODY_XPATH[0], fastprune._ArticleBody)
    fastextract.uninstall()
    assert state() == originals
    assert type(utils.HTML_PARSER.makeelement("form")) is html.FormElement


def test_changed_upstream_code_keeps_the_original(monkeypatch, stock):
    entries = list(fastprune._STANDINS)
    entries[0] = entries[0][:2] + ("0" * 40,) + entries[0][3:]
    monkeypatch.setattr(fastprune, "_STANDINS", tuple(entries))
    monkeypatch.setattr(fastextract, "_SEQUENCE_SHA1", "0" * 40)
    monkeypatch.setattr(fastextract, "_LOOKUP_SHA1", "0" * 40)
    monkeypatch.setattr(fastextract, "_INVALID_XML_PATTERN", "[\\x00]")
    original = xpaths.OVERALL_DISCARD_XPATH[0]
    assert fastextract.install() == XPATHS[1:]
    assert xpaths.OVERALL_DISCARD_XPATH[0] is original
    assert not isinstance(utils.INVALID_XML_CHARS, fastextract._InvalidXmlChars)


@pytest.mark.parametrize("text", [
    "plain ascii <p>text</p>\n\t\r",
    "latin-1 caf\xe9 \xa0 and a bell \x07 here",
    "UCS-2 \u201cquotes\u201d, no control characters",
    "UCS-2 \u201cquotes\u201d with \x0b and \x1f and \ufffe and \uffff",
    "astral \U0001f600 emoji, \ud800 lone surrogate, \uffff",
    "astral \U0001f600\U0001f4a9 only",
    "\x00",
    "",
])
def test_invalid_xml_chars_same_as_the_regex(text, stock):
    regex = re.compile(fastextract._INVALID_XML_PATTERN)
    fast = fastextract._InvalidXmlChars(regex, pytest.importorskip("numpy"))
    assert fast.sub("", text) == regex.sub("", text)
    assert fast.pattern == utils.INVALID_XML_CHARS.pattern


def test_html_class_lookup_gives_the_same_classes(pages, stock):
    def classes(parser, page):
        tree = html.fromstring(page, parser=parser)
        return [type(e) for e in tree.iter()]

    fast = html.HTMLParser(remove_comments=False)
    fast.set_element_class_lookup(fastextract._html_class_lookup(html))
    slow = html.HTMLParser(remove_comments=False)
    forms = "<html><body><FORM><Input><LABEL>x</LABEL><select></select><textArea></textArea>" \
            "</FORM><!-- c --><?pi x?><p>&amp;</p></body></html>"
    assert classes(fast, forms) == classes(slow, forms)
    assert html.FormElement in classes(fast, forms)
    for page in pages[:20]:
        assert classes(fast, page) == classes(slow, page)


@pytest.mark.slow
def test_identical_output_on_all_pages(all_pages, stock):
    """~1 min: every one of the 1,301 pages, stock vs all stand-ins."""
    before = extract_all(all_pages)
    assert fastextract.install() == ALL
    after = extract_all(all_pages)
    assert sum(a == b for a, b in zip(before, after)) == len(all_pages) == 1301
