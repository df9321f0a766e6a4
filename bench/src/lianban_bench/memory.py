"""Memory (内存占用): the peak resident set of the API process and of one worker while they work.

A thread reads ``VmRSS`` from /proc every ``interval`` seconds for the processes it watches and
keeps the highest figure per role; roles are watched while the submit and dispatch scenarios run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lianban_bench.servers import rss_mb


class RssSampler:
    """Peak RSS (MiB) per role (``api``, ``worker``) over everything it was asked to watch."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self.samples: dict[str, int] = {}

    @contextmanager
    def watch(self, pids: dict[str, int]) -> Iterator[None]:
        """Sample the processes ``{role: pid}`` while the ``with`` block runs."""
        stop = threading.Event()

        def sample() -> None:
            while True:
                for role, pid in pids.items():
                    mb = rss_mb(pid)
                    if mb > 0:
                        self.peaks[role] = max(self.peaks.get(role, 0.0), mb)
                        self.samples[role] = self.samples.get(role, 0) + 1
                if stop.wait(self.interval):
                    return

        thread = threading.Thread(target=sample, name="bench-rss", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(5)
