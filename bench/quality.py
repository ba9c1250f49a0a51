"""Our FineWeb quality filters vs datatrove 0.10.1's on the same texts, and the per-rule drop table.

    python bench/quality.py [--pages ../shared/data/pages/real-pages.warc.gz] [--limit N]
                            [--datatrove-venv /tmp/dt-venv] [--examples 5]

What it does, on the 1,301 real pages (about 4 minutes on a busy 2-core box):
  1. reads the WARC with `curation.warc.read_records` and extracts every page with our
     `curation.extract.Extractor` (FineWeb's trafilatura settings; its repetition cache is
     cleared before each page), then annotates the text with `curation.langid.LanguageIdentifier`;
  2. runs our four filters on every non-empty text, each alone and as a chain in FineWeb's order
     (Gopher repetition -> Gopher quality -> C4 -> FineWeb; C4 hands its cleaned text on);
  3. runs datatrove's ``GopherRepetitionFilter()``, ``GopherQualityFilter()``,
     ``C4QualityFilter(filter_no_terminal_punct=False)`` and ``FineWebQualityFilter()`` (FineWeb's
     settings) the same way, in a separate virtualenv (this file re-run as a child with
     ``--datatrove-child DIR``; texts in and decisions out as JSONL in a temp dir). The venv is
     created if missing (``pip install "datatrove[processing]==0.10.1" spacy``); the project's
     own environment never gets datatrove;
  4. prints two markdown tables (pasted into bench/README-quality.md): agreement per filter, and
     the pages each rule drops in the chain, for all pages and for those our language filter
     keeps (English, score >= 0.65); then examples of every kind of disagreement.

datatrove's reasons get our prefixes (``dup_line_frac`` -> ``gopher_rep_dup_line_frac``,
``too_few_sentences`` -> ``c4_too_few_sentences``, ``list_ratio`` -> ``fineweb_list_ratio``) so
that "same reason" compares like with like. A filter that raises is recorded as ``error:<Type>``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_PAGES = ROOT.parent / "shared" / "data" / "pages" / "real-pages.warc.gz"
DATATROVE_REQS = ("datatrove[processing]==0.10.1", "spacy")
FILTERS = ("gopher_repetition", "gopher_quality", "c4", "fineweb")  # FineWeb's order
# datatrove reason -> our reason: prepend the prefix (Gopher quality's reasons already have one).
PREFIXES = {"gopher_repetition": "gopher_rep_", "gopher_quality": "", "c4": "c4_",
            "fineweb": "fineweb_"}
# Stage order of the drop table: a reason belongs to the first prefix it starts with.
# Both sides run every filter once on this before timing (datatrove loads spaCy on first use).
WARM_UP = "The cat sat on the mat.\nIt was a sunny day, and the cat liked it. " * 3
STAGES = ("extract_", "language_", "gopher_rep_", "gopher_", "c4_", "fineweb_", "error:", "keep")


# ----------------------------------------------------------------------------------------------
# The datatrove side (runs in the datatrove venv: stdlib and datatrove imports only)


def datatrove_filters() -> dict:
    """FineWeb's four datatrove filters with FineWeb's settings, keyed like `FILTERS`."""
    from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter,
                                            GopherQualityFilter, GopherRepetitionFilter)

    return {"gopher_repetition": GopherRepetitionFilter(), "gopher_quality": GopherQualityFilter(),
            "c4": C4QualityFilter(filter_no_terminal_punct=False),
            "fineweb": FineWebQualityFilter()}


def datatrove_decide(f, doc, name: str) -> str:
    """What datatrove filter ``f`` says of ``doc`` (which it may edit in place): "keep", or the
    drop reason with our prefix."""
    try:
        out = f.filter(doc)
    except Exception as err:  # a crash is a recorded drop, not the end of the run
        return f"error:{type(err).__name__}"
    if out is True:
        return "keep"
    reason = out[1] if isinstance(out, tuple) else "drop"
    return PREFIXES[name] + reason


def datatrove_child(workdir: pathlib.Path) -> None:
    """Read ``texts.jsonl`` in ``workdir``, write datatrove's decisions to ``datatrove.jsonl``.

    Args:
        workdir: the exchange directory the parent made.
    """
    from datatrove.data import Document

    filters = datatrove_filters()
    with open(workdir / "texts.jsonl", encoding="utf-8") as f:
        pages = [json.loads(line) for line in f]
    for name, f in filters.items():  # warm up: datatrove loads spaCy on first use
        datatrove_decide(f, Document(text=WARM_UP, id="warm-up"), name)
    records = {p["id"]: {"id": p["id"]} for p in pages}
    seconds = collections.Counter()
    for name, f in filters.items():  # one filter at a time over all pages, as in our run
        t = time.perf_counter()
        for page in pages:
            doc = Document(text=page["text"], id=page["id"])
            records[page["id"]][name] = datatrove_decide(f, doc, name)
            if name == "c4":
                records[page["id"]]["c4_text"] = doc.text
        seconds[name] = time.perf_counter() - t
    t = time.perf_counter()
    for page in pages:
        rec, doc = records[page["id"]], Document(text=page["text"], id=page["id"])
        for name, f in filters.items():
            rec["chain"] = datatrove_decide(f, doc, name)
            if rec["chain"] != "keep":
                break
        rec["chain_text"] = doc.text
    seconds["chain"] = time.perf_counter() - t
    with open(workdir / "datatrove.jsonl", "w", encoding="utf-8") as f:
        for rec in records.values():
            f.write(json.dumps(rec) + "\n")
    (workdir / "datatrove_seconds.json").write_text(json.dumps(seconds))


def ensure_venv(venv: pathlib.Path) -> pathlib.Path:
    """The venv's python, creating the venv or installing datatrove into it when needed."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", "import datatrove, spacy"], capture_output=True)
    if probe.returncode:
        print(f"installing {' '.join(DATATROVE_REQS)} into {venv} ...", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *DATATROVE_REQS], check=True)
    return python


