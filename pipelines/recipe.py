"""Which stages run, in which order, with which thresholds.

The default recipe is FineWeb's order::

    url -> extract -> language -> gopher_repetition -> gopher_quality -> c4 -> fineweb -> dedup
        -> pii -> tokenize

Switch a stage off or reorder stages with ``--stages`` (or a recipe file), and change any knob of a
stage's config dataclass with ``--set STAGE.KNOB=VALUE`` (repeatable)::

    curation run ... --stages url,extract,language,gopher_quality,pii \\
        --set gopher_quality.min_doc_words=100 --set language.min_score=0.8

A recipe file is JSON with the same two things, command-line flags winning::

    {"stages": ["url", "extract", "language", "gopher_repetition", "c4", "pii"],
     "set": {"c4.min_num_sentences": 5}}
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, Callable

from curation.extract import ExtractConfig
from curation.minhash import MinHashConfig
from curation.pii import PiiConfig
from curation.shards import ShardConfig
from filters import c4, fineweb, gopher_quality, gopher_repetition
from filters.language import LanguageConfig, LanguageFilter
from filters.url import URLFilter, URLFilterConfig


class RecipeError(ValueError):
    """A recipe that cannot run; the message says what to change."""


@dataclasses.dataclass(frozen=True)
class StageSpec:
    key: str  # the name used in --stages and --set
    label: str  # the Beam label, CamelCase
    namespace: str  # the counter namespace (the filter's versioned name)
    config: type  # the stage's config dataclass
    make_filter: Callable[[Any], Any] | None  # config -> Filter; None for non-filter stages
    needs_text: bool = True  # works on extracted text, so must come after `extract`
    drops: bool = True  # appears in the funnel
    decide_only: bool = False  # a quality filter: re-decidable from stored measurements
    writes_dropped: bool = False  # what it drops goes to OUTPUT/dropped/ (for `refilter`)


STAGES: dict[str, StageSpec] = {s.key: s for s in [
    StageSpec("url", "FilterUrls", URLFilter.name, URLFilterConfig, URLFilter, needs_text=False),
    StageSpec("extract", "ExtractText", "extract_v1", ExtractConfig, None, needs_text=False),
    StageSpec("language", "IdentifyLanguage", LanguageFilter.name, LanguageConfig,
              LanguageFilter),
    StageSpec("gopher_repetition", "FilterGopherRepetition",
              gopher_repetition.GopherRepetitionFilter.name,
              gopher_repetition.GopherRepetitionConfig, gopher_repetition.GopherRepetitionFilter,
              decide_only=True, writes_dropped=True),
    StageSpec("gopher_quality", "FilterGopherQuality", gopher_quality.GopherQualityFilter.name,
              gopher_quality.GopherQualityConfig, gopher_quality.GopherQualityFilter,
              decide_only=True, writes_dropped=True),
    StageSpec("c4", "FilterC4", c4.C4Filter.name, c4.C4Config, c4.C4Filter, decide_only=True,
              writes_dropped=True),
    StageSpec("fineweb", "FilterFineWeb", fineweb.FineWebQualityFilter.name,
              fineweb.FineWebQualityConfig, fineweb.FineWebQualityFilter, decide_only=True,
              writes_dropped=True),
    # Near-duplicates: after the quality filters, as FineWeb; what it drops is kept aside too, so
    # `curation refilter` can run it again over a changed set of documents.
    StageSpec("dedup", "DedupMinHash", "dedup_v1", MinHashConfig, None, writes_dropped=True),
    StageSpec("pii", "ScrubPii", "pii_v1", PiiConfig, None, drops=False),
    # GPT-2 tokens to llm.c shards in OUTPUT/shards/; always last (it sees the final text).
    StageSpec("tokenize", "WriteTokenShards", "tokenize_v1", ShardConfig, None, drops=False),
]}

DEFAULT_STAGES = ("url", "extract", "language", "gopher_repetition", "gopher_quality", "c4",
                  "fineweb", "dedup", "pii", "tokenize")


def parse_stages(spec: str | list[str]) -> list[StageSpec]:
    keys = [k.strip() for k in spec.split(",")] if isinstance(spec, str) else list(spec)
    keys = [k for k in keys if k]
    unknown = [k for k in keys if k not in STAGES]
    if unknown:
        raise RecipeError(f"unknown stage {unknown[0]!r}; known stages: {', '.join(STAGES)}")
    if len(set(keys)) != len(keys):
        raise RecipeError(f"a stage is listed twice in {','.join(keys)}")
    for k in keys:
        if STAGES[k].needs_text and ("extract" not in keys
                                     or keys.index(k) < keys.index("extract")):
            raise RecipeError(f"stage {k!r} works on extracted text: put it after 'extract'")
    if "tokenize" in keys and keys[-1] != "tokenize":
        raise RecipeError("stage 'tokenize' writes the token shards from the final text: put it "
                          "last")
    return [STAGES[k] for k in keys]


def _convert(value: str, hint: Any, name: str) -> Any:
    """``value`` (a command-line string) as the type of the config field ``name``."""
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        if value.lower() in ("none", "null"):
            return None
        return _convert(value, args[0], name)
    if hint is bool:
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise RecipeError(f"{name} takes true or false, not {value!r}")
    if hint in (int, float, str):
        try:
            return hint(value)
        except ValueError:
            raise RecipeError(f"{name} takes a {hint.__name__}, not {value!r}") from None
    if origin in (tuple, list):
        items = [x.strip() for x in value.split(",") if x.strip()]
        inner = args[0] if args else str
        if typing.get_origin(inner) is tuple:  # pairs such as top_n_grams: "2:0.2,3:0.18"
            kinds = typing.get_args(inner)
            try:
                return tuple(tuple(k(p) for k, p in zip(kinds, x.split(":"), strict=True))
                             for x in items)
            except ValueError:
                raise RecipeError(f"{name} takes pairs like 2:0.2,3:0.18, not {value!r}") from None
        return tuple(_convert(x, inner, name) for x in items)
    return value


def parse_overrides(items: list[str]) -> dict[str, dict[str, Any]]:
    """``["gopher_quality.min_doc_words=100"]`` -> ``{"gopher_quality": {"min_doc_words": 100}}``,
    typed from the stage's config dataclass."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        stage, dot, knob = target.strip().partition(".")
        if not sep or not dot:
            raise RecipeError(f"--set takes STAGE.KNOB=VALUE, e.g. gopher_quality.min_doc_words=100;"
                              f" got {item!r}")
        if stage not in STAGES:
            raise RecipeError(f"--set {item}: unknown stage {stage!r}; known: {', '.join(STAGES)}")
        config = STAGES[stage].config
        hints = typing.get_type_hints(config)
        if knob not in hints:
            raise RecipeError(f"--set {item}: {stage} has no knob {knob!r}; its knobs: "
                              f"{', '.join(f.name for f in dataclasses.fields(config))}")
        out.setdefault(stage, {})[knob] = _convert(value.strip(), hints[knob], target)
    return out


def configure(spec: StageSpec, overrides: dict[str, dict[str, Any]], base: Any = None) -> Any:
    """The stage's config: ``base`` (or the defaults) with the overrides for this stage."""
    config = base if base is not None else spec.config()
    changes = overrides.get(spec.key, {})
    try:
        return dataclasses.replace(config, **changes) if changes else config
    except (TypeError, ValueError) as e:
        raise RecipeError(f"bad settings for {spec.key}: {e}") from None


def load_recipe(path: str) -> tuple[list[str] | None, list[str]]:
    """The stage list and ``--set`` items of a JSON recipe file."""
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise RecipeError(f"cannot read recipe {path}: {e.strerror}") from None
    except ValueError as e:
        raise RecipeError(f"recipe {path} is not valid JSON: {e}") from None
    if not isinstance(data, dict) or not set(data) <= {"stages", "set"}:
        raise RecipeError(f"recipe {path} must be a JSON object with 'stages' and/or 'set'")
    settings = [f"{k}={v}" if not isinstance(v, (list, tuple)) else f"{k}={','.join(map(str, v))}"
                for k, v in (data.get("set") or {}).items()]
    return data.get("stages"), settings
