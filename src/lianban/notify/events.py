"""What the applicant is told of the case's events (事件通知): a sub-item decided, the case moved
on — each published by the cases room through the outbox (:mod:`lianban.cases.jobs`) and passed
on here when a worker takes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lianban.cases.jobs import JobKind, subscribe
from lianban.cases.schema import Case, OutboxJob
from lianban.notify import notify

CASE_WORDS = {
    "in_progress": "正在办理",
    "completed": "已全部办结",
    "partially_completed": "已办结（部分事项未获准予）",
    "rejected": "未获准予",
    "withdrawn": "已撤回",
}
ITEM_WORDS = {
    "accepted": "已受理",
    "approved": "已办结",
    "rejected": "不予办理",
    "correction_required": "需要补正",
}


@subscribe(JobKind.ITEM_DECIDED, order=10)
def item_decided(session: Session, job: OutboxJob, at: datetime) -> None:
    said = job.payload or {}
    status, reason = str(said.get("status", "")), said.get("reason")
    case = session.get(Case, job.case_id)
    if case is None or status not in ITEM_WORDS:
        return
    text = f"办件 {case.case_id} 的事项 {job.item_id} {ITEM_WORDS[status]}" + (
        f"：{reason}" if reason else "。"
    )
    notify(session, case, text, at)


@subscribe(JobKind.CASE_CHANGED, order=10)
def case_changed(session: Session, job: OutboxJob, at: datetime) -> None:
    status = str((job.payload or {}).get("status", ""))
    case = session.get(Case, job.case_id)
    if case is None or not status:
        return
    notify(session, case, f"您的办件 {case.case_id} {CASE_WORDS.get(status, status)}。", at)