def run_datatrove(python: pathlib.Path, workdir: pathlib.Path) -> tuple[dict, dict]:
    """datatrove's records by page id, and its seconds per filter (child-measured)."""
    subprocess.run([str(python), str(pathlib.Path(__file__).resolve()), "--datatrove-child",
                    str(workdir)], check=True)
    with open(workdir / "datatrove.jsonl", encoding="utf-8") as f:
        records = {r["id"]: r for r in map(json.loads, f)}
    return records, json.loads((workdir / "datatrove_seconds.json").read_text())


# ----------------------------------------------------------------------------------------------
# Our side (the project's venv)


def extract_pages(path: pathlib.Path, limit: int | None) -> list:
    """Every HTML page of the WARC as (Document with extracted text, extract Decision, language
    Decision), through our reader, extractor, language identifier and language filter."""
    from curation.extract import ExtractConfig, Extractor
    from curation.langid import LanguageIdentifier
    from curation.warc import read_records
    from filters.language import LanguageConfig, LanguageFilter

    with open(path, "rb") as f:
        pages = []
        for doc in read_records(f, str(path)):
            pages.append(doc)
            if limit and len(pages) >= limit:
                break
    with Extractor(ExtractConfig()) as ex:
        extracted = ex.extract_documents(pages)
    lid, language = LanguageIdentifier(), LanguageFilter(LanguageConfig(("en",), 0.65))
    lid.setup()
    out = []
    for doc, decision in extracted:
        doc = lid.annotate(doc) if decision.keep else doc
        out.append((doc, decision, language(doc) if decision.keep else None))
    return out


def our_filters() -> dict:
    """Our four filters with their (FineWeb) defaults, keyed like `FILTERS`."""
    from filters.c4 import C4Filter
    from filters.fineweb import FineWebQualityFilter
    from filters.gopher_quality import GopherQualityFilter
    from filters.gopher_repetition import GopherRepetitionFilter

    filters = {"gopher_repetition": GopherRepetitionFilter(),
               "gopher_quality": GopherQualityFilter(), "c4": C4Filter(),
               "fineweb": FineWebQualityFilter()}
    for f in filters.values():
        f.setup()
    return filters


