"""The job on Beam's portable runner, the way a Flink or Spark cluster runs it.

A local job service (`apache_beam.runners.portability.local_job_service_main`) takes the job over
gRPC and an external worker pool (`apache_beam.runners.worker.worker_pool_main`) runs its bundles
in separate SDK worker processes, all on loopback. The pipeline therefore crosses the same
boundaries as on a cluster: the pipeline proto, pickled DoFns, coders, metrics reported by the
workers and read back through the job service. The workers run in their own working directory,
so a DoFn that needs the user's checkout or a relative path fails here as it would remotely.

The whole output tree must equal the DirectRunner's: Parquet content, the stats.json funnel, and
every other file (token shards, manifests, removed ids) byte for byte.

    .venv/bin/python -m pytest tests/pipelines/test_portable.py -q
"""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from pipelines import cc_to_shards
from pipelines.stats import check_invariant
from tests.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SAMPLE = pathlib.Path("tests") / "data" / "sample.warc.gz"  # relative to ROOT, on purpose
START_TIMEOUT_S = 60  # the services import Beam (a few seconds) before they listen
JOB_TIMEOUT_S = 300  # the sample takes ~15 s; a worker that died leaves the job hanging


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("localhost", port)) == 0


def _tail(path: pathlib.Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _stop(proc: subprocess.Popen) -> None:
    """Stop ``proc`` and the SDK workers it started (its process group)."""
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            continue
    try:  # SDK workers left in the group after the pool exited
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="module")
def portable(tmp_path_factory):
    """A local job service and an external worker pool on free loopback ports; yields
    ``(job_port, pool_port, log_dir)``."""
    workdir = tmp_path_factory.mktemp("portable")
    # The pool starts each worker as a plain `python -c ...` from PATH: make it this interpreter.
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    pool_port, job_port = _free_port(), _free_port()
    services = {
        "pool": ([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                  f"--service_port={pool_port}"], pool_port),
        "job_service": ([sys.executable, "-m",
                         "apache_beam.runners.portability.local_job_service_main",
                         f"--port={job_port}"], job_port),
    }
    procs = []
    try:
        for name, (cmd, port) in services.items():
            log = open(workdir / f"{name}.log", "wb")
            # Its own process group, so teardown also reaches the SDK workers it forks.
            procs.append((name, port, subprocess.Popen(
                cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)))
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        for name, port, proc in procs:
            while not _listening(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{name} did not start on port {port}:\n"
                                f"{_tail(workdir / f'{name}.log')}")
                time.sleep(0.2)
        yield job_port, pool_port, workdir
    finally:
        for _, _, proc in procs:
            _stop(proc)


def _portable_run(portable, output: pathlib.Path) -> subprocess.CompletedProcess:
    """`curation run` on the sample through the PortableRunner, in a fresh driver process."""
    job_port, pool_port, logs = portable
    cmd = [sys.executable, "-m", "pipelines.cli", "run", "--input", str(SAMPLE),
           "--output", str(output), "--runner", "PortableRunner",
           "--job_endpoint", f"localhost:{job_port}", "--environment_type", "EXTERNAL",
           "--environment_config", f"localhost:{pool_port}"]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              timeout=JOB_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the portable job did not finish in {JOB_TIMEOUT_S}s; worker pool log:\n"
                    f"{_tail(logs / 'pool.log')}")
    assert done.returncode == 0, (f"{done.stderr[-4000:]}\nworker pool log:\n"
                                  f"{_tail(logs / 'pool.log')}")
    return done


def _normalised_stats(output: pathlib.Path) -> dict:
    """stats.json without what names the run rather than its result: runner and directories."""
    text = (output / "stats.json").read_text().replace(str(output), "OUTPUT")
    stats = json.loads(text)
    stats["job"].pop("runner")
    return stats


def assert_same_tree(a: pathlib.Path, b: pathlib.Path) -> None:
    """Two job outputs are equal: same files; Parquet tables equal; stats.json equal but for
    the runner and the output directory; every other file equal byte for byte."""
    files_a = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    files_b = sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        if rel == "stats.json":
            assert _normalised_stats(a) == _normalised_stats(b)
        elif rel.endswith(".parquet"):
            ta, tb = pq.read_table(a / rel), pq.read_table(b / rel)
            assert ta.schema == tb.schema, rel
            assert ta.to_pylist() == tb.to_pylist(), rel
        else:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


@pytest.fixture(scope="module")
def portable_output(portable, tmp_path_factory):
    """The sample's output from the portable runner, and the CLI's stderr."""
    out = tmp_path_factory.mktemp("portable_output") / "out"
    done = _portable_run(portable, out)
    return out, done.stderr


def test_portable_runner_matches_direct_runner(portable_output, tmp_path):
    out, stderr = portable_output
    assert "Funnel" in stderr  # the CLI printed the funnel from the job service's metrics
    direct = cc_to_shards.run(["--input", str(ROOT / SAMPLE), "--output",
                               str(tmp_path / "direct"), "--direct_num_workers", "2"])

    stats = json.loads((out / "stats.json").read_text())
    assert stats["job"]["runner"] == "PortableRunner"
    # Counters reported by the SDK workers reach the driver through the job service.
    assert check_invariant(stats) == [] and stats["invariant_ok"]
    assert stats["read"]["records"] > 0 and stats["kept"] > 0
    assert stats["read"] == direct["read"] and stats["stages"] == direct["stages"]
    assert stats["output"]["documents"] == stats["kept"]
    # A relative --input resolves where the job was started, not in the workers' directory.
    assert stats["read"]["damaged"].get("unreadable_file", 0) == 0

    assert list((out / "documents").glob("*.parquet"))
    assert_same_tree(out, tmp_path / "direct")


def test_rerun_replaces_output_whole(portable, portable_output, tmp_path):
    """A re-run into the directory of a run that died half-way overwrites every file whole
    under the same names: no duplicates, no temporary files left, same bytes."""
    first, _ = portable_output
    out = tmp_path / "out"
    shutil.copytree(first, out)
    # What a run that died half-way can leave: a truncated file (a run on a filesystem without
    # atomic rename), and a temporary file a killed worker never renamed.
    victim = next((out / "documents").glob("*.parquet"))
    victim.write_bytes(victim.read_bytes()[:100])
    stray = victim.with_name(f".{victim.name}.tmp-0123456789abcdef")
    stray.write_bytes(b"partial")
    _portable_run(portable, out)
    # The stray temporary is hidden: readers of the directory skip it.
    assert pq.read_table(out / "documents").num_rows == sum(
        pq.read_table(p).num_rows for p in (first / "documents").glob("*.parquet"))
    stray.unlink()
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "stats.json":
            assert (out / rel).read_bytes() == (first / rel).read_bytes(), rel
    assert _normalised_stats(out) == _normalised_stats(first)
