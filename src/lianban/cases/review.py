"""Reviewing at the department worklist (部门审核): what a reviewer of a department without an
integrated system works with, on top of :mod:`lianban.cases.worklist`.

- the items waiting for the department's decision (only those: dispatched or accepted, not
  waiting or queued, not another department's), filtered and sorted by promised due date, with
  the working days left under the statutory calendar;
- one item opened: its payload in the department's own field names and codes, the case's
  materials and history — the opening is in the case's audit log (查阅留痕);
- a decision with a standard reason (理由) from a list plus free text, or an approval with its
  result (办结结果: a card number, a certificate number);
- bulk approval of an employer's batch (批量办结), each item decided and audited on its own.

Another department's item, one its system handles and one of a withdrawn case are not found
(404: never revealing that it exists), as in :func:`lianban.cases.worklist.decide_item`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from lianban.calendar import working_days_between
from lianban.cases.obligations import obligations_of
from lianban.cases.progress import add_audit, lock_case
from lianban.cases.schema import Case, CaseItem, TimelineEvent
from lianban.cases.worklist import OPEN, decide_item, parse_worklist_id, staff_department, worklist_id
from lianban.catalog.model import Theme, department_name
from lianban.context import Context
from lianban.errors import Conflict, FieldError, Invalid, NotFound, not_found
from lianban.forms.readback import payload_rows
from lianban.security.tokens import Identity

# Standard reasons (常用理由) for a correction (补正) or a refusal; "other" needs the free text.
REASONS: dict[str, str] = {
    "materials_missing": "申请材料不齐全",
    "materials_unclear": "申请材料不清晰或无法辨认",
    "details_wrong": "申请信息填写有误",
    "mismatch": "申请信息与部门业务库比对不一致",
    "not_eligible": "不符合办理条件",
    "duplicate": "已在本部门办理，不得重复申请",
    "other": "其他原因",
}
DUE_FILTERS = ("overdue", "soon", "all")
SOON_WORKING_DAYS = 2  # 临期: due within this many working days
ORDERS = ("due", "accepted")


@dataclass(frozen=True)
class WorklistFilter:
    """What the reviewer narrows the list to: a theme, overdue or due soon, a case number."""

    theme_id: str | None = None
    due: str = "all"  # overdue | soon | all
    case_id: str | None = None
    order: str = "due"  # due: soonest promised date first; accepted: oldest acceptance first


def working_days_left(today: date, due: date) -> int:
    """Working days from today to the promised date; negative once it has passed (超期)."""
    return working_days_between(today, due) if due >= today else -working_days_between(due, today)


def _names(ctx: Context, theme_id: str) -> tuple[str, dict[str, str]]:
    theme = ctx.catalogue.themes.get(theme_id)
    if theme is None:
        return theme_id, {}
    return theme.name, {it.code: it.name for it in theme.items}


def waiting(ctx: Context, identity: Identity, chosen: WorklistFilter) -> list[dict[str, Any]]:
    """The items waiting for the caller's department, as :class:`WorklistFilter` narrows them."""
    own = staff_department(identity)
    today = ctx.clock.today()
    query = (
        select(
            CaseItem.case_id,
            CaseItem.item_id,
            CaseItem.code,
            CaseItem.employee,
            CaseItem.status,
            CaseItem.promised_due_date,
            CaseItem.legal_due_date,
            Case.theme_id,
            Case.accepted_at,
            Case.channel,
            Case.case_no,
        )  # the payload (personal data, encrypted) is read only when one item is opened
        .join(Case, Case.case_id == CaseItem.case_id)
        .where(
            CaseItem.department == own,
            CaseItem.status.in_(OPEN),
            CaseItem.receipt_no.is_(None),
            Case.status != "withdrawn",
        )
        .limit(500)
    )
    if chosen.theme_id:
        query = query.where(Case.theme_id == chosen.theme_id)
    if chosen.case_id:  # the 办件编号 the applicant quotes, or the case's id
        wanted = chosen.case_id.strip()
        query = query.where(or_(CaseItem.case_id == wanted, Case.case_no == wanted))
    if chosen.due == "overdue":
        query = query.where(CaseItem.promised_due_date < today)
    order = (
        (Case.accepted_at, CaseItem.case_id, CaseItem.item_id)
        if chosen.order == "accepted"
        else (CaseItem.promised_due_date, Case.accepted_at, CaseItem.case_id, CaseItem.item_id)
    )
    rows = []
    with ctx.sessions() as session:
        for r in session.execute(query.order_by(*order)):
            left = working_days_left(today, r.promised_due_date)
            if chosen.due == "soon" and not 0 <= left <= SOON_WORKING_DAYS:
                continue
            theme_name, items = _names(ctx, r.theme_id)
            rows.append(
                {
                    "item_id": f"{r.case_id}~{r.item_id.replace('#', '~')}",
                    "case_id": r.case_id,
                    "case_no": r.case_no,
                    "code": r.code,
                    "item_name": items.get(r.code, r.code),
                    "employee": r.employee,
                    "theme_id": r.theme_id,
                    "theme_name": theme_name,
                    "channel": r.channel,
                    "status": r.status,
                    "accepted_at": r.accepted_at,
                    "promised_due_date": r.promised_due_date,
                    "legal_due_date": r.legal_due_date,
                    "days_left": left,
                    "overdue": left < 0,
                }
            )
    return rows


