"""Department availability as dispatch last saw it (部门系统可用性): every send either reached the
department's system or failed; the operator's view shows the latest of each per department.

Written in the send's own transaction, but only when something changes — the state flips, or the
last record is over a minute old — so a busy department's sends do not all wait on one row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lianban.cases.schema import CaseItem, OutboxJob
from lianban.clock import aware
from lianban.connectors.schema import DepartmentHealth

QUIET = timedelta(seconds=60)


def _record(session: Session, department: str, at: datetime, error: str | None) -> None:
    # the two values compared, not the row as an object
    last = session.execute(
        select(DepartmentHealth.state, DepartmentHealth.updated_at).where(
            DepartmentHealth.department == department
        )
    ).one_or_none()
    state = "ok" if error is None else "failing"
    if last is not None and last.state == state and at - aware(last.updated_at) < QUIET:
        return  # nothing new to say yet
    changes: dict[str, object] = {"state": state, "updated_at": at}
    if error is None:
        changes["last_ok_at"] = at
    else:
        changes.update(last_error_at=at, last_error=error[:500])
    # one statement, so two workers recording the same department's first send never collide
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(DepartmentHealth)
        .values(department=department, **changes)
        .on_conflict_do_update(index_elements=["department"], set_=changes)
    )


def reached(session: Session, department: str, at: datetime) -> None:
    """A send reached the department's system (it answered with a receipt)."""
    _record(session, department, at, None)


def failed_send(session: Session, job: OutboxJob, error: str, at: datetime) -> None:
    """A send to the job's department failed (unreachable, timed out or refused)."""
    item = session.get(CaseItem, (job.case_id, job.item_id)) if job.item_id else None
    if item is not None:
        _record(session, item.department, at, error)
