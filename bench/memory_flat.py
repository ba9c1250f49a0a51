"""Peak memory of the job as its input grows: reading streams, so 10x the input, same peak RSS.

Builds inputs from one real WARC by concatenating whole copies of it (a WARC of per-record gzip
members stays valid when concatenated), at each scale (1x, 10x), then runs `curation run` on the
DirectRunner in a child process for each scale and worker count, sampling the resident memory of
the whole process tree (the runner, its SDK worker processes and their extraction processes)
every 50 ms with psutil.

    .venv/bin/python bench/memory_flat.py                      # 1x and 10x, 1 and 2 workers
    .venv/bin/python bench/memory_flat.py --scales 1,10 --workers 2 --layout files
    .venv/bin/python bench/memory_flat.py --mode extract --base-copies 1 --scales 1,4

Modes:
    read     (default) every HTML record is read, gunzipped, parsed, decoded to text and passed
             through the URL filter and the extraction stage's size check, set to drop everything
             (--max-html-bytes 1): nothing reaches the sink, so this measures exactly the part
             that scales with the input, the streaming read.
    extract  url,extract,language for real (trafilatura, fastText). The kept text is written,
             and the DirectRunner holds what reaches a GroupByKey in memory (Dataflow, Flink and
             Spark shuffle through disk), so this also grows with what is kept.

Layouts: ``file`` puts each scale in one file (a 10x file is split into byte ranges across the
workers); ``files`` writes one file per copy (work spreads by file).

Peak RSS is the largest sum of RSS over the tree at one instant (shared pages of forked
processes count once per process, the same way at every scale). Prints a table and the 10x/1x
ratio per worker count.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import psutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_WARC = ROOT.parent / "shared" / "data" / "pages" / "real-pages.warc.gz"
SAMPLE_S = 0.05  # seconds between two RSS samples of the process tree


# ----------------------------------------------------------------------------------------------
# Inputs


def make_inputs(warc: pathlib.Path, copies: int, directory: pathlib.Path, layout: str
                ) -> list[pathlib.Path]:
    """``copies`` concatenated copies of ``warc``: one file, or one file per copy."""
    directory.mkdir(parents=True, exist_ok=True)
    if layout == "files":
        paths = [directory / f"copy-{i:03d}.warc.gz" for i in range(copies)]
        for p in paths:
            shutil.copyfile(warc, p)
        return paths
    path = directory / f"x{copies}.warc.gz"
    with open(path, "wb") as out:
        for _ in range(copies):
            with open(warc, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    return [path]


# ----------------------------------------------------------------------------------------------
# Measuring


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of ``proc`` and all its descendants, now."""
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_job(inputs: list[pathlib.Path], output: pathlib.Path, workers: int, mode: str
            ) -> dict:
    """Run the job in a child process; returns its wall time, peak tree RSS and stats."""
    cmd = [sys.executable, "-m", "pipelines.cli", "run", "--output", str(output),
           "--direct_num_workers", str(workers)]
    for p in inputs:
        cmd += ["--input", str(p)]
    if mode == "read":
        cmd += ["--stages", "url,extract", "--max-html-bytes", "1"]
    else:
        cmd += ["--stages", "url,extract,language"]
    start = time.monotonic()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(watched))
        time.sleep(SAMPLE_S)
    wall = time.monotonic() - start
    err = child.stderr.read().decode(errors="replace")
    if child.returncode != 0:
        raise RuntimeError(f"job failed ({child.returncode}):\n{err[-3000:]}")
    stats = json.loads((output / "stats.json").read_text())
    return {"wall_s": wall, "peak_rss": peak, "stats": stats}


# ----------------------------------------------------------------------------------------------
# Main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warc", type=pathlib.Path, default=DEFAULT_WARC,
                        help="the real WARC to copy (default: %(default)s)")
    parser.add_argument("--base-copies", type=int, default=1,
                        help="copies of --warc in the 1x input (default: %(default)s)")
    parser.add_argument("--scales", default="1,10", help="input sizes, in multiples of 1x")
    parser.add_argument("--workers", default="1,2", help="DirectRunner worker counts")
    parser.add_argument("--mode", choices=("read", "extract"), default="read")
    parser.add_argument("--layout", choices=("file", "files"), default="file")
    parser.add_argument("--workdir", type=pathlib.Path, default=None,
                        help="where inputs and outputs go (default: a temp dir, removed)")
    args = parser.parse_args(argv)
    if not args.warc.is_file():
        sys.exit(f"no WARC at {args.warc}; pass --warc")
    scales = [int(s) for s in args.scales.split(",")]
    workers = [int(w) for w in args.workers.split(",")]

    workdir = args.workdir or pathlib.Path(tempfile.mkdtemp(prefix="memory-flat-"))
    try:
        inputs = {s: make_inputs(args.warc, s * args.base_copies, workdir / f"in-{s}x",
                                 args.layout) for s in scales}
        print(f"{args.warc.name} ({args.warc.stat().st_size / 1e6:.1f} MB) x "
              f"{args.base_copies} = 1x; mode {args.mode}, layout {args.layout}, "
              f"{os.cpu_count()} CPUs")
        print(f"{'scale':>5} {'workers':>7} {'input MB':>9} {'records':>9} {'html':>8} "
              f"{'kept':>6} {'wall s':>7} {'MB/s':>6} {'peak RSS MB':>12}")
        peaks: dict[tuple[int, int], int] = {}
        for w in workers:
            for s in scales:
                size = sum(p.stat().st_size for p in inputs[s])
                r = run_job(inputs[s], workdir / f"out-{s}x-{w}w", w, args.mode)
                read = r["stats"]["read"]
                peaks[(s, w)] = r["peak_rss"]
                print(f"{s:>4}x {w:>7} {size / 1e6:>9.1f} {read['records']:>9,} "
                      f"{read['html']:>8,} {r['stats']['kept']:>6,} {r['wall_s']:>7.1f} "
                      f"{size / 1e6 / r['wall_s']:>6.1f} {r['peak_rss'] / 2**20:>12.0f}",
                      flush=True)
                shutil.rmtree(workdir / f"out-{s}x-{w}w", ignore_errors=True)
        lo, hi = min(scales), max(scales)
        for w in workers:
            print(f"workers={w}: peak RSS {hi}x / {lo}x = "
                  f"{peaks[(hi, w)] / peaks[(lo, w)]:.2f}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
