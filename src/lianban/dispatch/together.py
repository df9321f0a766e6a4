"""A case's events passed on together (事件合并): a worker that takes one domain event of a case
passes on the case's other due events in the same transaction, under the same case lock, in the
order they were published — a decision's ``item_decided`` and ``case_changed``, the ``accepted``
and the decision of one sub-item, each otherwise a claim, a lock and a commit of its own.

Nothing is lost: the events taken along are marked done in that one transaction, so a worker that
dies before it commits leaves every one of them pending (taken again like any job), and one that
commits has passed them all on. What a rolled-back event already did outside the database is
repeated harmlessly: a courier's booking carries the delivery's stable id as its Idempotency-Key
(:func:`lianban.delivery.preparation.delivery_id_of`), and notices leave only after a commit. Only events no other worker holds are taken along
(unleased, and on PostgreSQL ``SKIP LOCKED``). An event taken along that fails rolls the whole
transaction back (:class:`Alone`); the worker then handles the first job on its own, and the
failing event meets the failure handling in its own turn.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from lianban.cases.jobs import EVENTS
from lianban.cases.schema import OutboxJob
from lianban.dispatch.registry import JobContext, handler_for

EVENT_KINDS = frozenset(k.value for k in EVENTS)
_JOBS: Table = OutboxJob.__table__  # type: ignore[assignment]
TAKEN_ALONG = 20  # at most, with one event: a case's burst of decisions, not an unbounded backlog


class Alone(Exception):
    """An event taken along failed: handle the first job again, on its own."""


def due_events(session: Session, first: OutboxJob, now: datetime) -> list[OutboxJob]:
    """The case's other events due now that no worker holds, in the order they were published."""
    query = (
        select(OutboxJob)
        .where(
            OutboxJob.case_id == first.case_id,
            OutboxJob.job_id != first.job_id,
            OutboxJob.status == "pending",
            OutboxJob.kind.in_(EVENT_KINDS),
            OutboxJob.due_at <= now,
            or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until <= now),
        )
        .order_by(OutboxJob.due_at, OutboxJob.job_id)
        .limit(TAKEN_ALONG)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).scalars())


def pass_on_together(session: Session, first: OutboxJob, context: JobContext) -> int:
    """Pass on the case's other due events after ``first`` (handled, its case locked) in the same
    transaction; how many. Raises :class:`Alone` when one of them fails. ``first`` and those passed
    on are marked done together, by one UPDATE (each was a flush of its own), before the
    transaction commits."""
    done, taken = [first.job_id], []
    for job in due_events(session, first, context.now):
        handler = handler_for(job.kind)
        if handler is None:  # (every event kind has its handler; a stranger waits for its turn)
            continue
        try:
            handler(session, job, context)
        except Exception as exc:
            raise Alone(job.job_id) from exc
        taken.append(job.job_id)
    session.execute(
        update(_JOBS)
        .where(
            _JOBS.c.case_id == first.case_id, _JOBS.c.job_id.in_(done + taken), _JOBS.c.status == "pending"
        )
        .values(status="done")
    )
    return len(taken)
