"""How a case moves on (办理进度): department decisions applied to sub-items, waiting items
released in dependency order, the case's status kept in step, every step on the timeline.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from lianban.cases.schema import AuditEntry, Case, CaseItem, OutboxJob, TimelineEvent
from lianban.cases.states import PROGRESS, IllegalTransition, ItemStatus, case_status, check_transition
from lianban.cases.wiring import wiring_of
from lianban.delivery import prepare_delivery
from lianban.notify import notify

S = ItemStatus
log = logging.getLogger(__name__)


def lock_case(session: Session, case_id: str) -> Case | None:
    """Take the case's row lock first (PostgreSQL), so work on one case is serialised and the
    timeline's sequence and the items' statuses never race; SQLite serialises writers anyway."""
    # the applicant's form stays unread (and undecrypted) until something asks for it
    return session.get(
        Case, case_id, with_for_update=True, populate_existing=True, options=[defer(Case.form)]
    )


def add_event(
    session: Session, case_id: str, at: datetime, event: str, item_id: str | None, detail: str | None
) -> None:
    last = session.execute(
        select(func.max(TimelineEvent.seq)).where(TimelineEvent.case_id == case_id)
    ).scalar()
    session.add(
        TimelineEvent(
            case_id=case_id, seq=(last or 0) + 1, at=at, event=event, item_id=item_id, detail=detail
        )
    )
    session.flush()


def add_audit(
    session: Session, case_id: str, at: datetime, actor: str, action: str, detail: dict[str, Any]
) -> None:
    """Append to the case's audit log (审计日志): who did what, in order."""
    last = session.execute(select(func.max(AuditEntry.seq)).where(AuditEntry.case_id == case_id)).scalar()
    session.add(
        AuditEntry(case_id=case_id, seq=(last or 0) + 1, at=at, actor=actor, action=action, detail=detail)
    )
    session.flush()


def requeue(session: Session, item: CaseItem, at: datetime, event: str, detail: str) -> None:
    """Put a sub-item back in the queue with a fresh dispatch job (after 补正 or an operator retry)."""
    check_transition(ItemStatus(item.status), ItemStatus.QUEUED)
    item.status = ItemStatus.QUEUED.value
    item.reason = None
    item.updated_at = at
    session.add(
        OutboxJob(
            case_id=item.case_id,
            job_id=uuid.uuid4().hex,
            item_id=item.item_id,
            kind="dispatch",
            status="pending",
            due_at=at,
            attempts=0,
        )
    )
    add_event(session, item.case_id, at, event, item.item_id, detail)


def refresh_case(session: Session, case_id: str, at: datetime) -> str:
    case = session.get(Case, case_id)
    if case is None:
        return ""
    statuses = [
        ItemStatus(s)
        for s in session.execute(select(CaseItem.status).where(CaseItem.case_id == case_id)).scalars()
    ]
    new = case_status(statuses, withdrawn=case.status == "withdrawn").value
    if new != case.status:
        case.status = new
        case.updated_at = at
        add_event(session, case_id, at, f"case_{new}", None, None)
        notify(session, case, f"您的办件 {case_id} {CASE_WORDS.get(new, new)}。", at)
        wiring = wiring_of(session)  # the platform's catalogue and delivery policy
        if new in ("completed", "partially_completed") and wiring.catalogue is not None:
            theme = wiring.catalogue.themes.get(case.theme_id)
            if theme is not None:
                delivery = prepare_delivery(session, case, theme, at, wiring.delivery, wiring.courier)
                if delivery is not None:
                    how = (
                        f"已邮寄，运单号 {delivery.tracking_no}"
                        if delivery.method == "post" and delivery.tracking_no
                        else "已邮寄"
                        if delivery.method == "post"
                        else f"请到窗口领取，取件码 {delivery.pickup_code}"
                    )
                    add_event(session, case_id, at, "delivery", None, how)
                    notify(session, case, f"您的办件 {case_id} 的证件{how}。", at)
    return new