def our_decide(f, doc):
    """(doc after ``f.apply``, "keep" or the drop reason); a crash is an ``error:<Type>`` drop."""
    try:
        doc, decision = f.apply(doc)
    except Exception as err:
        return doc, f"error:{type(err).__name__}"
    return doc, "keep" if decision.keep else decision.reason


def run_ours(docs: list) -> tuple[dict, dict]:
    """Our records by page id (same keys as datatrove's), and our seconds per filter."""
    from curation.document import Document

    filters = our_filters()
    for f in filters.values():  # warm up, as the datatrove side does
        our_decide(f, Document("warm-up", "", WARM_UP))
    # fresh documents (no metadata), so that every filter measures
    fresh = {p.id: Document(p.id, p.url, p.text) for p in docs}
    records = {i: {"id": i} for i in fresh}
    seconds = collections.Counter()
    for name, f in filters.items():  # one filter at a time over all pages: no shared caches
        t = time.perf_counter()
        for i, page in fresh.items():
            doc, records[i][name] = our_decide(f, page)
            if name == "c4":
                records[i]["c4_text"] = doc.text
        seconds[name] = time.perf_counter() - t
    t = time.perf_counter()
    for i, doc in fresh.items():
        rec = records[i]
        for f in filters.values():
            doc, rec["chain"] = our_decide(f, doc)
            if rec["chain"] != "keep":
                break
        rec["chain_text"] = doc.text
    seconds["chain"] = time.perf_counter() - t
    return records, seconds


# ----------------------------------------------------------------------------------------------
# Report


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"


def agreement_table(ids: list[str], ours: dict, theirs: dict, secs: tuple[dict, dict]) -> str:
    """Markdown: per filter and the chain, kept counts and how often decisions/reasons agree."""
    rows = ["| filter | pages | ours kept | datatrove kept | same decision | same reason "
            "| same text (both kept) | ours s | datatrove s |", "|" + "---|" * 9]
    for name in (*FILTERS, "chain"):
        a, b = [ours[i][name] for i in ids], [theirs[i][name] for i in ids]
        same_dec = sum((x == "keep") == (y == "keep") for x, y in zip(a, b))
        same = sum(x == y for x, y in zip(a, b))
        text = "-"
        if name in ("c4", "chain"):
            both = [i for i in ids if ours[i][name] == theirs[i][name] == "keep"]
            key = f"{name}_text"
            text = pct(sum(ours[i][key] == theirs[i][key] for i in both), len(both))
        rows.append(f"| {name} | {len(ids)} | {a.count('keep')} | {b.count('keep')} "
                    f"| {pct(same_dec, len(ids))} | {pct(same, len(ids))} | {text} "
                    f"| {secs[0][name]:.2f} | {secs[1][name]:.2f} |")
    return "\n".join(rows)


def stage(reason: str) -> int:
    return next(i for i, p in enumerate(STAGES) if reason.startswith(p))


def drop_table(pages: list, ours: dict, theirs: dict) -> str:
    """Markdown: reason -> pages it drops in the chain (extraction, then the four filters), for
    all pages and for the pages our language filter keeps (as FineWeb runs it, before Gopher)."""
    cols = [collections.Counter() for _ in range(3)]  # ours all, ours English, datatrove all
    not_english = collections.Counter()
    for doc, extract, language in pages:
        if not extract.keep:
            cols[0][extract.reason] += 1
            cols[2][extract.reason] += 1
            continue
        cols[0][ours[doc.id]["chain"]] += 1
        cols[2][theirs[doc.id]["chain"]] += 1
        if language.keep:
            cols[1][ours[doc.id]["chain"]] += 1
        else:
            not_english[language.reason] += 1
    english = sum(cols[1].values())
    reasons = sorted(set().union(*cols), key=lambda r: (stage(r), -cols[0][r], r))
    rows = ["| dropped by | all pages, ours | English >= 0.65, ours | all pages, datatrove |",
            "|---|---:|---:|---:|"]
    for r in reasons:
        cells = [f"{c[r]} ({pct(c[r], sum(c.values()))})" for c in cols]
        rows.append(f"| {'**kept**' if r == 'keep' else f'`{r}`'} | " + " | ".join(cells) + " |")
    rows.append(f"| pages | {len(pages)} | {english} | {len(pages)} |")
    left_out = ", ".join(f"{n} `{r}`" for r, n in sorted(not_english.items()))
    return "\n".join(rows) + (f"\n\nLeft out of the English column: {left_out} (and the pages "
                              "without text)." if left_out else "")


