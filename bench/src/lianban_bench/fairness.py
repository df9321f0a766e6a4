"""Fairness (公平): a graduate's time to first send while a 1,000-employee employer's case drains,
÷ the same without it.

With one worker running: the graduate files alone, her jobs are released, and the clock runs until
the first of her sub-items has left ``queued`` (sent, to a department or to the worklist) — that is
the figure without a batch. Then a Shangrao employer files 1,000 hires (4,000 sub-items; the
bench's batch scenario, :mod:`lianban_bench.batch`) and its jobs are released first, the graduate
files hers after, released a moment later, and the clock runs again until her first send.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, select

from lianban.cases.schema import CaseItem
from lianban_bench.batch import file_batch
from lianban_bench.dispatch import _file, hold, release
from lianban_bench.servers import ApiServer, BenchError

SENT_OR_LATER = ("dispatched", "accepted", "approved", "rejected", "correction_required")


def first_send(engine: Engine, case_id: str, seconds: float = 300.0) -> float:
    """Release ``case_id``'s jobs; the seconds until one of its sub-items has been sent."""
    began = time.monotonic()
    release(engine, [case_id])
    query = select(CaseItem.status).where(CaseItem.case_id == case_id)
    while time.monotonic() - began < seconds:
        with engine.connect() as conn:
            if any(s in SENT_OR_LATER for s in conn.execute(query).scalars()):
                return time.monotonic() - began
        time.sleep(0.01)
    raise BenchError(f"{case_id}: nothing sent after {seconds} s")


def run_fairness(engine: Engine, api: ApiServer, pause: Any, rows: int = 1000) -> dict[str, Any]:
    """``pause(n)`` lets the first ``n`` workers run (the dispatch scenario's workers)."""
    pause(0)
    (alone_case,) = _file(api, 1, 1)
    hold(engine, [alone_case])
    pause(1)
    time.sleep(1.0)  # the worker idle, polling
    alone = first_send(engine, alone_case)
    pause(0)
    batch_case = file_batch(api, rows=rows)
    hold(engine, [batch_case])
    (small_case,) = _file(api, 1, 1)
    hold(engine, [small_case])
    release(engine, [batch_case])
    pause(1)
    time.sleep(1.0)  # the employer's hires are going out
    during = first_send(engine, small_case)
    pause(0)
    return {
        "employees": rows,
        "first_send_alone_seconds": round(alone, 3),
        "first_send_during_batch_seconds": round(during, 3),
        "ratio": during / alone if alone > 0 else None,
    }
