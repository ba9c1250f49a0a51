"""Faster, exact stand-ins for trafilatura's XPath expressions (same elements, same order).

trafilatura finds boilerplate and the main-content frame with XPath expressions whose EXSLT
``re:test`` predicates call back into Python for every candidate element, and whose
``self::a or self::b ...`` tests libxml2 evaluates slowly: on the 1,301 real pages the 12
expressions replaced here take ~49% of stock extraction time (`bench/extraction_speed.py
--shares`). Each class below selects the same elements in document order with plain string tests
and memoised regexes in one walk over the tree (``tree.iter(tags)`` filters tags in C, and
``len(el.attrib)`` skips bare elements before any ``get``): 3-6x faster, ~20% of ours.
`curation.fastextract.install` puts them in place in the extraction child (`curation.extract`).

They reproduce XPath's semantics exactly, including its quirks: ``re:test(@id|@class, ...)``
tests only the first of the two attributes in source order, a missing attribute is the empty
string, ``.//*`` excludes the context node, ``.//*[p][1]`` is the first match *per parent* and
``(.//*[p])[1]`` the first in the document (the stand-ins for `BODY_XPATH` are generators, so
trafilatura's ``next(...)`` stops the walk at the first hit). `install` replaces an expression
only when the installed trafilatura's text of it is the one reproduced here (its sha1), so an
upgrade falls back to trafilatura's own XPath instead of silently changing the output.
``python -m pytest tests/curation/test_fastprune.py`` compares each with its XPath on real pages.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Collection

from lxml.etree import Element

log = logging.getLogger(__name__)

_ANY_ELEMENT = Element  # tree.iter(Element) skips comments and processing instructions
_SIX = ("div", "item", "list", "p", "section", "span")  # self::div or self::item or ... self::span
_FRAMES = ("article", "div", "main", "section")


def _first(el, names: tuple[str, str]) -> str:
    """XPath's string(@a|@b): the value of whichever comes first in source order, or ""."""
    for k, v in el.items():
        if k in names:
            return v
    return ""


class _Standin:
    """Base: keeps the XPath text it replaces, for logs and reprs."""

    path = ""

    def __init__(self, xpaths=None):  # the classes that build regexes from its tokens take it
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}({' '.join(self.path.split())!r})"


# ---------------------------------------------------------------------------------------------
# OVERALL_DISCARD_XPATH: navigation, sharing, consent, ads, footers...; hidden elements


class _Memo(dict):
    """regex.search(value) is not None, remembered per attribute value: class and id values repeat
    within a page and across a site's pages, and these alternations of ~70 tokens cost ~1 us."""

    def __init__(self, search):
        super().__init__()
        self._search = search

    def __missing__(self, value: str) -> bool:
        if len(self) >= 100_000:  # bound the memory on a long-running worker (~10 MB)
            self.clear()
        hit = self[value] = self._search(value) is not None
        return hit


class _Discard(_Standin):
    """OVERALL_DISCARD_XPATH[0]: div/item/list/p/section/span that look like navigation,
    sharing, consent, ads, footers..., by their id, class, role or data attributes."""

    def __init__(self, xpaths):
        self._ids = _Memo(re.compile(xpaths._alt(
            xpaths._OVERALL_DISCARD_BOTH_TOKENS + xpaths._OVERALL_DISCARD_ID_TOKENS)).search)
        self._classes = _Memo(re.compile(xpaths._alt(
            xpaths._OVERALL_DISCARD_BOTH_TOKENS + xpaths._OVERALL_DISCARD_CLASS_TOKENS)).search)

    def __call__(self, tree) -> list:
        out, ids, classes = [], self._ids, self._classes
        for el in tree.iter(*_SIX):
            n = len(el.attrib)  # cheap; each get() costs ~0.15 us and items() ~2 us
            if not n or el is tree:
                continue
            get = el.get
            idv, clv = get("id"), get("class")
            if idv is None:
                hit, known = clv is not None and (classes[clv] or "cookie" in clv), clv is not None
            elif clv is None:
                hit, known = ids[idv] or "cookie" in idv, 1
            else:  # re:test(@id|@class, 'cookie'): the first of the two in source order
                hit, known = ids[idv] or classes[clv] or "cookie" in _first(el, ("id", "class")), 2
            if hit or (n > known and (get("data-lp-replacement-content") is not None
                                      or "nav" in get("role", "").replace("N", "n")
                                      or "MostPopularStories" in get("data-component", ""))):
                out.append(el)
        return out