CASE_WORDS = {
    "in_progress": "正在办理",
    "completed": "已全部办结",
    "partially_completed": "已办结（部分事项未获准予）",
    "rejected": "未获准予",
}
ITEM_WORDS = {
    "accepted": "已受理",
    "approved": "已办结",
    "rejected": "不予办理",
    "correction_required": "需要补正",
}


def release_waiting(session: Session, case_id: str, at: datetime) -> None:
    """Queue items whose waits are met; end those whose waits can no longer be met."""
    items = {
        it.item_id: it
        for it in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars()
    }
    changed = True
    while changed:
        changed = False
        for it in items.values():
            if it.status != S.WAITING.value:
                continue
            all_deps = [items[d].status for d in it.waits_for if d in items]
            any_deps = [items[d].status for d in it.waits_for_any if d in items]
            issuers = [items[d] for d, _ in it.waits_for_document or () if d in items]
            refused = (
                any(s == S.REJECTED.value for s in all_deps)
                or bool(any_deps and all(s == S.REJECTED.value for s in any_deps))
                or any(i.status == S.REJECTED.value for i in issuers)
            )
            if refused:
                it.status = S.REJECTED.value
                it.reason = "所等待的前置事项未获准予，本事项无法办理"
                it.updated_at = at
                add_event(session, case_id, at, "rejected", it.item_id, it.reason)
                changed = True
                continue
            ready = (
                all(s == S.APPROVED.value for s in all_deps)
                and (not any_deps or any(s == S.APPROVED.value for s in any_deps))
                and all(document_issued(i) for i in issuers)
            )
            if ready:
                it.status = S.QUEUED.value
                it.updated_at = at
                session.add(
                    OutboxJob(
                        case_id=case_id,
                        job_id=uuid.uuid4().hex,
                        item_id=it.item_id,
                        kind="dispatch",
                        status="pending",
                        due_at=at,
                        attempts=0,
                    )
                )
                add_event(
                    session,
                    case_id,
                    at,
                    "queued",
                    it.item_id,
                    "前置事项已出具所需文书" if issuers and not all_deps else "前置事项已办结",
                )
                changed = True
    session.flush()


def document_issued(item: CaseItem) -> bool:
    """Whether the department has issued what the item issues at acceptance (调档函): it has
    accepted the item and reported the document with its number, or approved the item."""
    if item.status == S.APPROVED.value:
        return True
    return item.status == S.ACCEPTED.value and bool((item.result or {}).get("number"))


DEPARTMENT_STATUS = {
    "accepted": S.ACCEPTED,
    "approved": S.APPROVED,
    "rejected": S.REJECTED,
    "correction_required": S.CORRECTION_REQUIRED,
}


def apply_decision(
    session: Session,
    item: CaseItem,
    status: str,
    sequence: int,
    at: datetime,
    reason: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Apply a department's status change; a replay or an older message changes nothing.

    Returns whether anything changed. Never moves an item backwards.
    """
    target = DEPARTMENT_STATUS[status]
    current = ItemStatus(item.status)
    if sequence <= item.progress or PROGRESS[target] < PROGRESS[current] or current is target:
        return False
    if current is S.QUEUED and target is not S.ACCEPTED:
        current = S.DISPATCHED  # the decision overtook our own record of sending
    try:
        check_transition(current, target)
    except IllegalTransition as exc:
        # refused and logged, never applied
        log.warning("illegal transition refused: case %s item %s: %s", item.case_id, item.item_id, exc)
        add_event(session, item.case_id, at, "transition_refused", item.item_id, str(exc))
        return False
    item.status = target.value
    item.progress = sequence
    item.updated_at = at
    if reason:
        item.reason = reason
    if result:
        item.result = result
    add_event(session, item.case_id, at, target.value, item.item_id, reason)
    case = session.get(Case, item.case_id)
    if case is not None and target.value in ITEM_WORDS:
        notify(
            session,
            case,
            f"办件 {case.case_id} 的事项 {item.item_id} {ITEM_WORDS[target.value]}"
            + (f"：{reason}" if reason else "。"),
            at,
        )
    release_waiting(session, item.case_id, at)
    refresh_case(session, item.case_id, at)
    return True
