"""Certificates follow decisions (证照随办结): when the cases room publishes that a department
approved a sub-item, the documents it issues are recorded as e-certificates (signed at the first
download), by the platform's catalogue as the worker's session carries it."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from lianban.cases.jobs import JobKind, subscribe
from lianban.cases.schema import Case, CaseItem, OutboxJob
from lianban.cases.wiring import wiring_of
from lianban.certificates.service import Approved, issue_for_item
from lianban.prepared import Prepared, run_in

_ITEMS = cast(Table, CaseItem.__table__)
# what a certificate reads of the approved item, compiled once (lianban.prepared): no ORM object,
# and not its payload
_APPROVED = Prepared(
    select(_ITEMS.c.code, _ITEMS.c.employee, _ITEMS.c.department, _ITEMS.c.result).where(
        _ITEMS.c.case_id == bindparam("case_id"), _ITEMS.c.item_id == bindparam("item_id")
    )
)


@subscribe(JobKind.ITEM_DECIDED, order=30)
def item_approved(session: Session, job: OutboxJob, at: datetime) -> None:
    if (job.payload or {}).get("status") != "approved" or job.item_id is None:
        return
    wiring = wiring_of(session)
    case = session.get(Case, job.case_id)  # (locked and held by the session already)
    if case is None or wiring.catalogue is None:
        return
    theme = wiring.catalogue.themes.get(case.theme_id)
    if theme is None:
        return
    found = run_in(session, _APPROVED, {"case_id": job.case_id, "item_id": job.item_id})
    if found:
        code, employee, department, result = found[0]
        item = Approved(job.item_id, code, employee, department, result)
        issue_for_item(session, case, item, theme, at)
