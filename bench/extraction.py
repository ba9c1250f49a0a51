"""Extraction quality and speed on the 1,301 real pages in ../shared/data/pages.

Compares, on the same pages and in one run:
  - ours:        `curation.extract.Extractor` with the FineWeb settings, in its child process;
  - ours+fast:   the same with ``fast=True`` (trafilatura's fallback extractors skipped);
  - plain:       ``trafilatura.extract(html)`` with trafilatura's defaults, in-process;
and times FineWeb settings in-process as well, to show what the child process costs.

Quality, two gold sets (see ../shared/data/SOURCES.md):
  - trafilatura eval pages: each ``with`` snippet found is a true positive, each ``without``
    snippet found a false positive (trafilatura's own evaluation, whitespace normalised);
  - scrapinghub article-extraction-benchmark: bag-of-words precision/recall/F1 of lowercased
    ``\\w+`` tokens against ``article_body``, averaged over pages.

Run from the repository root (about 3 minutes on 2 cores; it prints a markdown table):

    python bench/extraction.py [--pages PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import re
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curation.extract import ExtractConfig, Extractor, _freeze_justext_stoplist  # noqa: E402

DEFAULT_PAGES = ROOT.parent / "shared" / "data" / "pages" / "real-pages.warc.gz"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.I)
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


# ---------------------------------------------------------------------------------------------
# Pages and gold


def decode(body: bytes) -> str:
    """UTF-8 if it is valid, else the <meta> charset, else charset-normalizer's guess."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(body[:4096])
    if m:
        try:
            return body.decode(m.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    return str(best) if best is not None else body.decode("utf-8", "replace")


def load_pages(path: pathlib.Path, limit: int | None) -> list[tuple[str, str]]:
    """(WARC-Record-ID, HTML) of the response records."""
    from warcio.archiveiterator import ArchiveIterator

    pages = []
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type != "response":
                continue
            pages.append((rec.rec_headers.get_header("WARC-Record-ID"), decode(rec.content_stream().read())))
            if limit and len(pages) >= limit:
                break
    return pages


def load_gold(path: pathlib.Path) -> dict[str, dict]:
    with open(path, encoding="utf-8") as f:
        return {g["record_id"]: g for g in map(json.loads, f)}


# ---------------------------------------------------------------------------------------------
# Scores


def norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def snippet_counts(text: str, gold: dict) -> collections.Counter:
    """tp/fn over the `with` snippets, fp/tn over the `without` snippets."""
    text, c = norm(text), collections.Counter()
    for s in gold.get("with", []):
        c["tp" if norm(s) in text else "fn"] += 1
    for s in gold.get("without", []):
        c["fp" if norm(s) in text else "tn"] += 1
    return c


def token_prf(text: str, gold_text: str) -> tuple[float, float, float]:
    got = collections.Counter(_WORD.findall(text.lower()))
    want = collections.Counter(_WORD.findall(gold_text.lower()))
    common = sum((got & want).values())
    p = common / sum(got.values()) if got else 0.0
    r = common / sum(want.values()) if want else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(texts: list[str], ids: list[str], gold: dict[str, dict]) -> dict[str, float]:
    snip, prf, empty = collections.Counter(), [], 0
    for rid, text in zip(ids, texts):
        empty += not text
        g = gold.get(rid, {})
        if g.get("dataset") == "trafilatura":
            snip += snippet_counts(text, g)
        elif g.get("dataset") == "scrapinghub-aeb":
            prf.append(token_prf(text, g["article_body"]))
    tp, fn, fp, tn = (snip[k] for k in ("tp", "fn", "fp", "tn"))
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {
        "traf_with_found": recall,
        "traf_without_absent": tn / max(1, fp + tn),
        "traf_precision": precision,
        "traf_f1": 2 * precision * recall / max(1e-9, precision + recall),
        "aeb_p": statistics.fmean(p for p, _, _ in prf) if prf else 0.0,
        "aeb_r": statistics.fmean(r for _, r, _ in prf) if prf else 0.0,
        "aeb_f1": statistics.fmean(f for _, _, f in prf) if prf else 0.0,
        "empty": empty / max(1, len(texts)),
    }


# ---------------------------------------------------------------------------------------------
# Runs


def child_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a live process has used, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(htmls: list[str], config: ExtractConfig, batch: bool) -> tuple[list[str], float, float, dict]:
    """Texts, wall seconds, CPU seconds (parent + child) and the drop counts."""
    with Extractor(config) as ex:
        cpu0, child0, t = time.process_time(), child_cpu_s(ex.child_pid), time.perf_counter()
        if batch:
            res = ex.extract_many(htmls)
        else:
            res = [ex.extract(h) for h in htmls]
        dt = time.perf_counter() - t
        cpu = time.process_time() - cpu0 + (child_cpu_s(ex.child_pid) - child0 if ex.restarts == 0 else float("nan"))
        reasons = collections.Counter(r.reason for r in res if not r.keep)
        return [r.text for r in res], dt, cpu, {"restarts": ex.restarts, **reasons}


def run_inprocess(htmls: list[str], **kwargs) -> tuple[list[str], float, float, list[float]]:
    """Texts, wall seconds, CPU seconds and wall seconds per page."""
    import trafilatura

    trafilatura.extract("<html><body><p>warm-up paragraph of text</p></body></html>", **kwargs)
    texts, per_page = [], []
    cpu0, t0 = time.process_time(), time.perf_counter()
    for h in htmls:
        t = time.perf_counter()
        texts.append(trafilatura.extract(h, **kwargs) or "")
        per_page.append(time.perf_counter() - t)
    return texts, time.perf_counter() - t0, time.process_time() - cpu0, per_page


def ipc_round_trip_us(n: int = 500) -> dict[str, float]:
    """Fixed cost of one round trip: a trivial page through the child (one by one and batched)
    minus the same page in-process, in microseconds of wall time and of CPU (parent + child)."""
    import trafilatura

    tiny = "x"  # trafilatura gives up on it at once, so what remains is the round trip itself
    cfg = ExtractConfig()
    out = {}
    with Extractor(cfg) as ex:
        ex.extract(tiny)
        for mode in ("single", "batched"):
            cpu0, child0, t = time.process_time(), child_cpu_s(ex.child_pid), time.perf_counter()
            if mode == "single":
                for _ in range(n):
                    ex.extract(tiny)
            else:
                ex.extract_many([tiny] * n)
            out[f"{mode}_wall"] = (time.perf_counter() - t) / n * 1e6
            out[f"{mode}_cpu"] = (time.process_time() - cpu0 + child_cpu_s(ex.child_pid) - child0) / n * 1e6
    kw = cfg.trafilatura_kwargs()
    cpu0, t = time.process_time(), time.perf_counter()
    for _ in range(n):
        trafilatura.extract(tiny, **kw)
    wall, cpu = (time.perf_counter() - t) / n * 1e6, (time.process_time() - cpu0) / n * 1e6
    return {k: v - (wall if k.endswith("wall") else cpu) for k, v in out.items()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=pathlib.Path, default=DEFAULT_PAGES, help="WARC of pages")
    ap.add_argument("--gold", type=pathlib.Path, default=None, help="gold jsonl (default: next to --pages)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages")
    args = ap.parse_args(argv)
    gold_path = args.gold or args.pages.with_name(args.pages.name.replace(".warc.gz", ".gold.jsonl"))
    import logging

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # one line per bad page otherwise

    pages = load_pages(args.pages, args.limit)
    gold = load_gold(gold_path)
    ids, htmls = [p[0] for p in pages], [p[1] for p in pages]
    mb = sum(len(h.encode("utf-8", "surrogatepass")) for h in htmls) / 2**20
    print(f"{len(pages)} pages, {mb:.0f} MiB of HTML, {len([i for i in ids if i in gold])} with gold")

    fineweb = ExtractConfig()
    rows = {}  # name -> (texts, seconds, extra)
    rows["ours (FineWeb settings, child, per page)"] = run_child(htmls, fineweb, batch=False)
    rows["ours, batched (extract_many)"] = run_child(htmls, fineweb, batch=True)
    rows["ours+fast (fast=True, child)"] = run_child(htmls, ExtractConfig(fast=True), batch=False)
    texts, dt, cpu, _ = run_inprocess(htmls)  # first: trafilatura exactly as shipped
    rows["plain trafilatura.extract(html), in-process"] = (texts, dt, cpu, {})
    # The child's stoplist fix, applied here too so that the difference below is the IPC alone.
    _freeze_justext_stoplist()
    texts, dt, cpu, per_page = run_inprocess(htmls, **fineweb.trafilatura_kwargs())
    rows["FineWeb settings in-process (no timeout)"] = (texts, dt, cpu, {})

    rt = ipc_round_trip_us()
    same = sum(a == b for a, b in zip(rows["ours (FineWeb settings, child, per page)"][0],
                                      rows["FineWeb settings in-process (no timeout)"][0]))

    # ----------------------------------------------------------------------------------------
    print()
    print("| extraction | traf. `with` found | traf. `without` absent | traf. P | traf. F1 "
          "| AEB P | AEB R | AEB F1 | empty | wall ms/page | pages/s | CPU ms/page |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, (texts, dt, cpu, extra) in rows.items():
        s = score(texts, ids, gold)
        print(f"| {name} | {s['traf_with_found']:.3f} | {s['traf_without_absent']:.3f} "
              f"| {s['traf_precision']:.3f} | {s['traf_f1']:.3f} | {s['aeb_p']:.3f} | {s['aeb_r']:.3f} "
              f"| {s['aeb_f1']:.3f} | {s['empty']:.1%} | {1000 * dt / len(htmls):.1f} "
              f"| {len(htmls) / dt:.0f} | {1000 * cpu / len(htmls):.1f} |")
    for name, (_, _, _, extra) in rows.items():
        if extra:
            print(f"- {name}: {extra}")
    q = sorted(per_page)
    print(f"\nFineWeb settings in-process, per page: p50 {1000 * q[len(q) // 2]:.1f} ms, "
          f"p99 {1000 * q[int(len(q) * 0.99)]:.0f} ms, max {1000 * q[-1]:.0f} ms; "
          f"over 0.1 s (datatrove's default timeout): {sum(t > 0.1 for t in q)} pages "
          f"({sum(t > 0.1 for t in q) / len(q):.1%}), over 1 s: {sum(t > 1 for t in q)}, "
          f"over 5 s: {sum(t > 5 for t in q)}")
    ours, inproc = rows["ours (FineWeb settings, child, per page)"], rows["FineWeb settings in-process (no timeout)"]
    print(f"IPC overhead on real pages: wall {1000 * (ours[1] - inproc[1]) / len(htmls):+.2f} ms/page, "
          f"CPU (parent + child) {1000 * (ours[2] - inproc[2]) / len(htmls):+.2f} ms/page; "
          f"fixed cost per round trip (trivial page, child minus in-process): one by one "
          f"{rt['single_wall']:.0f} us wall / {rt['single_cpu']:.0f} us CPU, batched "
          f"{rt['batched_wall']:.0f} us wall / {rt['batched_cpu']:.0f} us CPU")
    print(f"child output identical to in-process output on {same}/{len(htmls)} pages")


if __name__ == "__main__":
    main()
