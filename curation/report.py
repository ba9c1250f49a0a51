"""Show the figures of `curation.shard_stats.collect`: terminal tables, JSON, an HTML report.

    from curation import report, shard_stats
    stats = shard_stats.collect("out/")
    report.terminal(stats, rich.console.Console())
    report.write_html(stats, "report.html")   # three charts, embedded as base64 PNG

The HTML file stands alone (no scripts, no links): the charts of document lengths, language scores
and the funnel are drawn with matplotlib's ``Agg`` backend, which is imported only when a report
is written.
"""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def to_json(stats: dict[str, Any]) -> str:
    """The figures as JSON, for machines."""
    return json.dumps(stats, indent=2, ensure_ascii=False)


def _n(value: Any) -> str:
    """A figure for a table: thousands separators; floats to 4 significant digits."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    return f"{value:,}"


def token_text(text: str) -> str:
    """A decoded token as it reads in a table: quoted, with whitespace and controls escaped."""
    return json.dumps(text, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# tables: the same rows feed the terminal and the HTML report


def tables(stats: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table of the report as ``(title, header, rows)``, with the cells as text."""
    out = []
    t, docs = stats.get("tokens"), stats.get("documents")
    rows = []
    if t:
        for split in ("train", "val"):
            s = t[split]
            rows.append([split, _n(s["shards"]), _n(s["documents"]), _n(s["tokens"])])
        rows.append(["all", _n(stats["shards"]["count"]), _n(t["documents"]), _n(t["total"])])
        rows.append(["EOT", "", "", f"{_n(stats['eot']['count'])} "
                                    f"({100 * stats['eot']['share']:.3f}% of tokens)"])
    elif stats.get("shards"):
        rows.append(["all", _n(stats["shards"]["count"]), "-", "-"])
    else:
        rows.append(["shards", "missing", "", ""])
    if docs:
        tokens = "-" if docs["tokens"] is None else \
            f"{_n(docs['tokens'])} + {_n(docs['count'])} EOT"
        rows.append(["documents/", f"{_n(docs['files'])} files", _n(docs["count"]), tokens])
    out.append(("Shards and tokens", ["split", "shards", "documents", "tokens"], rows))

    # one column per distribution (summaries of the same shape), one row per statistic
    per_doc = stats.get("tokens_per_document")
    columns = [(f"tokens ({(per_doc or {}).get('source')}, no EOT)", per_doc, _n),
               ("characters", (docs or {}).get("characters_per_document"), _n),
               ("language score", stats.get("language_score"), lambda v: f"{v:.4f}")]
    columns = [c for c in columns if c[1]]
    if columns:
        rows = [["count", *(_n(s["count"]) for _, s, _ in columns)]]
        for name in ("mean", "min", *columns[0][1]["percentiles"], "max"):
            rows.append([name, *(fmt(s[name] if name in s else s["percentiles"][name])
                                 for _, s, fmt in columns)])
        out.append(("Per document", ["", *(c[0] for c in columns)], rows))

    funnel = stats.get("funnel")
    if funnel:
        rows = [[s["stage"], _n(s["input"]), _n(s["kept"]), _n(s["dropped"]),
                 ", ".join(f"{k} {v:,}" for k, v in s["reasons"].items())]
                for s in funnel["stages"]]
        out.append((f"Funnel (kept {_n(funnel['kept'])})",
                    ["stage", "input", "kept", "dropped", "drop reasons"], rows))

    domains = stats.get("domains")
    if domains and domains["by_documents"]:
        for key in ("by_documents", "by_tokens"):
            if domains[key]:
                out.append((f"Top domains {key.replace('_', ' ')} ({_n(domains['distinct'])} "
                            "distinct)", ["domain", "documents", "tokens"],
                            [[d["domain"] or "(none)", _n(d["documents"]), _n(d["tokens"])]
                             for d in domains[key]]))

    top = stats.get("top_tokens")
    if top:
        out.append(("Most frequent tokens (EOT excluded)", ["id", "text", "count", "share"],
                    [[str(x["id"]), token_text(x["text"]), _n(x["count"]),
                      f"{100 * x['share']:.2f}%"] for x in top]))
    return out


def terminal(stats: dict[str, Any], console: Console) -> None:
    """Print every table with rich."""
    for title, header, rows in tables(stats):
        table = Table(title=title, title_justify="left", min_width=len(title) + 2)
        for i, h in enumerate(header):
            table.add_column(h, justify="left" if i == 0 or h in ("text", "drop reasons",
                                                                  "domain") else "right")
        for row in rows:
            table.add_row(*(escape(c) for c in row))
        console.print(table)


