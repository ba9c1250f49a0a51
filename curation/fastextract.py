"""Exact speed-ups for trafilatura's extraction, installed in the extraction child process.

`install` puts in place, each only if the upstream code it stands in for is the one written
against (a sha1 of its source or pattern, trafilatura 2.3.1 / lxml 6.1), so that an upgrade
falls back to the original instead of silently changing the output:

- `curation.fastprune`: the XPath expressions, in Python (see there);
- ``invalid_xml_chars``: ``utils.INVALID_XML_CHARS.sub`` first checks with numpy whether the
  page holds any of those control characters at all (1,301 pages: 0.18 s instead of 0.68 s);
- ``html_class_lookup``: lxml.html picks the Python class of every element proxy with a Python
  method (``HtmlElementClassLookup.lookup``, ~4 million calls on the 1,301 pages); the same
  table as an ``ElementNamespaceClassLookup`` does it in C;
- ``raw_tree_copy``: in precision mode without comments trafilatura copies the raw tree for
  readability although nothing reads the raw tree afterwards; the copy is skipped.

Usage (what `curation.extract._child_main` does)::

    from curation.fastextract import install
    install()          # -> names of the stand-ins in place; uninstall() puts trafilatura back

``python bench/extraction_speed.py`` times stock vs patched trafilatura and checks the output is
identical on all 1,301 real pages; ``tests/curation/test_fastprune.py`` is the differential test.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import itertools
import logging
from typing import Callable, Collection

from curation import fastprune

log = logging.getLogger(__name__)

_UNDO: dict[str, Callable[[], None]] = {}  # installed stand-in -> what puts the original back


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _source_sha1(*objs) -> str:
    """sha1 of the concatenated source of ``objs`` ("" when the source is not available)."""
    try:
        return _sha1("".join(inspect.getsource(o) for o in objs))
    except (OSError, TypeError):
        return ""


# ---------------------------------------------------------------------------------------------
# utils.INVALID_XML_CHARS: skip the 5 ns/char regex scan on pages without those characters

_INVALID_XML_PATTERN = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]"


class _InvalidXmlChars:
    """``re.compile(_INVALID_XML_PATTERN)`` whose ``sub`` returns the string unchanged, without
    the regex, when none of its UTF-16 code units is one of the characters (a surrogate pair
    never is, so the test is exact for every str); otherwise the regex does the work."""

    def __init__(self, regex, numpy):
        self._regex, self._np = regex, numpy
        self.pattern = regex.pattern

    def _has_any(self, text: str) -> bool:
        units = self._np.frombuffer(text.encode("utf-16-le", "surrogatepass"), "<u2")
        return bool(((units < 32) & (units != 9) & (units != 10) & (units != 13)).any()
                    or (units >= 0xFFFE).any())

    def sub(self, repl, string, count=0):
        if type(string) is str and not self._has_any(string):
            return string
        return self._regex.sub(repl, string, count)

    def __getattr__(self, name):  # search, match, flags...: the regex's own
        return getattr(self._regex, name)


def _install_invalid_xml_chars() -> bool:
    from trafilatura import utils

    current = utils.INVALID_XML_CHARS
    if isinstance(current, _InvalidXmlChars):
        return True
    try:
        import numpy
    except ImportError:
        return False
    if getattr(current, "pattern", None) != _INVALID_XML_PATTERN:
        return False
    utils.INVALID_XML_CHARS = _InvalidXmlChars(current, numpy)
    _UNDO["invalid_xml_chars"] = lambda: setattr(utils, "INVALID_XML_CHARS", current)
    return True


# ---------------------------------------------------------------------------------------------
# lxml.html's element class lookup, in C

# sha1 of lxml 6.1's HtmlElementClassLookup.lookup source
_LOOKUP_SHA1 = "e9f7723135836f9ff509aab4be610a06584a029a"


def _html_class_lookup(html):
    """An ``ElementNamespaceClassLookup`` returning what ``HtmlElementClassLookup().lookup``
    returns for every element without a namespace (the HTML parser creates no other):
    ``_default_element_classes[name.lower()]`` (form, input, label, select, textarea; every
    upper/lower-case spelling registered) or ``HtmlElement``, and the Html* classes for comments,
    processing instructions and entities."""
    from lxml import etree

    lookup = etree.ElementNamespaceClassLookup(etree.ElementDefaultClassLookup(
        element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction,
        entity=html.HtmlEntity))
    registry = lookup.get_namespace(None)
    for name, cls in html.HtmlElementClassLookup._default_element_classes.items():
        for spelling in itertools.product(*({c.lower(), c.upper()} for c in name)):
            registry["".join(spelling)] = cls
    return lookup


def _install_html_class_lookup() -> bool:
    from lxml import html
    from trafilatura import utils

    if "html_class_lookup" in _UNDO:
        return True
    if _source_sha1(html.HtmlElementClassLookup.lookup) != _LOOKUP_SHA1:
        return False
    lookup = _html_class_lookup(html)
    parsers = (utils.HTML_PARSER, html.html_parser)  # trafilatura's, and readability's default
    for parser in parsers:
        parser.set_element_class_lookup(lookup)

    def undo():
        for parser in parsers:  # what HTMLParser.__init__ sets
            parser.set_element_class_lookup(html.HtmlElementClassLookup())

    _UNDO["html_class_lookup"] = undo
    return True


# ---------------------------------------------------------------------------------------------
# core.trafilatura_sequence without the dead copy of the raw tree

# sha1 of trafilatura 2.3.1's trafilatura_sequence + _extract_and_compare + bare_extraction
_SEQUENCE_SHA1 = "b46bd31d96367f14bc4aa03ba4ee9ee4ad60a651"


def _sequence(core, original):
    """`core.trafilatura_sequence` for precision mode without comments (FineWeb's settings),
    with the same steps in the same order, except that readability gets the raw tree itself
    instead of a copy: in this mode the raw tree is dead after that call (no baseline rescue, no
    recall escalation, no forum-post salvage), and `bare_extraction` never reads it again.
    Other settings run trafilatura's own sequence."""

    def trafilatura_sequence(tree, options, url=None):
        if options.comments or options.focus != "precision":
            return original(tree, options, url)
        is_forum = core._forum_thread_page(tree)
        tree = core.prune_unwanted_nodes(tree, core.RAW_TREE_PRUNE_XPATH)
        tree = core.prune_unwanted_nodes(tree, core.REMOVE_COMMENTS_AND_LISTS_XPATH)
        cleaned_tree, cleaned_tree_backup = core._prepare_tree(tree, options, url)
        commentsbody = core.Element("body")
        if not is_forum:
            cleaned_tree = core.prune_unwanted_nodes(cleaned_tree, core.REMOVE_COMMENTS_XPATH)
        postbody, temp_text = core.extract_content(cleaned_tree, options)
        if not options.fast:
            postbody, temp_text = core.compare_extraction(
                cleaned_tree_backup, tree, postbody, temp_text, options)
        return postbody, temp_text, commentsbody, ""

    trafilatura_sequence.__doc__ = original.__doc__
    return trafilatura_sequence


def _install_sequence() -> bool:
    from trafilatura import core

    if "raw_tree_copy" in _UNDO:
        return True
    original = core.trafilatura_sequence
    digest = _source_sha1(original, core._extract_and_compare, core.bare_extraction)
    if digest != _SEQUENCE_SHA1:
        return False
    core.trafilatura_sequence = _sequence(core, original)
    _UNDO["raw_tree_copy"] = lambda: setattr(core, "trafilatura_sequence", original)
    return True


# ---------------------------------------------------------------------------------------------
# Installation

_INSTALLERS = {
    "invalid_xml_chars": _install_invalid_xml_chars,
    "html_class_lookup": _install_html_class_lookup,
    "raw_tree_copy": _install_sequence,
}


def install(only: Collection[str] | None = None) -> list[str]:
    """Install every stand-in whose upstream code is the expected one, in this process
    (idempotent). Returns their names; logs a warning for each one left out.

    Args:
        only: install just these, by name (as returned; e.g. ``"raw_tree_copy"``,
            ``"BODY_XPATH[0]"``), to measure them one by one; None: all of them.
    """
    if importlib.util.find_spec("trafilatura") is None:
        return []
    done = fastprune.install(only)
    for name, installer in _INSTALLERS.items():
        if only is not None and name not in only:
            continue
        if installer():
            done.append(name)
        else:
            log.warning("trafilatura/lxml code behind %s changed; keeping the original", name)
    return done


def uninstall() -> None:
    """Put every original back (for A/B comparisons in one process)."""
    fastprune.uninstall()
    while _UNDO:
        _UNDO.popitem()[1]()
