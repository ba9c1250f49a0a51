"""How long the URL filter takes to load the full UT1 list, and how much memory it holds.

Each measurement runs `URLFilter.setup()` in a fresh Python process and prints the seconds and
the resident-memory growth (VmRSS after minus before, and the peak VmHWM minus before, in MB):

- cold: no cached index, so the tarball is decompressed, parsed and hashed;
- warm: the compact index written by the cold run is read back;

then the time per `URLFilter.__call__` on ordinary URLs.

    python bench/urlfilter_load.py                       # the UT1 list in ../shared/data
    python bench/urlfilter_load.py --blocklist ~/blacklists.tar.gz --categories adult
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = os.path.join(ROOT, "..", "shared", "data", "urlfilter", "ut1-blacklists.tar.gz")

# Runs in the child: one setup() and a short lookup loop; prints a JSON line.
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
def rss_mb(key="VmRSS"):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key)) / 1024
from curation.document import Document
from filters.url import URLFilter, URLFilterConfig
cfg = URLFilterConfig(blocklist=sys.argv[2], categories=tuple(sys.argv[3].split(",")),
                      cache_dir=sys.argv[4])
before = rss_mb(); t = time.perf_counter()
f = URLFilter(cfg); f.setup()
seconds, rss, peak = time.perf_counter() - t, rss_mb() - before, rss_mb("VmHWM") - before
docs = [Document(str(i), u, "") for i, u in enumerate([
    "https://www.example.co.uk/news/2024/some-article-title?id=3",
    "https://en.wikipedia.org/wiki/Common_Crawl", "http://blog.example.org/2019/05/a-post.html",
    "https://shop.example.de/produkte/kategorie/artikel-12345"])]
n = 20000; t = time.perf_counter()
for i in range(n):
    f(docs[i % len(docs)])
us = (time.perf_counter() - t) / n * 1e6
entries = int(sum(len(t) for t in f._lists.domains))
print(json.dumps({"seconds": seconds, "rss_mb": rss, "peak_mb": peak, "entries": entries,
                  "us_per_call": us}))
"""


def measure(blocklist: str, categories: str, cache_dir: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, ROOT, blocklist, categories, cache_dir],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocklist", default=DEFAULT,
                        help="UT1 tarball, UT1 directory or domains file")
    parser.add_argument("--categories", default="adult", help="comma-separated UT1 categories")
    args = parser.parse_args(argv)
    if not os.path.exists(args.blocklist):
        sys.exit(f"no blocklist at {args.blocklist}; see bench/README-urlfilter.md")
    with tempfile.TemporaryDirectory() as cache_dir:  # a fresh cache: the first run is cold
        for label in ("cold", "warm"):
            r = measure(args.blocklist, args.categories, cache_dir)
            print(f"{label}: {r['seconds']:.2f} s, +{r['rss_mb']:.0f} MB RSS "
                  f"(peak +{r['peak_mb']:.0f} MB), {r['entries']:,} domains, "
                  f"{r['us_per_call']:.1f} us per URL")


if __name__ == "__main__":
    main()
