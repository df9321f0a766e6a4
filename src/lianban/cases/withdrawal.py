"""Withdrawing an application (撤回申请) while no department has acted on it.

An applicant (or the window clerk who filed for them) may withdraw a case as long as every item
is still with the platform: ``waiting`` for another item, ``queued``, ``failed`` (dispatch gave up,
nothing reached the department), or ``dispatched`` to lianban's own worklist and not yet decided
there (no department system holds it). An item that a department system has received
(``dispatched`` with its receipt number) or has acted on (``accepted``, ``approved``,
``rejected``, ``correction_required``) refuses the withdrawal: the department protocol has no
recall message, so the applicant withdraws there, at the department (a 409 naming the item).

The case becomes ``withdrawn``; its items keep their statuses (the public contract has no
withdrawn item); its open jobs (dispatches, timers) are cancelled; the worklist no longer shows
it and an operator cannot retry it. The timeline, the audit log and a notice record it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lianban.cases.jobs import JobKind, publish
from lianban.cases.progress import add_audit, add_event, lock_case
from lianban.cases.schema import CaseItem, OutboxJob
from lianban.cases.states import CaseStatus, ItemStatus
from lianban.errors import Forbidden, not_found, refused_by_rule
from lianban.security.tokens import Identity, Role

S = ItemStatus
STILL_OURS = frozenset({S.WAITING.value, S.QUEUED.value, S.FAILED.value})
WITHDRAWERS = (Role.APPLICANT, Role.EMPLOYER, Role.WINDOW_CLERK)


def _blocking(item: CaseItem) -> tuple[str, str, str] | None:
    """Why this item stops the withdrawal (rule, zh, en), or None."""
    if item.status in STILL_OURS:
        return None
    if item.status == S.DISPATCHED.value:
        if item.receipt_no is None:
            return None  # on lianban's own worklist, undecided
        return (
            "sent_to_department",
            f"事项 {item.item_id} 已推送至部门系统（受理编号 {item.receipt_no}），请向该部门申请撤回",
            f"item {item.item_id} is with the department's system (receipt {item.receipt_no}); withdraw it there",
        )
    return (
        "department_acted",
        f"事项 {item.item_id} 部门已{'受理' if item.status == S.ACCEPTED.value else '办理'}，不能撤回",
        f"the department has already acted on item {item.item_id} ({item.status}); it cannot be withdrawn",
    )


def withdrawal_blocker(items: list[CaseItem]) -> tuple[str, str, str] | None:
    """The first item that stops a withdrawal (rule, zh, en), or None when the case may be withdrawn
    — what the pages ask before offering the button (撤回), by the same rule as :func:`withdraw`."""
    for item in sorted(items, key=lambda i: i.item_id):
        blocked = _blocking(item)
        if blocked is not None:
            return blocked
    return None


def may_withdraw(session: Session, case_id: str, status: str) -> tuple[str, str, str] | None:
    """Why the case cannot be withdrawn now (rule, zh, en), or None: the page's question before it
    offers the button; :func:`withdraw` decides again under the case's lock."""
    if status == CaseStatus.WITHDRAWN.value:
        return ("withdrawn", "该办件已撤回", "the case has already been withdrawn")
    items = list(session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars())
    return withdrawal_blocker(items)


def withdraw(
    session: Session, identity: Identity, case_id: str, reason: str | None, now: datetime
) -> dict[str, Any]:
    """Withdraw the case (the caller commits); refusals name the rule and the item."""
    if identity.role not in WITHDRAWERS:
        raise Forbidden(
            "只有申请人或代办的综窗人员可以撤回申请", "only the applicant or the filing clerk withdraws"
        )
    case = lock_case(session, case_id)
    if case is None or not (
        case.owner == identity.subject
        or (identity.role is Role.WINDOW_CLERK and case.actor == identity.subject)
    ):
        raise not_found(f"办件 {case_id} ", f"case {case_id}")
    if case.status == CaseStatus.WITHDRAWN.value:
        raise refused_by_rule("case_id", "withdrawn", "该办件已撤回", "the case has already been withdrawn")
    items = list(session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars())
    blocked = withdrawal_blocker(items)
    if blocked is not None:
        rule, zh, en = blocked
        raise refused_by_rule("case_id", rule, zh, en)
    pending = OutboxJob.case_id == case_id, OutboxJob.status == "pending"
    cancelled = session.execute(select(func.count()).select_from(OutboxJob).where(*pending)).scalar_one()
    session.execute(
        update(OutboxJob)
        .where(*pending)
        .values(status="cancelled", last_error="申请人撤回 / withdrawn by the applicant")
    )
    case.status = CaseStatus.WITHDRAWN.value
    case.updated_at = now
    words = (reason or "").strip() or None
    add_event(session, case_id, now, "case_withdrawn", None, words)
    add_audit(
        session,
        case_id,
        now,
        identity.subject,
        "withdraw",
        {
            "reason": words,
            "items": [i.item_id for i in items],
            "jobs_cancelled": cancelled,
        },
    )
    publish(session, case_id, JobKind.CASE_CHANGED, now, {"status": case.status})
    return {"case_id": case_id, "status": case.status, "jobs_cancelled": cancelled}
