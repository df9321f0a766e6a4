"""Claiming due outbox jobs (发件箱) with a lease, and recording what happened to them.

PostgreSQL: ``FOR UPDATE SKIP LOCKED`` so any number of workers on any number of machines take
different jobs; a job whose worker died is taken again once its lease has run out. SQLite: the
same statements without row locks — one worker process per database file.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from lianban.cases.schema import OutboxJob
from lianban.config import RetryPolicy

LEASE = timedelta(seconds=60)


def claim(session: Session, now: datetime, limit: int = 10, lease: timedelta = LEASE) -> list[OutboxJob]:
    """Take up to ``limit`` due jobs and lease them until ``now + lease`` (the caller commits).

    Fair across cases (公平): round-robin — each case's first due job, then each case's second,
    and so on (``ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY due_at)``), the earliest due
    first within a round. A 1,000-employee employer's 4,000 sub-items never hold back a person who
    filed after it: her first job is in the very next batch. (The ranks are computed on the due
    jobs, below the row locks: PostgreSQL locks what the ranked candidates point to, skipping
    those another worker holds; a worker then takes fewer than ``limit`` and comes back.)"""
    due = (
        OutboxJob.status == "pending",
        OutboxJob.due_at <= now,
        or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until <= now),
    )
    turn = (
        func.row_number()
        .over(partition_by=OutboxJob.case_id, order_by=(OutboxJob.due_at, OutboxJob.job_id))
        .label("turn")
    )
    ranked = (
        select(OutboxJob.case_id, OutboxJob.job_id, OutboxJob.due_at, turn).where(*due).subquery("ranked")
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    candidates = (
        select(ranked.c.case_id, ranked.c.job_id, ranked.c.turn, ranked.c.due_at)
        .order_by(ranked.c.turn, ranked.c.due_at, ranked.c.case_id)
        .limit(limit * (4 if postgres else 1))  # room for those other workers hold
        .subquery("candidates")
    )
    query = (
        select(OutboxJob)
        .join(
            candidates,
            and_(OutboxJob.case_id == candidates.c.case_id, OutboxJob.job_id == candidates.c.job_id),
        )
        .where(*due)  # still due when locked (another worker may have taken it meanwhile)
        .order_by(candidates.c.turn, candidates.c.due_at, candidates.c.case_id)
        .limit(limit)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True, of=OutboxJob)
    jobs = list(session.execute(query).scalars())
    for job in jobs:
        job.lease_until = now + lease
    session.flush()
    return jobs


def backoff(attempts: int, policy: RetryPolicy | None = None, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter, capped by the deployment's policy (by default attempt 1 →
    1–2 s, 2 → 2–4 s, … never more than 600 s)."""
    p = policy or RetryPolicy()
    r = rng or random.Random()
    ceiling = min(p.max_delay_seconds, p.base_delay_seconds * (2 ** max(attempts - 1, 0)))
    return timedelta(seconds=r.uniform(ceiling / 2, ceiling))