# ---------------------------------------------------------------------------------------------
# charts


def charts(stats: dict[str, Any]) -> dict[str, bytes]:
    """The report's charts as PNG bytes: ``lengths``, ``language_score`` and ``funnel``, each
    only when its data is there."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must come before pyplot
    import matplotlib.pyplot as plt

    out = {}

    def png(fig) -> bytes:
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
        return buf.getvalue()

    lengths = stats.get("tokens_per_document")
    unit = "tokens"
    if lengths is None and stats.get("documents"):
        lengths, unit = stats["documents"]["characters_per_document"], "characters"
    if lengths:
        h = lengths["histogram"]
        fig, ax = plt.subplots(figsize=(8, 4))
        edges = [max(e, 0.5) for e in h["edges"]]  # log axis: the [0, 1) bin starts at 0.5
        ax.stairs(h["counts"], edges, fill=True)
        ax.set_xscale("log")
        ax.set_xlim(max(lengths["min"], 1) / 1.5, lengths["max"] * 1.5)
        ax.set_xlabel(f"{unit} per document (log scale)")
        ax.set_ylabel("documents")
        ax.set_title(f"Document length: median {lengths['percentiles']['p50']:,.0f} {unit}, "
                     f"mean {lengths['mean']:,.0f}")
        out["lengths"] = png(fig)

    lang = stats.get("language_score")
    if lang:
        h = lang["histogram"]
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.stairs(h["counts"], h["edges"], fill=True)
        ax.set_xlim(max(0.0, int(lang["min"] * 20) / 20), 1.0)  # from the lowest 0.05 step
        ax.set_xlabel("language score (fastText probability of the document's language)")
        ax.set_ylabel("documents")
        ax.set_title(f"Language score: mean {lang['mean']:.3f}, min {lang['min']:.3f}")
        out["language_score"] = png(fig)

    funnel = stats.get("funnel")
    if funnel and funnel["stages"]:
        stages = funnel["stages"]
        names = [s["stage"] for s in stages][::-1]  # the first stage on top
        kept = [s["kept"] for s in stages][::-1]
        dropped = [s["dropped"] for s in stages][::-1]
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(stages) + 1.2))
        ax.barh(names, kept, label="kept", color="tab:green")
        ax.barh(names, dropped, left=kept, label="dropped", color="tab:red")
        for y, (k, d) in enumerate(zip(kept, dropped)):
            ax.text(k + d, y, f" {k:,} / {k + d:,}", va="center", fontsize=8)
        ax.set_xlim(0, max(k + d for k, d in zip(kept, dropped)) * 1.15)  # room for labels
        ax.set_xlabel("records")
        ax.set_title(f"Funnel: {funnel['kept']:,} documents kept" if funnel["kept"] is not None
                     else "Funnel")
        ax.legend(loc="lower right")
        out["funnel"] = png(fig)
    return out


# ---------------------------------------------------------------------------------------------
# HTML


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse;margin:0 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em}
td.n{text-align:right;font-variant-numeric:tabular-nums}.problem{color:#b00}.warning{color:#a60}
img{max-width:100%}"""


def render_html(stats: dict[str, Any]) -> str:
    """The whole report as one self-contained HTML page."""
    e = html.escape
    where = stats.get("paths", {}).get("output", "")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>curation stats: "
             f"{e(where)}</title><style>{_CSS}</style></head><body>",
             f"<h1>curation stats</h1><p><code>{e(where)}</code></p>"]
    for cls, key in (("problem", "problems"), ("warning", "warnings")):
        if stats.get(key):
            parts.append(f"<h2>{key.title()}</h2><ul>"
                         + "".join(f"<li class='{cls}'>{e(m)}</li>" for m in stats[key])
                         + "</ul>")
    titles = {"lengths": "Document lengths", "language_score": "Language scores",
              "funnel": "Funnel"}
    for name, data in charts(stats).items():
        parts.append(f"<h2>{titles[name]}</h2><img alt='{name}' "
                     f"src='data:image/png;base64,{base64.b64encode(data).decode()}'>")
    for title, header, rows in tables(stats):
        parts.append(f"<h2>{e(title)}</h2><table><tr>"
                     + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(
                f"<td class='n'>{e(c)}</td>" if i and c[:1].isdigit() else f"<td>{e(c)}</td>"
                for i, c in enumerate(row)) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(stats: dict[str, Any], path: str) -> None:
    """Write `render_html` to ``path``."""
    page = render_html(stats)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
