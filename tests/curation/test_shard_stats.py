"""`curation stats`: shard checks and figures on an output built from real articles.

The output is what `curation run` writes: Parquet documents (real article texts and URLs from the
scrapinghub article-extraction benchmark, with real fastText language scores and GPT-2 token
counts), llm.c shards with a manifest, and a stats.json funnel. Every figure is computed again
here, independently, from the token lists.
"""

import collections
import json
import os
import pathlib
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation import doc_stats, shard_stats, shards
from curation.document import Document
from curation.parquet import documents_to_table
from curation.shard_stats import StatsConfig, collect, main

N_DOCS = 60  # articles in the built output
VAL_DOCS = 5  # the first ones go to the validation split
SHARD_TOKENS = 20_000  # small, so documents straddle shards

FUNNEL = {  # the shape of a real run's stats.json (tests/data/sample.warc.gz)
    "read": {"records": 103, "by_kind": {"response": 32, "request": 34, "metadata": 34},
             "html": 28, "skipped": {"request": 34, "metadata": 34, "non_html": 3},
             "damaged": {"bad_gzip": 1}},
    "stages": [
        {"stage": "FilterUrls", "name": "url_v1", "input": 28, "kept": 26,
         "dropped": {"url_blocklisted_domain": 1, "url_hard_banned_word": 1}},
        {"stage": "IdentifyLanguage", "name": "language_v1", "input": 26, "kept": 21,
         "dropped": {"language_not_allowed": 5}},
        {"stage": "DedupMinHash", "name": "dedup_v1", "input": 21, "kept": 18,
         "dropped": {"dedup_exact": 1, "dedup_minhash": 2}},
    ],
    "kept": 18,
}


def encoding():
    from curation.tokenizer import get_encoding

    return get_encoding("gpt2")


