"""Re-decide the quality filters of a finished run with new thresholds, without re-crawling.

    curation refilter out/ --set gopher_quality.min_doc_words=100 --output out-100/

Annotate, then decide: `curation run` stores every quality filter's measurements in the Parquet
output, and writes the documents the quality filters and dedup dropped to ``OUTPUT/dropped/``.
This job reads both, runs only the decide step of each quality stage (in the original order, with
the original settings plus ``--set``), runs near-duplicate removal again over what is kept (the
kept set changed), and writes a new ``documents/``, ``dropped/``, ``shards/`` (when the original
run wrote shards, with its shard settings) and stats.json.
Reading, extraction, language ID and PII scrubbing are not repeated: their funnel rows are copied
from the original stats.json.

A threshold change costs one pass over the Parquet files. Knobs that change a measurement
(each filter's ``ANNOTATE_KNOBS``, e.g. ``gopher_quality.stop_words`` or C4's line rules) make
that filter measure again from the stored text, which is the text after the earlier stages (for
C4's line rules, already cleaned): rerun `curation run` to apply those to the original text.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from curation.document import Document
from curation.parquet import read_documents
from pipelines import recipe
from pipelines import stats as stats_lib
from pipelines.dedup import DedupMinHash
from pipelines.options import UsageError
from pipelines.shard_sink import WriteTokenShards
from pipelines.sink import WriteDocuments, write_atomic
from pipelines.transforms import FilterStage

# What a run added to say why a document went or what it was grouped with; refilter decides anew.
_DROP_KEYS = ("drop_stage", "drop_reason", "dedup_cluster", "dedup_cluster_size")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="INPUT",
                        help="the output directory of a `curation run` (with stats.json)")
    parser.add_argument("--output", required=True, metavar="DIR",
                        help="where to write the re-decided documents and stats.json")
    parser.add_argument("--set", action="append", default=None, metavar="STAGE.KNOB=VALUE",
                        help="change one knob of a quality stage, e.g. "
                             "gopher_quality.min_doc_words=100; repeatable")
    parser.add_argument("--stages", default=None, metavar="LIST",
                        help="the quality stages to run, in order (default: those of the "
                             "original run)")


def _config_from_json(cls: type, values: dict[str, Any]) -> Any:
    """A config dataclass from the JSON stats.json holds (lists back to tuples)."""
    names = {f.name for f in dataclasses.fields(cls)}

    def fix(v):
        return tuple(fix(x) for x in v) if isinstance(v, list) else v

    return cls(**{k: fix(v) for k, v in values.items() if k in names})


def _read_stats(directory: str) -> dict[str, Any]:
    path = FileSystems.join(directory, "stats.json")
    try:
        with FileSystems.open(path) as f:
            return json.loads(f.read())
    except (OSError, ValueError) as e:
        raise UsageError(f"no readable stats.json in {directory} ({e}); refilter reads the "
                         f"output directory of a finished `curation run`") from None


def plan(o: argparse.Namespace, stats: dict[str, Any]
         ) -> tuple[list[recipe.StageSpec], dict[str, Any]]:
    """The quality stages to re-decide and their configs: the original run's, then --set."""
    original = {s["key"]: s for s in stats["job"]["stages"] if "key" in s}
    keys = ([k.strip() for k in o.stages.split(",") if k.strip()] if o.stages else
            [k for k in original if k in recipe.STAGES and recipe.STAGES[k].writes_dropped])
    for k in keys:
        if k not in recipe.STAGES or not recipe.STAGES[k].writes_dropped:
            quality = [s.key for s in recipe.STAGES.values() if s.writes_dropped]
            raise UsageError(f"refilter re-decides quality stages only ({', '.join(quality)}); "
                             f"got {k!r}")
    if not keys:
        raise UsageError("the original run had no quality stage to re-decide")
    overrides = recipe.parse_overrides(list(o.set or []))
    unknown = set(overrides) - set(keys)
    if unknown:
        raise UsageError(f"--set names stage {sorted(unknown)[0]!r}, which this refilter does "
                         f"not run; stages: {', '.join(keys)}")
    specs = [recipe.STAGES[k] for k in keys]
    configs = {}
    for spec in specs:
        configs[spec.key] = recipe.configure(spec, overrides, _original_config(stats, spec.key))
    return specs, configs


