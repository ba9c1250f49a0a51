"""MinHash signature throughput on one core: ours vs datasketch vs datatrove 0.10.1, same texts.

    python bench/minhash.py [--texts extract|gold] [--pages ../shared/data/pages/real-pages.warc.gz]
                            [--limit N] [--repeat 3] [--datatrove-venv /tmp/dt-venv]

What it does (about 3 minutes on a busy 2-core box, most of it the datasketch loop and spaCy):
  1. gets the texts: ``extract`` (default) reads the 1,301 real pages with `curation.warc` and
     extracts them with `curation.extract.Extractor` (FineWeb's trafilatura settings), keeping the
     non-empty texts; ``gold`` takes the 181 gold article bodies of the article-extraction
     benchmark instead (no extraction, seconds);
  2. times, from text to a 112-value signature (normalisation and shingling included):
       - ours, batched: ``MinHasher().signatures`` on batches of `BATCH` texts;
       - ours, per document: ``MinHasher().signature(text)``;
       - datasketch, plain loop: per document a new ``MinHash(num_perm=112, seed=1,
         scheme="legacy")`` and ``update(shingle)`` for every shingle (the usual usage);
       - datasketch, bulk: ``MinHash.bulk`` over every document's shingles (shared permutations,
         ``update_batch`` inside);
       - datatrove: ``MinhashDedupSignature.get_shingles`` + ``get_signature`` for every text
         (its default ``MinhashConfig``: 5-grams, 14 x 8, xxhash-64; and with the sha1-32 hash
         config that equals datasketch's hash), in the datatrove venv as a child process
         (this file re-run with ``--datatrove-child DIR``; texts in and seconds out as JSON in a
         temp dir). The project's own environment never gets datatrove.
     Each is the best of ``--repeat`` runs. Everything is single-threaded (numpy's element-wise
     ops do not use threads), so the rates are per core;
  3. checks that our signatures equal both datasketch ones, and prints a markdown table (pasted
     into bench/README-minhash.md) with documents/s, MB/s (UTF-8 bytes of the input texts),
     microseconds per shingle, and the speed of each relative to ours (batched).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_PAGES = ROOT.parent / "shared" / "data" / "pages" / "real-pages.warc.gz"
DEFAULT_GOLD = ROOT.parent / "shared" / "data" / "pages" / "real-pages.gold.jsonl"
BATCH = 64  # texts per `MinHasher.signatures` call, about what a Beam bundle batch would hold
WARM_UP = "The cat sat on the mat. It was a sunny day, and the cat liked it very much. " * 3


def best_of(repeat: int, fn) -> tuple[float, object]:
    """The shortest wall time of ``repeat`` calls of ``fn`` and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# ----------------------------------------------------------------------------------------------
# The datatrove side (runs in the datatrove venv: stdlib and datatrove imports only)


def datatrove_child(workdir: pathlib.Path, repeat: int) -> None:
    """Time datatrove's signature step on ``texts.json`` in ``workdir``; write its seconds."""
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
    from datatrove.utils.hashing import HashConfig

    texts = json.loads((workdir / "texts.json").read_text(encoding="utf-8"))
    configs = {"xxhash64": MinhashConfig(),
               "sha1_32": MinhashConfig(hash_config=HashConfig(precision=32, hash_fc="sha1"))}
    out = {}
    for name, config in configs.items():
        step = MinhashDedupSignature(output_folder=str(workdir / name), config=config)

        def run():
            n_sigs = 0
            for text in texts:
                grams = step.get_shingles(text)
                if grams.size:  # datatrove writes no signature for a text without shingles
                    step.get_signature(grams)
                    n_sigs += 1
            return n_sigs

        step.get_signature(step.get_shingles(WARM_UP))  # loads spaCy
        seconds, n_sigs = best_of(repeat, run)
        out[name] = {"seconds": seconds, "signatures": n_sigs}
    (workdir / "datatrove_seconds.json").write_text(json.dumps(out))