class _DiscardHidden(_Standin):
    """OVERALL_DISCARD_XPATH[1]: comment titles, reply blocks and hidden elements."""

    def __init__(self, xpaths=None):
        self._classes = _Memo(re.compile(
            "^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-"
            "|hide-print| hidden| hide|noprint|notloaded").search)

    def __call__(self, tree) -> list:
        out, classes = [], self._classes
        for el in tree.iter(_ANY_ELEMENT):
            n = len(el.attrib)
            if not n or el is tree:
                continue
            get = el.get
            idv, clv, style = get("id"), get("class"), get("style")
            i, c, s = idv or "", clv or "", style or ""
            # re:test(@id, 'reader-comments|akismet') and re:test(@id|@style, 'hidden') are
            # substring tests; (@id|@class) and (@id|@style) take the first in source order
            if (c == "comments-title" or "display:none" in s or "display: none" in s
                    or "reader-comments" in i or "akismet" in i or (c and classes[c])
                    or ("reply-" in i + c
                        and (_first(el, ("id", "class")) if idv is not None and clv is not None
                             else i + c).startswith("reply-"))
                    or ("hidden" in i + s
                        and "hidden" in (_first(el, ("id", "style"))
                                         if idv is not None and style is not None else i + s))
                    or (n > (idv is not None) + (clv is not None) + (style is not None)
                        and get("aria-hidden") == "true")):
                out.append(el)
        return out


# ---------------------------------------------------------------------------------------------
# Raw-tree and comment pruning (core.trafilatura_sequence)


class _InfiniteScroll(_Standin):
    """RAW_TREE_PRUNE_XPATH[0]: infinite-scroll containers of follow-up articles, unless they
    hold the page's h1 (an "mvp-post-add" container goes whatever it holds)."""

    _any = re.compile("mvp-post-add-(?:box|wrap)|infinite-?scroll").search
    _mvp = re.compile("mvp-post-add-(?:box|wrap)").search

    def __call__(self, tree) -> list:
        out, hit, mvp = [], self._any, self._mvp
        for el in tree.iter("div", "section", "aside"):
            if not el.attrib:
                continue
            idv, clv = el.get("id", ""), el.get("class", "")
            # "mvp-post-add-" or "scroll" is in every string the regex matches
            if ((("mvp-post-add-" in idv or "scroll" in idv) and hit(idv)
                 or ("mvp-post-add-" in clv or "scroll" in clv) and hit(clv)) and el is not tree
                    and (next(el.iter("h1"), None) is None or mvp(idv) or mvp(clv))):
                out.append(el)
        return out


class _ElementorShare(_Standin):
    """RAW_TREE_PRUNE_XPATH[1]: Elementor share-button blocks."""

    def __call__(self, tree) -> list:
        return [el for el in tree.iter("div", "section", "aside")
                if el.attrib and "elementor-share-buttons" in el.get("class", "")
                and el is not tree]


_COMMENTS_ID = re.compile("^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)").search
_COMMENTS_ID_NO_DISQUS = re.compile("^(?:[Cc]omment(?!ary)|comol)").search
_COMMENTS_CLASS = re.compile("^[Cc]omment(?!ary)|(?:article|post)-comments").search


def _comment_like(idv: str, clv: str) -> bool:
    # the substring tests are implied by the regexes and rule out almost every element cheaply
    return bool((("omment" in idv or "comol" in idv or "disqus_thread" in idv
                  or "dsq-comments" in idv) and _COMMENTS_ID(idv))
                or ("omment" in clv and _COMMENTS_CLASS(clv)))


class _Comments(_Standin):
    """REMOVE_COMMENTS_XPATH[0]: comment sections (div/list/section/details)."""

    def __call__(self, tree) -> list:
        return [el for el in tree.iter("div", "list", "section", "details")
                if el.attrib and _comment_like(el.get("id", ""), el.get("class", ""))
                and el is not tree]


class _CommentsAndLists(_Standin):
    """REMOVE_COMMENTS_AND_LISTS_XPATH[0]: the same plus ol/ul comment lists (not disqus ids)."""

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iter("div", "list", "section", "details", "ol", "ul"):
            if not el.attrib:
                continue
            idv, clv = el.get("id", ""), el.get("class", "")
            if (_comment_like(idv, clv) and el is not tree
                    and (el.tag not in ("ol", "ul") or _COMMENTS_ID_NO_DISQUS(idv)
                         or _COMMENTS_CLASS(clv))):
                out.append(el)
        return out


