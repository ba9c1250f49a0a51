"""Drop documents whose URL points at adult content, as FineWeb's URL filter does.

The rules and their order follow datatrove's ``URLFilter`` (our own code and word lists):

1. ``url_blocklisted_domain``: the host or any parent domain is on the domain blocklist. datatrove
   asks tldextract for the registered domain and the full host; we check every dot-suffix of the
   host instead (``a.b.example.com``, ``b.example.com``, ``example.com``, ``com``), a superset
   that needs no public suffix list and no network. It is UT1's own squidGuard semantics: UT1
   lists bare TLDs such as ``xxx`` and ``porn`` to block them whole. IP hosts match only whole.
2. ``url_blocklisted_url``: the URL, normalised (no scheme, lowercase host without ``www.``, no
   fragment, no trailing ``/``), is on the URL list, with or without its query string.
3. ``url_hard_banned_word``: any hard banned word is one of the URL's words (runs of [a-z0-9]).
4. ``url_soft_banned_words``: at least ``soft_word_threshold`` distinct soft banned words.
5. ``url_banned_subword``: a banned subword occurs in the URL with all separators removed.
6. ``url_invalid``: no URL or no host could be parsed.

Unlike datatrove we lowercase the URL before splitting it into words, so ``/PORN/`` is caught.

The domain list can be UT1's (about 4.5M domains; see bench/README-urlfilter.md), held as sorted
64-bit hashes (`curation.blocklist`); loaded lists are shared by every filter in the process with
the same config.

    f = URLFilter(URLFilterConfig(blocklist="/data/blacklists.tar.gz")); f.setup()
    f(doc)  # Decision(keep=False, reason="url_blocklisted_domain")

Benchmark the full list with ``python bench/urlfilter_load.py``.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from urllib.parse import urlsplit

import numpy as np

from curation.blocklist import (domain_hash, hash_domain_lines, load_source, read_shipped,
                                subword_regex, suffix_hashes)
from curation.document import KEEP, Decision, Document

_SEPARATORS = re.compile(r"[^a-z0-9]+")  # applied to lowercased text
_HOST = re.compile(r"[^\s/\\<>\"'{}|^`]+")  # what a parsed host may hold
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_WORD_LISTS = ("banned_words.txt", "soft_banned_words.txt", "banned_subwords.txt")


@dataclasses.dataclass(frozen=True)
class URLFilterConfig:
    """Where the lists come from and how strict the word rules are.

    Args:
        blocklist: None uses the short lists shipped in ``curation/data/urlfilter/``; otherwise a
            UT1 ``blacklists.tar.gz``, a directory of UT1 category dirs, or a text file with one
            domain per line.
        categories: UT1 categories read from a tarball or directory (``<category>/domains`` and
            ``<category>/urls``); files at the top level (datatrove's flat tarball) are always read.
        extra_domains: more domains to block (with their subdomains).
        extra_urls: more URLs to block, normalised like the list.
        extra_banned_words, extra_soft_banned_words, extra_banned_subwords: added to the word lists.
        use_default_words: read the shipped word lists (off: only the extra words apply).
        soft_word_threshold: drop when at least this many distinct soft words are in the URL.
        cache_dir: where to keep the parsed domain index; None = ``$CURATION_CACHE_DIR`` or the
            temp directory (skipped, with a log line, when it is not writable).
    """

    blocklist: str | None = None  # None = the small shipped list
    categories: tuple[str, ...] = ("adult",)  # datatrove's bundled list is UT1 "adult"
    extra_domains: tuple[str, ...] = ()
    extra_urls: tuple[str, ...] = ()
    extra_banned_words: tuple[str, ...] = ()
    extra_soft_banned_words: tuple[str, ...] = ()
    extra_banned_subwords: tuple[str, ...] = ()
    use_default_words: bool = True
    soft_word_threshold: int = 2  # FineWeb's value
    cache_dir: str | None = None

    def __post_init__(self):  # lists would make the config unhashable (it keys the cache)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and f.name != "blocklist" and f.name != "cache_dir":
                object.__setattr__(self, f.name, (value,))  # "adult" means ("adult",)
            elif isinstance(value, (list, set, frozenset)):
                object.__setattr__(self, f.name, tuple(sorted(value)))


# ---------------------------------------------------------------------------- normalising


def normalize_word(word: str) -> str:
    return _SEPARATORS.sub("", word.lower())


def _parse_url(url: str) -> tuple[str, str, str] | None:
    """(host, path, query) with the host lowercased; None when there is no host."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    return (host, parts.path.rstrip("/"), parts.query) if _HOST.fullmatch(host) else None


def _url_keys(host: str, path: str, query: str) -> list[str]:
    base = (host[4:] if host.startswith("www.") else host) + path
    return [base + "?" + query, base] if query else [base]


def _host_bytes(host: str) -> bytes:
    if host.isascii():
        return host.encode()
    try:
        return host.encode("idna")  # lists hold punycode
    except UnicodeError:
        return host.encode("utf-8", "surrogatepass")


@dataclasses.dataclass(frozen=True)
class _Lists:
    domains: tuple[np.ndarray, ...]  # sorted domain_hash arrays
    urls: frozenset[str]
    hard: frozenset[str]
    soft: frozenset[str]
    subwords: re.Pattern | None


def _build(cfg: URLFilterConfig) -> _Lists:
    if cfg.blocklist is None:
        big, urls = np.empty(0, np.uint64), read_shipped("urls.txt")
        small = read_shipped("domains.txt") + list(cfg.extra_domains)
    else:
        (big, urls), small = load_source(cfg.blocklist, cfg.categories, cfg.cache_dir), list(cfg.extra_domains)
    small_hashes = np.sort(hash_domain_lines("\n".join(small).encode()))
    url_keys = set()
    for u in urls + list(cfg.extra_urls):
        parsed = _parse_url(u)
        if parsed:
            url_keys.update(_url_keys(*parsed)[:1])

    def words(name, extra):
        found = (read_shipped(name) if cfg.use_default_words else []) + list(extra)
        return frozenset(w for w in map(normalize_word, found) if w)

    hard, soft, sub = (words(n, e) for n, e in zip(_WORD_LISTS, (
        cfg.extra_banned_words, cfg.extra_soft_banned_words, cfg.extra_banned_subwords)))
    return _Lists((big, small_hashes), frozenset(url_keys), hard, soft, subword_regex(sorted(sub)))


_CACHE: dict = {}  # URLFilterConfig -> _Lists: one copy per process, shared by all DoFn instances
_CACHE_LOCK = threading.Lock()


# ---------------------------------------------------------------------------- the filter


class URLFilter:
    """FineWeb's URL rules over a domain/URL blocklist and three word lists.

    Args:
        config: list sources and thresholds; pickling carries only this.
    """

    name = "url_v1"

    def __init__(self, config: URLFilterConfig = URLFilterConfig()):
        self.config = config
        self._lists: _Lists | None = None

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])

    def setup(self) -> None:
        """Load the lists once per process (idempotent, thread-safe)."""
        if self._lists is None:
            with _CACHE_LOCK:
                if self.config not in _CACHE:
                    _CACHE[self.config] = _build(self.config)
                self._lists = _CACHE[self.config]

    def _blocked_host(self, host: str) -> bool:
        raw = _host_bytes(host)
        if ":" in host or _IPV4.fullmatch(host):  # 1.2.3.4 has no parent domains
            keys = np.array([domain_hash(raw)], np.uint64)
        else:
            keys = np.array(suffix_hashes(raw), np.uint64)
        for table in self._lists.domains:
            if len(table):
                i = table.searchsorted(keys)
                i[i == len(table)] = 0
                if (table[i] == keys).any():
                    return True
        return False

    def __call__(self, doc: Document) -> Decision:
        if self._lists is None:
            raise RuntimeError("URLFilter.setup() must be called before filtering")
        url = doc.url if isinstance(doc.url, str) else ""
        parsed = _parse_url(url.strip())
        if parsed is None:
            return Decision(False, "url_invalid")
        lists = self._lists
        if self._blocked_host(parsed[0]):
            return Decision(False, "url_blocklisted_domain")
        if any(k in lists.urls for k in _url_keys(*parsed)):
            return Decision(False, "url_blocklisted_url")
        lowered = url.lower()
        words = set(_SEPARATORS.split(lowered))
        if not lists.hard.isdisjoint(words):
            return Decision(False, "url_hard_banned_word")
        if len(lists.soft & words) >= self.config.soft_word_threshold:
            return Decision(False, "url_soft_banned_words")
        if lists.subwords is not None and lists.subwords.search(_SEPARATORS.sub("", lowered)):
            return Decision(False, "url_banned_subword")
        return KEEP
