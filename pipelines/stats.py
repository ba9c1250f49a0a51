"""The funnel: Beam counters after the run, turned into OUTPUT/stats.json.

    {
      "read":   {"records": 49, "by_kind": {"response": 16, ...}, "html": 15,
                 "skipped": {"request": 16, "non_html": 1, ...}, "damaged": {"bad_gzip": 1}},
      "stages": [{"stage": "FilterUrls", "name": "url_v1", "input": 15, "kept": 14,
                  "dropped": {"url_blocklisted_domain": 1}}, ...],
      "kept": 9,
      "pii": {"email": 3, ...},
      ...
    }

The invariant ``read.html == kept + sum of every stage's drops`` holds exactly: each stage's input
is the previous stage's kept count.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from apache_beam.metrics.metric import MetricsFilter

STATS_VERSION = 1


def query_counters(result) -> dict[str, dict[str, int]]:
    """All counters of a finished pipeline, as ``{namespace: {name: value}}``."""
    counters: dict[str, dict[str, int]] = {}
    for c in result.metrics().query(MetricsFilter())["counters"]:
        value = c.committed if c.committed is not None else c.attempted
        ns = counters.setdefault(c.key.metric.namespace, {})
        ns[c.key.metric.name] = ns.get(c.key.metric.name, 0) + int(value or 0)
    return counters


def prefixed(names: dict[str, int], prefix: str) -> dict[str, int]:
    """The non-zero counters whose name starts with ``prefix``, keyed by the rest of the name."""
    return {k[len(prefix):]: v for k, v in sorted(names.items()) if k.startswith(prefix) and v}


def funnel(counters: dict[str, dict[str, int]], stages: Iterable[tuple[str, str]],
           read_namespace: str = "read_v1") -> dict[str, Any]:
    """The funnel of a run.

    Args:
        counters: ``{namespace: {name: value}}`` as `query_counters` returns.
        stages: ``(label, namespace)`` of every filtering stage, in pipeline order.
        read_namespace: the namespace of the reader's counters.
    """
    read = counters.get(read_namespace, {})
    html = read.get("html", 0)
    out: dict[str, Any] = {
        "read": {
            "records": sum(prefixed(read, "record:").values()),
            "by_kind": prefixed(read, "record:"),
            "html": html,
            "skipped": prefixed(read, "skipped:"),
            "damaged": prefixed(read, "damaged:"),
        },
        "stages": [],
    }
    current = html
    for label, namespace in stages:
        c = counters.get(namespace, {})
        kept = c.get("kept", 0)
        out["stages"].append({
            "stage": label,
            "name": namespace,
            "input": c.get("total", 0),
            "kept": kept,
            "dropped": prefixed(c, "dropped:"),
        })
        current = kept
    out["kept"] = current
    return out


def check_invariant(stats: dict[str, Any]) -> list[str]:
    """Every way the funnel fails to account for a record; empty when it adds up."""
    problems = []
    read = stats["read"]
    accounted = read["html"] + sum(read["skipped"].values()) + sum(read["damaged"].values())
    if read["records"] != accounted:
        problems.append(f"records read {read['records']} != html + skipped + damaged {accounted}")
    previous = read["html"]
    for stage in stats["stages"]:
        if stage["input"] != previous:
            problems.append(f"{stage['stage']}: input {stage['input']} != previous kept {previous}")
        if stage["input"] != stage["kept"] + sum(stage["dropped"].values()):
            problems.append(f"{stage['stage']}: input != kept + dropped")
        previous = stage["kept"]
    dropped = sum(sum(s["dropped"].values()) for s in stats["stages"])
    if read["html"] != stats["kept"] + dropped:
        problems.append(f"html {read['html']} != kept {stats['kept']} + dropped {dropped}")
    return problems


def to_json(stats: dict[str, Any]) -> bytes:
    return (json.dumps(stats, indent=2, sort_keys=False) + "\n").encode("utf-8")
