"""The department worklist (部门工作台): staff of a department without an integrated system decide
its sub-items in lianban. Staff see only their own department's items.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lianban.cases.progress import add_audit, apply_decision, lock_case
from lianban.cases.schema import Case, CaseItem
from lianban.security.tokens import Identity, Role
from lianban.web.auth import require_identity
from lianban.web.deps import clock_of
from lianban.web.problems import Problem, not_found

router = APIRouter(prefix="/api/v1/worklist", tags=["department side"])

DECISIONS = {"approve": "approved", "reject": "rejected", "correct": "correction_required"}


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "correct"]
    reason: str | None = Field(default=None, max_length=2000)
    result: dict[str, Any] | None = None


def worklist_id(item: CaseItem) -> str:
    return f"{item.case_id}~{item.item_id.replace('#', '~')}"


def _parse(worklist_item_id: str) -> tuple[str, str]:
    case_id, _, rest = worklist_item_id.partition("~")
    code, _, employee = rest.partition("~")
    return case_id, f"{code}#{employee}" if employee else code


def _staff(identity: Identity) -> str:
    if identity.role is not Role.DEPARTMENT_STAFF or not identity.department:
        raise Problem(
            403,
            "无权执行此操作",
            "Forbidden",
            "只有部门经办人员可以使用工作台",
            "only department staff use the worklist",
        )
    return identity.department


@router.get("", summary="Sub-items waiting for this department's decision")
def get_worklist(
    request: Request,
    identity: Annotated[Identity, Depends(require_identity)],
    department: str | None = None,
    status: Annotated[str | None, Query()] = None,
) -> list[dict[str, Any]]:
    own = _staff(identity)
    if department is not None and department != own:
        raise Problem(
            403,
            "无权执行此操作",
            "Forbidden",
            "只能查看本部门的事项",
            "staff see only their own department's items",
        )
    wanted = [status] if status else ["dispatched", "accepted"]
    with request.app.state.sessions() as session:
        rows = session.execute(
            select(CaseItem, Case.theme_id, Case.accepted_at)
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
        return [
            {
                "item_id": worklist_id(item),
                "case_id": item.case_id,
                "code": item.code,
                "employee": item.employee,
                "theme_id": theme_id,
                "status": item.status,
                "payload": item.payload,
                "accepted_at": accepted_at.isoformat(),
                "promised_due_date": item.promised_due_date.isoformat(),
                "legal_due_date": item.legal_due_date.isoformat(),
            }
            for item, theme_id, accepted_at in rows
        ]


@router.post(
    "/{item_id}/decision", summary="Decide a sub-item: approve, reject or send back for correction (补正)"
)
def post_decision(
    request: Request, item_id: str, body: Decision, identity: Annotated[Identity, Depends(require_identity)]
) -> dict[str, Any]:
    own = _staff(identity)
    case_id, key = _parse(item_id)
    now = clock_of(request).now()
    with request.app.state.sessions() as session, session.begin():
        case = lock_case(session, case_id)
        item = session.get(CaseItem, (case_id, key))
        withdrawn = case is None or case.status == "withdrawn"
        if item is None or withdrawn or item.department != own or item.receipt_no is not None:
            raise not_found(f"事项 {item_id} ", f"item {item_id}")
        if body.decision in ("reject", "correct") and not body.reason:
            raise Problem(
                422,
                "请填写理由",
                "A reason is required",
                "不予办理或补正须说明理由",
                "a rejection or a correction needs a reason",
            )
        changed = apply_decision(
            session,
            item,
            DECISIONS[body.decision],
            item.progress + 1,
            now,
            reason=body.reason,
            result=body.result,
        )
        if not changed:
            raise Problem(
                409,
                "状态冲突",
                "Conflict",
                f"该事项当前为 {item.status}，不能再作此决定",
                f"the item is {item.status} and cannot take this decision",
            )
        add_audit(
            session,
            case_id,
            now,
            identity.subject,
            f"decide:{body.decision}",
            {"item": key, "reason": body.reason},
        )
        return {"item_id": item_id, "status": item.status}
