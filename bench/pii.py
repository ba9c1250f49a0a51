"""Evaluate curation.pii on labelled PII and time it on English web text.

    python bench/pii.py [--data ../shared/data/pii/presidio-synth-v2.json] [-v]

Accuracy: presidio-research's synthetic sentences (1,500 records; ``full_text`` plus ``spans``
with ``entity_type``, ``start_position``, ``end_position``). For each of EMAIL_ADDRESS,
IP_ADDRESS, PHONE_NUMBER and CREDIT_CARD:
- precision = detections of that type that overlap a gold span of the same type / detections;
- recall = gold spans of that type overlapped by at least one detection of the same type / gold.
A detection that lands on another entity (a US_SSN, a date, a street number) is a false positive.
The same is reported for a FineWeb-equivalent detector: datatrove 0.10.1 `PIIFormatter`'s rules
(its e-mail regex, its IPv4 regex + ``ipaddress.is_global``; no IPv6, phones or cards).

Real text: how many spans each detector finds in lingua's 75,000 web sentences (75 languages;
unlabelled, so ``-v`` prints them to read: ours should be real contact details, FineWeb's IP
regex also takes section and version numbers such as "1.2.1.9").

Speed: MB/s (UTF-8 bytes) of `PiiScrubber.scrub` over English text: the gold article bodies of
the scrapinghub article-extraction benchmark pages plus lingua's English sentences, and the
number of replacements made there (real news text, so most of them should be real PII; ``-v``
prints them for inspection).

Prints a markdown table (pasted into bench/README-pii.md).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import pathlib
import re
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from curation.pii import PiiScrubber, Span  # noqa: E402

SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "data"
GOLD_TYPES = {"EMAIL_ADDRESS": "email", "IP_ADDRESS": "ip", "PHONE_NUMBER": "phone",
              "CREDIT_CARD": "credit_card"}

# ----------------------------------------------------------------------------------------------
# FineWeb-equivalent baseline: datatrove 0.10.1 PIIFormatter's two rules, restated.

_FW_EMAIL = (r"\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
             r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9]"
             r"(?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}"
             r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?|[A-Za-z0-9-]*[A-Za-z0-9]:)])")
_FW_OCTET = r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
_FW_IP = rf"(?:{_FW_OCTET}\.){{3}}{_FW_OCTET}"


class FineWebBaseline:
    def __init__(self):
        self._email, self._ip = re.compile(_FW_EMAIL), re.compile(_FW_IP)

    def find(self, text: str) -> list[Span]:
        spans = [Span("email", *m.span()) for m in self._email.finditer(text)]
        for m in self._ip.finditer(text):
            try:
                if ipaddress.ip_address(m.group()).is_global:
                    spans.append(Span("ip", *m.span()))
            except ValueError:
                pass
        return spans


# ----------------------------------------------------------------------------------------------
# Accuracy


def evaluate(records: list[dict], detector) -> dict[str, dict]:
    """Per type: tp/fp detections, found/total gold spans, and examples of each error."""
    res = {t: {"tp": 0, "fp": 0, "found": 0, "gold": 0, "fps": [], "fns": []}
           for t in GOLD_TYPES.values()}
    for rec in records:
        text = rec["full_text"]
        gold = [(GOLD_TYPES.get(s["entity_type"]), s["start_position"], s["end_position"])
                for s in rec["spans"]]
        found = detector.find(text)
        for span in found:
            hits = [g for g in gold if g[0] == span.type and g[1] < span.end and span.start < g[2]]
            r = res[span.type]
            if hits:
                r["tp"] += 1
            else:
                r["fp"] += 1
                other = [s["entity_type"] for s in rec["spans"]
                         if s["start_position"] < span.end and span.start < s["end_position"]]
                r["fps"].append((text[span.start:span.end], other, text))
        for kind, a, b in gold:
            if kind is None:
                continue
            r = res[kind]
            r["gold"] += 1
            if any(s.type == kind and s.start < b and a < s.end for s in found):
                r["found"] += 1
            else:
                r["fns"].append((text[a:b], text))
    return res


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}" if b else "-"


def english_text() -> list[str]:
    """Real English text: article bodies (scrapinghub AEB gold) and lingua's English sentences."""
    texts = []
    gold = SHARED / "pages" / "real-pages.gold.jsonl"
    if gold.is_file():
        for line in gold.open(encoding="utf-8"):
            row = json.loads(line)
            if row.get("article_body"):
                texts.append(row["article_body"])
    sentences = SHARED / "langid" / "sentences" / "en.txt"
    if sentences.is_file():
        texts.append(sentences.read_text(encoding="utf-8"))
    return texts


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(SHARED / "pii" / "presidio-synth-v2.json"),
                    help="presidio-research style JSON with full_text and spans")
    ap.add_argument("--repeat", type=int, default=3, help="timing passes over the English text")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss and false hit")
    args = ap.parse_args(argv)

    records = json.loads(pathlib.Path(args.data).read_text(encoding="utf-8"))
    ours, fineweb = evaluate(records, PiiScrubber()), evaluate(records, FineWebBaseline())

    print(f"{len(records)} records from {pathlib.Path(args.data).name}; a detection is a true "
          "positive when it overlaps a gold span of the same type.\n")
    print("| type | gold spans | ours: precision % | ours: recall % | "
          "FineWeb: precision % | FineWeb: recall % |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, kind in GOLD_TYPES.items():
        o, f = ours[kind], fineweb[kind]
        print(f"| {label} | {o['gold']} | {_pct(o['tp'], o['tp'] + o['fp'])} | "
              f"{_pct(o['found'], o['gold'])} | {_pct(f['tp'], f['tp'] + f['fp'])} | "
              f"{_pct(f['found'], f['gold'])} |")
    if args.verbose:
        for kind, r in ours.items():
            for value, other, text in r["fps"]:
                print(f"FP {kind}: {value!r} (gold here: {other}) in {text[:120]!r}")
            for value, text in r["fns"]:
                print(f"FN {kind}: {value!r} in {text[:120]!r}")

    sentences = sorted((SHARED / "langid" / "sentences").glob("*.txt"))
    if sentences:
        lines = [ln for f in sentences for ln in f.read_text(encoding="utf-8").splitlines()]
        hits = {}
        for name, det in (("ours", PiiScrubber()), ("FineWeb", FineWebBaseline())):
            for line in lines:
                for span in det.find(line):
                    key = (name, span.type)
                    hits[key] = hits.get(key, 0) + 1
                    if args.verbose and (name == "FineWeb" or span.type != "email"):
                        context = line[max(0, span.start - 30):span.end + 10]
                        print(f"  {name} {span.type}: {context!r}")
        print(f"\nDetections in {len(lines):,} real web sentences (lingua, {len(sentences)} "
              "languages; unlabelled, read them with -v):\n")
        print("| detector | " + " | ".join(GOLD_TYPES.values()) + " |")
        print("|---|" + "---:|" * len(GOLD_TYPES))
        for name in ("ours", "FineWeb"):
            print(f"| {name} | " + " | ".join(str(hits.get((name, k), 0))
                                           for k in GOLD_TYPES.values()) + " |")

    texts = english_text()
    if not texts:
        return
    scrubber = PiiScrubber()
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    counts: dict = {}

    def count(name, n=1):
        counts[name] = counts.get(name, 0) + n

    for t in texts:
        scrubber.scrub(t, count)
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        for t in texts:
            scrubber.scrub(t)
    secs = time.perf_counter() - t0
    print(f"\nSpeed: {n_bytes * args.repeat / secs / 1e6:.1f} MB/s on {n_bytes / 1e6:.2f} MB of "
          f"English text ({len(texts)} texts; one core). Replacements there: "
          f"{dict(sorted(counts.items()))}")
    if args.verbose:
        for t in texts:
            for s in scrubber.find(t):
                print(f"  {s.type}: {t[max(0, s.start - 30):s.end + 10]!r}")


if __name__ == "__main__":
    main()
