"""Extraction speed: stock trafilatura vs trafilatura with our exact stand-ins, in one run.

Every page is extracted twice in this process, FineWeb settings as in `curation.extract`: once
with stock trafilatura and once with `curation.fastextract.install()` in place (which comes
first alternates from page to page, so machine load and cache warmth hit both alike). The script
sums the CPU time of each (``time.process_time``, this process only: other jobs on the machine
slow both sides but are not counted) and checks the two outputs are identical on every page.

    .venv/bin/python bench/extraction_speed.py                # 1,301 pages x 2, ~1 min
    .venv/bin/python bench/extraction_speed.py --repeat 2 --shares
    .venv/bin/python bench/extraction_speed.py --only raw_tree_copy,BODY_XPATH[0] --limit 300

Prints, per repeat, ``stock 24.1 s  ours 14.0 s  speed-up 1.72x  identical: 1301/1301``;
``--shares`` adds the share of extraction time spent in each XPath expression (stock) and in
its stand-in (ours), from timers wrapped around the expressions (which slow both sides a bit).
"""

from __future__ import annotations

import argparse
import collections
import logging
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curation import fastextract, fastprune  # noqa: E402
from curation.extract import ExtractConfig, _freeze_justext_stoplist  # noqa: E402
from curation.warc import read_records  # noqa: E402

DEFAULT_PAGES = ROOT.parent / "shared" / "data" / "pages" / "real-pages.warc.gz"


class _Timed:
    """An XPath expression (or stand-in) that adds the CPU time of each call to a counter."""

    def __init__(self, name: str, expr, spent: collections.Counter):
        self.name, self.expr, self.spent = name, expr, spent
        self.path = getattr(expr, "path", "")

    def __call__(self, tree):
        start = time.process_time()
        out = self.expr(tree)
        if not isinstance(out, list):  # a BODY_XPATH stand-in: trafilatura takes the first only
            out = [first] if (first := next(out, None)) is not None else []
        self.spent[self.name] += time.process_time() - start
        return out


def _wrap(spent: collections.Counter) -> None:
    from trafilatura import xpaths

    for name, i, *_ in fastprune._STANDINS:
        exprs = getattr(xpaths, name)
        exprs[i] = _Timed(f"{name}[{i}]", exprs[i], spent)


def _unwrap() -> None:
    from trafilatura import xpaths

    for name, i, *_ in fastprune._STANDINS:
        exprs = getattr(xpaths, name)
        if isinstance(exprs[i], _Timed):
            exprs[i] = exprs[i].expr


def run(pages: list[str], only: list[str] | None, shares: bool) -> tuple[float, float, int, dict]:
    """Extract every page stock and patched; returns (stock s, ours s, identical pages, shares)."""
    import trafilatura
    from trafilatura.deduplication import LRU_TEST

    opts = ExtractConfig().trafilatura_kwargs()
    spent = {False: collections.Counter(), True: collections.Counter()}
    total = {False: 0.0, True: 0.0}
    same = 0
    for k, page in enumerate(pages):
        out = {}
        for ours in ((False, True) if k % 2 == 0 else (True, False)):
            _unwrap()
            fastextract.uninstall()
            if ours:
                fastextract.install(only)
            if shares:
                _wrap(spent[ours])
            LRU_TEST.clear()  # in-page dedup only, as in curation.extract
            start = time.process_time()
            try:
                out[ours] = trafilatura.extract(page, **opts)
            except Exception as err:  # the same page must fail the same way on both sides
                out[ours] = f"{type(err).__name__}: {err}"
            total[ours] += time.process_time() - start
        same += out[False] == out[True]
    _unwrap()
    fastextract.uninstall()
    return total[False], total[True], same, spent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=pathlib.Path, default=DEFAULT_PAGES,
                        help="WARC of HTML pages")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (0: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs over all pages, each reported")
    parser.add_argument("--only", default="", help="comma-separated stand-in names (default: all)")
    parser.add_argument("--shares", action="store_true", help="time each XPath expression too")
    args = parser.parse_args(argv)

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("curation").setLevel(logging.ERROR)
    _freeze_justext_stoplist()  # as the extraction child does, on both sides
    with open(args.pages, "rb") as f:
        pages = [d.text for d in read_records(f, str(args.pages))]
    pages = pages[: args.limit or None]
    only = [n for n in args.only.split(",") if n] or None
    names = fastextract.install(only)
    fastextract.uninstall()
    print(f"{len(pages)} pages; stand-ins: {', '.join(names)}")
    for r in range(args.repeat):
        stock, ours, same, spent = run(pages, only, args.shares)
        print(f"run {r + 1}: stock {stock:.1f} s  ours {ours:.1f} s  speed-up {stock / ours:.2f}x  "
              f"identical: {same}/{len(pages)}")
        if args.shares:
            for name in sorted(spent[False], key=spent[False].get, reverse=True):
                before, after = spent[False][name], spent[True][name]
                print(f"  {name:36s} stock {before:6.2f} s {100 * before / stock:5.1f}%   "
                      f"ours {after:6.2f} s {100 * after / ours:5.1f}%")


if __name__ == "__main__":
    main()
