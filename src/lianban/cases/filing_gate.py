"""Filings worked on at once (受理的并发), one gate per database that every filing passes — the API,
the applicant's pages and the window's — as :func:`lianban.cases.service.file_application` does.

A filing is CPU under the GIL but for its database calls: more at once only trade the GIL between
threads (and on SQLite wait for the one writer); PostgreSQL's round trips leave more to overlap.
Measured at 32 concurrent filings on 2 cores, server CPU per filing: SQLite 2 at once 4.6–4.7 ms
against 8 at once 5.3–5.5; PostgreSQL 4 at once 5.8 against 8 at once 6.9. A filing waiting for
its turn waits in the thread it runs in (one of LIANBAN_THREADS): the gate adds no thread.
"""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from lianban.context import Context
from lianban.db import engine_of

FILINGS_AT_ONCE = {"sqlite": 2, "postgresql": 4}

_gates: WeakKeyDictionary[Engine, threading.BoundedSemaphore] = WeakKeyDictionary()
_making = threading.Lock()


def filing_turn(ctx: Context) -> threading.BoundedSemaphore:
    """The gate of the database ``ctx`` files into: ``FILINGS_AT_ONCE`` of its dialect, never more
    than LIANBAN_THREADS. Hold it (``with``) for the filing's work."""
    engine = engine_of(ctx.sessions)
    with _making:
        gate = _gates.get(engine)
        if gate is None:
            at_once = min(FILINGS_AT_ONCE.get(engine.dialect.name, 4), max(1, ctx.settings.threads))
            gate = _gates[engine] = threading.BoundedSemaphore(at_once)
    return gate


__all__ = ["FILINGS_AT_ONCE", "filing_turn"]
