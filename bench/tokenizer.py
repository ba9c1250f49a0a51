"""GPT-2 encode throughput: curation.tokenizer vs tiktoken, fastokens and gigatoken, same corpus.

    python bench/tokenizer.py [--threads 2] [--libs ours,tiktoken,fastokens,gigatoken]
                              [--repeat 3] [--mb 13] [--data ../shared/data]

What it does (2-3 minutes on a busy 2-core box):
  1. builds a ~13 MB corpus in four parts from ../shared/data and the installed packages:
       english      gold article bodies + the text of the English pages of pages/real-pages.warc.gz
                    + the English langid sentences;
       code         .py, .c and .h files of numpy, lxml, apache_beam, ... (site-packages);
       non_english  the text of the other non-CJK pages + langid sentences of 68 languages;
       cjk          zh/ja/ko langid sentences + the text of the Chinese/Japanese pages (also
                    from warc/cc-main-2020-34-sample and the ClueWeb Japanese edge WARC).
     Every 10th document of each part is held out as warm-up text; the rest is timed.
  2. for each library and each mode runs a fresh process (this file with --worker) that loads
     the encoder (GPT-2 vocabulary from curation/data/gpt2; tiktoken is built offline from it),
     encodes the warm-up text once with the call it times (so a batch call's thread pool and
     per-thread state exist before timing, as they do in a long job that calls it per batch),
     then times ONE pass over each part in turn:
       1 thread:  ``encode_ordinary(doc)`` for every document (ids returned as Python lists);
       N threads: the library's batch call on all documents of the part
                  (tiktoken/ours ``encode_ordinary_batch(docs, num_threads=N)``, gigatoken's
                  ``encode_ordinary_batch``, fastokens ``encode_batch``; Rust pools get
                  RAYON_NUM_THREADS=N);
       sink:      ours only, ``encode_for_shard(docs, num_threads=1 or N)``: uint16 ids straight
                  into one flat array (what the shard writer uses); fastokens' flat-buffer
                  ``encode_batch_flat`` is shown beside it.
     Each pass runs on as many cores as it has threads (``sched_setaffinity``; ``--no-pin`` to
     lift it): fastokens' single-text call spreads a long text over its own thread pool, one
     thread per core, so without this its "1 thread" pass used up to 1.22 cores here. The
     script prints the CPU seconds per wall second of every kept pass.
     OPENBLAS_NUM_THREADS=1 in every child (numpy's BLAS threads otherwise spin at import).
     The whole round (every library, every mode) runs ``--repeat`` times, each time in fresh
     processes, and each cell keeps its best pass: on a shared box the load, not the encoder, sets
     the worst passes.
  3. checks every library's ids against tiktoken's (count and hash per part) and prints MB/s
     (UTF-8 bytes of the input) and the ratio to tiktoken for every part and mode; then, for each
     library's N-thread batch (and our sink), N threads over 1 as the median over rounds of the
     ratio of the two passes of one round (they run seconds apart, the bests of two cells may
     not), with its range.
  4. in the same rounds, the box's own N threads over 1 for memory-bound work: random loads over
     a 6-MiB table per thread (numpy ``take``, which releases the GIL; the encoder's tables are
     ~6 MiB a thread), printed under the scaling table. It tells how contended the host's memory
     was while the rounds ran: on a busy day here hashing (compute-bound) scaled 1.8-2.0x on two
     cores while this read 1.0-1.5x, and every encoder's N-thread ratio fell with it.
  5. in the same rounds, a reference for our sink's N-thread ratio: N processes of the 1-thread
     sink pass, each pinned to a core of its own, that start each part together (they spin on
     marker files until all are there) and each encode the whole part. N times the work with
     nothing shared (tables, caches, memory map, locks), over the time the slowest took, against
     the round's 1-thread sink pass: what this box gives this very work on N cores while the
     rounds ran. On a quiet host it reads ~1.9x on two cores; on a busy one it falls to ~1.4x,
     and the threads' ratio with it. Under it, the sink's N-thread ratio over the reference's,
     round by round (the 1-thread pass cancels out: the threads' rate over the processes' rate).
  6. per library, in a fresh process per thread count, the time of one call of its batch API on
     a small batch (the first 200 characters of 4 warm-up documents), best of the rounds: the
     cost of the call itself (threads started or woken, and waited for), which a job that
     encodes in small batches pays again and again.
A library that is not installed is skipped with a note. Timings on a shared box are noisy:
compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import json
import os
import pathlib
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTS = ("english", "code", "non_english", "cjk")
SHARE = {"english": 0.31, "code": 0.23, "non_english": 0.31, "cjk": 0.15}  # of --mb
GPT2_PAT = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CODE_PACKAGES = ("numpy", "lxml", "apache_beam", "pyarrow", "google", "urllib3", "hypothesis", "rich")
CJK_LANGS = ("zh", "ja", "ko")

# ----------------------------------------------------------------------------------------------
# corpus


def _html_text(html: bytes) -> str:
    import lxml.html

    try:
        doc = lxml.html.fromstring(html)
    except Exception:  # empty or unparsable pages are simply left out
        return ""
    for bad in doc.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", doc.text_content())


def _kind(text: str) -> str:
    letters = [ch for ch in text[:20000] if ch.isalpha()]
    if not letters:
        return ""
    cjk = sum(1 for ch in letters if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    if cjk > 0.3 * len(letters):
        return "cjk"
    words = text[:20000].split()
    english = sum(1 for w in words if w.lower() in ("the", "and", "of", "to", "is", "in", "that"))
    return "english" if words and english > 0.06 * len(words) else "non_english"


def _warc_pages(path: pathlib.Path):
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type == "response":
                try:
                    body = rec.content_stream().read()
                except Exception:  # damaged records: skip
                    continue
                yield body


def build_corpus(data: pathlib.Path, total_mb: float) -> tuple[dict[str, list[str]], list[str]]:
    """({part: documents}, warm-up documents), deterministic for a given data folder."""
    docs: dict[str, list[str]] = {p: [] for p in PARTS}
    for line in (data / "pages" / "real-pages.gold.jsonl").open(encoding="utf-8"):
        g = json.loads(line)
        if g.get("article_body"):
            docs[_kind(g["article_body"]) or "english"].append(g["article_body"])
    warcs = [data / "pages" / "real-pages.warc.gz", data / "warc" / "cc-main-2020-34-sample.warc.gz",
             data / "warc" / "edge" / "warc-0.18-clueweb.warc.gz"]
    for path in warcs:
        if path.exists():
            for body in _warc_pages(path):
                text = _html_text(body)
                kind = _kind(text)
                if kind and len(text) > 200:
                    docs[kind].append(text)
    for path in sorted((data / "langid" / "sentences").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        part = "english" if path.stem == "en" else "cjk" if path.stem in CJK_LANGS else "non_english"
        docs[part].extend("\n".join(lines[i : i + 50]) for i in range(0, len(lines), 50))
    site = pathlib.Path(__import__("numpy").__file__).resolve().parent.parent
    for pkg in CODE_PACKAGES:
        for path in sorted((site / pkg).rglob("*")):
            if path.suffix in (".py", ".c", ".h", ".pyx") and path.is_file():
                docs["code"].append(path.read_text(encoding="utf-8", errors="replace"))
    parts, warm = {}, []
    for part in PARTS:
        budget, size, kept = SHARE[part] * total_mb * 1e6 * 1.1, 0, []
        for i, doc in enumerate(docs[part]):
            if size >= budget:
                break
            size += len(doc.encode("utf-8", "replace"))
            (warm if i % 10 == 9 else kept).append(doc)
        parts[part] = kept
    return parts, warm


def write_vocab_files(directory: pathlib.Path) -> None:
    """gpt2.tiktoken (= r50k_base ranks) and a HuggingFace tokenizer.json, from our vocabulary."""
    from curation.tokenizer import load_gpt2_tokens

    tokens = load_gpt2_tokens()
    lines = [f"{base64.b64encode(t).decode()} {i}" for i, t in enumerate(tokens[:50256])]
    for name in ("gpt2.tiktoken", "r50k_base.tiktoken"):
        (directory / name).write_text("\n".join(lines) + "\n")
    gpt2 = ROOT / "curation" / "data" / "gpt2"
    merges = (gpt2 / "vocab.bpe").read_text(encoding="utf-8").split("\n")[1:-1]
    bytelevel = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    special = {"id": 50256, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
               "rstrip": False, "normalized": True, "special": True}
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
             "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
             "vocab": json.loads((gpt2 / "encoder.json").read_text(encoding="utf-8")), "merges": merges}
    tj = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [special],
          "normalizer": None, "pre_tokenizer": bytelevel, "post_processor": bytelevel,
          "decoder": bytelevel, "model": model}
    (directory / "tokenizer.json").write_text(json.dumps(tj))


# ----------------------------------------------------------------------------------------------
# worker: one library, one mode, fresh process


def _load(lib: str, tmp: pathlib.Path):
    """(encode_one, encode_batch(docs, n), flat(docs, n) or None) for a library."""
    if lib == "ours":
        from curation.tokenizer import get_encoding

        enc = get_encoding("gpt2")
        return enc.encode_ordinary, lambda d, n: enc.encode_ordinary_batch(d, num_threads=n), \
            lambda d, n: enc.encode_for_shard(d, num_threads=n)[0]
    if lib == "tiktoken":
        import tiktoken

        from curation.tokenizer import load_gpt2_tokens

        ranks = {t: i for i, t in enumerate(load_gpt2_tokens()[:50256])}
        enc = tiktoken.Encoding(name="gpt2", pat_str=GPT2_PAT, mergeable_ranks=ranks,
                                special_tokens={"<|endoftext|>": 50256})
        return enc.encode_ordinary, lambda d, n: enc.encode_ordinary_batch(d, num_threads=n), None
    if lib == "fastokens":
        import fastokens

        tok = fastokens.Tokenizer.from_file(str(tmp / "tokenizer.json"))
        return (lambda t: tok.encode_ordinary(t).ids), \
            (lambda d, n: [e.ids for e in tok.encode_batch(d)]), \
            (lambda d, n: tok.encode_batch_flat(d)[0])
    if lib == "gigatoken":
        import gigatoken

        enc = gigatoken.Tokenizer.from_tiktoken(str(tmp / "r50k_base.tiktoken")).as_tiktoken()
        return enc.encode_ordinary, lambda d, n: enc.encode_ordinary_batch(d, num_threads=n), None
    raise ValueError(lib)


def _digest(ids_lists) -> tuple[int, str]:
    import numpy as np

    h, n = hashlib.sha1(), 0
    for ids in ids_lists:
        a = np.asarray(ids, dtype=np.uint32)
        n += a.size
        h.update(a.tobytes())
    return n, h.hexdigest()[:16]


SMALL_DOCS, SMALL_CHARS = 4, 200  # the small batch: the first 200 characters of 4 warm-up documents


def small_batch_pass(batch, warm: list[str], threads: int) -> dict:
    """Microseconds per call of a library's batch API on a small batch, calls repeated for 0.2 s
    after one untimed call: what the call itself costs (starting or waking threads, waiting for
    them), which a job pays once per batch, and which small batches feel most."""
    texts = [d[:SMALL_CHARS] for d in warm[:SMALL_DOCS]]
    batch(texts, threads)
    calls, t0 = 0, time.perf_counter()
    while True:
        batch(texts, threads)
        calls += 1
        dt = time.perf_counter() - t0
        if dt >= 0.2 and calls >= 20:
            break
    n, digest = _digest(batch(texts, threads))
    return {"us": dt / calls * 1e6, "tokens": n, "digest": digest}


def pin_to_cores(n: int) -> None:
    """Let this process (and every thread it starts from now on) run on ``n`` cores only.

    "1 thread" must mean one core for every library: fastokens' single-text ``encode_ordinary``
    splits a long text over its own thread pool, sized by the machine's core count whatever
    RAYON_NUM_THREADS says (0.3.5 used 1.07-1.22 CPU seconds per wall second here)."""
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(cores[:max(1, n)]))


BOX_TABLE = 6 << 20  # bytes of random-access table per thread, about what the encoder's are
BOX_LOADS = 1 << 20  # random loads per step
BOX_STEPS = 8


def box_pass(threads: int) -> dict:
    """Seconds for `threads` threads to do BOX_STEPS steps each of BOX_LOADS random loads from a
    table of their own (numpy releases the GIL in ``take``), after one untimed step."""
    import threading

    import numpy as np

    rng = np.random.default_rng(0)
    tables = [rng.integers(0, 1 << 62, size=BOX_TABLE // 8, dtype=np.int64) for _ in range(threads)]
    index = rng.integers(0, BOX_TABLE // 8, size=BOX_LOADS)
    outs = [np.empty(BOX_LOADS, dtype=np.int64) for _ in range(threads)]
    for t in range(threads):
        tables[t].take(index, out=outs[t])

    def steps(t: int) -> None:
        for _ in range(BOX_STEPS):
            tables[t].take(index, out=outs[t])

    pool = [threading.Thread(target=steps, args=(t,)) for t in range(threads)]
    t0 = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return {"seconds": time.perf_counter() - t0}


def side_barrier(tmp: pathlib.Path, tag: str, index: int, count: int) -> None:
    """Wait until all ``count`` side-by-side processes reach the same point (``tag``), spinning
    on marker files, so they start each part within microseconds of each other and neither core
    idles while the other starts. Gives up after ``SIDE_WAIT`` seconds (another one failed)."""
    (tmp / f"side-{tag}-{index}").touch()
    give_up = time.monotonic() + SIDE_WAIT
    while not all((tmp / f"side-{tag}-{k}").exists() for k in range(count)):
        if time.monotonic() > give_up:
            raise SystemExit(f"side-by-side process {index}: the others never reached {tag!r}; see their errors")


SIDE_WAIT = 120.0


def worker(lib: str, mode: str, threads: int, tmp: pathlib.Path, pin: bool = True,
           side: tuple[int, int, str] | None = None) -> dict:
    """One timed pass per part. ``side = (index, count, run id)``: this is process ``index`` of
    ``count`` single-thread processes started together, each on a core of its own, that time each
    part at the same moment (see ``side_by_side``)."""
    if side:
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[side[0] % len(cores)]})
    elif pin:
        pin_to_cores(threads)  # before the library loads and starts any thread
    if lib == "box":
        return box_pass(threads)
    with open(tmp / "corpus.pkl", "rb") as f:
        parts, warm = pickle.load(f)
    one, batch, flat = _load(lib, tmp)
    if mode in ("flat", "sink") and flat is None:
        return {}
    if mode == "small":
        return small_batch_pass(batch, warm, threads)
    if mode == "single":
        encode = lambda docs: [one(doc) for doc in docs]
    elif mode == "batch":
        encode = lambda docs: batch(docs, threads)
    else:
        encode = lambda docs: flat(docs, threads)
    encode(warm)
    out = {}
    for part in PARTS:
        docs = parts[part]
        # As timeit does: the previous part's ids are freed and the garbage collector is off while
        # timing, so no part pays for collecting another's lists.
        ids = None
        gc.collect()
        gc.disable()
        if side:
            side_barrier(tmp, f"{side[2]}-{part}", side[0], side[1])
        c0 = time.process_time()
        t0 = time.perf_counter()
        ids = encode(docs)
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0
        gc.enable()
        if mode in ("single", "batch"):
            n, digest = _digest(ids)
        else:
            import numpy as np

            a = np.frombuffer(ids, dtype=np.uint32 if lib == "fastokens" else np.uint16)
            if lib == "ours":  # drop the EOT before each document to compare with plain ids
                a = a[a != 50256]
            n, digest = _digest([a])
        out[part] = {"seconds": dt, "cpu": cpu, "tokens": n, "digest": digest}
    return out


# ----------------------------------------------------------------------------------------------
# driver


def _child_cmd(lib: str, mode: str, threads: int, tmp: pathlib.Path, pin: bool = True) -> tuple[list, dict]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", RAYON_NUM_THREADS=str(threads),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, __file__, "--worker", lib, "--mode", mode, "--threads", str(threads), "--tmp", str(tmp)]
    if not pin:
        cmd.append("--no-pin")
    return cmd, env


def _child_result(lib: str, mode: str, returncode: int, stdout: str, stderr: str) -> dict | None:
    if returncode != 0:
        print(f"  ! {lib} {mode}: failed: {stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(stdout.strip().splitlines()[-1])


def run_child(lib: str, mode: str, threads: int, tmp: pathlib.Path, pin: bool = True) -> dict | None:
    cmd, env = _child_cmd(lib, mode, threads, tmp, pin)
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return _child_result(lib, mode, r.returncode, r.stdout, r.stderr)


def side_by_side(count: int, tmp: pathlib.Path, run_id: str) -> dict | None:
    """``count`` single-thread processes of our sink, each on a core of its own, that encode every
    part at the same moment; per part, the seconds the slowest took. ``count`` times the work of
    the 1-thread sink pass, with nothing shared between the encoders (no table, cache, memory map
    or lock): ``count`` x the 1-thread pass's seconds over these seconds is what this box gives
    this very work on ``count`` cores, the reference for the sink's own ``count``-thread ratio.
    The processes' ids (count and hash per part) must agree; they are returned with the seconds."""
    procs = []
    for k in range(count):
        cmd, env = _child_cmd("ours", "sink", 1, tmp)
        procs.append(subprocess.Popen(cmd + ["--side", f"{k},{count},{run_id}"], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env))
    results = []
    for p in procs:
        out, err = p.communicate()
        results.append(_child_result("ours", "sink side by side", p.returncode, out, err))
    if not all(results):  # a process failed (None) or had no sink ({})
        return None
    out = {}
    for part in PARTS:
        ids = {(r[part]["tokens"], r[part]["digest"]) for r in results}
        if len(ids) != 1:
            print(f"  ! ours sink side by side: the processes' ids differ on {part}")
            return None
        (tokens, digest), = ids
        out[part] = {"seconds": max(r[part]["seconds"] for r in results), "tokens": tokens, "digest": digest}
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="threads for the batch modes")
    ap.add_argument("--libs", default="ours,tiktoken,fastokens,gigatoken", help="comma-separated")
    ap.add_argument("--mb", type=float, default=13.0, help="corpus size in MB (UTF-8)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of fresh processes; best pass kept")
    ap.add_argument("--data", type=pathlib.Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--save-corpus", type=pathlib.Path, metavar="FILE",
                    help="write the corpus built from --data to FILE (a pickle) and stop")
    ap.add_argument("--corpus", type=pathlib.Path, metavar="FILE",
                    help="read the corpus from FILE (made by --save-corpus) instead of --data, "
                         "e.g. on a machine without ../shared/data")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not restrict each pass to as many cores as it has threads (a library "
                         "with its own thread pool then uses every core in its 1-thread pass)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", type=pathlib.Path, help=argparse.SUPPRESS)
    ap.add_argument("--side", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        side = None
        if args.side:
            index, count, run_id = args.side.split(",")
            side = (int(index), int(count), run_id)
        print(json.dumps(worker(args.worker, args.mode, args.threads, args.tmp, not args.no_pin, side)))
        return

    if args.save_corpus:
        with open(args.save_corpus, "wb") as f:
            pickle.dump(build_corpus(args.data, args.mb), f)
        print(f"wrote {args.save_corpus}")
        return

    libs = []
    for lib in args.libs.split(","):
        module = {"ours": "curation._bpe"}.get(lib, lib)
        try:
            __import__(module)
            libs.append(lib)
        except ImportError:
            print(f"note: {lib} is not installed; skipped (pip install {lib})")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = pathlib.Path(tmpdir)
        if args.corpus:
            with open(args.corpus, "rb") as f:
                parts, warm = pickle.load(f)
        else:
            parts, warm = build_corpus(args.data, args.mb)
        with open(tmp / "corpus.pkl", "wb") as f:
            pickle.dump((parts, warm), f)
        write_vocab_files(tmp)
        mb = {p: sum(len(d.encode("utf-8", "replace")) for d in parts[p]) / 1e6 for p in PARTS}
        print("corpus: " + ", ".join(f"{p} {mb[p]:.2f} MB ({len(parts[p])} docs)" for p in PARTS)
              + f"; warm-up {sum(len(d) for d in warm) / 1e6:.2f} M chars; {args.threads} threads")
        T = args.threads
        plan = []  # (label, lib, mode, threads)
        for lib in libs:
            plan += [(f"{lib} 1 thread", lib, "single", 1), (f"{lib} {T} threads", lib, "batch", T)]
            if lib == "ours":
                plan += [("ours sink 1 thread", lib, "sink", 1), (f"ours sink {T} threads", lib, "sink", T)]
            if lib == "fastokens":
                plan += [(f"fastokens flat {T} threads", lib, "flat", T)]
        box = [("box 1 thread", "box", "box", 1), (f"box {T} threads", "box", "box", T)] if T > 1 else []
        small = [(lib, n) for lib in libs for n in sorted({1, T})]  # the batch call on a small batch
        small_best: dict[tuple[str, int], dict] = {}
        # our sink's 1-thread pass, T times over in T processes at once: the box's own T over 1
        # for this work (pinned passes only: each process takes a core of its own)
        side = ("ours" in libs and T > 1 and not args.no_pin and hasattr(os, "sched_getaffinity")
                and len(os.sched_getaffinity(0)) >= T)
        best: dict[str, dict | None] = {}
        rounds: list[dict[str, dict]] = []  # every pass, by round, for the paired scaling ratios
        for r in range(args.repeat):
            rounds.append({})
            for label, lib, mode, threads in plan + box:
                res = run_child(lib, mode, threads, tmp, not args.no_pin)
                if res is None:
                    continue
                rounds[-1][label] = res
                if lib == "box":
                    continue
                old = best.get(label)
                best[label] = res if old is None else {
                    p: min(old[p], res[p], key=lambda x: x["seconds"]) for p in PARTS}
            if side:
                res = side_by_side(T, tmp, str(r))
                if res is not None:
                    rounds[-1]["side"] = res
            for lib, n in small:
                res = run_child(lib, "small", n, tmp, not args.no_pin)
                if res and ((lib, n) not in small_best or res["us"] < small_best[(lib, n)]["us"]):
                    small_best[(lib, n)] = res
        rows = [(label, lib, best.get(label)) for label, lib, _, _ in plan]
    ref = next((r for label, lib, r in rows if label == "tiktoken 1 thread" and r), None)
    print()
    print("| encoder | " + " | ".join(PARTS) + " | all |")
    print("|---|" + "---:|" * (len(PARTS) + 1))
    for label, lib, res in rows:
        if not res:
            continue
        cells = []
        for part in PARTS + ("all",):
            secs = _seconds(res, part)
            size = sum(mb.values()) if part == "all" else mb[part]
            cell = f"{size / secs:.0f}"
            if ref:
                cell += f" ({_seconds(ref, part) / secs:.1f}x)"
            if part != "all" and ref and (res[part]["tokens"], res[part]["digest"]) != (ref[part]["tokens"], ref[part]["digest"]):
                cell += " DIFFERENT IDS"
            cells.append(cell)
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"\nMB/s of UTF-8 input (x = speed relative to tiktoken 1 thread); one timed pass per part "
          f"after warm-up, fresh process per pass, best of {args.repeat}; "
          + ("each pass runs on as many cores as it has threads." if not args.no_pin
             else "every pass may use every core (--no-pin)."))
    print_scaling(plan, rounds, args.threads)
    print_small(small_best, libs, args.repeat)
    print("\nCPU seconds per wall second of the kept passes (above 1.0: more than one core busy):")
    print("| encoder | " + " | ".join(PARTS) + " |")
    print("|---|" + "---:|" * len(PARTS))
    for label, lib, res in rows:
        if res:
            print(f"| {label} | " + " | ".join(f"{res[p]['cpu'] / res[p]['seconds']:.2f}"
                                               for p in PARTS) + " |")


