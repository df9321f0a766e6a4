"""Filings worked on at once (受理的并发), one gate per database that every filing passes — the API,
the applicant's pages and the window's — as :func:`lianban.cases.service.file_application` does.

A filing is CPU under the GIL but for its database calls: more at once only trade the GIL between
threads (and on SQLite wait for the one writer); PostgreSQL's round trips leave more to overlap.
Measured at 32 concurrent filings on 2 cores, server CPU per filing: SQLite 2 at once 4.6–4.7 ms
against 8 at once 5.3–5.5; PostgreSQL 4 at once 5.8 against 8 at once 6.9. A filing waiting for
its turn waits in the thread it runs in (one of LIANBAN_THREADS): the gate adds no thread.

Filings are let in in the order they came (先到先办): a filing leaving hands its place to the one
that has waited longest, so one that just arrived cannot take it first. (A semaphore let the
newcomer in and sent the woken waiter to the back of the queue: under 32 concurrent filings, a few
waited many turns — the latency tail.)
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from lianban.context import Context
from lianban.db import engine_of

FILINGS_AT_ONCE = {"sqlite": 2, "postgresql": 4}


class FilingGate:
    """``at_once`` places, given in the order asked for: one leaving hands its place straight to
    the longest waiting (``with gate:`` holds one)."""

    def __init__(self, at_once: int) -> None:
        self.free = at_once
        self._lock = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self) -> bool:
        with self._lock:
            if self.free > 0 and not self._waiting:
                self.free -= 1
                return True
            handed = threading.Lock()
            handed.acquire()
            self._waiting.append(handed)
        handed.acquire()  # released by the filing that hands its place over (release)
        return True

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()  # the place goes to it: never free in between
            else:
                self.free += 1

    def __enter__(self) -> FilingGate:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


_gates: WeakKeyDictionary[Engine, FilingGate] = WeakKeyDictionary()
_making = threading.Lock()


def filing_turn(ctx: Context) -> FilingGate:
    """The gate of the database ``ctx`` files into: ``FILINGS_AT_ONCE`` of its dialect, never more
    than LIANBAN_THREADS. Hold it (``with``) for the filing's work."""
    engine = engine_of(ctx.sessions)
    with _making:
        gate = _gates.get(engine)
        if gate is None:
            at_once = min(FILINGS_AT_ONCE.get(engine.dialect.name, 4), max(1, ctx.settings.threads))
            gate = _gates[engine] = FilingGate(at_once)
    return gate


__all__ = ["FILINGS_AT_ONCE", "FilingGate", "filing_turn"]