def run_datatrove(venv: pathlib.Path, workdir: pathlib.Path, repeat: int) -> dict | None:
    """datatrove's seconds per config, or None (with a message) when the venv is missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"no datatrove venv at {venv}: skipping datatrove (create it with "
              f"`python -m venv {venv} && {python} -m pip install datatrove[processing]==0.10.1 "
              "spacy`)", file=sys.stderr)
        return None
    subprocess.run([str(python), str(pathlib.Path(__file__).resolve()), "--datatrove-child",
                    str(workdir), "--repeat", str(repeat)], check=True)
    return json.loads((workdir / "datatrove_seconds.json").read_text())


# ----------------------------------------------------------------------------------------------
# Our side (the project's venv)


def load_texts(source: str, pages: pathlib.Path, limit: int | None) -> list[str]:
    """The benchmark texts: extracted from the WARC (``extract``) or the gold articles."""
    if source == "gold":
        with open(DEFAULT_GOLD, encoding="utf-8") as f:
            texts = [g["article_body"] for g in map(json.loads, f) if g.get("article_body")]
        return texts[:limit]
    from curation.extract import ExtractConfig, Extractor
    from curation.warc import read_records

    with open(pages, "rb") as f:
        docs = []
        for doc in read_records(f, str(pages)):
            docs.append(doc)
            if limit and len(docs) >= limit:
                break
    with Extractor(ExtractConfig()) as ex:
        return [doc.text for doc, decision in ex.extract_documents(docs) if decision.keep]


def datasketch_minhash(**kw):
    """``datasketch.MinHash`` with the pre-2.0 "legacy" permutations our signatures equal."""
    import inspect

    import datasketch

    if "scheme" in inspect.signature(datasketch.MinHash).parameters:
        kw["scheme"] = "legacy"
    return datasketch.MinHash, kw


def run_ours(texts: list[str], repeat: int) -> dict:
    import datasketch
    import numpy as np

    from curation.minhash import MinHashConfig, MinHasher, shingles

    cfg = MinHashConfig()
    mh = MinHasher(cfg)
    mh.signatures([WARM_UP, "Ünïcödé wärm üp 𝄞"])  # draws permutations, builds regex tables
    batched = lambda: np.concatenate([mh.signatures(texts[i:i + BATCH])  # noqa: E731
                                      for i in range(0, len(texts), BATCH)])
    results = {}
    results["ours, batched"], sigs = best_of(repeat, batched)
    per_doc = lambda: [mh.signature(t) for t in texts]  # noqa: E731
    results["ours, per document"], single = best_of(repeat, per_doc)
    assert np.array_equal(sigs, np.stack(single))

    MinHash, kw = datasketch_minhash(num_perm=cfg.num_perm, seed=cfg.seed)

    def plain():
        out = []
        for text in texts:
            m = MinHash(**kw)
            for gram in shingles(text, cfg.ngram):
                m.update(gram)
            out.append(m.hashvalues)
        return out

    def bulk():
        return [m.hashvalues for m in MinHash.bulk([shingles(t, cfg.ngram) for t in texts], **kw)]

    for name, fn in (("datasketch, plain update loop", plain), ("datasketch, MinHash.bulk", bulk)):
        results[name], theirs = best_of(repeat, fn)
        equal = sum(np.array_equal(a, b) for a, b in zip(sigs, theirs))
        print(f"{name}: {equal}/{len(texts)} signatures equal ours", file=sys.stderr)
        assert equal == len(texts), "signatures differ from datasketch"
    print(f"datasketch {datasketch.__version__}", file=sys.stderr)
    return results


def table(texts: list[str], seconds: dict, datatrove: dict | None) -> str:
    from curation.minhash import shingles

    n_docs = len(texts)
    mb = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / 1e6
    n_shingles = sum(len(shingles(t, 5)) for t in texts)
    rows = dict(seconds)
    if datatrove:
        rows["datatrove 0.10.1, xxhash-64 (default)"] = datatrove["xxhash64"]["seconds"]
        rows["datatrove 0.10.1, sha1-32"] = datatrove["sha1_32"]["seconds"]
    ours = rows["ours, batched"]
    lines = [f"{n_docs:,} texts, {mb:.2f} MB, {n_shingles:,} shingles (5-grams), 112 hashes",
             "", "| signature step | docs/s | MB/s | µs/shingle | ours batched is x faster |",
             "|---|---:|---:|---:|---:|"]
    for name, s in rows.items():
        lines.append(f"| {name} | {n_docs / s:,.0f} | {mb / s:.2f} | {s / n_shingles * 1e6:.2f} "
                     f"| {s / ours:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--texts", choices=("extract", "gold"), default="extract",
                   help="extracted texts of the 1,301 real pages, or the 181 gold articles")
    p.add_argument("--pages", type=pathlib.Path, default=DEFAULT_PAGES, help="WARC of HTML pages")
    p.add_argument("--limit", type=int, default=None, help="only the first N pages / articles")
    p.add_argument("--repeat", type=int, default=3, help="best of this many runs per method")
    p.add_argument("--datatrove-venv", type=pathlib.Path, default=pathlib.Path("/tmp/dt-venv"),
                   help="virtualenv with datatrove 0.10.1 and spaCy (never the project's)")
    p.add_argument("--datatrove-child", type=pathlib.Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.datatrove_child:  # we are the child, inside the datatrove venv
        datatrove_child(args.datatrove_child, args.repeat)
        return
    sys.path.insert(0, str(ROOT))
    t = time.perf_counter()
    texts = load_texts(args.texts, args.pages, args.limit)
    print(f"{len(texts)} texts ({args.texts}) in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    seconds = run_ours(texts, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp)
        (workdir / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        datatrove = run_datatrove(args.datatrove_venv, workdir, args.repeat)
    print(table(texts, seconds, datatrove))


if __name__ == "__main__":
    main()
