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

The domain list can be UT1's (about 4.5M domains; see bench/README-urlfilter.md). Held as a Python
set it would cost ~500 MB per worker, so we keep a sorted ``uint64`` array of stable 64-bit hashes
(FNV-1a over the reversed domain, 36 MB) and binary-search it; a false match needs a 64-bit
collision (~n / 2**64 per lookup). The parsed index is cached as ``<source>.<key>.urlindex.npz``
(next to the source, or in ``cache_dir``; the key covers the source's size and mtime), and loaded
lists are shared by every filter in the process with the same config.

    f = URLFilter(URLFilterConfig(blocklist="/data/blacklists.tar.gz")); f.setup()
    f(doc)  # Decision(keep=False, reason="url_blocklisted_domain")

Benchmark the full list with ``python bench/urlfilter_load.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import logging
import os
import re
import tarfile
import tempfile
import threading
from urllib.parse import urlsplit

import numpy as np

from curation.document import KEEP, Decision, Document

log = logging.getLogger(__name__)

_SEPARATORS = re.compile(r"[^a-z0-9]+")  # applied to lowercased text
_HOST = re.compile(r"[^\s/\\<>\"'{}|^`]+")  # what a parsed host may hold
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_FNV_OFFSET, _FNV_PRIME, _MASK64 = 0xCBF29CE484222325, 0x100000001B3, 0xFFFFFFFFFFFFFFFF
_CHUNK = 1 << 24  # hash domain files 16 MB at a time, to keep peak memory low
_INDEX_VERSION = 1  # bump when the hash or the index layout changes
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
        cache_dir: where to keep the parsed domain index; None = next to the source (skipped,
            with a log line, when that directory is read-only).
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


# ---------------------------------------------------------------------------- hashing


def domain_hash(domain: bytes) -> int:
    """FNV-1a 64 over the reversed bytes of ``domain`` (stable across runs, unlike hash())."""
    h = _FNV_OFFSET
    for b in reversed(domain):
        h = ((h ^ b) * _FNV_PRIME) & _MASK64
    return h


def _suffix_hashes(host: bytes) -> list[int]:
    """`domain_hash` of ``host`` and of each parent domain, in one pass from the right."""
    h, out = _FNV_OFFSET, []
    for i in range(len(host) - 1, -1, -1):
        if host[i] == 0x2E and i < len(host) - 1:  # "." : what we have so far is a suffix
            out.append(h)
        h = ((h ^ host[i]) * _FNV_PRIME) & _MASK64
    out.append(h)
    return out


def hash_domain_lines(chunk: bytes) -> np.ndarray:
    """`domain_hash` of every non-empty line of ``chunk``, vectorised (unsorted uint64)."""
    buf = np.frombuffer(chunk.lower().translate(None, b" \t\r") + b"\n", np.uint8)
    ends = np.flatnonzero(buf == 0x0A)
    lens = np.diff(ends, prepend=-1) - 1
    ends, lens = ends[lens > 0], lens[lens > 0]
    order = np.argsort(-lens, kind="stable")  # longest first: rows still hashing are a prefix
    ends, lens = ends[order], lens[order]
    h = np.full(len(ends), _FNV_OFFSET, np.uint64)
    neg = -lens
    for j in range(int(lens[0]) if len(lens) else 0):
        k = int(np.searchsorted(neg, -j))  # rows with len > j
        hk = h[:k]  # a view: updated in place
        hk ^= buf[ends[:k] - 1 - j]
        hk *= np.uint64(_FNV_PRIME)  # wraps mod 2**64
    return h


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


# ---------------------------------------------------------------------------- loading


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    return [s.strip() for s in text.splitlines() if s.strip() and not s.lstrip().startswith("#")]


def _wanted(relpath: str, categories: tuple[str, ...]) -> str | None:
    """"domains"/"urls" if ``relpath`` is such a file at the top or in a wanted category."""
    parts = [p for p in relpath.replace("\\", "/").split("/") if p not in ("", ".")]
    if parts and parts[-1] in ("domains", "urls") and (len(parts) == 1 or parts[-2] in categories):
        return parts[-1]
    return None


def _read_source(path: str, categories: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """Domain hashes (sorted) and raw URL lines from a UT1 tarball, UT1 directory or text file."""
    hashes, urls, found = [], [], 0

    def add_domains(f):
        rest = b""
        while chunk := f.read(_CHUNK):
            cut = chunk.rfind(b"\n") + 1
            if not cut:  # no line end in this chunk: keep accumulating
                rest += chunk
                continue
            hashes.append(hash_domain_lines(rest + chunk[:cut]))
            rest = chunk[cut:]
        hashes.append(hash_domain_lines(rest))

    if os.path.isdir(path):
        for root, _, files in os.walk(path):
            for name in sorted(files):
                full = os.path.join(root, name)
                kind = _wanted(os.path.relpath(full, path), categories)
                if kind:
                    found += 1
                    with open(full, "rb") as f:
                        add_domains(f) if kind == "domains" else urls.extend(_lines(f.read()))
    elif tarfile.is_tarfile(path):
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                regular = member.isfile() or member.issym()
                kind = _wanted(member.name, categories) if regular else None
                f = tar.extractfile(member) if kind else None
                if f is not None:
                    found += 1
                    add_domains(f) if kind == "domains" else urls.extend(_lines(f.read()))
    else:
        found = 1
        with open(path, "rb") as f:
            add_domains(f)
    if not found:
        raise ValueError(f"no domains/urls files for categories {categories} in {path}")
    return np.sort(np.concatenate(hashes)), urls


def _cache_path(cfg: URLFilterConfig, src: str) -> str:
    stats = [os.stat(src)]
    if os.path.isdir(src):
        stats = [os.stat(os.path.join(r, n)) for r, _, fs in os.walk(src) for n in sorted(fs)]
    stamp = [(s.st_size, s.st_mtime_ns) for s in stats]
    sig = repr((_INDEX_VERSION, src, sorted(cfg.categories), stamp))
    key = hashlib.sha1(sig.encode()).hexdigest()[:16]
    folder = cfg.cache_dir if cfg.cache_dir is not None else os.path.dirname(src)
    return os.path.join(folder, f"{os.path.basename(src)}.{key}.urlindex.npz")


def _load_source(cfg: URLFilterConfig) -> tuple[np.ndarray, list[str]]:
    src = os.path.abspath(cfg.blocklist)
    if not os.path.exists(src):
        raise FileNotFoundError(f"URL blocklist not found: {src} (see bench/README-urlfilter.md)")
    cache = _cache_path(cfg, src)
    if os.path.exists(cache):
        try:
            with np.load(cache) as z:
                return z["domains"], z["urls"].tobytes().decode().split("\n")
        except Exception as e:  # a damaged cache (BadZipFile, KeyError, ...) is rebuilt
            log.warning("ignoring unreadable URL index %s: %s", cache, e)
    domains, urls = _read_source(src, cfg.categories)
    tmp = None
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(cache), suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, domains=domains, urls=np.frombuffer("\n".join(urls).encode(), np.uint8))
        os.replace(tmp, cache)  # atomic: a reader sees the old file or the whole new one
    except OSError as e:
        log.info("not caching the URL index at %s: %s", cache, e)
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    return domains, urls


def _read_shipped(name: str) -> list[str]:
    folder = importlib.resources.files("curation") / "data" / "urlfilter"
    return _lines((folder / name).read_bytes())


def _subword_regex(words) -> re.Pattern | None:
    """One regex for "any of ``words`` occurs", factored as a trie (2x faster than a|b|c)."""
    trie: dict = {}
    for w in words:
        node = trie
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}

    def build(node):
        if "" in node:  # a shorter word already matches: longer ones add nothing
            return ""
        alts = [re.escape(c) + build(child) for c, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return re.compile(build(trie)) if trie else None


@dataclasses.dataclass(frozen=True)
class _Lists:
    domains: tuple[np.ndarray, ...]  # sorted domain_hash arrays
    urls: frozenset[str]
    hard: frozenset[str]
    soft: frozenset[str]
    subwords: re.Pattern | None


def _build(cfg: URLFilterConfig) -> _Lists:
    if cfg.blocklist is None:
        big, urls = np.empty(0, np.uint64), _read_shipped("urls.txt")
        small = _read_shipped("domains.txt") + list(cfg.extra_domains)
    else:
        (big, urls), small = _load_source(cfg), list(cfg.extra_domains)
    small_hashes = np.sort(hash_domain_lines("\n".join(small).encode()))
    url_keys = set()
    for u in urls + list(cfg.extra_urls):
        parsed = _parse_url(u)
        if parsed:
            url_keys.update(_url_keys(*parsed)[:1])

    def words(name, extra):
        found = (_read_shipped(name) if cfg.use_default_words else []) + list(extra)
        return frozenset(w for w in map(normalize_word, found) if w)

    hard, soft, sub = (words(n, e) for n, e in zip(_WORD_LISTS, (
        cfg.extra_banned_words, cfg.extra_soft_banned_words, cfg.extra_banned_subwords)))
    return _Lists((big, small_hashes), frozenset(url_keys), hard, soft, _subword_regex(sorted(sub)))


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
            keys = np.array(_suffix_hashes(raw), np.uint64)
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
