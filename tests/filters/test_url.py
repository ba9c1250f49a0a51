"""Tests for filters.url: one test per drop reason, the hash index, and the real UT1 list."""

import os
import pickle
import tarfile

import numpy as np
import pytest

from curation.document import KEEP, Decision, Document
from filters import url as urlmod
from filters.base import Filter
from curation.blocklist import domain_hash, hash_domain_lines, suffix_hashes
from filters.url import URLFilter, URLFilterConfig


def check(f, url):
    return f(Document("a", url, "text"))


@pytest.fixture(scope="module")
def default():
    f = URLFilter()
    f.setup()
    return f


def test_protocol_and_name(default):
    assert isinstance(default, Filter) and default.name == "url_v1"
    assert check(default, "https://en.wikipedia.org/wiki/Common_Crawl") == KEEP
    assert check(default, "https://www.bbc.co.uk/news/articles/c0000000") == KEEP


def test_blocklisted_domain_and_subdomains(default):
    for u in ("https://pornhub.com/", "https://www.pornhub.com/view", "http://de.PornHub.com:8080/x"):
        assert check(default, u) == Decision(False, "url_blocklisted_domain"), u
    assert check(default, "https://notpornhub.com.example.org/") != Decision(False, "url_blocklisted_domain")


def test_blocklisted_url(tmp_path):
    f = URLFilter(URLFilterConfig(extra_urls=("Example.com/Secret/Page", "www.example.org/a?id=7")))
    f.setup()
    blocked = Decision(False, "url_blocklisted_url")
    assert check(f, "https://www.example.com/Secret/Page/") == blocked
    assert check(f, "http://example.com/Secret/Page?utm=1#top") == blocked  # any query
    assert check(f, "http://example.org/a?id=7") == blocked
    assert check(f, "http://example.org/a?id=8") == KEEP
    assert check(f, "https://example.com/secret/page") == KEEP  # paths are case-sensitive


def test_hard_banned_word(default):
    assert check(default, "https://example.com/videos/porn/123") == Decision(False, "url_hard_banned_word")
    assert check(default, "https://example.com/PORN/123") == Decision(False, "url_hard_banned_word")


def test_soft_banned_words(default):
    assert check(default, "https://example.com/hot-sexy-babes") == Decision(False, "url_soft_banned_words")
    assert check(default, "https://example.com/hot-weather-today") == KEEP  # one soft word is fine
    lenient = URLFilter(URLFilterConfig(soft_word_threshold=4))
    lenient.setup()
    assert check(lenient, "https://example.com/hot-sexy-babes") == KEEP


def test_banned_subword(default):
    assert check(default, "https://example.com/big-tits-gallery") == Decision(False, "url_banned_subword")
    assert check(default, "https://myfreecamsx.example.net/") == Decision(False, "url_banned_subword")
    assert check(default, "https://example.com/data-analysis/cumulative") == KEEP


def test_invalid(default):
    for u in ("", "http://", "http://[::1", "not a url", None):
        assert Document("a", u, "").url == u
        assert check(default, u) == Decision(False, "url_invalid"), u


def test_extra_lists_and_no_default_words():
    f = URLFilter(URLFilterConfig(use_default_words=False, extra_domains=["Evil.Example"],
                                  extra_banned_words=("Bad-Word",), extra_banned_subwords=("zzq",)))
    f.setup()
    assert check(f, "https://a.evil.example/") == Decision(False, "url_blocklisted_domain")
    assert check(f, "https://example.com/badword") == Decision(False, "url_hard_banned_word")
    assert check(f, "https://example.com/xzzqx") == Decision(False, "url_banned_subword")
    assert check(f, "https://example.com/porn") == KEEP  # the shipped words are off


def test_hash_is_stable_and_vectorised_equals_scalar():
    assert domain_hash(b"a") == 0xAF63DC4C8601EC8C  # FNV-1a 64 test vector
    names = [b"example.com", b"a", b"0-1avsex.com", b"x" * 200, b"b\xc3\xbccher.de"]
    vec = hash_domain_lines(b"\n".join(n.upper() for n in names) + b"\r\n\n  \n")
    assert sorted(vec.tolist()) == sorted(domain_hash(n.lower()) for n in names)
    suffixes = suffix_hashes(b"a.b.example.com")
    assert suffixes == [domain_hash(d) for d in (b"com", b"example.com", b"b.example.com", b"a.b.example.com")]


