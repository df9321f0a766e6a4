"""Follow-up obligations (后补材料): papers the applicant hands in after the application, by a due date.

Seed 003 (上饶 员工招聘一件事), 填表说明第7条: “申请办理公积金缓缴、降缴的单位需要在提交申请后一个月内将有关申请
资料提交至公积金分中心” — the 申请 with its seal, the proof of difficulty and the 职代会（工会）决议 are not
asked at submission. A theme says so with a material's ``submit_after``; filing opens one obligation
per receiving office with its due date (the acceptance date in China plus the months), puts it on the
timeline, and sets two reminders (outbox jobs: five days before, and on the due date); the
department's reviewer sees it beside the item and records the papers received.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.calendar import china_date
from lianban.cases.jobs import JobKind
from lianban.cases.progress import add_audit, add_event, lock_case
from lianban.cases.schema import CaseObligation
from lianban.catalog.model import Item, Theme
from lianban.catalog.outcomes import applies
from lianban.context import Context
from lianban.errors import Conflict, not_found
from lianban.security.randomness import uuid4_hex
from lianban.security.tokens import Identity

REMIND_DAYS_BEFORE = 5
OPEN, FULFILLED = "open", "fulfilled"


def _reminder_at(day: date) -> datetime:
    return datetime.combine(day, time(1, 0), tzinfo=UTC)  # 09:00 in China


def obligation_rows(
    theme: Theme,
    case_id: str,
    items: list[Item],
    situation: dict[str, str],
    accepted_at: datetime,
    first_seq: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """What a filing writes for its obligations (computed before the write, as the rest of the
    filing is): the obligations, one per receiving office; their timeline events, numbered from
    ``first_seq``; their reminder jobs."""
    needed = {m for it in items for m in it.materials}
    groups: dict[tuple[str, str, int, str], list[dict[str, str]]] = {}
    for m in theme.materials:
        if m.submit_after is None or m.id not in needed or not applies(m.applies_if, situation):
            continue
        after = m.submit_after
        key = (after.department.value, after.to, after.within_months, after.basis)
        groups.setdefault(key, []).append({"id": m.id, "name": m.name})
    accepted_day = china_date(accepted_at)
    obligations: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    for (department, to, months, basis), materials in groups.items():
        due_on = accepted_day + relativedelta(months=months)
        obligation_id = uuid4_hex()[:16]
        obligations.append(
            {
                "case_id": case_id,
                "obligation_id": obligation_id,
                "department": department,
                "to": to,
                "materials": materials,
                "basis": basis,
                "due_on": due_on,
                "status": OPEN,
                "created_at": accepted_at,
                "fulfilled_at": None,
                "fulfilled_by": None,
            }
        )
        names = "、".join(m["name"] for m in materials)
        events.append(
            {
                "case_id": case_id,
                "seq": first_seq + len(events),
                "at": accepted_at,
                "event": "obligation_opened",
                "item_id": None,
                "detail": f"请于 {due_on.isoformat()} 前将{names}提交至{to}",
            }
        )
        for at in (_reminder_at(due_on - timedelta(days=REMIND_DAYS_BEFORE)), _reminder_at(due_on)):
            if at > accepted_at:
                jobs.append(
                    {
                        "case_id": case_id,
                        "job_id": uuid4_hex(),
                        "item_id": None,
                        "kind": JobKind.OBLIGATION_REMINDER.value,
                        "status": "pending",
                        "due_at": at,
                        "attempts": 0,
                        "payload": {"obligation_id": obligation_id},
                    }
                )
    return obligations, events, jobs


def answer(obligation: CaseObligation, today: date) -> dict[str, Any]:
    return {
        "obligation_id": obligation.obligation_id,
        "department": obligation.department,
        "to": obligation.to,
        "materials": obligation.materials,
        "basis": obligation.basis,
        "due_on": obligation.due_on.isoformat(),
        "status": obligation.status,
        "overdue": obligation.status == OPEN and obligation.due_on < today,
        **({"fulfilled_at": obligation.fulfilled_at.isoformat()} if obligation.fulfilled_at else {}),
    }


def obligations_of(
    session: Session, case_id: str, today: date, department: str | None = None
) -> list[dict[str, Any]]:
    query = select(CaseObligation).where(CaseObligation.case_id == case_id)
    if department is not None:
        query = query.where(CaseObligation.department == department)
    return [answer(o, today) for o in session.execute(query.order_by(CaseObligation.due_on)).scalars()]


def reminder_text(obligation: CaseObligation, today: date) -> tuple[str, str]:
    """The timeline event and the notice of a reminder (催办) of an open obligation."""
    names = "、".join(str(m["name"]) for m in obligation.materials)
    if today >= obligation.due_on:
        return (
            "obligation_overdue",
            f"后补材料今日（{obligation.due_on.isoformat()}）到期：请将{names}提交至{obligation.to}",
        )
    return "obligation_reminder", f"请于 {obligation.due_on.isoformat()} 前将{names}提交至{obligation.to}"


def fulfil(
    ctx: Context, identity: Identity, department: str, case_id: str, obligation_id: str
) -> dict[str, Any]:
    """The department's reviewer records the papers received (材料已收): reminders stop."""
    now = ctx.clock.now()
    with ctx.sessions() as session, session.begin():
        lock_case(session, case_id)
        obligation = session.get(CaseObligation, (case_id, obligation_id))
        if obligation is None or obligation.department != department:
            raise not_found(f"后补材料事项 {obligation_id} ", f"obligation {obligation_id}")
        if obligation.status == FULFILLED:
            raise Conflict("该后补材料已登记收讫", "the papers were already recorded as received")
        obligation.status = FULFILLED
        obligation.fulfilled_at = now
        obligation.fulfilled_by = identity.subject
        names = "、".join(str(m["name"]) for m in obligation.materials)
        add_event(session, case_id, now, "obligation_fulfilled", None, f"{obligation.to}已收到{names}")
        add_audit(
            session, case_id, now, identity.subject, "obligation_fulfilled", {"obligation": obligation_id}
        )
        return answer(obligation, china_date(now))