def _original_config(stats: dict[str, Any], key: str) -> Any:
    """The config the original run used for stage ``key``, or None if it did not run it."""
    for s in stats["job"]["stages"]:
        if s.get("key") == key and s.get("config"):
            return _config_from_json(recipe.STAGES[key].config, s["config"])
    return None


def _read_file(path: str):
    for doc in read_documents(path):
        meta = {k: v for k, v in doc.metadata.items() if k not in _DROP_KEYS}
        yield dataclasses.replace(doc, metadata=meta)


def run(argv: list[str]) -> dict[str, Any]:
    """Run the refilter job; returns its stats (also written to OUTPUT/stats.json)."""
    parser = argparse.ArgumentParser(prog="curation refilter", add_help=False)
    add_arguments(parser)
    o, beam_args = parser.parse_known_args(argv)
    original = _read_stats(o.input)
    try:
        specs, configs = plan(o, original)
    except recipe.RecipeError as e:
        raise UsageError(str(e)) from None
    files = [m.path for pattern in ("documents", "dropped")
             for r in FileSystems.match([FileSystems.join(o.input, pattern, "*.parquet")])
             for m in r.metadata_list]
    files.sort()

    from pipelines.cc_to_shards import check_output, config_json, dedup_stats, output_stats, \
        new_pipeline, token_stats, with_local_defaults

    check_output(o.output)
    options = with_local_defaults(beam_args, PipelineOptions(beam_args))
    p = new_pipeline(options)
    docs = (p
            | "Files" >> beam.Create(files)
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadParquet" >> beam.FlatMap(_read_file).with_output_types(Document))
    dropped = []
    for spec in specs:
        if spec.key == "dedup":  # the kept set changed: find the near-duplicates again
            stage = DedupMinHash(configs[spec.key], keep_dropped=True,
                                 removed_ids_dir=FileSystems.join(o.output, "removed_ids"))
        else:
            stage = FilterStage(spec.make_filter(configs[spec.key]), keep_dropped=True)
        docs, gone = docs | spec.label >> stage
        dropped.append(gone)
    shard_config = _original_config(original, "tokenize")
    if shard_config is not None:
        docs = docs | "WriteTokenShards" >> WriteTokenShards(shard_config, o.output)
    _ = docs | "WriteDocuments" >> WriteDocuments(o.output)
    _ = (dropped | "FlattenDropped" >> beam.Flatten()
         | "WriteDropped" >> WriteDocuments(o.output, subdir="dropped"))
    result = p.run()
    result.wait_until_finish()
    counters = stats_lib.query_counters(result)

    # The funnel: the original rows up to the first re-decided stage, then the new ones.
    first = specs[0].namespace
    names = [row["name"] for row in original["stages"]]
    if first not in names or names[names.index(first):] != [s.namespace for s in specs]:
        raise UsageError("refilter re-decides the quality stages that ended the original run's "
                         "funnel, in their order; rerun `curation run` for other recipes")
    upstream = original["stages"][: names.index(first)]
    new = stats_lib.funnel(counters, [(s.label, s.namespace) for s in specs])
    stats = dict(original)
    stats["stages"] = upstream + new["stages"]
    stats["kept"] = new["kept"]
    stats["output"] = output_stats(counters, o.output)
    if "dedup" in configs:
        stats["dedup"] = dedup_stats(counters, configs["dedup"])
    if shard_config is not None:
        stats["tokens"] = token_stats(counters, o.output)
    kept_by = {s.namespace: s for s in specs}
    stats["job"] = dict(original["job"], stages=[
        dict(s, config=config_json(configs[s["key"]])) if s.get("name") in kept_by else s
        for s in original["job"]["stages"]])
    stats["refilter"] = {"from": o.input, "set": list(o.set or []),
                         "stages": [s.key for s in specs]}
    problems = stats_lib.check_invariant(stats)
    stats["invariant_ok"] = not problems
    if problems:
        raise UsageError(f"{o.input} does not add up after refiltering ({problems[0]}); was its "
                         f"run complete, with documents/ and dropped/?")
    write_atomic(FileSystems.join(o.output, "stats.json"), stats_lib.to_json(stats))
    return stats
