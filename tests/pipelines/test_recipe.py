"""Stage lists, --set overrides and recipe files."""

import json

import pytest

from filters.c4 import C4Config
from filters.gopher_quality import GopherQualityConfig
from filters.gopher_repetition import GopherRepetitionConfig
from pipelines import recipe
from pipelines.recipe import RecipeError, configure, parse_overrides, parse_stages


def test_default_recipe_is_finewebs_order():
    keys = [s.key for s in parse_stages(",".join(recipe.DEFAULT_STAGES))]
    assert keys == ["url", "extract", "language", "gopher_repetition", "gopher_quality", "c4",
                    "fineweb", "dedup", "pii", "tokenize"]
    assert [s.namespace for s in parse_stages(keys)][3:7] == [
        "gopher_repetition_v1", "gopher_quality_v1", "c4_v1", "fineweb_quality_v1"]


def test_tokenize_comes_last():
    assert parse_stages("url,extract,pii,tokenize")[-1].label == "WriteTokenShards"
    with pytest.raises(RecipeError, match="put it last"):
        parse_stages("url,extract,tokenize,pii")


def test_stages_can_be_dropped_and_reordered():
    keys = [s.key for s in parse_stages("url,extract,c4,language,pii")]
    assert keys == ["url", "extract", "c4", "language", "pii"]
    with pytest.raises(RecipeError, match="after 'extract'"):
        parse_stages("url,c4,extract")
    with pytest.raises(RecipeError, match="unknown stage 'dedupe'"):
        parse_stages("url,extract,dedupe")
    with pytest.raises(RecipeError, match="twice"):
        parse_stages("url,extract,url")


def test_overrides_are_typed_from_the_config():
    o = parse_overrides(["gopher_quality.min_doc_words=100", "c4.filter_no_terminal_punct=true",
                         "gopher_quality.max_doc_words=none", "language.languages=en,de",
                         "gopher_repetition.top_n_grams=2:0.25,3:0.18",
                         "gopher_repetition.dup_line_frac=0.5"])
    gq = configure(recipe.STAGES["gopher_quality"], o)
    assert gq == GopherQualityConfig(min_doc_words=100, max_doc_words=None)
    assert configure(recipe.STAGES["c4"], o) == C4Config(filter_no_terminal_punct=True)
    assert configure(recipe.STAGES["language"], o).languages == ("en", "de")
    rep = configure(recipe.STAGES["gopher_repetition"], o)
    assert rep == GopherRepetitionConfig(top_n_grams=((2, 0.25), (3, 0.18)), dup_line_frac=0.5)


@pytest.mark.parametrize("item, message", [
    ("gopher_quality.min_doc_words", "STAGE.KNOB=VALUE"),
    ("gopher.min_doc_words=1", "unknown stage 'gopher'"),
    ("gopher_quality.min_words=1", "has no knob 'min_words'"),
    ("gopher_quality.min_doc_words=many", "takes a int"),
    ("c4.filter_lorem_ipsum=maybe", "true or false"),
])
def test_bad_overrides_say_what_to_do(item, message):
    with pytest.raises(RecipeError, match=message):
        parse_overrides([item])


def test_recipe_file(tmp_path):
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps({"stages": ["url", "extract", "language", "pii"],
                                "set": {"language.min_score": 0.8,
                                        "language.languages": ["en", "fr"]}}))
    stages, settings = recipe.load_recipe(str(path))
    assert stages == ["url", "extract", "language", "pii"]
    assert configure(recipe.STAGES["language"], parse_overrides(settings)).min_score == 0.8
    path.write_text("{not json")
    with pytest.raises(RecipeError, match="not valid JSON"):
        recipe.load_recipe(str(path))
