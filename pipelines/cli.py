"""The `curation` command.

    curation run --input 'crawl/*.warc.gz' --output out/
    curation run --crawl CC-MAIN-2024-10 --max-files 2 --output out/
    curation run --input gs://b/*.warc.gz --output gs://b/out --runner DataflowRunner \\
        --project P --region R --temp_location gs://b/tmp
    curation refilter out/ --set gopher_quality.min_doc_words=100 --output out-100/
    curation stats out/ [--json] [--report report.html]
    curation train --data out/shards --out runs/tiny --preset tiny
    curation sample runs/tiny/ckpt.pt --prompt "The history of"

`curation run --help` lists the job's options; every other Beam pipeline option passes through.
Errors are one line that says what to do; exit status 2 for a usage error, 1 for a failed job.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipelines.options import CurationOptions, UsageError

BEAM_EPILOG = """\
Beam pipeline options pass through unchanged, for example:
  --runner DataflowRunner|FlinkRunner|SparkRunner|PortableRunner   (default: DirectRunner)
  --direct_num_workers N      local worker processes (default here: all cores)
  --direct_running_mode MODE  in_memory | multi_threading | multi_processing (default here)
  --project P --region R --temp_location gs://bucket/tmp          (Dataflow)
  --setup_file ./setup.py | --sdk_container_image IMAGE            (remote workers)