def articles(shared_data: pathlib.Path, n: int = N_DOCS) -> list[Document]:
    """The first ``n`` scrapinghub articles as extracted documents, language-annotated."""
    from curation.langid import LanguageIdentifier

    lid = LanguageIdentifier()
    lid.setup()
    docs = []
    with open(shared_data / "pages" / "real-pages.gold.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["dataset"] == "scrapinghub-aeb" and len(docs) < n:
                doc = Document(row["record_id"], row["url"], row["article_body"],
                               {"dump": "CC-MAIN-2024-10", "file_path": "pages.warc.gz"})
                docs.append(lid.annotate(doc))
    return docs


def build_output(root: pathlib.Path, docs: list[Document], shard_tokens: int = SHARD_TOKENS,
                 val_docs: int = VAL_DOCS, with_shards: bool = True) -> dict:
    """Write OUTPUT/documents, OUTPUT/shards (+ manifest) and OUTPUT/stats.json; returns the
    token lists per document (without EOT) and the shard paths."""
    enc = encoding()
    ids = [enc.encode_ordinary(d.text) for d in docs]
    docs = [d.with_metadata(token_count=len(t)) for d, t in zip(docs, ids)]
    (root / "documents").mkdir(parents=True)
    half = len(docs) // 2
    for i, part in enumerate((docs[:half], docs[half:])):
        pq.write_table(documents_to_table(part), root / "documents" / f"part-{i}.parquet")
    total = sum(len(t) + 1 for t in ids)
    stats = {**FUNNEL, "tokens": {"tokenizer": "gpt2", "documents": len(docs), "tokens": total}}
    (root / "stats.json").write_text(json.dumps(stats))
    paths, entries = [], []
    if with_shards:
        (root / "shards").mkdir()
        index = 0
        for split, part in (("val", ids[:val_docs]), ("train", ids[val_docs:])):
            stream = np.array([t for doc in part for t in [enc.eot_token, *doc]], dtype=np.uint16)
            for start in range(0, len(stream), shard_tokens):
                chunk = stream[start:start + shard_tokens]
                name = shards.shard_name("curation", split, index)
                sha = shards.write_shard(str(root / "shards" / name), chunk)
                entries.append({"file": name, "split": split, "tokens": len(chunk),
                                "documents": int((chunk == enc.eot_token).sum()), "sha256": sha})
                paths.append(root / "shards" / name)
                index += 1
        manifest = {"format": "llm.c", "magic": shards.MAGIC, "version": shards.VERSION,
                    "tokenizer": "gpt2", "eot_token": enc.eot_token, "shard_tokens": shard_tokens,
                    "val_fraction": val_docs / len(docs), "shards": entries}
        (root / "shards" / "manifest.json").write_text(json.dumps(manifest))
    return {"ids": ids, "docs": docs, "paths": paths, "manifest": entries}


@pytest.fixture(scope="module")
def docs(shared_data):
    return articles(shared_data)


@pytest.fixture(scope="module")
def built(docs, tmp_path_factory):
    root = tmp_path_factory.mktemp("out")
    return root, build_output(root, docs)


@pytest.fixture
def fresh(docs, tmp_path):
    """An output of its own, to damage."""
    root = tmp_path / "out"
    return root, build_output(root, docs)


# ---------------------------------------------------------------------------------------------
# figures


def test_figures_match_an_independent_count(built):
    root, b = built
    ids, enc = b["ids"], encoding()
    s = collect(str(root))
    assert s["problems"] == [] and s["warnings"] == []
    lengths = np.array([len(t) for t in ids])
    total = int(lengths.sum()) + len(ids)
    val = int(lengths[:VAL_DOCS].sum()) + VAL_DOCS
    assert s["tokens"]["total"] == total and s["tokens"]["documents"] == N_DOCS
    assert s["tokens"]["val"] == {"shards": -(-val // SHARD_TOKENS), "documents": VAL_DOCS,
                                  "tokens": val}
    assert s["tokens"]["train"]["tokens"] == total - val
    assert s["shards"]["count"] == len(b["paths"]) > 3
    assert s["eot"] == {"count": N_DOCS, "share": N_DOCS / total}
    # tokens per document, from EOT positions across shard boundaries
    per = s["tokens_per_document"]
    assert per["source"] == "shards" and per["count"] == N_DOCS
    assert per["min"] == lengths.min() and per["max"] == lengths.max()
    assert per["mean"] == pytest.approx(lengths.mean())
    want = np.percentile(lengths, doc_stats.PERCENTILES)
    assert list(per["percentiles"].values()) == pytest.approx(list(want))
    assert sum(per["histogram"]["counts"]) == N_DOCS
    # most frequent tokens, decoded
    freq = collections.Counter(t for doc in ids for t in doc)
    ranked = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert [(x["id"], x["count"]) for x in s["top_tokens"]] == ranked
    top = s["top_tokens"][0]
    assert top["share"] == ranked[0][1] / total
    assert top["text"] == enc.decode([ranked[0][0]])  # a whole character: the same text
    for x in s["top_tokens"]:  # a partial UTF-8 sequence shows its bytes, e.g. " \\xd0"
        assert x["text"] == enc.decode_single_token_bytes(x["id"]).decode("utf-8",
                                                                         "backslashreplace")
    # per file: documents are the EOTs the shard holds; checksums matched the manifest
    for f, m in zip(s["shards"]["files"], b["manifest"]):
        assert (f["file"], f["split"], f["tokens"], f["documents"], f["sha256"]) == \
            (m["file"], m["split"], m["tokens"], m["documents"], m["sha256"])


def test_documents_domains_language_and_funnel(built):
    root, b = built
    s = collect(str(root), StatsConfig(top=5))
    docs = b["docs"]
    assert s["documents"]["count"] == N_DOCS and s["documents"]["files"] == 2
    assert s["documents"]["tokens"] == sum(len(t) for t in b["ids"])
    assert s["documents"]["characters"] == sum(len(d.text) for d in docs)
    hosts = collections.Counter()
    for d in docs:
        host = d.url.split("/")[2].lower()
        hosts[host[4:] if host.startswith("www.") else host] += 1
    assert s["domains"]["distinct"] == len(hosts)
    got = {x["domain"]: x["documents"] for x in s["domains"]["by_documents"]}
    assert all(hosts[k] == v for k, v in got.items()) and len(got) == 5
    assert max(hosts.values()) == s["domains"]["by_documents"][0]["documents"]
    tokens_by = collections.Counter()
    for d in docs:
        host = d.url.split("/")[2].lower()
        tokens_by[host[4:] if host.startswith("www.") else host] += d.metadata["token_count"]
    assert [(x["domain"], x["tokens"]) for x in s["domains"]["by_tokens"]] == \
        tokens_by.most_common(5)
    scores = np.array([d.metadata["language_score"] for d in docs])
    lang = s["language_score"]
    assert lang["count"] == N_DOCS and lang["min"] == scores.min()
    assert list(lang["percentiles"].values()) == pytest.approx(
        list(np.percentile(scores, doc_stats.PERCENTILES)))
    assert sum(lang["histogram"]["counts"]) == N_DOCS
    stages = s["funnel"]["stages"]
    assert [x["stage"] for x in stages] == ["ReadWarc", "FilterUrls", "IdentifyLanguage",
                                            "DedupMinHash"]
    assert stages[0] == {"stage": "ReadWarc", "name": "read", "input": 103, "kept": 28,
                         "dropped": 75, "reasons": {"request": 34, "metadata": 34,
                                                    "non_html": 3, "damaged:bad_gzip": 1}}
    assert stages[3]["reasons"] == {"dedup_minhash": 2, "dedup_exact": 1}
    assert stages[3]["dropped"] == 3 and s["funnel"]["kept"] == 18


def test_shards_dir_and_small_chunks_give_the_same_figures(built):
    root, _ = built
    whole = collect(str(root))
    direct = collect(str(root / "shards"), StatsConfig(chunk_tokens=777))
    for key in ("tokens", "eot", "tokens_per_document", "top_tokens", "funnel", "documents"):
        assert direct[key] == whole[key], key


def test_documents_without_shards(docs, tmp_path):
    b = build_output(tmp_path, docs, with_shards=False)
    s = collect(str(tmp_path))
    assert s["shards"] is None and s["problems"] == []
    assert any("no shards/ yet" in w for w in s["warnings"])
    per = s["tokens_per_document"]
    lengths = [len(t) for t in b["ids"]]
    assert per["source"] == "documents" and per["count"] == N_DOCS
    assert list(per["percentiles"].values()) == pytest.approx(
        list(np.percentile(lengths, doc_stats.PERCENTILES)))
    assert main([str(tmp_path), "--json"]) == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=200))
