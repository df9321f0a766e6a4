"""A claimed send made ready with one read (推送准备): the job, its sub-item and the case's theme
and number in one prepared statement (:class:`lianban.prepared.Prepared`) on the driver's
connection, no transaction, no row lock, no ORM object.

The dispatcher's first transaction (the job locked, its lease checked or renewed, the item and its
case loaded) was there for what a claimed job rarely needs: a lease that no longer covers the send
is renewed under the job's lock, a job no longer ours or an item no longer queued is closed. A job
claimed moments ago whose lease still covers the send is this worker's alone (another takes it only
once the lease has run out), so it needs neither: it is read, checked as the transaction would
check it, and sent. Anything else — the lease too short, the job or item moved on, a query item
(the case's form), an item waiting for another's document or completing after others (more reads)
— goes the transaction's way (:meth:`lianban.dispatch.worker.Dispatcher._handle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from lianban.cases.schema import Case, CaseItem, OutboxJob
from lianban.cases.states import ItemStatus
from lianban.dispatch.failures import same_instant
from lianban.dispatch.outbox import driver_connection
from lianban.prepared import Prepared, autocommit

_JOBS = cast(Table, OutboxJob.__table__)
_ITEMS = cast(Table, CaseItem.__table__)
_CASES = cast(Table, Case.__table__)

_READY = Prepared(
    select(
        _JOBS.c.status,
        _JOBS.c.lease_until,
        _ITEMS.c.status.label("item_status"),
        _ITEMS.c.code,
        _ITEMS.c.employee,
        _ITEMS.c.department,
        _ITEMS.c.payload,
        _ITEMS.c.revision,
        _ITEMS.c.waits_for_document,
        _CASES.c.theme_id,
        _CASES.c.case_no,
    )
    .select_from(
        _JOBS.join(
            _ITEMS, and_(_ITEMS.c.case_id == _JOBS.c.case_id, _ITEMS.c.item_id == _JOBS.c.item_id)
        ).join(_CASES, _CASES.c.case_id == _JOBS.c.case_id)
    )
    .where(_JOBS.c.case_id == bindparam("c_id"), _JOBS.c.job_id == bindparam("j_id"))
)


@dataclass(frozen=True)
class ReadyItem:
    """What a send reads of a queued sub-item (:func:`lianban.dispatch.envelope.envelope_of`)."""

    case_id: str
    item_id: str
    code: str
    employee: int | None
    department: str
    payload: dict[str, Any]
    revision: int
    waits_for_document: list[Any] | None


@dataclass(frozen=True)
class Ready:
    """A claimed send ready to go: its item and its case's theme and number."""

    item: ReadyItem
    theme_id: str
    case_no: str | None


def ready(
    sessions: sessionmaker[Session], case_id: str, job_id: str, item_id: str, lease: datetime
) -> Ready | None:
    """The claimed dispatch job's item and case if the job is still pending under ``lease`` (the
    caller has checked that the lease covers the send) and its item still queued; else None (the
    transaction's way decides what to do)."""
    with driver_connection(sessions) as (engine, conn), autocommit(engine, conn):
        rows = _READY.rows(conn, engine.dialect, {"c_id": case_id, "j_id": job_id})
    if not rows:
        return None
    status, until, item_status, code, employee, department, payload, revision, waits, theme, number = rows[0]
    if status != "pending" or not same_instant(until, lease) or item_status != ItemStatus.QUEUED.value:
        return None
    item = ReadyItem(case_id, item_id, code, employee, department, payload, revision, waits)
    return Ready(item, theme, number)
