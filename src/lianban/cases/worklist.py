"""The department worklist (部门工作台): staff of a department without an integrated system see
their department's sub-items and decide them in lianban. Staff see only their own department's
items; a decision is audited under the staff member's name.

A worklist item id is ``case_id~code`` (``case_id~code~employee`` for an employee's item).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.cases.decisions import Decision, decide
from lianban.cases.obligations import answer as obligation_answer
from lianban.cases.progress import lock_case
from lianban.cases.schema import Case, CaseItem, CaseObligation
from lianban.context import Context
from lianban.errors import Conflict, FieldError, Forbidden, Invalid, not_found
from lianban.security.audit import append
from lianban.security.tokens import Identity, Role

DECISIONS = {
    "approve": "approved",
    "reject": "rejected",
    "correct": "correction_required",
    # 受理并出具: an item that issues a document at acceptance (档案接收: the 调档函) records it and
    # stays open for its completion
    "accept": "accepted",
}
OPEN = ["dispatched", "accepted"]


def worklist_id(item: CaseItem) -> str:
    return f"{item.case_id}~{item.item_id.replace('#', '~')}"


def parse_worklist_id(worklist_item_id: str) -> tuple[str, str]:
    """``(case_id, item_id)`` of a worklist item id."""
    case_id, _, rest = worklist_item_id.partition("~")
    code, _, employee = rest.partition("~")
    return case_id, f"{code}#{employee}" if employee else code


def staff_department(identity: Identity) -> str:
    """The caller's department; only department staff use the worklist (403)."""
    if identity.role is not Role.DEPARTMENT_STAFF or not identity.department:
        raise Forbidden("只有部门经办人员可以使用工作台", "only department staff use the worklist")
    return identity.department


def worklist(
    ctx: Context, identity: Identity, department: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """The sub-items waiting for the caller's department, soonest promised date first."""
    own = staff_department(identity)
    if department is not None and department != own:
        raise Forbidden("只能查看本部门的事项", "staff see only their own department's items")
    wanted = [status] if status else OPEN
    with ctx.sessions() as session, session.begin():
        rows = session.execute(
            select(CaseItem, Case.theme_id, Case.accepted_at, Case.case_no)
            .join(Case, Case.case_id == CaseItem.case_id)
            .where(
                CaseItem.department == own,
                CaseItem.status.in_(wanted),
                CaseItem.receipt_no.is_(None),
                Case.status != "withdrawn",  # 撤回: off the worklist
            )
            .order_by(CaseItem.promised_due_date, Case.accepted_at)
            .limit(500)
        ).all()
        # 后补材料 the applicant still owes this department (缓缴/降缴 papers), beside each item
        owed: dict[str, list[dict[str, Any]]] = {}
        case_ids = {item.case_id for item, _, _, _ in rows}
        if case_ids:
            today = ctx.clock.today()
            for obligation in session.execute(
                select(CaseObligation).where(
                    CaseObligation.case_id.in_(case_ids), CaseObligation.department == own
                )
            ).scalars():
                owed.setdefault(obligation.case_id, []).append(obligation_answer(obligation, today))
        # the payloads are personal data read by staff: audited (审计), which items were shown
        append(
            session,
            ctx.clock.now(),
            identity.subject,
            "view:worklist",
            {"department": own, "items": [worklist_id(item) for item, _, _, _ in rows]},
        )
        return [
            {
                "item_id": worklist_id(item),
                "case_id": item.case_id,
                "case_no": case_no,
                **({"obligations": owed[item.case_id]} if item.case_id in owed else {}),
                "code": item.code,
                "employee": item.employee,
                "theme_id": theme_id,
                "status": item.status,
                "payload": item.payload,
                "accepted_at": accepted_at.isoformat(),
                "promised_due_date": item.promised_due_date.isoformat(),
                "legal_due_date": item.legal_due_date.isoformat(),
            }
            for item, theme_id, accepted_at, case_no in rows
        ]


def decide_item(
    ctx: Context,
    identity: Identity,
    worklist_item_id: str,
    decision: str,
    reason: str | None = None,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Approve, reject or send back for correction (补正) one of the department's sub-items.

    404 for an item of another department (or one its system handles); 422 without a reason for a
    rejection or a correction; 409 when the item is not waiting for a decision (not yet sent to the
    worklist, or decided) or can no longer take this one.
    """
    own = staff_department(identity)
    case_id, key = parse_worklist_id(worklist_item_id)
    with ctx.sessions() as session, session.begin():
        case = lock_case(session, case_id)
        item = session.get(CaseItem, (case_id, key))
        withdrawn = case is None or case.status == "withdrawn"
        if item is None or withdrawn or item.department != own or item.receipt_no is not None:
            raise not_found(f"事项 {worklist_item_id} ", f"item {worklist_item_id}")
        if item.status not in OPEN:  # not sent to the worklist yet (queued, waiting) or done with
            raise Conflict(
                f"该事项当前为 {item.status}，不在待办理状态，不能作出决定",
                f"the item is {item.status}, not waiting for a decision",
            )
        if decision in ("reject", "correct") and not reason:
            raise Invalid(
                "不予办理或补正须说明理由",
                "a rejection or a correction needs a reason",
                title=("请填写理由", "A reason is required"),
            )
        _check_order(ctx, session, case, item, decision, result)
        changed = decide(
            session,
            item,
            Decision(DECISIONS[decision], reason=reason, result=result),
            ctx.clock.now(),
            actor=identity.subject,
            action=f"decide:{decision}",
            detail=lambda _changed: {"item": key, "reason": reason},
        )
        if not changed:  # the transaction rolls back: nothing, not even the audit entry, is kept
            raise Conflict(
                f"该事项当前为 {item.status}，不能再作此决定",
                f"the item is {item.status} and cannot take this decision",
            )
        return {"item_id": worklist_item_id, "status": item.status}


def _check_order(
    ctx: Context,
    session: Session,
    case: Case | None,
    item: CaseItem,
    decision: str,
    result: dict[str, Any] | None,
) -> None:
    """The documents' order on the worklist: 受理并出具 only for an item that issues a document at
    acceptance, with its number; an item that completes after others (档案接收 after 档案转出: the
    archive must have arrived) is not approved before they are."""
    theme = ctx.catalogue.themes.get(case.theme_id) if case is not None else None
    if theme is None:
        return
    definition = theme.item(item.code)
    if decision == "accept":
        if not any(d.at == "acceptance" for d in definition.issues) or item.status != "dispatched":
            raise Conflict(
                "本事项受理时不出具文书，或已受理", "this item issues nothing at acceptance, or is accepted"
            )
        if not (result or {}).get("number"):
            raise Invalid(
                "受理并出具文书须填写文书编号",
                "accepting with a document needs its number",
                title=("请填写编号", "A number is required"),
                errors=[FieldError("number", "required", "请填写文书编号", "give the document's number")],
            )
    if decision == "approve" and definition.completes_after:
        before = session.execute(
            select(CaseItem.status).where(
                CaseItem.case_id == item.case_id, CaseItem.code.in_(definition.completes_after)
            )
        ).scalars()
        if any(status != "approved" for status in before):
            names = "、".join(theme.item(c).name for c in definition.completes_after)
            raise Conflict(
                f"须待{names}办结（档案到达）后才能办结本事项",
                f"this item completes only after {', '.join(definition.completes_after)} is approved",
            )
