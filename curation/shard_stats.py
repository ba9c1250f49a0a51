"""What is in a finished output: check every token shard, then count what the shards, the Parquet
documents and ``stats.json`` hold. This is the ``curation stats`` command.

    curation stats out/                          # tables in the terminal
    curation stats out/shards --json > s.json    # the same figures for machines
    curation stats out/ --report report.html     # plus charts (lengths, language scores, funnel)

`collect` returns one plain dict (the ``--json`` output); for the bundled sample crawl, run
with ``--set tokenize.shard_tokens=4000 --set tokenize.val_fraction=0.1``::

    {"shards": {"count": 3, "files": [{"file": "curation_val_000000.bin", "split": "val",
                "tokens": 518, "documents": 1, "sha256": "fcf4cca1...", ...}, ...], ...},
     "tokens": {"total": 7536, "documents": 14, "train": {"shards": 2, "documents": 13,
                "tokens": 7018}, "val": {...}, ...},
     "eot": {"count": 14, "share": 0.00186}, "tokens_per_document": {"mean": 537.3, ...},
     "top_tokens": [{"id": 262, "count": 404, "share": 0.0536, "text": " the"}, ...],
     "documents": {...}, "domains": {...}, "language_score": {...}, "funnel": {...},
     "problems": [], "warnings": []}

Shards are read memory-mapped, a chunk at a time: token frequencies come from ``np.bincount``,
document lengths from the positions of the end-of-text token that precedes every document (a
document may run on into the next shard of its split), so memory stays flat however large the
output. Parquet is read column by column, a batch at a time. Every problem is one line that names
the file, says what is wrong and what to do; any problem makes the command exit with status 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
import time
from typing import Any, Callable

import numpy as np

from curation import shards
from curation.doc_stats import add_counts, funnel, scan_documents, summarize

# One training step reads ``processes * B * T + 1`` tokens (the inputs of a batch plus the
# next-token target of its last position). The bundled trainer (`curation train`) reads a split's
# shards as one stream, so its train split needs that many; the default is its "tiny" preset on
# one process, B=8, T=128 (`curation.train.TRAIN_PRESETS`). llm.c's own loader asserts the bound
# for every single shard: check that with ``min_shard_tokens``.
DEFAULT_MIN_TOKENS = 8 * 128 + 1
PROGRESS_MIN_TOKENS = 20_000_000  # below this the scan takes about a second: no progress bar


@dataclasses.dataclass(frozen=True)
class StatsConfig:
    """How `collect` scans an output.

    Args:
        top: rows of the top-domains and top-tokens lists.
        min_tokens: the fewest tokens the train split may hold and still feed a trainer.
        min_shard_tokens: the fewest tokens every shard must hold (llm.c's loader); 0: unchecked.
        chunk_tokens: tokens read from a memory-mapped shard at a time (2 bytes each).
        batch_rows: Parquet rows read at a time.
        verify_checksums: hash every shard and compare with the sha256 in ``manifest.json``.
    """

    top: int = 20  # 20 rows fit a terminal
    min_tokens: int = DEFAULT_MIN_TOKENS  # tokens; B*T+1 of the trainer's tiny preset
    min_shard_tokens: int = 0  # tokens; llm.c's train_gpt2 needs processes*B*T+1 per shard
    chunk_tokens: int = 1 << 24  # 16M tokens = 32 MiB per read
    batch_rows: int = 8192  # rows; the text column of 8k web pages is tens of MB
    verify_checksums: bool = True  # sha256 runs at about the speed of the scan itself


class UsageError(ValueError):
    """The path given is not an output of the job (exit status 2)."""


# ---------------------------------------------------------------------------------------------
# where things are


def locate(path: str) -> dict[str, str | None]:
    """The output's parts, given OUTPUT or OUTPUT/shards: ``{"output", "shards", "documents",
    "stats"}``, each None when absent.

    Raises:
        UsageError: ``path`` does not exist or holds none of them.
    """
    path = os.path.abspath(path)
    if not os.path.isdir(path):
        raise UsageError(f"{path}: no such directory; give the --output directory of "
                         "`curation run` (or its shards/ folder)")
    is_shards = (os.path.exists(os.path.join(path, "manifest.json"))
                 or bool(shards.list_shards(path)))
    output = os.path.dirname(path) if is_shards else path
    found: dict[str, str | None] = {
        "output": output,
        "shards": path if is_shards else None,
        "documents": os.path.join(output, "documents"),
        "stats": os.path.join(output, "stats.json"),
    }
    if not is_shards and os.path.isdir(os.path.join(output, "shards")):
        found["shards"] = os.path.join(output, "shards")
    found["documents"] = found["documents"] if os.path.isdir(found["documents"]) else None
    found["stats"] = found["stats"] if os.path.isfile(found["stats"]) else None
    if not any((found["shards"], found["documents"], found["stats"])):
        raise UsageError(f"{path}: holds no shards/, documents/ or stats.json; give the --output "
                         "directory of `curation run`")
    return found


# ---------------------------------------------------------------------------------------------
# shards: headers and manifest


def check_header(path: str, min_tokens: int = 0) -> tuple[int | None, list[str]]:
    """Check one shard's header against its file size: ``(n_tokens or None, problems)``.

    ``n_tokens`` is None when the tokens cannot be read at all (bad magic or version, a
    truncated file); a shard of fewer than ``min_tokens`` is a problem but is still read.
    """
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            raw = f.read(shards.HEADER_BYTES)
    except OSError as e:
        return None, [f"{path}: cannot be read ({e.strerror or e}); check its permissions"]
    try:  # magic, version, a header cut short, a token count the file size disagrees with
        n = shards.parse_header(raw, path, size).n_tokens
    except shards.ShardError as e:
        return None, [str(e)]
    if n < min_tokens:
        return n, [f"{path}: {n:,} tokens, fewer than the {min_tokens:,} llm.c's loader needs "
                   "in every shard (processes*B*T+1; see --min-shard-tokens); write larger "
                   "shards or train with a smaller B*T"]
    return n, []


def read_manifest(directory: str) -> tuple[dict | None, list[str]]:
    """``manifest.json`` of a shards directory, or None (with a problem if it is unreadable)."""
    path = os.path.join(directory, "manifest.json")
    if not os.path.exists(path):
        return None, []
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("shards"), list) or \
                not all(isinstance(e, dict) for e in manifest["shards"]):
            raise ValueError("no list of shard objects")
        return manifest, []
    except (OSError, ValueError) as e:
        return None, [f"{path}: unreadable ({e}); re-run the job to rewrite it"]


def _manifest_problems(directory: str, manifest: dict, files: list[dict]) -> list[str]:
    """Disagreements between ``manifest.json`` and the shard files (after the scan)."""
    problems = []
    if manifest.get("magic", shards.MAGIC) != shards.MAGIC or \
            manifest.get("version", shards.VERSION) != shards.VERSION:
        problems.append(f"{os.path.join(directory, 'manifest.json')}: format magic/version "
                        f"{manifest.get('magic')}/{manifest.get('version')}, expected "
                        f"{shards.MAGIC}/{shards.VERSION}")
    on_disk = {f["file"]: f for f in files}
    listed = {}
    for entry in manifest["shards"]:
        name = str(entry.get("file"))
        listed[name] = entry
        path = os.path.join(directory, name)
        f = on_disk.get(name)
        if f is None:
            problems.append(f"{path}: listed in manifest.json but missing; re-run the job")
            continue
        for key in ("split", "tokens", "documents"):
            if key in entry and f.get(key) is not None and entry[key] != f[key]:
                problems.append(f"{path}: manifest.json says {key} {entry[key]!r} but the file "
                                f"has {f[key]!r}; the shard was changed or is from another run")
        if f.get("sha256") and entry.get("sha256") and entry["sha256"] != f["sha256"]:
            problems.append(f"{path}: sha256 {f['sha256'][:12]}... differs from manifest.json's "
                            f"{str(entry['sha256'])[:12]}...; the file is corrupt: re-run the job")
    for name in on_disk:
        if name not in listed:
            problems.append(f"{os.path.join(directory, name)}: not in manifest.json; a leftover "
                            "of another run? delete it or re-run the job")
    size = manifest.get("shard_tokens")
    for split in ("val", "train"):
        ours = [f for f in files if f["split"] == split and f["tokens"] is not None]
        for f in ours[:-1]:
            if size and f["tokens"] != size:
                problems.append(f"{os.path.join(directory, f['file'])}: {f['tokens']:,} tokens; "
                                f"every {split} shard but the last must hold shard_tokens="
                                f"{size:,}")
    return problems


# ---------------------------------------------------------------------------------------------
# shards: the token scan


def scan_tokens(files: list[dict], eot: int, n_vocab: int, config: StatsConfig,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Stream over the readable shards: token frequencies, EOT count, document lengths.

    Fills in each file's ``documents`` (EOTs in it) and ``sha256``.

    Args:
        files: ``{"path", "file", "split", "tokens"}`` per shard in index order; ``tokens`` is
            None for a shard whose header failed (it is skipped).
        eot: the end-of-text token that precedes every document.
        n_vocab: tokens with an id at or above this are problems.
        config: chunk size and whether to hash.
        progress: called as ``progress(tokens_done, tokens_total)`` after every chunk.
    """
    counts = np.zeros(2**16, dtype=np.int64)  # every uint16 value
    lengths = np.zeros(1, dtype=np.int64)  # lengths[k]: documents of k tokens (without EOT)
    problems: list[str] = []
    total = sum(f["tokens"] or 0 for f in files)
    done = 0
    for split in ("val", "train"):
        last_eot = None  # position of the latest EOT in the split, in tokens
        offset = 0  # readable tokens of the split before the current shard
        first = True  # no shard of the split seen yet
        for f in (f for f in files if f["split"] == split):
            if f["tokens"] is None:  # unreadable: the document that spans it has no length
                last_eot, first = None, False
                continue
            tokens = shards.read_tokens(f["path"])
            here = np.zeros(2**16, dtype=np.int64)
            sha = hashlib.sha256(shards.header_bytes(len(tokens))) \
                if config.verify_checksums else None
            if first and len(tokens) and tokens[0] != eot:
                problems.append(f"{f['path']}: the first token is {int(tokens[0])}, not the "
                                f"end-of-text token {eot}; every document must be preceded by "
                                "it: was this shard written by another tool?")
            for start in range(0, len(tokens), config.chunk_tokens):
                chunk = np.asarray(tokens[start:start + config.chunk_tokens])
                here += np.bincount(chunk, minlength=2**16)
                if sha is not None:
                    sha.update(chunk.astype(shards.TOKEN_DTYPE, copy=False).tobytes())
                pos = np.flatnonzero(chunk == eot) + (offset + start)
                if pos.size:
                    if last_eot is not None:
                        pos = np.concatenate([[last_eot], pos])
                    lengths = add_counts(lengths, np.bincount(np.diff(pos) - 1))
                    last_eot = int(pos[-1])
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            offset += len(tokens)
            first = False
            bad = int(here[n_vocab:].sum())
            if bad:
                problems.append(f"{f['path']}: {bad:,} token ids at or above the vocabulary size "
                                f"{n_vocab:,} (largest {int(np.flatnonzero(here)[-1])}); not "
                                "tokens of this tokenizer: a trainer would index past its "
                                "embedding table")
            f["documents"] = int(here[eot])
            f["sha256"] = sha.hexdigest() if sha is not None else None
            counts += here
            del tokens
        if last_eot is not None:
            lengths = add_counts(lengths, np.bincount([offset - last_eot - 1]))
    return {"counts": counts, "lengths": lengths, "problems": problems}


