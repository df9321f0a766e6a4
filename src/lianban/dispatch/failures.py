"""When handling a job goes wrong (任务异常): logged, counted, and parked instead of retried forever.

A job the worker cannot handle because of the job itself — its theme is no longer in the
catalogue, its record is inconsistent — is *poison*: taking it again would fail again, forever. It
is parked as ``dead`` with the reason (its sub-item ``failed``, so an operator sees it in
``lianban jobs failed`` and may retry once the cause is fixed). Any other unexpected error counts
as an attempt and backs off like a department that cannot be reached, until the retry policy is
spent. Every such error is logged with the case and job ids and counted for ``/metrics``.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from lianban.cases.progress import add_event, lock_case, refresh_case
from lianban.cases.schema import CaseItem, OutboxJob
from lianban.cases.states import ItemStatus
from lianban.clock import aware
from lianban.config import RetryPolicy
from lianban.dispatch import health
from lianban.dispatch.outbox import backoff

log = logging.getLogger("lianban.dispatch")


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    """Whether two stored instants are the same (SQLite's come back naive: :func:`aware`)."""
    return a is b if a is None or b is None else aware(a) == aware(b)


def held(job: OutboxJob | None, lease: datetime | None) -> bool:
    """Whether a worker holding ``lease`` (None: no lease known) may still write to ``job``: it is
    pending and, given a lease, still under it (one lost mid-send and taken again is another's)."""
    if job is None or job.status != "pending":
        return False
    return lease is None or same_instant(job.lease_until, lease)


class PoisonJob(Exception):
    """A job that can never be handled as it stands (the reason is the message)."""


class WorkerErrors:
    """Errors of this process's workers by kind (``poison``, ``job``, ``round``), for /metrics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


def job_failed(
    sessions: sessionmaker[Session],
    case_id: str,
    job_id: str,
    error: BaseException,
    now: datetime,
    retry: RetryPolicy,
    errors: WorkerErrors,
    lease: datetime | None = None,
) -> None:
    """Record what went wrong with one job: parked at once if poison, else one attempt more (only
    if still :func:`held` under the worker's ``lease``)."""
    poison = isinstance(error, PoisonJob)
    reason = f"{type(error).__name__}: {error}"[:2000]
    errors.count("poison" if poison else "job")
    log.error(
        "job %s of case %s failed: %s",
        job_id,
        case_id,
        reason,
        exc_info=not poison,
        extra={"case_id": case_id, "job_id": job_id, "poison": poison},
    )
    with sessions() as session, session.begin():
        lock_case(session, case_id)
        job = held_job(session, case_id, job_id, lease)
        if job is not None:
            failed_attempt(session, job, reason, now, retry, park=poison)


def send_failed(
    sessions: sessionmaker[Session],
    case_id: str,
    job_id: str,
    lease: datetime | None,
    error: str,
    now: datetime,
    retry: RetryPolicy,
    final: bool = False,
) -> None:
    """A send the department did not take: one attempt more and a later try, or parked (``final``
    or the retry policy spent). Only while the job is :func:`held` under the worker's ``lease``: a
    late failure leaves a job another worker took again as that worker has it."""
    with sessions() as session, session.begin():
        lock_case(session, case_id)
        job = held_job(session, case_id, job_id, lease)
        if job is not None:
            health.failed_send(session, job, error, now)
            failed_attempt(session, job, error, now, retry, park=final)


def held_job(session: Session, case_id: str, job_id: str, lease: datetime | None) -> OutboxJob | None:
    """The job, its row locked, if the worker holding ``lease`` may still write to it (:func:`held`)."""
    job = session.get(OutboxJob, (case_id, job_id), with_for_update=True)
    return job if job is not None and held(job, lease) else None


def failed_attempt(
    session: Session,
    job: OutboxJob,
    error: str,
    now: datetime,
    retry: RetryPolicy,
    *,
    park: bool = False,
    spent_parks: bool = True,
) -> None:
    """One attempt more that failed: tried again after the policy's backoff, or parked — ``park``,
    or the policy's attempts spent (unless ``spent_parks`` is off: polls never give up) — its item,
    if still queued, then failed."""
    reason = error[:2000]
    job.attempts += 1
    job.last_error = reason
    job.lease_until = None
    if not park and not (spent_parks and job.attempts >= retry.max_attempts):
        job.due_at = now + backoff(job.attempts, retry)
        return
    job.status = "dead"  # parked: an operator retries once the cause is fixed
    item = session.get(CaseItem, (job.case_id, job.item_id)) if job.item_id else None
    if item is not None and item.status == ItemStatus.QUEUED.value:
        item.status = ItemStatus.FAILED.value
        item.reason = reason
        item.updated_at = now
        add_event(session, job.case_id, now, "failed", item.item_id, reason[:500])
        refresh_case(session, job.case_id, now)
