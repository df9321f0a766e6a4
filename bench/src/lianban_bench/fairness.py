"""Fairness (公平): a graduate's time to first send while a 1,000-employee employer's case drains,
÷ the same on an idle platform.

One platform — ``lianban serve``, the eight simulated departments deciding after
``latency_ms``, and the worker(s): on PostgreSQL ``workers`` ``lianban worker`` processes, on
SQLite the server's in-process worker — runs throughout; nothing is paused or held back.

*Alone*: a Hubei graduate files, the clock reads from her case's filing (``cases.accepted_at``,
when her jobs fall due) to her first sub-item sent (the first ``dispatched`` or decided step of
her timeline, stamped by the worker after the department answered); the platform is let fall
idle again (no job due), and that ``samples`` times. *During*: a Shangrao employer files 1,000
hires (4,000 sub-items, the bench's batch scenario, :mod:`lianban_bench.batch`); once its first
sub-items are going out, the graduate files again, ``samples`` times a second apart, each read
the same way. Both clocks are the platform's own timestamps in its database. The employer's
sub-items still waiting when her last case went out are counted: if none were left, the batch
was no longer draining and the figure says so (``valid``: false).

The figure is the median time during ÷ the median time alone (the largest of each beside them).
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, text

from lianban.db import make_engine
from lianban_bench.batch import file_batch
from lianban_bench.graduate import graduate_login
from lianban_bench.servers import ApiServer, BenchError, Databases, Simulators, Stage, Workers

WAIT_SECONDS = 300.0

_FIRST_SENT = text(
    "SELECT min(e.at), min(c.accepted_at) FROM cases c LEFT JOIN timeline_events e "
    "ON e.case_id = c.case_id AND e.item_id IS NOT NULL AND e.event IN ('dispatched', 'accepted', 'approved') "
    "WHERE c.case_id = :case"
)
_DUE = text("SELECT count(*) FROM outbox_jobs WHERE status = 'pending' AND due_at <= :now")
_LEFT = text("SELECT count(*) FROM case_items WHERE case_id = :case AND status IN ('queued', 'waiting')")
_SENT_OF = text(
    "SELECT count(*) FROM case_items WHERE case_id = :case AND status NOT IN ('queued', 'waiting')"
)


def _aware(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite without the column's type: SQLAlchemy's text format
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Graduate:
    """Files the graduate's case through the API, as her client would."""

    def __init__(self, api: ApiServer) -> None:
        self.api = api
        self.headers, self.body = graduate_login(api.url)
        self.client = httpx.Client(base_url=api.url, timeout=120, trust_env=False)

    def file(self) -> str:
        answer = self.client.post(
            "/api/v1/applications",
            json=self.body,
            headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        if answer.status_code != 201:
            raise BenchError(f"the graduate's filing failed: {answer.status_code} {answer.text[:500]}")
        return str(answer.json()["case_id"])

    def close(self) -> None:
        self.client.close()


def first_send(engine: Engine, case_id: str, seconds: float = WAIT_SECONDS) -> float:
    """Seconds from ``case_id``'s filing to its first sub-item sent, as the platform stamped them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            sent, filed = conn.execute(_FIRST_SENT, {"case": case_id}).one()
        if sent is not None:
            return max(0.0, (_aware(sent) - _aware(filed)).total_seconds())
        time.sleep(0.02)
    raise BenchError(f"{case_id}: nothing sent {seconds} s after filing")


def _idle(engine: Engine, seconds: float = WAIT_SECONDS) -> None:
    """Until no job is due (the worker has nothing to take), then a moment more."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if not conn.execute(_DUE, {"now": datetime.now(UTC)}).scalar_one():
                time.sleep(0.5)
                return
        time.sleep(0.1)
    raise BenchError(f"the platform did not fall idle in {seconds} s")


def _count(engine: Engine, query: Any, case_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query, {"case": case_id}).scalar_one())


def _summary(samples: list[float]) -> dict[str, Any]:
    return {
        "samples_seconds": [round(s, 3) for s in samples],
        "median_seconds": round(statistics.median(samples), 3),
        "max_seconds": round(max(samples), 3),
    }


def measure(engine: Engine, api: ApiServer, *, rows: int, samples: int) -> dict[str, Any]:
    """Alone, then during the employer's batch, on a running platform (see the module)."""
    graduate = _Graduate(api)
    try:
        alone = []
        for _ in range(samples):
            _idle(engine)
            alone.append(first_send(engine, graduate.file()))
        _idle(engine)
        batch_case = file_batch(api, rows=rows)
        deadline = time.monotonic() + WAIT_SECONDS
        while _count(engine, _SENT_OF, batch_case) < 5:  # its sub-items are going out
            if time.monotonic() > deadline:
                raise BenchError("the employer's batch did not start going out")
            time.sleep(0.1)
        during = []
        for _ in range(samples):
            during.append(first_send(engine, graduate.file()))
            time.sleep(1.0)
        left = _count(engine, _LEFT, batch_case)
    finally:
        graduate.close()
    a, d = _summary(alone), _summary(during)
    return {
        "employees": rows,
        "batch_items": rows * 4,
        "samples": samples,
        "alone": a,
        "during_batch": d,
        "first_send_alone_seconds": a["median_seconds"],
        "first_send_during_batch_seconds": d["median_seconds"],
        "ratio": d["median_seconds"] / a["median_seconds"] if a["median_seconds"] > 0 else None,
        "ratio_of_max": d["max_seconds"] / a["max_seconds"] if a["max_seconds"] > 0 else None,
        "batch_items_left_after_last_sample": left,
        "valid": left > 0,
    }


def run_fairness(
    dbs: Databases, stage: Stage, *, rows: int, samples: int, workers: int, latency_ms: int
) -> dict[str, Any]:
    """The fairness figure on a platform of its own (its database dropped after)."""
    url = dbs.create_migrated("fairness")
    engine = make_engine(url)
    try:
        with Simulators(stage, latency_ms) as sims:
            in_process = dbs.kind == "sqlite"
            with ApiServer(stage, url, deployment=sims.deployment, in_process_worker=in_process) as api:
                processes = Workers(api).start(0 if in_process else workers)
                try:
                    processes.wait_ready()
                    out = measure(engine, api, rows=rows, samples=samples)
                finally:
                    processes.stop()
        out["workers"] = "in-process" if in_process else workers
        out["latency_ms"] = latency_ms
        return out
    finally:
        engine.dispose()
        dbs.drop(url)
