"""A faster, exact stand-in for trafilatura's ``OVERALL_DISCARD_XPATH`` (same elements, same order).

trafilatura prunes boilerplate with two XPath expressions whose EXSLT ``re:test`` predicates call
back into Python for every candidate element: on the 1,301 real pages that is 31% of all
extraction time. These two callables select the same elements in document order with compiled
regexes in one walk over the tree, 2.8x faster, which makes extraction 1.29x faster
(23.3 s -> 18.1 s on the 1,301 pages) with byte-identical output on every page.

They reproduce XPath's semantics exactly, including its quirks: ``re:test(@id|@class, ...)``
tests only the first of the two attributes in source order, a missing attribute is the empty
string, and ``.//*`` excludes the context node. `install` replaces the expressions only when the
installed trafilatura's are the ones this was written against (a hash of their text), so an
upgrade falls back to trafilatura's own XPath instead of silently changing the output.
`tests/curation/test_fastprune.py` compares both on real pages.
"""

from __future__ import annotations

import hashlib
import logging
import re

from lxml.etree import Element

log = logging.getLogger(__name__)

# sha1 of the two expressions' text in trafilatura 2.3.1 (what this module re-implements).
_EXPECTED = "3972170068776aa1a2e49cf21df457a03fc384d5"
_TAGS = ("div", "item", "list", "p", "section", "span")
_ANY_ELEMENT = Element  # tree.iter(Element) skips comments and processing instructions


def _first(el, names: tuple[str, str]) -> str:
    """XPath's string(@a|@b): the value of whichever comes first in source order, or ""."""
    for k, v in el.items():
        if k in names:
            return v
    return ""


class _Discard:
    """The first expression: div/item/list/p/section/span that look like navigation, sharing,
    consent, ads, footers..., by their id, class, role or data attributes."""

    def __init__(self, xpaths):
        self._consent = re.compile(xpaths._alt(xpaths._CONSENT_ID_CLASS_TOKENS)).search
        self._ids = re.compile(xpaths._alt(
            xpaths._OVERALL_DISCARD_BOTH_TOKENS + xpaths._OVERALL_DISCARD_ID_TOKENS)).search
        self._classes = re.compile(xpaths._alt(
            xpaths._OVERALL_DISCARD_BOTH_TOKENS + xpaths._OVERALL_DISCARD_CLASS_TOKENS)).search

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iter(*_TAGS):
            get = el.get
            idv, clv = get("id"), get("class")
            if idv is None and clv is None:
                hit = False
            else:
                first = _first(el, ("id", "class")) if idv is not None and clv is not None \
                    else (idv if idv is not None else clv)
                hit = bool((idv is not None and self._ids(idv))
                           or (clv is not None and self._classes(clv)) or self._consent(first))
            if (hit or get("data-lp-replacement-content") is not None
                    or "nav" in get("role", "").replace("N", "n")
                    or "MostPopularStories" in get("data-component", "")) and el is not tree:
                out.append(el)
        return out


class _DiscardHidden:
    """The second expression: comment titles, reply blocks and hidden elements."""

    _hidden = re.compile("hidden").search
    _ids = re.compile("reader-comments|akismet").search
    _classes = re.compile("^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links"
                          "|-hide-|hide-print| hidden| hide|noprint|notloaded").search

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iter(_ANY_ELEMENT):
            items = el.items()
            if not items or el is tree:
                continue
            a = dict(items)
            style, idv, clv = a.get("style", ""), a.get("id", ""), a.get("class", "")
            if (clv == "comments-title"
                    or ("reply-" in idv + clv and _first(el, ("id", "class")).startswith("reply-"))
                    or ("hidden" in idv + style and self._hidden(_first(el, ("id", "style"))))
                    or "display:none" in style or "display: none" in style
                    or self._ids(idv) or self._classes(clv)
                    or a.get("aria-hidden") == "true"):
                out.append(el)
        return out


def install() -> bool:
    """Swap trafilatura's expressions for these in this process; False (and trafilatura's own
    XPath kept) when the installed trafilatura's expressions are not the ones reproduced here."""
    try:
        from trafilatura import xpaths
        text = "\n".join(x.path for x in xpaths.OVERALL_DISCARD_XPATH)
    except (ImportError, AttributeError):
        return False
    if isinstance(xpaths.OVERALL_DISCARD_XPATH[0], _Discard):
        return True  # already installed
    if hashlib.sha1(text.encode()).hexdigest() != _EXPECTED:
        log.warning("trafilatura's OVERALL_DISCARD_XPATH changed; using its XPath (slower)")
        return False
    # The list object is shared by every trafilatura module that imported it: replace in place.
    xpaths.OVERALL_DISCARD_XPATH[:] = [_Discard(xpaths), _DiscardHidden()]
    return True