# ---------------------------------------------------------------------------------------------
# everything together


def _shard_section(directory: str, job: dict | None, config: StatsConfig,
                   progress: Callable[[int, int], None] | None, problems: list[str],
                   warnings: list[str]) -> dict[str, Any]:
    """The shard half of `collect`: check, scan, compare with the manifest."""
    from curation.tokenizer import get_encoding

    manifest, bad = read_manifest(directory)
    problems += bad
    files = []
    for path in shards.list_shards(directory):
        m = shards.SHARD_NAME.match(os.path.basename(path))
        n, bad = check_header(path, config.min_shard_tokens)
        problems += bad
        files.append({"file": os.path.basename(path), "path": path, "split": m["split"],
                      "index": int(m["index"]), "tokens": n, "documents": None,
                      "sha256": None})
    indices = {f["index"] for f in files}
    for i in sorted(set(range(max(indices, default=-1) + 1)) - indices):
        problems.append(f"{directory}: shard index {i:06d} is missing; the documents that span "
                        "it are cut short: re-run the job")
    if not files:
        warnings.append(f"{directory}: no shard files (*_train_NNNNNN.bin, *_val_NNNNNN.bin)")
    else:
        train = [f for f in files if f["split"] == "train"]
        have = sum(f["tokens"] or 0 for f in train)
        if have < config.min_tokens and all(f["tokens"] is not None for f in train):
            which = (f"{train[0]['file']}..{train[-1]['file']}" if len(train) > 1 else
                     train[0]["file"] if train else "none")
            problems.append(f"{directory}: the train shards ({which}) hold {have:,} tokens, "
                            f"fewer than the {config.min_tokens:,} one training step needs "
                            "(B*T+1; see --min-tokens); curate more data or train with a "
                            "smaller --batch-size/--seq-len")
        if not any(f["split"] == "val" for f in files):
            warnings.append(f"{directory}: no val shards; training reports no validation loss")
    name = (manifest or {}).get("tokenizer") or ((job or {}).get("tokens") or {}).get(
        "tokenizer") or "gpt2"
    shard_info = {"directory": directory, "count": len(files), "manifest": manifest is not None,
                  "min_tokens": config.min_tokens, "min_shard_tokens": config.min_shard_tokens,
                  "files": files}
    try:
        enc = get_encoding(name)
    except ValueError as e:  # a manifest from another tool or a newer version
        problems.append(f"{os.path.join(directory, 'manifest.json')}: {e}; the tokens cannot be "
                        "checked")
        for f in files:
            del f["path"]
        return {"shards": shard_info}
    if manifest and manifest.get("eot_token", enc.eot_token) != enc.eot_token:
        problems.append(f"{os.path.join(directory, 'manifest.json')}: eot_token "
                        f"{manifest['eot_token']} but {name}'s is {enc.eot_token}")
    scan = scan_tokens(files, enc.eot_token, enc.n_vocab, config, progress)
    problems += scan["problems"]
    if manifest is not None:
        problems += _manifest_problems(directory, manifest, files)
    elif files:
        warnings.append(f"{directory}: no manifest.json; shard checksums were not verified")
    counts = scan["counts"]
    total, eot = int(counts.sum()), int(counts[enc.eot_token])
    splits = {s: {"shards": sum(f["split"] == s for f in files),
                  "documents": sum(f["documents"] or 0 for f in files if f["split"] == s),
                  "tokens": sum(f["tokens"] or 0 for f in files if f["split"] == s)}
              for s in ("train", "val")}
    rest = counts.copy()
    rest[enc.eot_token] = 0  # EOT has its own line
    order = np.argsort(-rest, kind="stable")[:config.top]  # ties: the lower id first
    top = [{"id": int(i), "count": int(rest[i]), "share": float(rest[i] / total),
            "text": (enc.decode_single_token_bytes(int(i)).decode("utf-8", "backslashreplace")
                     if i < enc.n_vocab else "")}
           for i in order if rest[i] > 0]
    for f in files:
        del f["path"]
    lengths = summarize(scan["lengths"])
    if lengths:
        lengths["source"] = "shards"
    return {
        "shards": shard_info,
        "tokens": {"tokenizer": name, "eot_token": enc.eot_token, "total": total,
                   "documents": eot, **splits},
        "eot": {"count": eot, "share": eot / total if total else 0.0},
        "tokens_per_document": lengths,
        "top_tokens": top,
    }


