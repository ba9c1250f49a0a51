"""Tests for pipelines.local: the DirectRunner without Prism, and the quick worker exit."""

import subprocess
import sys
import textwrap

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipelines.cc_to_shards import new_pipeline, with_local_defaults
from pipelines.local import LocalRunner, exit_quickly_in_worker
from tests.conftest import ROOT


def test_local_runner_never_starts_prism(monkeypatch):
    from apache_beam.runners.portability import prism_runner

    def refuse(*args, **kwargs):
        raise AssertionError("LocalRunner must not start Prism (it downloads a binary)")

    monkeypatch.setattr(prism_runner.PrismRunner, "__init__", refuse)
    options = PipelineOptions(["--direct_num_workers", "1", "--direct_running_mode", "in_memory"])
    with beam.Pipeline(runner=LocalRunner(), options=options) as p:
        out = p | beam.Create([1, 2, 3]) | beam.Map(lambda x: x * 10) | beam.combiners.ToList()
        assert_that(out, equal_to([[10, 20, 30]]))


@pytest.mark.parametrize("argv, local", [
    ([], True),
    (["--runner", "DirectRunner"], True),
    (["--runner", "PrismRunner"], False),  # asked for by name: Prism it is
    (["--runner", "PortableRunner"], False),
])
def test_new_pipeline_picks_local_runner_for_the_direct_runner(argv, local):
    options = with_local_defaults(argv, PipelineOptions(argv))
    assert isinstance(new_pipeline(options).runner, LocalRunner) == local


def test_no_exit_hook_outside_a_beam_worker():
    import atexit

    before = atexit._ncallbacks()
    exit_quickly_in_worker()
    assert atexit._ncallbacks() == before  # this (pytest) process keeps its normal exit


def _as_worker(body: str) -> subprocess.CompletedProcess:
    """Run ``body`` in a process that looks like a Beam SDK worker to exit_quickly_in_worker."""
    script = textwrap.dedent(
        """
        import sys, types
        sys.modules["__main__"].__spec__ = types.SimpleNamespace(
            name="apache_beam.runners.worker.sdk_worker_main")
        from pipelines.local import exit_quickly_in_worker
        exit_quickly_in_worker()
        exit_quickly_in_worker()  # once per process
        """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_worker_exit_flushes_and_keeps_the_status():
    done = _as_worker("""
        import logging
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        logging.getLogger("w").info("logged at the end")
        sys.stdout.write("unflushed output")  # no newline, no flush
        """)
    assert done.returncode == 0
    assert done.stdout == "unflushed output"
    assert "logged at the end" in done.stderr
    # a worker dying of an exception exits with its error status and its traceback
    failed = _as_worker("raise ValueError('harness failed')")
    assert failed.returncode == 1
    assert "ValueError: harness failed" in failed.stderr
