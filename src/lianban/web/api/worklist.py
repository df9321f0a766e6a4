"""The department worklist (部门工作台) over HTTP: GET /api/v1/worklist, POST …/{item_id}/decision.

The rules (who sees what, what a decision needs, the audit) are :mod:`lianban.cases.worklist`'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.cases import worklist as service
from lianban.cases.obligations import fulfil
from lianban.security.tokens import Identity
from lianban.web.api.answers import Answer
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of

router = APIRouter(prefix="/api/v1/worklist", tags=["department side"])


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "correct", "accept"]  # accept: 受理并出具 (调档函)
    reason: str | None = Field(default=None, max_length=2000)
    result: dict[str, Any] | None = None


class WorklistItem(Answer):
    item_id: str
    case_id: str
    case_no: str | None = None  # 办件编号
    code: str
    employee: int | None
    theme_id: str
    status: str
    payload: dict[str, Any] | None
    accepted_at: str
    promised_due_date: str
    legal_due_date: str
    obligations: list[dict[str, Any]] | None = None  # 后补材料 owed to this department


class DecisionAnswer(Answer):
    item_id: str
    status: str


@router.get(
    "",
    summary="Sub-items waiting for this department's decision",
    response_model=list[WorklistItem],
    response_model_exclude_unset=True,
)
def get_worklist(
    request: Request,
    identity: Annotated[Identity, Depends(require_identity)],
    department: str | None = None,
    status: Annotated[str | None, Query()] = None,
) -> list[dict[str, Any]]:
    return service.worklist(platform_of(request), identity, department, status)


@router.post(
    "/{item_id}/decision",
    summary="Decide a sub-item: approve, reject, send back for correction (补正), or accept with the document it issues at acceptance (调档函)",
    response_model=DecisionAnswer,
    response_model_exclude_unset=True,
)
def post_decision(
    request: Request, item_id: str, body: Decision, identity: Annotated[Identity, Depends(require_identity)]
) -> dict[str, Any]:
    return service.decide_item(
        platform_of(request), identity, item_id, body.decision, body.reason, body.result
    )


@router.post(
    "/{item_id}/obligations/{obligation_id}",
    summary="Record the papers owed after the application as received (后补材料收讫)",
)
def post_obligation_received(
    request: Request,
    item_id: str,
    obligation_id: str,
    identity: Annotated[Identity, Depends(require_identity)],
) -> dict[str, Any]:
    case_id, _ = service.parse_worklist_id(item_id)
    return fulfil(platform_of(request), identity, service.staff_department(identity), case_id, obligation_id)