# ---------------------------------------------------------------------------------------------
# main_extractor.prune_unwanted_sections


class _Teaser(_Standin):
    """TEASER_DISCARD_XPATH[0]: id or class containing "teaser" (T or t)."""

    def __call__(self, tree) -> list:
        return [el for el in tree.iter(*_SIX)
                if el.attrib and ("teaser" in el.get("id", "").replace("T", "t")
                    or "teaser" in el.get("class", "").replace("T", "t")) and el is not tree]


class _Caption(_Standin):
    """DISCARD_IMAGE_ELEMENTS[0]: id or class containing "caption"."""

    def __call__(self, tree) -> list:
        return [el for el in tree.iter(*_SIX)
                if el.attrib and ("caption" in el.get("id", "") or "caption" in el.get("class", ""))
                and el is not tree]


class _BottomLinkBorder(_Standin):
    """PRECISION_DISCARD_XPATH[1]: "bottom"/"link" tokens in the first of id/class, or a
    border style."""

    _bottom = re.compile(r"(^|\s)bottom|bottom(\s|$)").search
    _link = re.compile(r"(^|\s)link(\s|$)").search

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iter(*_SIX):
            if not el.attrib:
                continue
            get = el.get
            idv, clv = get("id"), get("class")
            if idv is None and clv is None:
                first = ""
            elif idv is None or clv is None:
                first = idv if clv is None else clv
            else:
                first = _first(el, ("id", "class"))
            if ((("bottom" in first and self._bottom(first))
                 or ("link" in first and self._link(first))
                 or "border" in get("style", "")) and el is not tree):
                out.append(el)
        return out


# ---------------------------------------------------------------------------------------------
# BODY_XPATH: the main-content frame; trafilatura only ever takes the first element returned


class _ArticleBody(_Standin):
    """BODY_XPATH[0]: article/div/main/section whose id or class names the article body;
    ``[1]``: the first such child of each parent, in document order."""

    def __init__(self, xpaths):
        self._ids = _Memo(re.compile(xpaths._alt(xpaths._ARTICLE_CONTENT_ID_TOKENS)).search)
        self._classes = _Memo(re.compile(xpaths._alt(xpaths._ARTICLE_CONTENT_CLASS_TOKENS)).search)

    def __call__(self, tree):
        parents, ids, classes = set(), self._ids, self._classes
        for el in tree.iter(*_FRAMES):
            if not el.attrib:
                continue
            get = el.get
            idv, clv = get("id", ""), get("class", "")
            if ((clv == "post" or clv == "entry" or get("itemprop") == "articleBody"
                    or idv == "articleContent" or ids[idv] or classes[clv])
                    and el is not tree):
                parent = el.getparent()
                if parent not in parents:
                    parents.add(parent)
                    yield el


def _first_frame(tree, matches):
    """A generator of the first article/div/main/section below ``tree`` (``.//*`` excludes the
    context node) whose attributes pass ``matches(get, id, class)``; trafilatura takes next()."""
    for el in tree.iter(*_FRAMES):
        if not el.attrib or el is tree:
            continue
        get = el.get
        if matches(get, get("id", ""), get("class", "")):
            yield el
            return


class _Story(_Standin):
    """BODY_XPATH[2]: the first article/div/main/section named like a story or post body."""

    _ids = re.compile("^primary|story-body").search
    _fulltext = re.compile("fulltext", re.IGNORECASE).search  # lxml's re:test flag 'i'
    _classes = re.compile("^article |post-bodycopy|story-?content|(?:theme|blog|section|single)"
                          "-content|single-post|main-column|wpb_text_column|story-body"
                          "|field-body").search

    def _matches(self, get, idv: str, clv: str) -> bool:
        return (get("role") == "article" or idv == "article" or idv == "story"
                or clv in ("postarea", "art-postcontent", "text", "cell", "story")
                or bool(self._ids(idv) or self._fulltext(clv) or self._classes(clv)))

    def __call__(self, tree):
        return _first_frame(tree, self._matches)


