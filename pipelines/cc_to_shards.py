"""The curation job: Common Crawl WARCs in, clean English documents out.

    ReadWarc -> FilterUrls -> ExtractText -> IdentifyLanguage -> FilterGopherRepetition
      -> FilterGopherQuality -> FilterC4 -> FilterFineWeb -> DedupMinHash -> ScrubPii
      -> WriteTokenShards -> WriteDocuments

Run it through the CLI (`curation run --input 'crawl/*.warc.gz' --output out/`) or from Python
(`run(["--input", "crawl/*.warc.gz", "--output", "out/"])`). Any Beam pipeline option passes
through: `--runner DataflowRunner --project P --region R --temp_location gs://b/tmp` runs it on
Dataflow. With no runner given it runs on the DirectRunner in multi-processing mode over all cores.

Writes ``OUTPUT/documents/*.parquet`` (FineWeb's columns plus the metadata and ``token_count``),
``OUTPUT/shards/`` (GPT-2 tokens in llm.c's format, with ``manifest.json``) and
``OUTPUT/stats.json`` (the funnel: records read by kind; for every stage its input, kept and
dropped counts by reason; the token totals).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import sys
import tempfile
from typing import Any, Callable

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (DirectOptions, PipelineOptions,
                                                  StandardOptions, WorkerOptions)

from curation import __version__
from curation.extract import ExtractConfig
from curation.langid import LanguageIdentifier
from curation.minhash import MinHashConfig
from curation.warc import ReadConfig
from filters.language import LanguageConfig, LanguageFilter
from filters.url import URLFilterConfig
from pipelines import recipe
from pipelines.dedup import DEDUP_NAMESPACE, DedupMinHash
from pipelines import stats as stats_lib
from pipelines.inputs import absolute_path, crawl_inputs, expand_inputs
from pipelines.local import LocalRunner, is_direct
from pipelines.options import CurationOptions, UsageError
from pipelines.shard_sink import MANIFEST, TOKENIZE_NAMESPACE, WriteTokenShards
from pipelines.sink import WriteDocuments, write_atomic
from pipelines.transforms import (PII_NAMESPACE, READ_NAMESPACE,
                                  ExtractText, FilterStage, IdentifyLanguage, ScrubPii,
                                  count_kept, ReadWarc)

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# Stages


def _base_configs(o: argparse.Namespace) -> dict[str, Any]:
    """Stage configs from the dedicated flags (--blocklist, --languages, ...), before --set."""
    url = URLFilterConfig(blocklist=o.blocklist)
    if o.blocklist_categories:
        url = dataclasses.replace(url, categories=tuple(o.blocklist_categories.split(",")))
    extract = ExtractConfig()
    if o.extract_timeout is not None:
        extract = dataclasses.replace(extract, timeout_s=o.extract_timeout)
    if o.max_html_bytes is not None:
        extract = dataclasses.replace(extract, max_html_bytes=o.max_html_bytes)
    languages = tuple(x.strip() for x in o.languages.split(",") if x.strip())
    language = LanguageConfig(languages=languages, min_score=o.min_language_score)
    return {"url": url, "extract": extract, "language": language}


def resolve_recipe(o: argparse.Namespace) -> tuple[list[recipe.StageSpec], dict[str, Any]]:
    """The stages to run and each one's config, from --recipe, --stages and --set."""
    stages, settings = (recipe.load_recipe(o.recipe) if o.recipe else (None, []))
    stages = o.stages or stages or list(recipe.DEFAULT_STAGES)
    specs = recipe.parse_stages(stages)
    overrides = recipe.parse_overrides(settings + list(o.set or []))
    base = _base_configs(o)
    configs = {s.key: recipe.configure(s, overrides, base.get(s.key)) for s in specs}
    return specs, configs


def build_stage(spec: recipe.StageSpec, config: Any, o: argparse.Namespace) -> beam.PTransform:
    if spec.key == "extract":
        return ExtractText(config)
    if spec.key == "language":
        return IdentifyLanguage(LanguageIdentifier(o.lid_model), LanguageFilter(config))
    if spec.key == "pii":
        return ScrubPii(config)
    if spec.key == "tokenize":
        return WriteTokenShards(config, o.output)
    if spec.key == "dedup":
        return DedupMinHash(config, removed_ids_dir=FileSystems.join(o.output, "removed_ids"),
                            keep_dropped=True)
    # Quality filters keep what they drop, so `curation refilter` can re-decide it.
    return FilterStage(spec.make_filter(config), keep_dropped=spec.writes_dropped)