def test_percentiles_from_counts_equal_numpy(values):
    got = doc_stats.summarize(np.bincount(values))
    assert list(got["percentiles"].values()) == pytest.approx(
        list(np.percentile(values, doc_stats.PERCENTILES)))
    assert got["mean"] == pytest.approx(np.mean(values))
    assert sum(got["histogram"]["counts"]) == len(values)


def test_domain():
    assert doc_stats.domain("https://WWW.Example.com:8080/a?b") == "example.com"
    assert doc_stats.domain("http://blog.example.org/") == "blog.example.org"
    assert doc_stats.domain("not a url") == ""
    assert doc_stats.domain("http://[::1/") == ""  # urlsplit raises: no crash


# ---------------------------------------------------------------------------------------------
# validation: one message per problem, naming the file; exit status 1


def problems_of(root, **config):
    return collect(str(root), StatsConfig(**config))["problems"]


def patch_header(path, index, value):
    raw = bytearray(path.read_bytes())
    raw[4 * index:4 * index + 4] = np.int32(value).tobytes()
    path.write_bytes(bytes(raw))


def test_bad_magic(fresh):
    root, b = fresh
    patch_header(b["paths"][1], 0, 12345)
    assert problems_of(root) == [f"{b['paths'][1]}: magic number 12345, expected 20240520; not "
                                 "an llm.c token shard (or written with another byte order)"]
    assert main([str(root)]) == 1


def test_bad_version(fresh):
    root, b = fresh
    patch_header(b["paths"][0], 1, 7)
    (p,) = problems_of(root)
    assert p.startswith(f"{b['paths'][0]}: version 7, expected 1")


def test_truncated_files(fresh):
    root, b = fresh
    b["paths"][0].write_bytes(b["paths"][0].read_bytes()[:100])  # inside the header
    with open(b["paths"][2], "r+b") as f:  # inside the tokens
        f.truncate(shards.HEADER_BYTES + 2 * 1000)
    problems = problems_of(root)
    assert problems[0] == (f"{b['paths'][0]}: 100 bytes, shorter than the 1024-byte header; the "
                           "file is truncated or not a token shard")
    assert problems[1] == (f"{b['paths'][2]}: truncated: the header says {SHARD_TOKENS:,} tokens "
                           f"but the file holds only 1,000 ({1024 + 2000:,} bytes); the write was "
                           "cut short: re-run the job")
    assert len(problems) == 2  # one line per file: unreadable shards are not hashed
    assert main([str(root), "--json"]) == 1


def test_header_count_mismatch(fresh):
    root, b = fresh
    path = b["paths"][-1]
    n = b["manifest"][-1]["tokens"]
    patch_header(path, 2, n - 10)
    problems = problems_of(root)
    assert problems[0] == (f"{path}: header token count {n - 10:,} does not match the file, "
                           f"which holds {n:,} tokens; the header or the tokens were changed: "
                           "re-run the job")
    odd = b["paths"][-2]
    with open(odd, "ab") as f:
        f.write(b"\0")
    assert f"{odd}: 40,001 bytes after the header is not a whole number of uint16 tokens" in \
        problems_of(root)[0]


