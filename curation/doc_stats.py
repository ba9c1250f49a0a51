"""Figures of a run's Parquet documents and its funnel, for ``curation stats``.

Histograms are count arrays (``hist[value]`` = how many documents have that value), so they merge
by addition and give exact percentiles however many files or shards they come from.
"""

from __future__ import annotations

import collections
import os
from typing import Any
from urllib.parse import urlsplit

import numpy as np

PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
LANGUAGE_BINS = 100  # language-score histogram: bins of 0.01 over [0, 1]
LENGTH_BINS = 40  # document-length histogram: log-spaced bins


def add_counts(total: np.ndarray, part: np.ndarray) -> np.ndarray:
    """``total + part`` for histograms of different lengths."""
    if len(part) > len(total):
        total, part = part, total
    total = total.copy()
    total[:len(part)] += part
    return total


def summarize(hist: np.ndarray) -> dict[str, Any] | None:
    """Count, mean, min, max, percentiles (as ``np.percentile`` computes them, linear) and a
    log-binned histogram of the values whose counts ``hist[value]`` holds; None if empty."""
    n = int(hist.sum())
    if n == 0:
        return None
    values = np.arange(len(hist))
    cum = np.cumsum(hist)
    nz = np.flatnonzero(hist)

    def nth(k: int) -> int:  # the k-th smallest value (0-based)
        return int(np.searchsorted(cum, k, side="right"))

    pct = {}
    for p in PERCENTILES:
        h = (n - 1) * p / 100
        lo = int(np.floor(h))
        a, b = nth(lo), nth(min(lo + 1, n - 1))
        pct[f"p{p}"] = float(a + (h - lo) * (b - a))
    top = int(nz[-1])
    edges = np.unique(np.concatenate(
        [[0], np.round(np.geomspace(1, top + 1, LENGTH_BINS)).astype(np.int64), [top + 1]]))
    cum0 = np.concatenate([[0], cum])
    counts = cum0[edges[1:]] - cum0[edges[:-1]]  # bins [edges[i], edges[i+1])
    return {"count": n, "mean": float((values * hist).sum() / n), "min": int(nz[0]), "max": top,
            "percentiles": pct,
            "histogram": {"edges": edges.tolist(), "counts": counts.tolist()}}


# ---------------------------------------------------------------------------------------------
# documents and funnel


def domain(url: str) -> str:
    """The host of ``url`` in lower case without a leading ``www.``; ``""`` if there is none."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def scan_documents(directory: str, top: int = 20, batch_rows: int = 8192) -> dict[str, Any]:
    """Rows, characters, tokens, domains and language scores of ``directory/*.parquet``, read
    column-wise and batch by batch.

    Args:
        directory: the ``documents/`` directory of a run.
        top: how many domains to list, by documents and by tokens.
        batch_rows: Parquet rows read at a time (bounds memory).
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    files = sorted(os.path.join(directory, n) for n in os.listdir(directory)
                   if n.endswith(".parquet"))
    rows, problems = 0, []
    chars = np.zeros(1, dtype=np.int64)
    lengths = np.zeros(1, dtype=np.int64)
    scores: list[np.ndarray] = []
    docs_by: collections.Counter = collections.Counter()
    tokens_by: collections.Counter = collections.Counter()
    has_tokens = bool(files)
    for path in files:
        try:
            pf = pq.ParquetFile(path)
            names = set(pf.schema_arrow.names)
            has_tokens = has_tokens and "token_count" in names
            wanted = [c for c in ("url", "text", "language_score", "token_count") if c in names]
            for batch in pf.iter_batches(batch_size=batch_rows, columns=wanted):
                rows += batch.num_rows
                cols = dict(zip(batch.schema.names, batch.columns))
                if "text" in cols:
                    n = pc.utf8_length(cols["text"]).drop_null().to_numpy()
                    chars = add_counts(chars, np.bincount(n.astype(np.int64)))
                if "language_score" in cols:
                    scores.append(cols["language_score"].drop_null().to_numpy().astype(float))
                tc = cols["token_count"].to_pylist() if "token_count" in cols else None
                if tc is not None:
                    present = np.array([t for t in tc if t is not None], dtype=np.int64)
                    lengths = add_counts(lengths, np.bincount(present))
                if "url" in cols:
                    for i, url in enumerate(cols["url"].to_pylist()):
                        d = domain(url or "")
                        docs_by[d] += 1
                        if tc is not None and tc[i] is not None:
                            tokens_by[d] += tc[i]
        except Exception as e:  # a damaged file must not stop the report of the others
            problems.append(f"{path}: unreadable Parquet ({type(e).__name__}: {e}); re-run "
                            "the job to rewrite it")
    score = np.concatenate(scores) if scores else np.zeros(0)
    language = None
    if score.size:
        hist, edges = np.histogram(np.clip(score, 0, 1), bins=LANGUAGE_BINS, range=(0, 1))
        language = {"count": int(score.size), "mean": float(score.mean()),
                    "min": float(score.min()), "max": float(score.max()),
                    "percentiles": {f"p{p}": float(v) for p, v in
                                    zip(PERCENTILES, np.percentile(score, PERCENTILES))},
                    "histogram": {"edges": np.round(edges, 4).tolist(),
                                  "counts": hist.tolist()}}
    return {
        "documents": {"directory": directory, "files": len(files), "count": rows,
                      "characters": int((np.arange(len(chars)) * chars).sum()),
                      "tokens": int(sum(tokens_by.values())) if has_tokens else None,
                      "characters_per_document": summarize(chars),
                      "tokens_per_document": summarize(lengths) if has_tokens else None},
        "domains": {"distinct": len(docs_by),
                    "by_documents": [{"domain": d, "documents": n, "tokens": tokens_by.get(d)}
                                     for d, n in docs_by.most_common(top)],
                    "by_tokens": [{"domain": d, "documents": docs_by[d], "tokens": n}
                                  for d, n in tokens_by.most_common(top)]},
        "language_score": language,
        "problems": problems,
    }


def funnel(stats: dict) -> dict[str, Any]:
    """The funnel of ``stats.json``: one row per stage (reading first) with input, kept, dropped
    and the drops by reason, largest first."""
    rows = []
    read = stats.get("read")
    if read:
        reasons = {**read.get("skipped", {}),
                   **{f"damaged:{k}": v for k, v in read.get("damaged", {}).items()}}
        rows.append({"stage": "ReadWarc", "name": "read", "input": read.get("records", 0),
                     "kept": read.get("html", 0),
                     "dropped": read.get("records", 0) - read.get("html", 0),
                     "reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1]))})
    for s in stats.get("stages", []):
        dropped = s.get("dropped", {})
        rows.append({"stage": s.get("stage", "?"), "name": s.get("name", "?"),
                     "input": s.get("input", 0), "kept": s.get("kept", 0),
                     "dropped": sum(dropped.values()),
                     "reasons": dict(sorted(dropped.items(), key=lambda kv: -kv[1]))})
    return {"stages": rows, "kept": stats.get("kept")}
