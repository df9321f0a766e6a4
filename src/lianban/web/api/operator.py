"""Operators (运维): see what dispatch gave up on and queue it again — the API of `lianban jobs`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from lianban.dispatch.retry import failed_items, retry_item
from lianban.security.tokens import Identity, Role
from lianban.web.api.worklist import _parse, worklist_id
from lianban.web.auth import require_identity
from lianban.web.deps import clock_of
from lianban.web.problems import Problem

router = APIRouter(prefix="/api/v1/operator", tags=["operators"])


def _operator(identity: Identity) -> None:
    if identity.role is not Role.OPERATOR:
        raise Problem(
            403, "无权执行此操作", "Forbidden", "只有运维人员可以重试推送", "only operators retry dispatch"
        )


@router.get("/failed", summary="Sub-items whose dispatch was given up, with the last error")
def get_failed(
    request: Request, identity: Annotated[Identity, Depends(require_identity)]
) -> list[dict[str, Any]]:
    _operator(identity)
    with request.app.state.sessions() as session:
        return [
            {
                "item_id": worklist_id(i),
                "case_id": i.case_id,
                "code": i.code,
                "department": i.department,
                "error": i.reason,
            }
            for i in failed_items(session)
        ]


@router.post("/items/{item_id}/retry", summary="Queue a failed sub-item again")
def post_retry(
    request: Request, item_id: str, identity: Annotated[Identity, Depends(require_identity)]
) -> dict[str, Any]:
    _operator(identity)
    case_id, key = _parse(item_id)
    with request.app.state.sessions() as session, session.begin():
        if not retry_item(session, case_id, key, identity.subject, clock_of(request).now()):
            raise Problem(
                409, "无需重试", "Nothing to retry", "该事项不处于推送失败状态", "the item is not failed"
            )
    return {"item_id": item_id, "status": "queued"}
