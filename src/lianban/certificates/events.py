"""Certificates follow decisions (证照随办结): when the cases room publishes that a department
approved a sub-item, the documents it issues are recorded as e-certificates (signed at the first
download), by the platform's catalogue as the worker's session carries it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, defer

from lianban.cases.jobs import JobKind, subscribe
from lianban.cases.schema import Case, CaseItem, OutboxJob
from lianban.cases.wiring import wiring_of
from lianban.certificates.service import issue_for_item


@subscribe(JobKind.ITEM_DECIDED, order=30)
def item_approved(session: Session, job: OutboxJob, at: datetime) -> None:
    if (job.payload or {}).get("status") != "approved" or job.item_id is None:
        return
    wiring = wiring_of(session)
    case = session.get(Case, job.case_id)
    item = session.get(CaseItem, (job.case_id, job.item_id), options=[defer(CaseItem.payload)])
    if case is None or item is None or wiring.catalogue is None:
        return
    theme = wiring.catalogue.themes.get(case.theme_id)
    if theme is not None:
        issue_for_item(session, case, item, theme, at)
