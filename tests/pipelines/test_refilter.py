"""`curation refilter`: new thresholds over a finished run's Parquet, no re-crawl."""

import json
import pathlib

import pyarrow.parquet as pq
import pytest

from pipelines import cc_to_shards, refilter
from pipelines.cli import main as cli_main
from pipelines.stats import check_invariant
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

SAMPLE = ROOT / "tests" / "data" / "sample.warc.gz"
POEMS = "https://www.rainyweek-poems.example/poems/a-rainy-week.html"
LOREM = "https://demo.harbour-theme.example/blog/sample-post/"


def _rows(output, subdir="documents"):
    rows = []
    for path in sorted((pathlib.Path(output) / subdir).glob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    cc_to_shards.run(["--input", str(SAMPLE), "--output", str(out)])
    return out


def test_quality_drops_are_kept_aside_with_their_reasons(first_run):
    dropped = {r["url"]: (r["drop_stage"], r["drop_reason"]) for r in _rows(first_run, "dropped")}
    assert dropped[POEMS] == ("fineweb_quality_v1", "fineweb_short_line_ratio")
    assert dropped[LOREM] == ("c4_v1", "c4_lorem_ipsum")
    stats = json.loads((first_run / "stats.json").read_text())
    assert stats["output"]["dropped_documents"] == len(dropped) == 7
    assert sorted(stage for stage, _ in dropped.values()).count("dedup_v1") == 3


def test_same_settings_give_the_same_documents(first_run, tmp_path):
    stats = refilter.run([str(first_run), "--output", str(tmp_path)])
    assert check_invariant(stats) == []
    key = lambda r: r["id"]  # noqa: E731
    assert sorted(_rows(tmp_path), key=key) == sorted(_rows(first_run), key=key)
    original = json.loads((first_run / "stats.json").read_text())
    assert stats["stages"] == original["stages"] and stats["kept"] == original["kept"]
    # The shards are written again from the same documents: the same bytes.
    for shard in (first_run / "shards").glob("*.bin"):
        assert (tmp_path / "shards" / shard.name).read_bytes() == shard.read_bytes()
    assert stats["tokens"] == {**original["tokens"], "directory": str(tmp_path / "shards")}


def test_looser_and_tighter_thresholds(first_run, tmp_path):
    stats = refilter.run([str(first_run), "--output", str(tmp_path / "loose"),
                          "--set", "fineweb.short_line_thr=none",
                          "--set", "c4.filter_lorem_ipsum=false"])
    kept = {r["url"] for r in _rows(tmp_path / "loose")}
    assert {POEMS, LOREM} <= kept
    assert stats["kept"] == len(kept) == json.loads(
        (first_run / "stats.json").read_text())["kept"] + 2
    assert stats["tokens"]["documents"] == len(kept)
    assert stats["job"]["stages"][6]["config"]["short_line_thr"] is None
    assert stats["refilter"]["set"] == ["fineweb.short_line_thr=none",
                                        "c4.filter_lorem_ipsum=false"]

    stats = refilter.run([str(first_run), "--output", str(tmp_path / "tight"),
                          "--set", "gopher_quality.min_doc_words=450"])
    gq = next(s for s in stats["stages"] if s["name"] == "gopher_quality_v1")
    assert gq["dropped"].get("gopher_short_doc", 0) >= 3
    assert check_invariant(stats) == []
    for row in _rows(tmp_path / "tight"):
        assert json.loads(row["gopher_quality"])["n_non_symbol_words"] >= 450


def test_refilter_errors(first_run, tmp_path, capsys):
    assert cli_main(["refilter", str(tmp_path / "nowhere"), "--output", str(tmp_path / "o")]) == 2
    assert "no readable stats.json" in capsys.readouterr().err
    assert cli_main(["refilter", str(first_run), "--output", str(tmp_path / "o"),
                     "--stages", "url"]) == 2
    assert "quality stages only" in capsys.readouterr().err
    assert cli_main(["refilter", str(first_run), "--output", str(tmp_path / "o"),
                     "--set", "language.min_score=0.9"]) == 2
    assert "does not run" in capsys.readouterr().err