See https://beam.apache.org/documentation/runners/ for every runner's options.
"""


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="curation run",
        description="Run the curation job: read WARC/ARC files, filter URLs, extract text, keep "
                    "English, scrub PII, and write Parquet documents plus stats.json.",
        epilog=BEAM_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    CurationOptions._add_argparse_args(parser)
    return parser


def _beam_parser() -> argparse.ArgumentParser:
    """A parser that knows every Beam pipeline option, to catch misspelt ones: Beam itself only
    warns and discards them."""
    from apache_beam.options.pipeline_options import PipelineOptions

    parser = argparse.ArgumentParser(add_help=False)
    seen = set()

    def add(cls):
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                try:
                    sub._add_argparse_args(parser)
                except argparse.ArgumentError:
                    pass  # an option two classes both declare
                add(sub)

    add(PipelineOptions)
    return parser


def _fail(console: Console, message: str, status: int = 2) -> int:
    console.print(f"[bold red]curation: error:[/] {escape(message)}", highlight=False,
                  soft_wrap=True)
    return status


def _draw_progress(console: Console):
    state = {"last_print": 0.0, "status": None}
    interactive = console.is_terminal

    def draw(totals, elapsed, total_files):
        records = totals.get("records", 0)
        kept = totals.get("kept", 0)
        rate = records / elapsed if elapsed > 0 else 0.0
        line = (f"{total_files:,} input file(s) · byte ranges done {totals.get('ranges', 0):,} · "
                f"records read {records:,} · documents kept {kept:,} · {rate:,.0f} records/s · "
                f"{elapsed:,.0f}s")
        if interactive:
            if state["status"] is None:
                state["status"] = console.status(line)
                state["status"].start()
            else:
                state["status"].update(line)
        elif elapsed - state["last_print"] >= 10:  # logs and CI: a line every 10 s
            state["last_print"] = elapsed
            console.print(line, highlight=False)

    def stop():
        if state["status"] is not None:
            state["status"].stop()

    return draw, stop


def funnel_table(stats: dict) -> Table:
    """The funnel of a finished run as a table."""
    table = Table(title="Funnel", title_justify="left")
    table.add_column("stage")
    table.add_column("input", justify="right")
    table.add_column("kept", justify="right")
    table.add_column("dropped", justify="right")
    table.add_column("drop reasons")
    read = stats["read"]
    skipped = ", ".join(f"{k} {v:,}" for k, v in read["skipped"].items())
    damaged = ", ".join(f"damaged:{k} {v:,}" for k, v in read["damaged"].items())
    table.add_row("ReadWarc", f"{read['records']:,}", f"{read['html']:,}",
                  f"{read['records'] - read['html']:,}",
                  "; ".join(x for x in (skipped, damaged) if x))
    for s in stats["stages"]:
        reasons = ", ".join(f"{k} {v:,}" for k, v in
                            sorted(s["dropped"].items(), key=lambda kv: -kv[1]))
        table.add_row(s["stage"], f"{s['input']:,}", f"{s['kept']:,}",
                      f"{sum(s['dropped'].values()):,}", reasons)
    return table


def cmd_run(argv: list[str]) -> int:
    console = Console(stderr=True)
    if any(a in ("-h", "--help") for a in argv):
        _run_parser().print_help()
        return 0
    # Our options must parse (types, values); anything left must be a known Beam option.
    try:
        _, rest = _run_parser().parse_known_args(argv)
    except SystemExit as e:
        return int(e.code or 2)
    _, unknown = _beam_parser().parse_known_args(rest)
    flags = [a for a in unknown if a.startswith("-")]
    if flags:
        return _fail(console, f"unknown option {flags[0]}; see `curation run --help`")
    if unknown:
        return _fail(console, f"unexpected argument {unknown[0]!r}; quote globs such as "
                              f"--input 'crawl/*.warc.gz'")

    from pipelines import cc_to_shards  # imports Beam and the models' libraries: slow

    draw, stop = _draw_progress(console)
    start = time.monotonic()
    try:
        stats = cc_to_shards.run(argv, progress=draw)
    except UsageError as e:
        stop()
        return _fail(console, str(e))
    except KeyboardInterrupt:
        stop()
        return _fail(console, "interrupted", 130)
    stop()
    console.print(funnel_table(stats))
    elapsed = time.monotonic() - start
    tokens = stats.get("tokens")
    shards = (f", {tokens['train']['tokens'] + tokens['val']['tokens']:,} tokens in "
              f"{tokens['directory']}" if tokens else "")
    console.print(f"kept {stats['kept']:,} of {stats['read']['html']:,} HTML documents "
                  f"({stats['read']['records']:,} records) in {elapsed:,.1f}s; wrote "
                  f"{stats['output']['directory']}{shards} and stats.json", highlight=False)
    if not stats["invariant_ok"]:
        return _fail(console, "the funnel does not add up (see stats.json); please report this",
                     1)
    return 0


def cmd_refilter(argv: list[str]) -> int:
    console = Console(stderr=True)
    from pipelines import refilter

    parser = argparse.ArgumentParser(
        prog="curation refilter",
        description="Re-decide the quality filters of a finished run with new thresholds, from "
                    "its Parquet output, without re-crawling.",
        epilog="Beam pipeline options pass through, as for `curation run`.")
    refilter.add_arguments(parser)
    if any(a in ("-h", "--help") for a in argv):
        parser.print_help()
        return 0
    try:
        parser.parse_known_args(argv)
    except SystemExit as e:
        return int(e.code or 2)
    start = time.monotonic()
    try:
        stats = refilter.run(argv)
    except UsageError as e:
        return _fail(console, str(e))
    console.print(funnel_table(stats))
    console.print(f"kept {stats['kept']:,} documents (was {stats['refilter']['from']}) in "
                  f"{time.monotonic() - start:,.1f}s; wrote {stats['output']['directory']}",
                  highlight=False)
    return 0


def cmd_stats(argv: list[str]) -> int:
    from curation.shard_stats import main as stats_main

    return stats_main(argv)


def cmd_train(argv: list[str]) -> int:
    from curation.train import main as train_main  # imports torch: only here

    return train_main(argv)


def cmd_sample(argv: list[str]) -> int:
    from curation.train import sample_main

    return sample_main(argv)


COMMANDS = {
    "run": (cmd_run, "run the curation job on WARC files (see `curation run --help`)"),
    "refilter": (cmd_refilter, "re-decide the quality filters of a run with new thresholds"),
    "stats": (cmd_stats, "check the shards of a run and report what is in them"),
    "train": (cmd_train, "train a GPT on the shards of a run"),
    "sample": (cmd_sample, "generate text from a training checkpoint"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The DirectRunner relays every worker log line at WARNING, including start-up chatter about
    # our own options ("Discarding unparseable args"); worker errors still come through.
    logging.getLogger("apache_beam.runners.portability.local_job_service").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(
        prog="curation",
        description="Turn raw web crawls into a clean pretraining corpus.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {k:10s} {v[1]}" for k, v in COMMANDS.items()))
    parser.add_argument("command", choices=list(COMMANDS), metavar="COMMAND",
                        help="one of: " + ", ".join(COMMANDS))
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        return _fail(Console(stderr=True),
                     f"unknown command {argv[0]!r}; choose one of: {', '.join(COMMANDS)}")
    return COMMANDS[argv[0]][0](argv[1:])


def entry() -> None:
    """The console script: `main`, and after a Beam job, exit without the interpreter's teardown.

    When `run` or `refilter` returns, the job has finished and every output is written and
    closed; tearing down Beam's, gRPC's and lxml's modules would add about half a second. Logs
    and the standard streams are flushed first. An exception takes the normal exit path.
    """
    argv = sys.argv[1:]
    code = main(argv)
    if argv and argv[0] in ("run", "refilter"):
        from pipelines.local import exit_without_teardown  # Beam is imported by now

        exit_without_teardown(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
