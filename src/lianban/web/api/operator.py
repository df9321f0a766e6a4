"""Operators (运维): see what dispatch gave up on and queue it again — the API of `lianban jobs`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from lianban.dispatch import service
from lianban.security.tokens import Identity
from lianban.web.api.answers import Answer
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of

router = APIRouter(prefix="/api/v1/operator", tags=["operators"])


class FailedItem(Answer):
    item_id: str
    case_id: str
    case_no: str | None = None  # 办件编号, the number the applicant quotes
    code: str
    department: str
    error: str | None


class Retried(Answer):
    item_id: str
    status: str


@router.get(
    "/failed",
    summary="Sub-items whose dispatch was given up, with the last error",
    response_model=list[FailedItem],
    response_model_exclude_unset=True,
)
def get_failed(
    request: Request, identity: Annotated[Identity, Depends(require_identity)]
) -> list[dict[str, Any]]:
    return service.failed(platform_of(request), identity)


@router.post(
    "/items/{item_id}/retry",
    summary="Queue a failed sub-item again",
    response_model=Retried,
    response_model_exclude_unset=True,
)
def post_retry(
    request: Request, item_id: str, identity: Annotated[Identity, Depends(require_identity)]
) -> dict[str, Any]:
    return service.retry(platform_of(request), identity, item_id)