def _cross_check(out: dict, job: dict | None, warnings: list[str]) -> None:
    """Warn where the shards, the documents and stats.json disagree."""
    tokens, docs = out.get("tokens"), out.get("documents")
    if tokens and docs:
        if tokens["documents"] != docs["count"]:
            warnings.append(f"the shards hold {tokens['documents']:,} documents but documents/ "
                            f"holds {docs['count']:,}; they are from different runs or a step "
                            "failed")
        elif docs["tokens"] is not None and docs["tokens"] + docs["count"] != tokens["total"]:
            warnings.append(f"the shards hold {tokens['total']:,} tokens but documents/ "
                            f"token_count adds up to {docs['tokens'] + docs['count']:,} with one "
                            "EOT each")
    recorded = (job or {}).get("tokens")
    if tokens and isinstance(recorded, dict) and (
            recorded.get("tokens"), recorded.get("documents")) != (
            tokens["total"], tokens["documents"]):
        warnings.append(f"stats.json records {recorded.get('tokens')} tokens in "
                        f"{recorded.get('documents')} documents, the shards hold "
                        f"{tokens['total']:,} in {tokens['documents']:,}")


def collect(path: str, config: StatsConfig = StatsConfig(),
            progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Check and count everything in an output; the dict ``--json`` prints.

    Args:
        path: OUTPUT (the --output directory of ``curation run``) or OUTPUT/shards.
        config: what to scan and how.
        progress: called as ``progress(tokens_done, tokens_total)`` during the shard scan.

    Raises:
        UsageError: ``path`` is not an output.
    """
    where = locate(path)
    problems: list[str] = []
    warnings: list[str] = []
    out: dict[str, Any] = {"paths": where, "shards": None, "tokens": None, "eot": None,
                           "tokens_per_document": None, "top_tokens": None, "documents": None,
                           "domains": None, "language_score": None, "funnel": None}
    job = None
    if where["stats"]:
        try:
            with open(where["stats"], encoding="utf-8") as f:
                job = json.load(f)
            out["funnel"] = funnel(job)
        except (OSError, ValueError, AttributeError, TypeError) as e:
            warnings.append(f"{where['stats']}: unreadable ({e}); the funnel is not shown")
    else:
        warnings.append(f"{where['output']}: no stats.json; the funnel is not shown")
    if where["shards"]:
        out.update(_shard_section(where["shards"], job, config, progress, problems, warnings))
    else:
        warnings.append(f"{where['output']}: no shards/ yet; reporting the documents only")
    if where["documents"]:
        found = scan_documents(where["documents"], config.top, config.batch_rows)
        problems += found.pop("problems")
        out.update(found)
        per_doc = out["documents"]["tokens_per_document"]
        if out["tokens_per_document"] is None and per_doc is not None:
            out["tokens_per_document"] = {**per_doc, "source": "documents"}
    else:
        warnings.append(f"{where['output']}: no documents/ folder")
    _cross_check(out, job, warnings)
    out["problems"], out["warnings"] = problems, warnings
    return out


# ---------------------------------------------------------------------------------------------
# command line


def _progress(console) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress callback for long scans: a rich bar on a terminal, a line every 10 s in logs."""
    state: dict[str, Any] = {"bar": None, "last": time.monotonic()}

    def update(done: int, total: int) -> None:
        if total < PROGRESS_MIN_TOKENS:
            return
        if console.is_terminal:
            if state["bar"] is None:
                from rich.progress import Progress

                state["bar"] = Progress(console=console, transient=True)
                state["bar"].start()
                state["task"] = state["bar"].add_task("scanning shards", total=total)
            state["bar"].update(state["task"], completed=done)
        elif time.monotonic() - state["last"] >= 10 or done == total:
            state["last"] = time.monotonic()
            console.print(f"scanned {done:,} of {total:,} tokens", highlight=False)

    def stop() -> None:
        if state["bar"] is not None:
            state["bar"].stop()

    return update, stop


def main(argv: list[str] | None = None) -> int:
    """``curation stats``: exit status 0, 1 if any shard or file is invalid, 2 on misuse."""
    from rich.console import Console
    from rich.markup import escape

    parser = argparse.ArgumentParser(
        prog="curation stats",
        description="Check every token shard of an output and report what it holds: shards, "
                    "documents and tokens per split, tokens per document, the funnel, top "
                    "domains, language scores, the most frequent tokens and the EOT share.")
    parser.add_argument("output", metavar="OUTPUT",
                        help="the --output directory of `curation run`, or its shards/ folder")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as JSON on stdout instead of tables")
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write an HTML report with charts of document lengths, "
                             "language scores and the funnel")
    parser.add_argument("--top", type=int, default=StatsConfig.top, metavar="N",
                        help="rows in the top domains and top tokens lists (default %(default)s)")
    parser.add_argument("--min-tokens", type=int, default=DEFAULT_MIN_TOKENS, metavar="N",
                        help="the fewest tokens the train shards must hold together: one "
                             "training step reads processes*B*T+1 (default %(default)s: "
                             "`curation train`'s tiny preset, one process, B=8, T=128)")
    parser.add_argument("--min-shard-tokens", type=int, default=0, metavar="N",
                        help="the fewest tokens every single shard must hold; llm.c's "
                             "train_gpt2 asserts processes*B*T+1 per shard (default: unchecked)")
    parser.add_argument("--no-checksums", action="store_true",
                        help="skip comparing each shard's sha256 with manifest.json")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    err = Console(stderr=True)

    def fail(message: str, status: int) -> int:
        err.print(f"[bold red]curation stats: error:[/] {escape(message)}", highlight=False,
                  soft_wrap=True)
        return status

    if args.top < 1 or args.min_tokens < 0 or args.min_shard_tokens < 0:
        return fail("--top must be at least 1, --min-tokens and --min-shard-tokens at least 0", 2)
    config = StatsConfig(top=args.top, min_tokens=args.min_tokens,
                         min_shard_tokens=args.min_shard_tokens,
                         verify_checksums=not args.no_checksums)
    update, stop = _progress(err)
    try:
        stats = collect(args.output, config, progress=update)
    except UsageError as e:
        return fail(str(e), 2)
    finally:
        stop()
    from curation import report

    if args.json:
        sys.stdout.write(report.to_json(stats) + "\n")
    else:
        report.terminal(stats, Console())
    if args.report:
        try:
            report.write_html(stats, args.report)
        except OSError as e:
            return fail(f"{args.report}: cannot write the report ({e.strerror or e}); give a "
                        "path in a writable directory", 2)
        err.print(f"wrote {escape(args.report)}", highlight=False)
    for w in stats["warnings"]:
        err.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    for p in stats["problems"]:
        fail(p, 1)
    return 1 if stats["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