def batches(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An employer's batch: one case's per-employee items of one kind, decided together."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        if row["employee"] is not None:
            groups.setdefault((row["case_id"], row["code"]), []).append(row)
    return [
        {
            "case_id": case_id,
            "case_no": items[0]["case_no"],
            "code": code,
            "item_name": items[0]["item_name"],
            "theme_name": items[0]["theme_name"],
            "item_ids": [r["item_id"] for r in items],
        }
        for (case_id, code), items in groups.items()
        if len(items) > 1
    ]


def _history(session: Any, case_id: str, key: str) -> list[dict[str, Any]]:
    events = session.execute(
        select(TimelineEvent).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.seq)
    ).scalars()
    return [
        {"at": e.at, "event": e.event, "item": e.item_id, "detail": e.detail, "this_item": e.item_id == key}
        for e in events
        if e.item_id in (None, key)
    ]


def open_item(ctx: Context, identity: Identity, worklist_item_id: str) -> dict[str, Any]:
    """One item of the caller's department: payload as the department reads it, the case's
    materials and history. The opening is audited (the case's lock is taken for the entry)."""
    own = staff_department(identity)
    case_id, key = parse_worklist_id(worklist_item_id)
    now = ctx.clock.now()
    with ctx.sessions() as session, session.begin():
        case = lock_case(session, case_id)
        item = session.get(CaseItem, (case_id, key))
        if case is None or item is None or item.department != own or case.status == "withdrawn":
            raise not_found(f"事项 {worklist_item_id} ", f"item {worklist_item_id}")
        theme = ctx.catalogue.themes.get(case.theme_id)
        rows = []
        if theme is not None:
            rows = payload_rows(ctx.catalogue, theme, theme.item(item.code), dict(item.payload or {}))
        materials = {m.id: m.name for m in theme.materials} if theme else {}
        answer = {
            "item_id": worklist_id(item),
            "case_id": case_id,
            "case_no": case.case_no,
            "code": item.code,
            "item_name": (theme.item(item.code).name if theme else item.code),
            "employee": item.employee,
            "theme_id": case.theme_id,
            "theme_name": theme.name if theme else case.theme_id,
            "system": theme.item(item.code).system if theme else "",
            "department": own,
            "department_name": department_name(own),
            "channel": case.channel,
            "status": item.status,
            "decidable": item.status in OPEN and item.receipt_no is None,
            "reason": item.reason,
            "result": item.result,
            "accepted_at": case.accepted_at,
            "promised_due_date": item.promised_due_date,
            "legal_due_date": item.legal_due_date,
            "days_left": working_days_left(ctx.clock.today(), item.promised_due_date),
            "payload": rows,
            "materials": [
                {
                    "material_id": str(m.get("material_id")),
                    "name": materials.get(str(m.get("material_id")), str(m.get("material_id"))),
                    "upload_id": str(m.get("upload_id")) if m.get("upload_id") else None,
                }
                for m in case.materials
                if isinstance(m, dict)
            ],
            "history": _history(session, case_id, key),
            "obligations": obligations_of(session, case_id, ctx.clock.today(), own),  # 后补材料
            "issues": [i.name for i in theme.item(item.code).issues] if theme else [],
            # 受理并出具: what accepting this item issues (档案接收: 调档函), while it is not yet accepted
            "issues_at_acceptance": [i.name for i in theme.item(item.code).issues if i.at == "acceptance"]
            if theme and item.status == "dispatched"
            else [],
        }
        add_audit(session, case_id, now, identity.subject, "view:worklist_item", {"item": key})
        return answer


