"""The kinds of outbox job (任务种类) and the case's domain events (领域事件).

Every piece of deferred work is an outbox row written in the transaction that decided it: a
dispatch to a department, a status poll, a due-date warning, a delivery follow-up — and the case's
domain events, which the cases room *publishes* and other rooms *subscribe to*:

- ``item_decided`` — a department decided a sub-item (payload: the status and reason then);
- ``case_changed`` — the case's status moved (payload: the new status; ``completed`` and
  ``partially_completed`` are the case finished, 办结).

Cases never calls delivery or notify: :mod:`lianban.notify.events` tells the applicant and
:mod:`lianban.delivery.events` prepares the delivery of a finished case when a worker takes the
event (:mod:`lianban.dispatch.registry` runs the subscribers, in their ``order``, in one
transaction with the case's lock). An event lost to a crash is taken again like any job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, Table, bindparam, update
from sqlalchemy.orm import Session

from lianban.cases.schema import OutboxJob
from lianban.prepared import PreparedWrite, run_in
from lianban.security.randomness import uuid4_hex

_JOBS: Table = OutboxJob.__table__  # type: ignore[assignment]
# a job's row, compiled once and run on the transaction's driver cursor (lianban.prepared.run_in)
_NEW_JOB = PreparedWrite(_JOBS.insert())


class JobKind(StrEnum):
    DISPATCH = "dispatch"  # send a sub-item to its department (推送)
    STATUS_POLL = "status_poll"  # ask a department that does not call back (状态查询)
    SLA_WARNING = "sla_warning"  # the working day before a promised date (时限预警)
    DELIVERY_FOLLOW_UP = "delivery_follow_up"  # ask the courier, remind a pickup (送达跟踪)
    OBLIGATION_REMINDER = "obligation_reminder"  # remind papers due after the application (后补材料)
    ITEM_DECIDED = "item_decided"  # event: a department decided a sub-item
    CASE_CHANGED = "case_changed"  # event: the case's status moved (办结 among them)


EVENTS = frozenset({JobKind.ITEM_DECIDED, JobKind.CASE_CHANGED})
FINISHED = ("completed", "partially_completed")  # a case's statuses that deliver (办结)


def new_job(
    case_id: str,
    kind: JobKind,
    due_at: datetime,
    item_id: str | None = None,
    delivery_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxJob:
    return OutboxJob(**job_row(case_id, kind, due_at, item_id, delivery_id, payload))


def job_row(
    case_id: str,
    kind: JobKind,
    due_at: datetime,
    item_id: str | None = None,
    delivery_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new pending job's row (every column: one INSERT statement fits every job)."""
    return {
        "case_id": case_id,
        "job_id": uuid4_hex(),
        "item_id": item_id,
        "delivery_id": delivery_id,
        "kind": kind.value,
        "status": "pending",
        "due_at": due_at,
        "attempts": 0,
        "lease_until": None,
        "last_error": None,
        "payload": payload,
    }


# the statements of a job closed, built once (every send closes its job)
_CLOSE = (
    update(_JOBS)
    .where(
        _JOBS.c.case_id == bindparam("c_id"), _JOBS.c.job_id == bindparam("j_id"), _JOBS.c.status == "pending"
    )
    .values(status="done", attempts=_JOBS.c.attempts + bindparam("more", type_=Integer))
)
_CLOSE_HELD = _CLOSE.where(_JOBS.c.lease_until == bindparam("lease"))


def close_job(
    session: Session, case_id: str, job_id: str, count_attempt: bool = False, lease: datetime | None = None
) -> bool:
    """Mark a pending job done (one more attempt counted if ``count_attempt``) with one UPDATE, the
    job not read; whether it was closed. With ``lease`` (the worker's, until when it holds the job)
    only while it still holds it: if the lease ran out mid-send and another worker took the job, its
    lease is another, and that worker's job is left alone (a done or dead job too)."""
    values = {"c_id": case_id, "j_id": job_id, "more": 1 if count_attempt else 0}
    if lease is None:
        closed = session.execute(_CLOSE, values)
    else:
        closed = session.execute(_CLOSE_HELD, {**values, "lease": lease})
    return bool(closed.rowcount)  # type: ignore[attr-defined]


def publish(
    session: Session,
    case_id: str,
    kind: JobKind,
    at: datetime,
    payload: dict[str, Any],
    item_id: str | None = None,
) -> None:
    """Publish a domain event of the case: an outbox job due ``at``, in the caller's transaction
    (an event of a decision rolled back is never seen). Written at once with a plain INSERT, after
    what the transaction added before it (the rows the job refers to)."""
    assert kind in EVENTS, kind
    add_job(session, case_id, kind, at, item_id=item_id, payload=payload)


def add_job(
    session: Session,
    case_id: str,
    kind: JobKind,
    at: datetime,
    item_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """A pending job due ``at`` written at once with a plain INSERT in the caller's transaction,
    after what the transaction added before it (no object: nothing to flush later)."""
    session.flush()
    run_in(session, _NEW_JOB, job_row(case_id, kind, at, item_id=item_id, payload=payload))


# -- subscribers (订阅) ------------------------------------------------------------------------

Subscriber = Callable[[Session, OutboxJob, datetime], None]
"""Handles one event (the session holds the case's lock; ``at`` is when the event happened)."""

_SUBSCRIBERS: dict[JobKind, list[tuple[int, str, Subscriber]]] = {}


def subscribe(kind: JobKind, order: int = 100) -> Callable[[Subscriber], Subscriber]:
    """Register a subscriber of ``kind``; lower ``order`` runs first (the applicant hears that
    the case is finished before where the documents went)."""
    assert kind in EVENTS, kind

    def register(handler: Subscriber) -> Subscriber:
        name = f"{handler.__module__}.{handler.__qualname__}"
        found = _SUBSCRIBERS.setdefault(kind, [])
        found[:] = [s for s in found if s[1] != name]  # a module imported twice registers once
        found.append((order, name, handler))
        found.sort(key=lambda s: (s[0], s[1]))
        return handler

    return register


def subscribers(kind: str) -> list[Subscriber]:
    return [handler for _, _, handler in _SUBSCRIBERS.get(JobKind(kind), [])]


def event_time(job: OutboxJob) -> datetime:
    """When the event happened (its due time; SQLite hands back naive datetimes in UTC)."""
    at = job.due_at
    return at if at.tzinfo else at.replace(tzinfo=UTC)
