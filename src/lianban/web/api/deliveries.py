"""Window handover (窗口领取): POST /api/v1/applications/{case_id}/deliveries/{delivery_id}/handover.

The rules are :mod:`lianban.delivery.service`'s: window clerks only, against the pickup code.
Tries per delivery are rate-limited (``LIANBAN_RATE_PICKUP_CODE``): a 429 with ``Retry-After``
once spent, even for the right code.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.delivery.service import hand_over_delivery, require_window_clerk
from lianban.security.tokens import Identity
from lianban.web.api.answers import DeliveryAnswer
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of
from lianban.web.ratelimit import enforce

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])


class HandoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pickup_code: str = Field(min_length=1, max_length=20)


@router.post(
    "/{case_id}/deliveries/{delivery_id}/handover",
    summary="A window clerk hands the documents over against the pickup code (窗口领取)",
    response_model=DeliveryAnswer,
    response_model_exclude_unset=True,
)
def post_handover(
    request: Request,
    case_id: str,
    delivery_id: str,
    body: HandoverBody,
    identity: Annotated[Identity, Depends(require_identity)],
) -> dict[str, Any]:
    require_window_clerk(identity)  # a 403 before any try is counted
    enforce(request, "pickup_code", case_id, delivery_id)  # a pickup code cannot be guessed (限流)
    return hand_over_delivery(platform_of(request), identity, case_id, delivery_id, body.pickup_code)
