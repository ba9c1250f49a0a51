"""Running the job on this machine: Beam's DirectRunner without its download, and quick worker exits.

`LocalRunner` is what `--runner DirectRunner` (the default) runs. Beam's DirectRunner first tries
the PrismRunner, which fetches a Go binary from GitHub on first use; offline, the fetch fails and
it falls back to the FnApiRunner. We go to the FnApiRunner straight away, as the DirectRunner does
for a batch pipeline it cannot give to Prism: same execution, same options (`--direct_num_workers`,
`--direct_running_mode`), no network. `--runner PrismRunner` still runs Prism for those who ask.

`exit_quickly_in_worker()` makes a DirectRunner worker process skip the interpreter's teardown
when it exits. The runner stops its worker processes one after the other, waiting for each to
exit, and tearing down Beam's, lxml's and gRPC's modules takes about 0.5 s per worker on this
2-core box: 1 s of a 14 s run on 2 workers, spent after the last document was written.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.direct.direct_runner import SwitchingDirectRunner

SDK_WORKER_MAIN = "apache_beam.runners.worker.sdk_worker_main"


class LocalRunner(SwitchingDirectRunner):
    """The DirectRunner for batch jobs, minus the attempt to download and start Prism."""

    def run_pipeline(self, pipeline, options: PipelineOptions):
        if options.view_as(StandardOptions).streaming:
            return super().run_pipeline(pipeline, options)  # the bundle-based runner
        from apache_beam.portability.api import beam_provision_api_pb2
        from apache_beam.runners.portability.fn_api_runner import fn_runner
        from apache_beam.runners.portability.portable_runner import JobServiceHandle

        # As SwitchingDirectRunner does: the workers read the pipeline options from here.
        encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
        info = fn_runner.ExtendedProvisionInfo(
            beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded))
        return fn_runner.FnApiRunner(provision_info=info).run_pipeline(pipeline, options)


def is_direct(options: PipelineOptions) -> bool:
    runner = options.view_as(StandardOptions).runner
    return runner is None or str(runner).lower() in ("directrunner", "direct")


_exit_hook_pid: int | None = None


def exit_quickly_in_worker() -> None:
    """In a Beam SDK worker process, end the process right after its exit handlers have run.

    Called from DoFn ``setup()``; does nothing in any other process (the main process of a
    local run in ``in_memory`` mode, a user's program calling ``run()``) and nothing the second
    time. At exit, a worker that is failing (an uncaught exception is being reported) exits as
    before, with its error status; a worker that finished cleanly flushes its logs and standard
    streams and calls ``os._exit(0)``. Every bundle's output and metrics were handed to the
    runner before the harness returned, so nothing is lost.
    """
    global _exit_hook_pid
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if _exit_hook_pid == os.getpid() or getattr(spec, "name", None) != SDK_WORKER_MAIN:
        return
    _exit_hook_pid = os.getpid()
    atexit.register(_exit_now, _exit_hook_pid)


def _exit_now(pid: int) -> None:
    if os.getpid() != pid or getattr(sys, "last_value", None) is not None:
        return  # a forked child, or a worker dying of an exception: the normal exit path
    exit_without_teardown(0)


def exit_without_teardown(code: int) -> None:
    """Flush the logs and the standard streams, then end the process with ``code`` at once,
    skipping the interpreter's teardown of every module (the job's outputs are already closed)."""
    logging.shutdown()  # an exit handler registered before ours would otherwise be skipped
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(code)
