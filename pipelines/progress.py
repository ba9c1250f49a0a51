"""Progress of a local run, shown while the job runs.

Beam's DirectRunner reports metrics only at the end, so workers write small progress files instead:
each DoFn instance keeps running totals (byte ranges, records, kept documents) and rewrites its own
JSON file in a local directory at most once a second (temp file, then rename). The CLI sums the
files on a timer and draws the progress line. Remote runners (Dataflow, Flink, Spark) have their own
monitoring UIs, so there the directory is None and reporting costs nothing.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

_INTERVAL_S = 1.0  # how often a worker rewrites its progress file


class Reporter:
    """Running totals of one DoFn instance; a no-op when ``directory`` is None."""

    def __init__(self, directory: str | None):
        self._directory = directory
        self._totals: dict[str, int] = {}
        self._last = 0.0
        self._path = None
        if directory:
            self._path = os.path.join(directory, f"{os.getpid()}-{uuid.uuid4().hex}.json")

    def add(self, **counts: int) -> None:
        if self._path is None:
            return
        for k, v in counts.items():
            self._totals[k] = self._totals.get(k, 0) + v
        now = time.monotonic()
        if now - self._last >= _INTERVAL_S:
            self._last = now
            self.flush()

    def flush(self) -> None:
        if self._path is None or not os.path.isdir(self._directory):
            return
        tmp = self._path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self._totals, f)
        os.replace(tmp, self._path)


def read_totals(directory: str) -> dict[str, int]:
    """Sum of every worker's totals in ``directory``."""
    totals: dict[str, int] = {}
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return totals
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(directory, name)) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue  # being replaced right now; the next tick reads it
        for k, v in data.items():
            totals[k] = totals.get(k, 0) + v
    return totals


class Monitor:
    """Draws a progress line from ``directory`` every ``interval_s`` until stopped.

    Args:
        directory: where the workers write their progress files.
        total_files: number of input files, shown on the progress line.
        draw: called with the summed totals and the seconds elapsed; returns nothing.
        interval_s: seconds between two redraws.
    """

    def __init__(self, directory: str, total_files: int, draw, interval_s: float = 0.5):
        self._directory = directory
        self._total_files = total_files
        self._draw = draw
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._start = time.monotonic()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._tick()

    def _tick(self):
        self._draw(read_totals(self._directory), time.monotonic() - self._start)

    def _loop(self):
        while not self._stop.wait(self._interval_s):
            self._tick()