def apply_stages(docs, stages: list[recipe.StageSpec], configs: dict[str, Any],
                 o: argparse.Namespace):
    """Run ``stages`` over ``docs``; returns the kept documents and the PII-scrubbed documents the
    quality filters and dedup dropped (None when neither runs)."""
    dropped = []
    for spec in stages:
        out = docs | spec.label >> build_stage(spec, configs[spec.key], o)
        if spec.writes_dropped:
            docs, gone = out
            dropped.append(gone)
        else:
            docs = out
    if not dropped:
        return docs, None
    gone = dropped | "FlattenDropped" >> beam.Flatten()
    if "pii" in configs:  # what is written to disk is scrubbed, kept or not
        gone = gone | "ScrubPiiDropped" >> ScrubPii(configs["pii"], namespace="pii_dropped_v1")
    return docs, gone


# ----------------------------------------------------------------------------------------------
# Checks before the job starts, so mistakes fail in a second with a useful message


def resolve_inputs(o: argparse.Namespace) -> list[str]:
    if o.input and o.crawl:
        raise UsageError("give either --input or --crawl, not both")
    if o.crawl:
        paths = crawl_inputs(o.crawl, o.max_files, base_url=o.cc_base_url)
    elif o.input:
        try:
            paths = expand_inputs(o.input)
        except ValueError as e:
            raise UsageError(str(e)) from None
        if o.max_files is not None:
            paths = paths[: o.max_files]
    else:
        raise UsageError("no input: pass --input 'crawl/*.warc.gz' or --crawl CC-MAIN-2024-10")
    if not paths:
        raise UsageError("no input files to read")
    return paths


def check_output(output: str | None) -> None:
    if not output:
        raise UsageError("no output: pass --output DIR")
    if "://" in output:
        return  # remote filesystems are checked by the runner when it writes
    try:
        os.makedirs(output, exist_ok=True)
        probe = os.path.join(output, f".write-probe-{os.getpid()}")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as e:
        raise UsageError(f"cannot write to --output {output}: {e.strerror}; choose a directory "
                         f"you can write to") from None


def is_local_runner(options: PipelineOptions) -> bool:
    """The DirectRunner (the default) or Prism: the job runs on this machine."""
    runner = options.view_as(StandardOptions).runner
    return is_direct(options) or str(runner).lower() == "prismrunner"


def with_local_defaults(argv: list[str], options: PipelineOptions) -> PipelineOptions:
    """On the DirectRunner, default to multi-processing over all cores."""
    if not is_local_runner(options):
        return options
    direct = options.view_as(DirectOptions)
    given = " ".join(argv)
    if "--direct_num_workers" not in given:
        direct.direct_num_workers = os.cpu_count() or 1
    if "--direct_running_mode" not in given:
        direct.direct_running_mode = "multi_processing"
    if "--default_sdk_harness_log_level" not in given:
        # Worker processes otherwise log every start-up step at INFO on the user's terminal.
        options.view_as(WorkerOptions).default_sdk_harness_log_level = "WARNING"
    if options.view_as(StandardOptions).runner is None:
        options.view_as(StandardOptions).runner = "DirectRunner"
    return options


def new_pipeline(options: PipelineOptions) -> beam.Pipeline:
    """A pipeline on `LocalRunner` for the DirectRunner (no Prism download), else as asked."""
    return beam.Pipeline(runner=LocalRunner() if is_direct(options) else None, options=options)


# ----------------------------------------------------------------------------------------------
# The job


def build(p: beam.Pipeline, o: argparse.Namespace, paths: list[str],
          stages: list[recipe.StageSpec], configs: dict[str, Any], min_ranges: int = 1,
          progress_dir: str | None = None) -> None:
    docs = p | "ReadWarc" >> ReadWarc(paths, dump=o.dump, config=ReadConfig(),
                                      range_bytes=o.range_mb * 1024 * 1024,
                                      min_ranges=min_ranges, progress_dir=progress_dir)
    docs, dropped = apply_stages(docs, stages, configs, o)
    _ = (docs
         | "CountKept" >> count_kept(progress_dir)
         | "WriteDocuments" >> WriteDocuments(o.output))
    if dropped is not None:
        _ = dropped | "WriteDropped" >> WriteDocuments(o.output, subdir="dropped")


def output_stats(counters: dict, output: str) -> dict[str, Any]:
    written = counters.get("output_v1", {})
    return {
        "documents": written.get("documents", 0),
        "files": written.get("files", 0),
        "directory": FileSystems.join(output, "documents"),
        "dropped_documents": written.get("dropped_documents", 0),
        "dropped_directory": FileSystems.join(output, "dropped"),
    }


