"""The funnel built from counters, and its invariant."""

from pipelines.stats import check_invariant, funnel

COUNTERS = {
    "read_v1": {"record:response": 10, "record:request": 10, "record:warcinfo": 1,
                "record:damaged": 1, "html": 8, "skipped:request": 10, "skipped:warcinfo": 1,
                "skipped:non_html": 2, "damaged:bad_gzip": 1},
    "url_v1": {"total": 8, "kept": 7, "dropped": 1, "dropped:url_blocklisted_domain": 1},
    "extract_v1": {"total": 7, "kept": 6, "dropped": 1, "dropped:extract_empty": 1},
    "language_v1": {"total": 6, "kept": 4, "dropped": 2, "dropped:language_not_allowed": 1,
                    "dropped:language_low_score": 1},
}
STAGES = [("FilterUrls", "url_v1"), ("ExtractText", "extract_v1"),
          ("IdentifyLanguage", "language_v1")]


def test_funnel_shape():
    stats = funnel(COUNTERS, STAGES)
    assert stats["read"] == {
        "records": 22,
        "by_kind": {"damaged": 1, "request": 10, "response": 10, "warcinfo": 1},
        "html": 8,
        "skipped": {"non_html": 2, "request": 10, "warcinfo": 1},
        "damaged": {"bad_gzip": 1},
    }
    assert [s["stage"] for s in stats["stages"]] == ["FilterUrls", "ExtractText",
                                                     "IdentifyLanguage"]
    assert stats["stages"][2] == {"stage": "IdentifyLanguage", "name": "language_v1", "input": 6,
                                  "kept": 4, "dropped": {"language_low_score": 1,
                                                         "language_not_allowed": 1}}
    assert stats["kept"] == 4
    assert check_invariant(stats) == []


def test_invariant_catches_a_lost_document():
    counters = {k: dict(v) for k, v in COUNTERS.items()}
    counters["language_v1"]["kept"] = 3  # one document vanished without a reason
    problems = check_invariant(funnel(counters, STAGES))
    assert any("IdentifyLanguage" in p for p in problems)
    assert any("html 8 != kept 3" in p for p in problems)


def test_stage_that_saw_nothing():
    stats = funnel({"read_v1": {"record:warcinfo": 1, "skipped:warcinfo": 1}}, STAGES)
    assert stats["kept"] == 0
    assert all(s["input"] == 0 for s in stats["stages"])
    assert check_invariant(stats) == []
