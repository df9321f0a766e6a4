"""A finished case's delivery (办结送达): when the cases room publishes that a case is completed
(or partly), the documents its approved items issue are prepared for the post or the window —
by the platform's catalogue (a province's own theme files count), delivery policy and courier, as
the worker's session carries them (:mod:`lianban.cases.wiring`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lianban.cases.jobs import FINISHED, JobKind, subscribe
from lianban.cases.progress import add_event
from lianban.cases.schema import Case, OutboxJob
from lianban.cases.wiring import wiring_of
from lianban.delivery.preparation import prepare_delivery
from lianban.notify import notify


@subscribe(JobKind.CASE_CHANGED, order=20)  # after the applicant is told the case is finished
def case_finished(session: Session, job: OutboxJob, at: datetime) -> None:
    if (job.payload or {}).get("status") not in FINISHED:
        return
    wiring = wiring_of(session)
    case = session.get(Case, job.case_id)
    if case is None or wiring.catalogue is None:
        return
    theme = wiring.catalogue.themes.get(case.theme_id)
    if theme is None:
        return
    delivery = prepare_delivery(session, case, theme, at, wiring.delivery, wiring.courier)
    if delivery is None:
        return
    how = (
        f"已邮寄，运单号 {delivery.tracking_no}"
        if delivery.method == "post" and delivery.tracking_no
        else "已邮寄"
        if delivery.method == "post"
        else f"请到窗口领取，取件码 {delivery.pickup_code}"
    )
    add_event(session, case.case_id, at, "delivery", None, how)
    notify(session, case, f"您的办件 {case.case_id} 的证件{how}。", at)