def snippet(text: str, n: int = 100) -> str:
    return json.dumps(text[:n].replace("\n", " / "), ensure_ascii=False)


def examples(docs: list, ours: dict, theirs: dict, k: int) -> str:
    """Up to ``k`` pages per filter where the decision, the reason or the C4 text differs."""
    out = []
    for name in (*FILTERS, "chain"):
        diff = [d for d in docs if ours[d.id][name] != theirs[d.id][name]]
        if name in ("c4", "chain"):
            diff += [d for d in docs if ours[d.id][name] == theirs[d.id][name] == "keep"
                     and ours[d.id][f"{name}_text"] != theirs[d.id][f"{name}_text"]]
        out.append(f"\n{name}: {len(diff)} page(s) differ")
        for d in diff[:k]:
            a, b = ours[d.id], theirs[d.id]
            out.append(f"  - {d.url}\n    ours {a[name]!r}, datatrove {b[name]!r}; "
                       f"text {snippet(d.text)}")
            if a[name] == b[name] == "keep":
                key = f"{name}_text"
                i = next((j for j, (x, y) in enumerate(zip(a[key], b[key])) if x != y),
                         min(len(a[key]), len(b[key])))
                out.append(f"    cleaned text differs at char {i}: ours {snippet(a[key][i:], 60)}"
                           f" vs datatrove {snippet(b[key][i:], 60)}")
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pages", type=pathlib.Path, default=DEFAULT_PAGES, help="WARC of HTML pages")
    p.add_argument("--limit", type=int, default=None, help="only the first N pages")
    p.add_argument("--datatrove-venv", type=pathlib.Path, default=pathlib.Path("/tmp/dt-venv"),
                   help="virtualenv with datatrove 0.10.1 + spaCy (created if missing)")
    p.add_argument("--examples", type=int, default=5, help="disagreements shown per filter")
    p.add_argument("--datatrove-child", type=pathlib.Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.datatrove_child:  # we are the child, inside the datatrove venv
        datatrove_child(args.datatrove_child)
        return

    sys.path.insert(0, str(ROOT))
    python = ensure_venv(args.datatrove_venv)
    t0 = time.perf_counter()
    pages = extract_pages(args.pages, args.limit)
    docs = [doc for doc, extract, _ in pages if extract.keep]
    print(f"{len(pages)} pages, {len(docs)} with text ({time.perf_counter() - t0:.0f} s to read, "
          f"extract and identify the language)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        workdir = pathlib.Path(tmp)
        with open(workdir / "texts.jsonl", "w", encoding="utf-8") as f:
            for doc in docs:
                f.write(json.dumps({"id": doc.id, "text": doc.text}) + "\n")
        t = time.perf_counter()
        theirs, their_secs = run_datatrove(python, workdir)
        print(f"datatrove: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    t = time.perf_counter()
    ours, our_secs = run_ours(docs)
    print(f"ours: {time.perf_counter() - t:.0f} s", file=sys.stderr)

    ids = [d.id for d in docs]
    print(f"## Agreement on the {len(ids)} non-empty texts of {len(pages)} pages "
          f"({os.path.basename(args.pages)})\n")
    print(agreement_table(ids, ours, theirs, (our_secs, their_secs)))
    print("\n## Pages each rule drops (first rule that trips, chain in FineWeb order)\n")
    print(drop_table(pages, ours, theirs))
    print("\n## Disagreements")
    print(examples(docs, ours, theirs, args.examples))


if __name__ == "__main__":
    main()
