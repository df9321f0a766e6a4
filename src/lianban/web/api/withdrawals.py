"""POST /api/v1/applications/{case_id}/withdraw (撤回申请) — the rules are in :mod:`lianban.cases.withdrawal`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.cases.withdrawal import withdraw
from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import now_of

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])


class WithdrawBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


@router.post(
    "/{case_id}/withdraw",
    summary="Withdraw a case no department has acted on yet (撤回); 409 naming the item otherwise",
)
def post_withdraw(
    request: Request,
    case_id: str,
    identity: Annotated[Identity, Depends(require_identity)],
    body: Annotated[WithdrawBody | None, Body()] = None,
) -> dict[str, Any]:
    with sessions_of(request)() as session, session.begin():
        return withdraw(session, identity, case_id, body.reason if body else None, now_of(request))
