"""The worker inside ``lianban demo``/``serve`` (进程内推送): a thread that polls the outbox, so a
small deployment on SQLite needs no ``lianban worker`` process of its own."""

from __future__ import annotations

import threading

from lianban.dispatch.failures import log
from lianban.dispatch.worker import Dispatcher


class InProcessWorker:
    """The one worker inside ``lianban demo``/``serve`` on SQLite: a thread polling the outbox."""

    def __init__(self, dispatcher: Dispatcher, interval_seconds: float = 0.2) -> None:
        self.dispatcher = dispatcher
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lianban-dispatch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                taken = self.dispatcher.run_once()
            except Exception:  # a round that could not claim (the database away): logged, counted, retried
                self.dispatcher.errors.count("round")
                log.exception("dispatch round failed")
                taken = 0
            if not taken:
                self._stop.wait(self.interval)

    def alive(self) -> bool:
        """Whether the polling thread still runs (``/readyz``)."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self.dispatcher.close()