def test_too_small_for_a_trainer(built, capsys):
    root, b = built
    train = [m for m in b["manifest"] if m["split"] == "train"]
    have = sum(m["tokens"] for m in train)
    problems = problems_of(root, min_tokens=have + 1)
    assert problems == [f"{root / 'shards'}: the train shards ({train[0]['file']}.."
                        f"{train[-1]['file']}) hold {have:,} tokens, fewer than the "
                        f"{have + 1:,} one training step needs (B*T+1; see --min-tokens); curate "
                        "more data or train with a smaller --batch-size/--seq-len"]
    assert problems_of(root, min_tokens=have) == []
    assert main([str(root), "--min-tokens", str(have + 1), "--json"]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["problems"] == problems
    assert "curation stats: error:" in out.err and train[-1]["file"] in out.err


def test_shard_too_small_for_llm_c(built):
    root, b = built
    small = min(b["manifest"], key=lambda m: m["tokens"])  # the val shard here
    problems = problems_of(root, min_shard_tokens=small["tokens"] + 1)
    assert problems == [f"{root / 'shards' / small['file']}: {small['tokens']:,} tokens, fewer "
                        f"than the {small['tokens'] + 1:,} llm.c's loader needs in every shard "
                        "(processes*B*T+1; see --min-shard-tokens); write larger shards or train "
                        "with a smaller B*T"]
    assert main([str(root), "--min-shard-tokens", str(small["tokens"] + 1), "--json"]) == 1


def test_default_minimum_is_the_tiny_preset():
    from curation.train import TRAIN_PRESETS

    tiny = TRAIN_PRESETS["tiny"]
    assert shard_stats.DEFAULT_MIN_TOKENS == tiny["batch_size"] * tiny["seq_len"] + 1


def test_changed_tokens_fail_the_checksum_only(fresh):
    root, b = fresh
    path = b["paths"][3]
    raw = bytearray(path.read_bytes())
    raw[2000] ^= 1  # one token changes; the header still agrees with the size
    path.write_bytes(bytes(raw))
    (p,) = problems_of(root)
    assert p.startswith(f"{path}: sha256 ") and "differs from manifest.json's" in p
    assert collect(str(root), StatsConfig(verify_checksums=False))["problems"] == []
    assert main([str(root), "--no-checksums", "--json"]) == 0


def test_manifest_and_file_set_disagree(fresh):
    root, b = fresh
    gone = b["paths"][-1]
    gone.unlink()
    extra = root / "shards" / shards.shard_name("curation", "train", 99)
    shards.write_shard(str(extra), np.array([encoding().eot_token] * 200))
    problems = problems_of(root)
    assert f"{gone}: listed in manifest.json but missing; re-run the job" in problems
    assert (f"{extra}: not in manifest.json; a leftover of another run? delete it or re-run "
            "the job") in problems
    assert any(p.endswith("is missing; the documents that span it are cut short: re-run the job")
               for p in problems)


def test_foreign_tokens(fresh):
    root, b = fresh
    path = b["paths"][0]
    shards.write_shard(str(path), np.array([7, 60000, 50257, 1, 2] * 100))
    problems = problems_of(root)
    assert (f"{path}: the first token is 7, not the end-of-text token 50256; every document must "
            "be preceded by it: was this shard written by another tool?") in problems
    assert (f"{path}: 200 token ids at or above the vocabulary size 50,257 (largest 60000); not "
            "tokens of this tokenizer: a trainer would index past its embedding table") in problems


def test_unreadable_manifest_and_parquet(fresh):
    root, b = fresh
    (root / "shards" / "manifest.json").write_text("{not json")
    (root / "documents" / "part-0.parquet").write_bytes(b"PAR1 garbage")
    s = collect(str(root))
    assert s["problems"][0].startswith(f"{root / 'shards' / 'manifest.json'}: unreadable (")
    assert s["problems"][1].startswith(f"{root / 'documents' / 'part-0.parquet'}: unreadable "
                                       "Parquet (")
    assert s["documents"]["count"] == N_DOCS - N_DOCS // 2  # the other file still counts
    assert any("different runs" in w for w in s["warnings"])


def test_unknown_tokenizer(fresh, capsys):
    root, _ = fresh
    path = root / "shards" / "manifest.json"
    path.write_text(path.read_text().replace('"tokenizer": "gpt2"', '"tokenizer": "llama3"'))
    s = collect(str(root))
    (p,) = s["problems"]
    assert p.startswith(f"{path}: ") and "llama3" in p and p.endswith("cannot be checked")
    assert s["tokens"] is None and s["shards"]["count"] > 3 and s["documents"]["count"] == N_DOCS
    assert main([str(root)]) == 1
    assert "Shards and tokens" in capsys.readouterr().out


def test_manifest_shard_size_rule(fresh):
    root, b = fresh
    path = root / "shards" / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "shard_tokens": 19_000}))
    train = [p for p, m in zip(b["paths"], b["manifest"]) if m["split"] == "train"]
    assert problems_of(root) == [f"{p}: {SHARD_TOKENS:,} tokens; every train shard but the last "
                                 "must hold shard_tokens=19,000" for p in train[:-1]]
    path.write_text(json.dumps({**manifest, "shards": ["curation_val_000000.bin"]}))
    (p,) = problems_of(root)
    assert p == f"{path}: unreadable (no list of shard objects); re-run the job to rewrite it"


