"""Rendering of `curation stats`: terminal tables, JSON, the HTML report with its three charts."""

import base64
import json
import re

import pytest
from rich.console import Console

from curation import report
from curation.shard_stats import collect, main
from tests.curation.test_shard_stats import articles, build_output

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"
IMG = re.compile(r"<img alt='(\w+)' src='data:image/png;base64,([A-Za-z0-9+/=]+)'>")


@pytest.fixture(scope="module")
def docs(shared_data):
    return articles(shared_data, 25)


@pytest.fixture(scope="module")
def stats(docs, tmp_path_factory):
    root = tmp_path_factory.mktemp("out")
    build_output(root, docs, shard_tokens=8_000, val_docs=3)
    return collect(str(root))


def images(page: str) -> dict[str, bytes]:
    return {alt: base64.b64decode(data) for alt, data in IMG.findall(page)}


def test_json_round_trips(stats):
    assert json.loads(report.to_json(stats)) == stats


def test_terminal_tables_show_the_figures(stats):
    console = Console(record=True, width=120)
    report.terminal(stats, console)
    text = console.export_text()
    for title in ("Shards and tokens", "Per document", "Funnel (kept 18)",
                  "Top domains by documents", "Top domains by tokens",
                  "Most frequent tokens (EOT excluded)"):
        assert title in text
    t = stats["tokens"]
    assert f"{t['total']:,}" in text and f"{t['train']['tokens']:,}" in text
    assert f"{100 * stats['eot']['share']:.3f}% of tokens" in text
    assert "dedup_minhash 2, dedup_exact 1" in text
    assert report.token_text(stats["top_tokens"][0]["text"]) in text
    assert f"{stats['language_score']['mean']:.4f}" in text


def test_token_text_makes_whitespace_visible():
    assert report.token_text("\n") == '"\\n"'
    assert report.token_text(" the") == '" the"'


def test_html_report_has_three_charts(stats, tmp_path):
    path = tmp_path / "report.html"
    report.write_html(stats, str(path))
    page = path.read_text()
    charts = images(page)
    assert set(charts) == {"lengths", "language_score", "funnel"}
    assert all(png.startswith(PNG) and len(png) > 5_000 for png in charts.values())
    assert "<h2>Funnel (kept 18)</h2>" in page and "<script" not in page
    assert f"{stats['tokens']['total']:,}" in page


def test_html_escapes_and_lists_problems(stats):
    damaged = {**stats, "problems": ["x.bin: magic <bad> & wrong"], "warnings": ["w"]}
    page = report.render_html(damaged)
    assert "<li class='problem'>x.bin: magic &lt;bad&gt; &amp; wrong</li>" in page


def test_charts_without_shards_use_characters(stats):
    part = {**stats, "tokens_per_document": None, "funnel": None, "language_score": None}
    charts = report.charts(part)
    assert set(charts) == {"lengths"}
    assert report.charts({"documents": None}) == {}


def test_main_writes_the_report(docs, tmp_path, capsys):
    root = tmp_path / "out"
    build_output(root, docs, shard_tokens=8_000, val_docs=3, with_shards=False)
    path = tmp_path / "r.html"
    assert main([str(root), "--report", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"wrote {path}" in err and "no shards/ yet" in err
    assert set(images(path.read_text())) == {"lengths", "language_score", "funnel"}
    assert main([str(root), "--report", str(tmp_path / "no" / "dir" / "r.html")]) == 2
    assert "cannot write the report" in capsys.readouterr().err