def token_stats(counters: dict, output: str) -> dict[str, Any]:
    """Token totals from the counters, the per-split figures from the manifest just written."""
    c = counters.get(TOKENIZE_NAMESPACE, {})
    directory = FileSystems.join(output, "shards")
    with FileSystems.open(FileSystems.join(directory, MANIFEST)) as f:
        written = json.load(f)
    return {"tokenizer": written["tokenizer"], "documents": c.get("documents", 0),
            "tokens": c.get("tokens", 0), **written["totals"], "directory": directory}


def dedup_stats(counters: dict, config: MinHashConfig) -> dict[str, Any]:
    """The MinHash parameters and the cluster-size histogram of a run."""
    c = counters.get(DEDUP_NAMESPACE, {})
    sizes = stats_lib.prefixed(c, "cluster_size:")
    return {
        "params": DedupMinHash(config).params(),
        "clusters": c.get("clusters", 0),
        "edges": c.get("edges", 0),
        "cluster_sizes": dict(sorted(sizes.items(), key=lambda kv: int(kv[0].split("-")[0]))),
        "unconverged": c.get("cc_unconverged", 0),
    }


def config_json(config: Any) -> dict[str, Any]:
    """A stage config as JSON-ready values, for stats.json."""
    out = {}
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        if isinstance(v, (frozenset, set)):
            v = sorted(v)
        out[f.name] = list(v) if isinstance(v, tuple) else v
    return json.loads(json.dumps(out, default=str))


def run(argv: list[str] | None = None, progress: Callable | None = None) -> dict[str, Any]:
    """Run the job and return its stats (also written to OUTPUT/stats.json).

    Args:
        argv: command-line arguments; our options plus any Beam pipeline options.
        progress: called as ``progress(totals, elapsed_s, total_files)`` about twice a second
            during a local run, for the CLI's progress line.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    o, beam_args = CurationOptions.parse_known_args(argv)
    options = PipelineOptions(beam_args)
    # Models and lists load on the workers, which on a portable runner start in another directory.
    for name in ("blocklist", "lid_model"):
        if getattr(o, name) is not None:
            setattr(o, name, absolute_path(getattr(o, name)))
    try:
        stages, configs = resolve_recipe(o)
    except recipe.RecipeError as e:
        raise UsageError(str(e)) from None
    paths = resolve_inputs(o)
    check_output(o.output)
    o.output = absolute_path(o.output)  # workers may run in another directory
    options = with_local_defaults(beam_args, options)

    progress_dir = None
    if progress is not None and is_local_runner(options):
        progress_dir = tempfile.mkdtemp(prefix="curation-progress-")
    try:
        # Locally, split even a single file finely enough that every worker gets a share.
        min_ranges = 1
        if is_local_runner(options):
            min_ranges = 8 * max(1, options.view_as(DirectOptions).direct_num_workers or 1)
        p = new_pipeline(options)
        build(p, o, paths, stages, configs, min_ranges, progress_dir)
        if progress_dir is not None:
            from pipelines.progress import Monitor  # only the local CLI draws progress

            # The DirectRunner runs the whole job inside run(): monitor around both calls.
            with Monitor(progress_dir, len(paths),
                         lambda totals, elapsed: progress(totals, elapsed, len(paths))):
                result = p.run()
                result.wait_until_finish()
        else:
            result = p.run()
            result.wait_until_finish()
    finally:
        if progress_dir is not None:
            shutil.rmtree(progress_dir, ignore_errors=True)

    counters = stats_lib.query_counters(result)
    stats = stats_lib.funnel(counters, [(s.label, s.namespace) for s in stages if s.drops],
                             read_namespace=READ_NAMESPACE)
    stats["pii"] = {k: v for k, v in sorted(counters.get(PII_NAMESPACE, {}).items())
                    if k not in ("total", "kept")}
    stats["output"] = output_stats(counters, o.output)
    if "dedup" in configs:
        stats["dedup"] = dedup_stats(counters, configs["dedup"])
    if "tokenize" in configs:
        stats["tokens"] = token_stats(counters, o.output)
    stats["job"] = {
        "version": __version__,
        "stats_version": stats_lib.STATS_VERSION,
        "inputs": len(paths),
        "stages": [{"stage": s.label, "name": s.namespace, "key": s.key,
                    "config": config_json(configs[s.key])} for s in stages],
        "runner": str(options.view_as(StandardOptions).runner),
    }
    stats["invariant_ok"] = not stats_lib.check_invariant(stats)
    write_atomic(FileSystems.join(o.output, "stats.json"), stats_lib.to_json(stats))
    return stats


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    run()
