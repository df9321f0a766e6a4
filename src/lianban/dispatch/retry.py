"""Operators retry what dispatch gave up on (人工重试): a failed sub-item goes back to the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lianban.cases.progress import lock_case, refresh_case, requeue
from lianban.cases.schema import Case, CaseItem
from lianban.cases.states import CaseStatus, ItemStatus


def _failed() -> Select[CaseItem, str | None]:
    return (
        select(CaseItem, Case.case_no)
        .join(Case, Case.case_id == CaseItem.case_id)
        .where(CaseItem.status == ItemStatus.FAILED.value, Case.status != CaseStatus.WITHDRAWN.value)
    )


def failed_items(session: Session) -> list[CaseItem]:
    return list(session.execute(_failed()).scalars())


def failed_items_numbered(session: Session) -> list[tuple[CaseItem, str | None]]:
    """The failed items with their case's 办件编号 (``case_no``), read in the same join — no list of
    case ids sent back as parameters (SQLite allows only so many)."""
    return [(item, case_no) for item, case_no in session.execute(_failed())]


def retry_item(session: Session, case_id: str, item_id: str, actor: str, at: datetime) -> bool:
    """Queue a failed item again with a fresh job; False when it is not failed (nothing to do)."""
    case = lock_case(session, case_id)
    item = session.get(CaseItem, (case_id, item_id))
    if case is None or case.status == CaseStatus.WITHDRAWN.value:
        return False  # 撤回: nothing of it goes out any more
    if item is None or item.status != ItemStatus.FAILED.value:
        return False
    requeue(session, item, at, "retried", f"由 {actor} 人工重试")
    refresh_case(session, case_id, at)
    return True
