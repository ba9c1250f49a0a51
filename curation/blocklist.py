"""The URL blocklist's storage: domains as a sorted array of stable 64-bit hashes.

UT1's list has about 4.5M domains. Held as a Python set it would cost ~500 MB per worker, so we keep
a sorted ``uint64`` array of FNV-1a hashes over the reversed domain (36 MB) and binary-search it;
a false match needs a 64-bit collision (~n / 2**64 per lookup). Parsing the tarball and hashing
takes 2-3 s; the result is cached as ``<source>.<key>.urlindex.npz`` in ``cache_dir`` (by default
``$CURATION_CACHE_DIR``, else ``curation-cache`` in the temp directory; never next to the source,
which may be shared or read-only; the key covers the source's path, size and mtime), which loads
in 0.1 s.

Used by `filters.url.URLFilter`; ``python bench/urlfilter_load.py`` measures it.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import os
import re
import tarfile
import tempfile

import numpy as np

log = logging.getLogger(__name__)

_FNV_OFFSET, _FNV_PRIME, _MASK64 = 0xCBF29CE484222325, 0x100000001B3, 0xFFFFFFFFFFFFFFFF
_CHUNK = 1 << 24  # hash domain files 16 MB at a time, to keep peak memory low
_INDEX_VERSION = 1  # bump when the hash or the index layout changes


# ---------------------------------------------------------------------------- hashing


def domain_hash(domain: bytes) -> int:
    """FNV-1a 64 over the reversed bytes of ``domain`` (stable across runs, unlike hash())."""
    h = _FNV_OFFSET
    for b in reversed(domain):
        h = ((h ^ b) * _FNV_PRIME) & _MASK64
    return h


def suffix_hashes(host: bytes) -> list[int]:
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


def default_cache_dir() -> str:
    """``$CURATION_CACHE_DIR``, else ``<tempdir>/curation-cache``."""
    return os.environ.get("CURATION_CACHE_DIR") or os.path.join(tempfile.gettempdir(),
                                                                 "curation-cache")


def _cache_path(src: str, categories: tuple[str, ...], cache_dir: str | None) -> str:
    stats = [os.stat(src)]
    if os.path.isdir(src):
        stats = [os.stat(os.path.join(r, n)) for r, _, fs in os.walk(src) for n in sorted(fs)]
    stamp = [(s.st_size, s.st_mtime_ns) for s in stats]
    sig = repr((_INDEX_VERSION, src, sorted(categories), stamp))
    key = hashlib.sha1(sig.encode()).hexdigest()[:16]
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    return os.path.join(folder, f"{os.path.basename(src)}.{key}.urlindex.npz")


def load_source(path: str, categories: tuple[str, ...], cache_dir: str | None = None
                ) -> tuple[np.ndarray, list[str]]:
    """Sorted domain hashes and raw URL lines of a blocklist, through the cached index.

    Args:
        path: a UT1 ``blacklists.tar.gz``, a directory of UT1 category dirs, or a text file with
            one domain per line.
        categories: UT1 categories to read (``<category>/domains`` and ``<category>/urls``).
        cache_dir: where to keep the parsed index; None = `default_cache_dir()`.
    """
    src = os.path.abspath(path)
    if not os.path.exists(src):
        raise FileNotFoundError(f"URL blocklist not found: {src} (see bench/README-urlfilter.md)")
    cache = _cache_path(src, categories, cache_dir)
    if os.path.exists(cache):
        try:
            with np.load(cache) as z:
                return z["domains"], z["urls"].tobytes().decode().split("\n")
        except Exception as e:  # a damaged cache (BadZipFile, KeyError, ...) is rebuilt
            log.warning("ignoring unreadable URL index %s: %s", cache, e)
    domains, urls = _read_source(src, categories)
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


def read_shipped(name: str) -> list[str]:
    folder = importlib.resources.files("curation") / "data" / "urlfilter"
    return _lines((folder / name).read_bytes())


def subword_regex(words) -> re.Pattern | None:
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
