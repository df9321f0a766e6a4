"""A sent sub-item recorded with the driver's cursor (推送记账): the dispatcher's second
transaction for a send that reached the department or its worklist, as statements compiled once
(:class:`lianban.prepared.PreparedWrite`) on one of the pool's driver connections
(:func:`lianban.db.raw_writing`) instead of ``Session.execute``, whose per-statement machinery
cost more CPU than the database spent on them (issue 16).

The same rows as the session's way (:meth:`lianban.dispatch.settle.Settling._dispatched`): the
case's row locked first, the job closed only while still ours, the item moved on only while still
queued, its timeline step, the audit entry of a push on the day's chain, the department seen
reachable, a status-poll timer, and the case's status kept in step. Not in a pipeline: on
loopback psycopg's pipeline cost more CPU than the round trips it saved (measured, 5 statements:
0.097 ms a transaction pipelined, 0.061 ms not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Dialect, Engine, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from lianban.cases.jobs import _CLOSE, _CLOSE_HELD, JobKind, job_row
from lianban.cases.progress import CASE_MOVES, _marking
from lianban.cases.schema import Case, OutboxJob
from lianban.cases.states import ItemStatus, case_status
from lianban.cases.steps import STEP, STEP_PG
from lianban.clock import aware
from lianban.connectors.schema import DepartmentHealth
from lianban.db import raw_writing
from lianban.dispatch.health import QUIET
from lianban.dispatch.outbox import driver_connection
from lianban.prepared import Prepared, PreparedWrite
from lianban.security.audit.chain import take_head, write_entry
from lianban.security.fieldcrypt import field_encryption
from lianban.security.lookup import lookup_hash, lookup_key

_CASES = cast(Table, Case.__table__)
_JOBS = cast(Table, OutboxJob.__table__)
_HEALTH = cast(Table, DepartmentHealth.__table__)
_AUDIT_ACTOR = "audit_log.actor"  # the context audit_log.actor_sealed seals under (its SealedText)
ACTOR = "dispatcher"

_LOCK = PreparedWrite(select(_CASES.c.status).where(_CASES.c.case_id == bindparam("c_id")).with_for_update())
CLOSE_OURS = PreparedWrite(_CLOSE_HELD.returning(_JOBS.c.job_id))  # under our lease
CLOSE_ANY = PreparedWrite(_CLOSE.returning(_JOBS.c.job_id))
_NEW_JOB = PreparedWrite(_JOBS.insert())
_HEALTH_READ = Prepared(
    select(_HEALTH.c.state, _HEALTH.c.updated_at).where(_HEALTH.c.department == bindparam("department"))
)
_AT = bindparam("at", type_=_HEALTH.c.updated_at.type)
_OK = {"state": "ok", "updated_at": _AT, "last_ok_at": _AT}
_HEALTH_OK = {
    name: PreparedWrite(
        insert(_HEALTH)
        .values(department=bindparam("department", type_=_HEALTH.c.department.type), **_OK)
        .on_conflict_do_update(index_elements=["department"], set_=_OK)
    )
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_MARKS: dict[tuple[str, ...], PreparedWrite] = {}


def _mark(columns: tuple[str, ...]) -> PreparedWrite:
    found = _MARKS.get(columns)
    if found is None:
        found = _MARKS[columns] = PreparedWrite(_marking(columns))
    return found


@dataclass(frozen=True)
class Push:
    """What a push adds to the record: the audit entry's detail (its department filled in) and the
    status-poll timer's delay of a department (None: it calls back)."""

    detail: dict[str, Any]
    poll_seconds: Callable[[str], float | None]