def _seconds(res: dict, part: str) -> float:
    """Seconds of one pass over a part, or over all parts for ``part == "all"``."""
    return sum(res[p]["seconds"] for p in PARTS) if part == "all" else res[part]["seconds"]


def _ratio_cell(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


def _ratio_row(name: str, rounds: list[dict], ratio) -> None:
    """A scaling table row: per part (and all), ``ratio(round, part)`` over the given rounds."""
    cells = [_ratio_cell([ratio(r, part) for r in rounds]) if rounds else "-" for part in PARTS + ("all",)]
    print(f"| {name} | " + " | ".join(cells) + " |")


def print_small(small_best: dict, libs: list[str], repeat: int) -> None:
    """Microseconds per call of each library's batch API on a batch of SMALL_DOCS short texts."""
    if not small_best:
        return
    counts = sorted({n for _, n in small_best})
    ref = small_best.get(("tiktoken", 1))
    print(f"\nOne call of the batch API on {SMALL_DOCS} short texts ({SMALL_CHARS} characters each), microseconds, "
          f"best of {repeat} (the cost of the call itself: threads started or woken and waited for):")
    print("| encoder | " + " | ".join(f"{n} thread{'s' if n > 1 else ''}" for n in counts) + " |")
    print("|---|" + "---:|" * len(counts))
    for lib in libs:
        cells = []
        for n in counts:
            res = small_best.get((lib, n))
            cell = "-" if res is None else f"{res['us']:.1f}"
            if res and ref and (res["tokens"], res["digest"]) != (ref["tokens"], ref["digest"]):
                cell += " DIFFERENT IDS"
            cells.append(cell)
        print(f"| {lib} | " + " | ".join(cells) + " |")


def print_scaling(plan, rounds, T: int) -> None:
    """N threads over 1, as the median over rounds of the ratio of two passes of the same round.

    The best-of table compares passes run up to minutes apart; on a shared box the speed of the
    cores drifts over that time (the same pass varies by 10-30% from round to round here), and a
    1-thread pass needs one fast core while an N-thread pass needs N at once. Passes of one round
    run seconds apart, so their ratio is steadier than the ratio of two bests.
    """
    pairs = []  # (label, 1-thread label, N-thread label)
    for label, lib, mode, threads in plan:
        if threads == T and T > 1 and mode in ("batch", "sink"):
            one = f"{lib} 1 thread" if mode == "batch" else "ours sink 1 thread"
            pairs.append((f"{lib} {'sink ' if mode == 'sink' else ''}{T} threads / 1", one, label))
    if not pairs or len(rounds) < 2:
        return
    print(f"\n{T} threads over 1 thread, median over the {len(rounds)} rounds of the ratio within a round "
          "(min-max):")
    print("| encoder | " + " | ".join(PARTS) + " | all |")
    print("|---|" + "---:|" * (len(PARTS) + 1))
    for name, one, many in pairs:
        _ratio_row(name, [r for r in rounds if one in r and many in r],
                   lambda r, part: _seconds(r[one], part) / _seconds(r[many], part))
    side = [r for r in rounds if "ours sink 1 thread" in r and "side" in r]
    if side:
        _ratio_row(f"reference: {T} 1-thread sink processes side by side / 1", side,
                   lambda r, part: T * _seconds(r["ours sink 1 thread"], part) / _seconds(r["side"], part))
        sink = f"ours sink {T} threads"
        # (1-thread / sink) over (T x 1-thread / side): the 1-thread pass cancels out
        _ratio_row(f"ours sink {T} threads / reference", [r for r in side if sink in r],
                   lambda r, part: _seconds(r["side"], part) / (T * _seconds(r[sink], part)))
        print(f"The reference row is {T} processes of the 1-thread sink pass started together, each on a core of "
              f"its own, each encoding the whole part: {T} times the work with nothing shared, over the time the "
              f"slowest took. It is what this box gives this work on {T} cores in the same rounds; the sink's "
              f"{T}-thread ratio is to be read against it. The row under it is that reading, round by round: "
              f"the rate of the sink's {T} threads over the rate of the {T} processes (1.00x: the threads get all "
              f"the box gives).")
    box = [T * r["box 1 thread"]["seconds"] / r[f"box {T} threads"]["seconds"]
           for r in rounds if "box 1 thread" in r and f"box {T} threads" in r]
    if box:
        print(f"The box itself in the same rounds, {T} threads over 1 of memory-bound work (random loads "
              f"over {BOX_TABLE >> 20} MiB a thread): {_ratio_cell(box)}.")


if __name__ == "__main__":
    main()