class _MainContent(_Standin):
    """BODY_XPATH[3]: the first article/div/main/section named like the main content."""

    _ids = re.compile("content-main|content-body|contentBody").search
    _classes = re.compile("content[-_]main|content(?:-|__)body").search

    def _matches(self, get, idv: str, clv: str) -> bool:
        return bool(idv == "content" or clv == "content" or self._ids(idv) or self._classes(clv)
                    or "main-content" in idv.replace("C", "c").replace("M", "m")
                    or "main-content" in clv.replace("C", "c").replace("M", "m")
                    or "page-content" in clv.replace("C", "c").replace("P", "p"))

    def __call__(self, tree):
        return _first_frame(tree, self._matches)


# ---------------------------------------------------------------------------------------------
# Installation

# (list in trafilatura.xpaths, index, sha1 of the expression's text in trafilatura 2.3.1, class)
_STANDINS = (
    ("OVERALL_DISCARD_XPATH", 0, "d00545c1e3acd7dd0585191cc70e0104d49e5586", _Discard),
    ("OVERALL_DISCARD_XPATH", 1, "8c88600b03181df7a8d96c7c92ca3b0351f47e78", _DiscardHidden),
    ("RAW_TREE_PRUNE_XPATH", 0, "c15751070b078a647446175f714fc52b5d51ca8c", _InfiniteScroll),
    ("RAW_TREE_PRUNE_XPATH", 1, "12b073ccb20e96330059aff8a9782a769ecf22e6", _ElementorShare),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0, "7e7d885e629a511978658d1420f16b1a4ac09d85",
     _CommentsAndLists),
    ("REMOVE_COMMENTS_XPATH", 0, "97b3a45900e751deb0c5446b7456a1274778d954", _Comments),
    ("TEASER_DISCARD_XPATH", 0, "db87f1790b6b744970979d0892598c4445ee10e1", _Teaser),
    ("DISCARD_IMAGE_ELEMENTS", 0, "1c87660c9ae9af66a3b616601505d9d8b4c5624b", _Caption),
    ("PRECISION_DISCARD_XPATH", 1, "1333a88a43255a90e57fad382aa978fb9b88f8bd", _BottomLinkBorder),
    ("BODY_XPATH", 0, "2465b9ddf0fc1b9b11762bba0368942a191f062d", _ArticleBody),
    ("BODY_XPATH", 2, "b9c180cd18240e44ef70d3bb606708425bec038f", _Story),
    ("BODY_XPATH", 3, "1e7b8c5b36e9e0e8045815f7c79ba22f4d557cca", _MainContent),
)
_ORIGINALS: dict[tuple[str, int], object] = {}  # what `install` replaced, for `uninstall`


def _digest(xpath) -> str:
    return hashlib.sha1(xpath.path.encode()).hexdigest()


def standins(xpaths) -> list[tuple[str, int, object, _Standin]]:
    """(list name, index, trafilatura's XPath, our stand-in) for every expression whose text is
    the one reproduced here; the differential tests run both."""
    out = []
    for name, i, digest, cls in _STANDINS:
        xpath = _ORIGINALS.get((name, i)) or getattr(xpaths, name)[i]
        if getattr(xpath, "path", None) is not None and _digest(xpath) == digest:
            standin = cls(xpaths)
            standin.path = xpath.path
            out.append((name, i, xpath, standin))
    return out


def install(only: Collection[str] | None = None) -> list[str]:
    """Swap trafilatura's expressions for these in this process (idempotent). Returns the names
    of the expressions replaced now or before; one whose text changed keeps trafilatura's XPath.

    Args:
        only: install just these, by name (``"BODY_XPATH[0]"``...); None: all of them.
    """
    try:
        from trafilatura import xpaths
    except ImportError:
        return []
    by_key = {(name, i): (xpath, standin) for name, i, xpath, standin in standins(xpaths)}
    done = []
    for name, i, _, _ in _STANDINS:
        if only is not None and f"{name}[{i}]" not in only:
            continue
        if (name, i) not in by_key:
            log.warning("trafilatura's %s[%d] changed; using its XPath (slower)", name, i)
            continue
        xpath, standin = by_key[name, i]
        # The lists are shared by every trafilatura module that imported them: replace in place.
        exprs = getattr(xpaths, name)
        if not isinstance(exprs[i], _Standin):
            _ORIGINALS[name, i] = xpath
            exprs[i] = standin
        done.append(f"{name}[{i}]")
    return done


def uninstall() -> None:
    """Put trafilatura's own XPath expressions back (for A/B comparisons)."""
    from trafilatura import xpaths

    for (name, i), xpath in _ORIGINALS.items():
        getattr(xpaths, name)[i] = xpath
    _ORIGINALS.clear()
