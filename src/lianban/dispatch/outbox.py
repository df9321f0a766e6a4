"""Claiming due outbox jobs (发件箱) with a lease, and recording what happened to them.

PostgreSQL: ``FOR UPDATE SKIP LOCKED`` so any number of workers on any number of machines take
different jobs; a job whose worker died is taken again once its lease has run out. SQLite: the
same statements without row locks — one worker process per database file.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, Integer, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import BindParameter

from lianban.cases.schema import OutboxJob
from lianban.config import RetryPolicy
from lianban.prepared import Prepared, autocommit

LEASE = timedelta(seconds=60)
# a case's jobs fall due when it is filed, and its transaction commits a moment later: a claim may
# miss a case filed this shortly before it, which still counts as filed meanwhile
NEWCOMER_SLACK = timedelta(seconds=5)
# how often, at most, a worker sending a batch looks for a newly filed case (a look costs about as
# much CPU as a send's bookkeeping; a newcomer waits at most this much longer for it)
NEWCOMER_LOOK_SECONDS = 0.025

# case, job, the lease it was claimed with, its kind and its sub-item
Claimed = tuple[str, str, datetime | None, str, str | None]


def fair_round(
    sessions: sessionmaker[Session],
    now: Callable[[], datetime],
    lease: timedelta,
    limit: int,
    handle: Callable[[str, str, datetime | None, str, str | None], None],
) -> int:
    """One worker round: claim up to ``limit`` due jobs and ``handle`` them one after another;
    how many were taken. Between two of them, a case filed meanwhile (nothing of it sent or taken
    yet) goes first: its first job is claimed and handled next, then the rest of the batch (公平) —
    at most ``limit`` so per round, so the batch itself is not held back for long. A case's jobs
    stay in their order: the cases of the batch are never claimed again in the round. The look
    for a newcomer is taken at most every :data:`NEWCOMER_LOOK_SECONDS` (the first always)."""

    def take(n: int, only: Collection[str] | None = None) -> list[Claimed]:
        with sessions() as session, session.begin():
            claimed = claim(session, now(), n, lease, only)
            return [(j.case_id, j.job_id, j.lease_until, j.kind, j.item_id) for j in claimed]

    def newcomer(cases: Collection[str]) -> str | None:
        return newcomer_among(sessions, now(), since, cases)

    since = now() - NEWCOMER_SLACK
    batch = deque(take(limit))
    cases = {claimed[0] for claimed in batch}
    taken, room = len(batch), limit
    looked = -NEWCOMER_LOOK_SECONDS  # the first look is never put off
    while batch:
        handle(*batch.popleft())
        if not batch or room <= 0 or time.monotonic() - looked < NEWCOMER_LOOK_SECONDS:
            continue
        looked = time.monotonic()
        if (new := newcomer(cases)) is not None:
            ahead = take(1, only={new})
            batch.extendleft(ahead)
            cases.update(claimed[0] for claimed in ahead)
            taken, room = taken + len(ahead), room - 1
    return taken


@contextmanager
def kept_connection(sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """Sessions like ``sessions`` (the same wiring in their ``info``), each on one connection taken
    from the pool once and given back at the end: for transactions that follow one another in one
    thread (a worker's round). Sessions not bound to an engine are handed back as they are."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine):
        yield sessions
        return
    with engine.connect() as conn:
        yield sessionmaker(class_=sessions.class_, **{**sessions.kw, "bind": conn})
        if conn.in_transaction():  # (each session ends its own; nothing is left open)
            conn.rollback()


@contextmanager
def driver_connection(sessions: sessionmaker[Session]) -> Iterator[tuple[Engine, PoolProxiedConnection]]:
    """The driver connection under ``sessions``: the one kept for a worker's round (not in a
    transaction between its sessions), else one of the pool's for this use."""
    bind = sessions.kw.get("bind")
    if isinstance(bind, Connection):
        yield bind.engine, bind.connection
        return
    if not isinstance(bind, Engine):
        raise TypeError("sessions are bound to neither an engine nor a connection")
    conn = bind.raw_connection()
    try:
        yield bind, conn
    finally:
        conn.close()


def claim(
    session: Session,
    now: datetime,
    limit: int = 10,
    lease: timedelta = LEASE,
    only: Collection[str] | None = None,
) -> list[OutboxJob]:
    """Take up to ``limit`` due jobs and lease them until ``now + lease`` (the caller commits);
    only of the cases in ``only`` if given.

    Fair across cases (公平): round-robin — each case's first due job, then each case's second,
    and so on (``ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY due_at)``), the earliest due
    first within a round (so no case waits for ever). A 1,000-employee employer's 4,000 sub-items
    never hold back a person who filed after it: her first job is in the very next batch, and a
    worker sending a batch claims it before the rest of the batch (:func:`fair_round`). (The ranks are computed on the due jobs, below the row locks: PostgreSQL locks what the
    ranked candidates point to, skipping those another worker holds; a worker then takes fewer
    than ``limit`` and comes back.)"""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = _CLAIMS[(postgres, only is not None)]
    room = limit * (4 if postgres else 1)  # room for those other workers hold
    values: dict[str, object] = {"now": now, "n": limit, "room": room}
    if only is not None:
        values["only"] = list(only)
    jobs = list(session.execute(query, values).scalars())
    for job in jobs:
        job.lease_until = now + lease
    session.flush()
    return jobs


def _claim_query(postgres: bool, only: bool) -> Select[OutboxJob]:
    """:func:`claim`'s statement (built once per database kind, with or without ``only``)."""
    now = bindparam("now", type_=OutboxJob.due_at.type)
    due = _due(now) if not only else (*_due(now), OutboxJob.case_id.in_(bindparam("only", expanding=True)))
    turn = (
        func.row_number()
        .over(partition_by=OutboxJob.case_id, order_by=(OutboxJob.due_at, OutboxJob.job_id))
        .label("turn")
    )
    ranked = (
        select(OutboxJob.case_id, OutboxJob.job_id, OutboxJob.due_at, turn).where(*due).subquery("ranked")
    )
    candidates = (
        select(ranked.c.case_id, ranked.c.job_id, ranked.c.turn, ranked.c.due_at)
        .order_by(ranked.c.turn, ranked.c.due_at, ranked.c.case_id)
        .limit(bindparam("room", type_=Integer))
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
        .limit(bindparam("n", type_=Integer))
    )
    return query.with_for_update(skip_locked=True, of=OutboxJob) if postgres else query


def _due(now: datetime | BindParameter[datetime]) -> tuple[ColumnElement[bool], ...]:
    """Pending, due by ``now``, held by no worker."""
    return (
        OutboxJob.status == "pending",
        OutboxJob.due_at <= now,
        or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until <= now),
    )