# ---------------------------------------------------------------------------------------------
# command line


def test_main_json_and_exit_codes(built, tmp_path, capsys):
    root, _ = built
    assert main([str(root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"]["documents"] == N_DOCS
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty")]) == 2
    assert main([str(root), "--top", "0"]) == 2
    assert main([str(root), "--min-tokens", "-1"]) == 2
    assert main([]) == 2
    assert main(["--help"]) == 0
    assert "--min-tokens" in capsys.readouterr().out


def test_progress_callback_sees_every_token(built, monkeypatch):
    root, b = built
    seen = []
    collect(str(root), StatsConfig(chunk_tokens=5000), progress=lambda d, t: seen.append((d, t)))
    total = sum(len(t) + 1 for t in b["ids"])
    assert seen[-1] == (total, total) and len(seen) > len(b["paths"])
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_rebuilt_copy_is_independent(built, tmp_path):
    """A copied output reports the same (paths aside): nothing depends on absolute locations."""
    root, _ = built
    shutil.copytree(root, tmp_path / "copy")
    a, c = collect(str(root)), collect(str(tmp_path / "copy"))
    assert a["tokens"] == c["tokens"] and a["top_tokens"] == c["top_tokens"]
    assert os.path.dirname(c["shards"]["directory"]) == str(tmp_path / "copy")


@pytest.mark.slow
@pytest.mark.integration
def test_a_real_run_checks_out(tmp_path, capsys):
    """`curation run` on the bundled sample, then `curation stats` on what it wrote."""
    from pipelines import cc_to_shards
    from tests.conftest import ROOT

    out = tmp_path / "out"
    job = cc_to_shards.run(["--input", str(ROOT / "tests" / "data" / "sample.warc.gz"),
                            "--output", str(out), "--set", "tokenize.shard_tokens=4000",
                            "--set", "tokenize.val_fraction=0.1"])
    s = collect(str(out))
    assert s["problems"] == [] and s["warnings"] == []
    assert s["tokens"]["total"] == job["tokens"]["tokens"]
    assert s["tokens"]["documents"] == job["tokens"]["documents"] == job["kept"]
    for split in ("train", "val"):
        assert s["tokens"][split] == job["tokens"][split]
    assert s["documents"]["count"] == job["output"]["documents"]
    assert [r["kept"] for r in s["funnel"]["stages"][1:]] == [x["kept"] for x in job["stages"]]
    assert s["tokens_per_document"]["count"] == job["kept"]
    assert s["top_tokens"][0]["text"] == " the"
    assert main([str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["eot"]["count"] == job["kept"]


def test_unreadable_file(fresh):
    root, b = fresh
    path = b["paths"][1]
    path.unlink()
    path.mkdir()  # a directory where a shard should be: open() fails
    problems = problems_of(root)
    assert problems[0].startswith(f"{path}: cannot be read (")


def test_no_val_shards_is_a_warning(docs, tmp_path):
    build_output(tmp_path, docs[:10], val_docs=0)
    s = collect(str(tmp_path))
    assert s["problems"] == [] and s["tokens"]["val"]["shards"] == 0
    assert s["warnings"] == [f"{tmp_path / 'shards'}: no val shards; training reports no "
                             "validation loss"]


def test_progress_lines_in_logs():
    import io

    from rich.console import Console

    buf = io.StringIO()
    update, stop = shard_stats._progress(Console(file=buf, width=100))
    update(10, 1000)  # a short scan: nothing
    n = shard_stats.PROGRESS_MIN_TOKENS
    update(n, n)
    stop()
    assert buf.getvalue() == f"scanned {n:,} of {n:,} tokens\n"
