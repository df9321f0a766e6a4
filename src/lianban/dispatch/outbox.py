"""Claiming due outbox jobs (发件箱) with a lease, and recording what happened to them.

PostgreSQL: ``FOR UPDATE SKIP LOCKED`` so any number of workers on any number of machines take
different jobs; a job whose worker died is taken again once its lease has run out. SQLite: the
same statements without row locks — one worker process per database file.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lianban.cases.schema import OutboxJob
from lianban.config import RetryPolicy

LEASE = timedelta(seconds=60)


def claim(session: Session, now: datetime, limit: int = 10, lease: timedelta = LEASE) -> list[OutboxJob]:
    """Take up to ``limit`` due jobs and lease them until ``now + lease`` (the caller commits)."""
    query = (
        select(OutboxJob)
        .where(
            OutboxJob.status == "pending",
            OutboxJob.due_at <= now,
            or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until <= now),
        )
        .order_by(OutboxJob.due_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
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
