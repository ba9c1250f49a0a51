"""Shared test fixtures: where the real test material in ../shared/data lives.

Tests that need it skip cleanly when it is absent.
"""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED_DATA = pathlib.Path(os.environ.get("CURATION_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> pathlib.Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA


def counter_dict():
    """A dict and a `Count` function that adds into it."""
    counts: dict = {}

    def count(name, n=1):
        counts[name] = counts.get(name, 0) + n

    return counts, count


@pytest.fixture(autouse=True, scope="session")
def _hermetic_cache(tmp_path_factory):
    """Caches (the parsed URL blocklist index) go to a fresh temp dir, never a shared one."""
    old = os.environ.get("CURATION_CACHE_DIR")
    os.environ["CURATION_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("CURATION_CACHE_DIR", None)
    else:
        os.environ["CURATION_CACHE_DIR"] = old