class Recorder:
    """Records sends on the driver's cursor for one engine; the dispatcher's actor hashed and
    sealed once (the keyed hash shows which entries are the dispatcher's anyway)."""

    def __init__(self) -> None:
        self._actor: dict[Engine, tuple[str, str]] = {}

    def actor(self, engine: Engine) -> tuple[str, str]:
        found = self._actor.get(engine)
        if found is None:
            crypt = field_encryption(engine)
            found = (str(lookup_hash(ACTOR, lookup_key(engine))), crypt.keyring.seal(ACTOR, _AUDIT_ACTOR))
            self._actor = {engine: found}
        return found

    def dispatched(
        self,
        sessions: sessionmaker[Session],
        job: tuple[str, str, str, datetime | None],
        at: datetime,
        detail: str,
        push: Push | None,
        count_attempt: bool,
        changes: dict[str, Any],
    ) -> None:
        """The job closed (if still ours) and its item, if still queued, marked dispatched with
        ``changes`` and its step; for a ``push`` its audit entry, its department seen reachable and
        its status-poll timer; the case's status kept in step. One transaction, the case locked first."""
        case_id, job_id, item_id, lease = job
        with driver_connection(sessions) as (engine, conn):
            dialect = engine.dialect
            actor = self.actor(engine) if push is not None else None
            with (
                raw_writing(engine, conn, pipeline=False) as cursor,
                _cursors(conn, 4) as (locked, closed, moved, head),
            ):
                _LOCK.send(locked, dialect, {"c_id": case_id})
                values = {"c_id": case_id, "j_id": job_id, "more": int(count_attempt)}
                if lease is None:
                    CLOSE_ANY.send(closed, dialect, values)
                else:
                    CLOSE_OURS.send(closed, dialect, {**values, "lease": lease})
                marking = {"c_id": case_id, "i_id": item_id, "at": at}
                marking |= {f"new_{k}": v for k, v in changes.items()}
                _mark(tuple(sorted(changes))).send(moved, dialect, marking)
                current = _first(locked)
                if _first(closed) is None:
                    return  # not ours any more (or done): nothing recorded
                department = _first(moved)
                if department is None:
                    return  # a callback overtook the send: the job closed, nothing else
                steps = [_step(cursor, conn, dialect, case_id, at, "dispatched", item_id, detail)]
                if push is not None and actor is not None:
                    take_head(head, dialect, at)
                    seen = _HEALTH_READ.rows(conn, dialect, {"department": department})
                    said = {**push.detail, "department": department}
                    write_entry(cursor, head, dialect, at, actor, "push", said, case_id=case_id)
                    if not seen or seen[0][0] != "ok" or at - aware(seen[0][1]) >= QUIET:
                        _HEALTH_OK[dialect.name].send(cursor, dialect, {"department": department, "at": at})
                    poll = push.poll_seconds(department)
                    if poll is not None:
                        due = at + timedelta(seconds=poll)
                        row = job_row(case_id, JobKind.STATUS_POLL, due, item_id=item_id)
                        _NEW_JOB.insert_many(cursor, dialect, [row])
                # with one item dispatched (neither waiting nor queued, nor ended) the case is in
                # progress whatever its other items' statuses (or withdrawn)
                if current is not None:
                    new = case_status([ItemStatus.DISPATCHED], withdrawn=current == "withdrawn").value
                    if new != current:
                        CASE_MOVES.send(cursor, dialect, {"c_id": case_id, "new_status": new, "at": at})
                        steps.append(_step(cursor, conn, dialect, case_id, at, f"case_{new}", None, None))
                        row = job_row(case_id, JobKind.CASE_CHANGED, at, payload={"status": new})
                        _NEW_JOB.insert_many(cursor, dialect, [row])
                for step in steps:
                    step()


@contextmanager
def _cursors(conn: PoolProxiedConnection, n: int) -> Iterator[list[DBAPICursor]]:
    """``n`` cursors of ``conn``, each keeping one statement's answer to fetch later."""
    cursors = [conn.cursor() for _ in range(n)]
    try:
        yield cursors
    finally:
        for cursor in cursors:
            cursor.close()


def _first(cursor: DBAPICursor) -> Any:
    rows = cursor.fetchall()  # all of them: SQLite's statement is done only when they are
    return rows[0][0] if rows else None


def _step(
    cursor: DBAPICursor,
    conn: PoolProxiedConnection,
    dialect: Dialect,
    case_id: str,
    at: datetime,
    event: str,
    item_id: str | None,
    detail: str | None,
) -> Any:
    """A timeline step sent (:func:`lianban.cases.progress.add_event`'s statement); what to call
    before the commit to be sure it was written. On PostgreSQL a step whose number another writer
    took meanwhile inserts nothing: it is sent again until it is written."""
    row = {"case_id": case_id, "at": at, "event": event, "item_id": item_id, "detail": detail}
    if dialect.name != "postgresql":
        STEP.run(cursor, dialect, row)  # (its number RETURNed, as the key of a SQL value: fetched)
        return lambda: None
    own = conn.cursor()
    STEP_PG.send(own, dialect, row)

    def written() -> None:
        try:
            for _ in range(1000):
                if own.fetchone() is not None:
                    return
                STEP_PG.send(own, dialect, row)
            raise RuntimeError(f"timeline of {case_id}: no free number after 1000 tries")
        finally:
            own.close()

    return written