# claim's statements, built once
_CLAIMS = {(pg, only): _claim_query(pg, only) for pg in (False, True) for only in (False, True)}


def _newcomer_query() -> Select[str]:
    when = OutboxJob.due_at.type
    now, since = bindparam("now", type_=when), bindparam("since", type_=when)
    other = aliased(OutboxJob, name="other")
    started = exists().where(  # something of the case sent, decided, being sent or tried already
        other.case_id == OutboxJob.case_id,
        or_(other.status != "pending", other.lease_until > now, other.attempts > 0),
    )
    return (
        select(OutboxJob.case_id)
        .where(
            OutboxJob.status == "pending",
            OutboxJob.due_at > since,
            OutboxJob.due_at <= now,
            or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until <= now),
            ~started,
        )
        .limit(bindparam("n", type_=Integer))
    )


# built once, one prepared read in autocommit (no session, no BEGIN and ROLLBACK): a worker asks
# between two jobs of a batch. The cases to leave out are left out here, not in SQL (a claimed
# case has started anyway: it is never one)
_NEWCOMERS = Prepared(_newcomer_query())


def newcomer_among(
    sessions: sessionmaker[Session], now: datetime, since: datetime, exclude: Collection[str]
) -> str | None:
    """A case with nothing of it sent, taken or tried yet (a newly filed one) that has a job due
    since ``since``, outside ``exclude`` (a worker's claimed batch), if there is one: its first job is
    claimed before the rest of the batch (公平). One small look, through the index on (status, due_at),
    on the connection under ``sessions`` (a worker's round's)."""
    with driver_connection(sessions) as (engine, conn), autocommit(engine, conn):
        rows = _NEWCOMERS.rows(conn, engine.dialect, {"now": now, "since": since, "n": len(exclude) + 1})
    return next((str(row[0]) for row in rows if row[0] not in exclude), None)


def backoff(attempts: int, policy: RetryPolicy | None = None, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter, capped by the deployment's policy (by default attempt 1 →
    1–2 s, 2 → 2–4 s, … never more than 600 s)."""
    p = policy or RetryPolicy()
    r = rng or random.Random()
    ceiling = min(p.max_delay_seconds, p.base_delay_seconds * (2 ** max(attempts - 1, 0)))
    return timedelta(seconds=r.uniform(ceiling / 2, ceiling))