def reason_text(reason_code: str | None, note: str | None) -> str:
    """``不符合办理条件：…`` — the standard reason and the reviewer's words; 422 naming the field."""
    words = (note or "").strip()
    if reason_code not in REASONS:
        raise Invalid(
            "请选择理由",
            "choose a reason",
            title=("请填写理由", "A reason is required"),
            errors=[FieldError("reason", "required", "请选择理由", "choose a reason")],
        )
    if reason_code == "other" and not words:
        raise Invalid(
            "选择“其他原因”时须写明理由",
            "say what the other reason is",
            title=("请填写理由", "A reason is required"),
            errors=[FieldError("note", "required", "请写明理由", "say what the reason is")],
        )
    label = REASONS[str(reason_code)]
    if reason_code == "other":
        return words
    return f"{label}：{words}" if words else label


def approval_result(
    theme: Theme | None, code: str, department: str, number: str, today: date, at_acceptance: bool = False
) -> dict[str, Any]:
    """What an approval issues (办结结果) — or, ``at_acceptance``, what accepting issues (调档函) —
    shaped as a department system reports it."""
    issued = theme.item(code).issues if theme is not None else ()
    if at_acceptance:
        issued = tuple(d for d in issued if d.at == "acceptance")
    return {
        **({"code": issued[0].code} if issued else {}),
        "document": issued[0].name if issued else "办结通知书",
        "number_label": "编号",
        "number": number.strip(),
        "issued_at": today.isoformat(),
        "issuer": department_name(department),
    }


def decide(
    ctx: Context,
    identity: Identity,
    worklist_item_id: str,
    decision: str,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    number: str | None = None,
) -> dict[str, Any]:
    """Approve (with the result's number, when it issues one), reject or ask for 补正 with a reason."""
    if decision not in ("approve", "reject", "correct", "accept"):
        raise Invalid(
            "未知的决定",
            "unknown decision",
            errors=[FieldError("decision", "code_list", "未知的决定", "unknown")],
        )
    if decision in ("reject", "correct"):
        return decide_item(ctx, identity, worklist_item_id, decision, reason_text(reason_code, note))
    own = staff_department(identity)
    case_id, key = parse_worklist_id(worklist_item_id)
    with ctx.sessions() as session:
        theme_id = session.execute(select(Case.theme_id).where(Case.case_id == case_id)).scalar()
        code = session.execute(
            select(CaseItem.code).where(CaseItem.case_id == case_id, CaseItem.item_id == key)
        ).scalar()
    theme = ctx.catalogue.themes.get(theme_id) if theme_id else None
    result = None
    if number and number.strip() and code is not None:
        result = approval_result(theme, code, own, number, ctx.clock.today(), decision == "accept")
    return decide_item(ctx, identity, worklist_item_id, decision, None, result)


def bulk_approve(ctx: Context, identity: Identity, worklist_item_ids: list[str]) -> dict[str, Any]:
    """批量办结: approve each of the items (an employer's batch), each audited on its own; items
    that can no longer be approved are reported, not fatal to the rest."""
    staff_department(identity)
    if not worklist_item_ids:
        raise Invalid(
            "请至少选择一项",
            "choose at least one item",
            errors=[FieldError("item_ids", "required", "请至少选择一项", "choose at least one item")],
        )
    approved, refused = [], []
    for item_id in worklist_item_ids[:500]:
        try:
            decide_item(ctx, identity, item_id, "approve")
            approved.append(item_id)
        except (NotFound, Conflict):  # gone, or decided meanwhile: reported with the others
            refused.append(item_id)
    return {"approved": approved, "refused": refused}