def test_text_file_source_and_cache(tmp_path, monkeypatch):
    src = tmp_path / "domains.txt"
    src.write_text("# my list\nbad.example\nWorse.Example\n")
    monkeypatch.setenv("CURATION_CACHE_DIR", str(tmp_path))  # the default cache location
    cfg = URLFilterConfig(blocklist=str(src), use_default_words=False)
    f = URLFilter(cfg)
    f.setup()
    assert check(f, "https://x.worse.example/") == Decision(False, "url_blocklisted_domain")
    assert check(f, "https://good.example/") == KEEP
    cached = [p for p in os.listdir(tmp_path) if p.endswith(".urlindex.npz")]
    assert len(cached) == 1 and not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    urlmod._CACHE.pop(cfg)
    (tmp_path / cached[0]).write_bytes(b"garbage")  # a damaged index is rebuilt, not trusted
    g = URLFilter(cfg)
    g.setup()
    assert check(g, "https://bad.example/") == Decision(False, "url_blocklisted_domain")


def test_ut1_directory_layout_and_categories(tmp_path):
    for cat, domain in (("adult", "adult.example"), ("gambling", "casino.example")):
        (tmp_path / "blacklists" / cat).mkdir(parents=True)
        (tmp_path / "blacklists" / cat / "domains").write_text(domain + "\n")
        (tmp_path / "blacklists" / cat / "urls").write_text(f"{domain}-pages.org/page\n")
    f = URLFilter(URLFilterConfig(blocklist=str(tmp_path / "blacklists"), cache_dir=str(tmp_path / "c")))
    f.setup()
    assert check(f, "http://www.adult.example/") == Decision(False, "url_blocklisted_domain")
    assert check(f, "http://adult.example-pages.org/page") == Decision(False, "url_blocklisted_url")
    assert check(f, "http://casino.example/") == KEEP
    with tarfile.open(tmp_path / "blacklists.tar.gz", "w:gz") as tar:  # the same, as UT1 ships it
        tar.add(tmp_path / "blacklists", arcname="blacklists")
    both = URLFilter(URLFilterConfig(blocklist=str(tmp_path / "blacklists.tar.gz"),
                                     categories=("adult", "gambling"), cache_dir=str(tmp_path / "c")))
    both.setup()
    assert check(both, "http://casino.example/") == Decision(False, "url_blocklisted_domain")
    assert check(both, "https://adult.example/") == Decision(False, "url_blocklisted_domain")
    with pytest.raises(ValueError, match="categories"):
        URLFilter(URLFilterConfig(blocklist=str(tmp_path / "blacklists"), categories=("nope",))).setup()
    with pytest.raises(FileNotFoundError):
        URLFilter(URLFilterConfig(blocklist=str(tmp_path / "missing.tar.gz"))).setup()


def test_pickle_carries_only_config_and_lists_are_shared(default):
    blob = pickle.dumps(default)
    assert len(blob) < 1000
    clone = pickle.loads(blob)
    assert clone.__dict__ == {"config": default.config, "_lists": None}
    clone.setup()
    assert clone._lists is default._lists  # one copy per process
    assert URLFilterConfig(extra_domains=["b", "a"]) == URLFilterConfig(extra_domains=("a", "b"))


@pytest.fixture(scope="module")
def ut1(shared_data, tmp_path_factory):
    src = shared_data / "urlfilter" / "ut1-blacklists.tar.gz"
    if not src.is_file():
        pytest.skip("UT1 tarball not in shared data")
    # The shared data is read-only: keep the index in a temp dir.
    f = URLFilter(URLFilterConfig(blocklist=str(src), cache_dir=str(tmp_path_factory.mktemp("idx"))))
    f.setup()
    return f


def test_real_ut1_list(ut1):  # the fixture hashes 4.5M domains: 2-3 s on a 2-core box
    assert sum(len(t) for t in ut1._lists.domains) == 4_558_940
    assert isinstance(ut1._lists.domains[0], np.ndarray) and ut1._lists.domains[0].dtype == np.uint64
    drop = Decision(False, "url_blocklisted_domain")
    assert check(ut1, "https://0-1avsex.com/") == drop  # first entry of the list
    assert check(ut1, "https://members.0-1avsex.com/login") == drop  # a subdomain of it
    assert check(ut1, "https://anything.xxx/") == drop  # UT1 lists the bare TLD "xxx"
    assert check(ut1, "https://en.wikipedia.org/wiki/Toulouse") == KEEP
    assert check(ut1, "https://www.python.org/downloads/") == KEEP
    assert check(ut1, "http://103.180.133.133/Gspace/vbc.exe") == Decision(False, "url_blocklisted_url")
