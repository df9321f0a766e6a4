"""Window handover (窗口领取): a window clerk hands issued documents over against the applicant's
pickup code. POST /api/v1/applications/{case_id}/deliveries/{delivery_id}/handover.

A wrong code is a 422 naming ``pickup_code``; a delivery that is posted, or already handed over,
is a 409. Only window clerks hand over (403 for anyone else). Tries per delivery are rate-limited
(``LIANBAN_RATE_PICKUP_CODE``): a 429 with ``Retry-After`` once spent, even for the right code.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.cases.progress import add_audit, lock_case
from lianban.cases.schema import Delivery
from lianban.delivery import HandOverRefused, delivery_json, hand_over
from lianban.security.tokens import Identity, Role
from lianban.web.auth import require_identity
from lianban.web.deps import clock_of
from lianban.web.problems import FieldError, Problem, not_found
from lianban.web.ratelimit import enforce

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])


class HandoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pickup_code: str = Field(min_length=1, max_length=20)


@router.post(
    "/{case_id}/deliveries/{delivery_id}/handover",
    summary="A window clerk hands the documents over against the pickup code (窗口领取)",
)
def post_handover(
    request: Request,
    case_id: str,
    delivery_id: str,
    body: HandoverBody,
    identity: Annotated[Identity, Depends(require_identity)],
) -> dict[str, Any]:
    if identity.role is not Role.WINDOW_CLERK:
        raise Problem(
            403,
            "无权执行此操作",
            "Forbidden",
            "只有窗口工作人员可以交付证件",
            "only window clerks hand documents over",
        )
    enforce(request, "pickup_code", case_id, delivery_id)  # a pickup code cannot be guessed (限流)
    now = clock_of(request).now()
    with request.app.state.sessions() as session, session.begin():
        lock_case(session, case_id)
        delivery = session.get(Delivery, (case_id, delivery_id))
        if delivery is None:
            raise not_found(f"送达记录 {delivery_id} ", f"delivery {delivery_id}")
        try:
            hand_over(session, delivery, body.pickup_code, identity.subject, now)
        except HandOverRefused as exc:
            if exc.code == "pickup_code":
                raise Problem(
                    422,
                    "取件码不符",
                    "Wrong pickup code",
                    "取件码与送达记录不符",
                    "the pickup code does not match this delivery",
                    [FieldError("pickup_code", "mismatch", "取件码不符", "the pickup code does not match")],
                ) from None
            raise Problem(
                409,
                "无法交付",
                "Cannot hand over",
                "该证件为邮寄送达，或已交付" if exc.code == "not_pickup" else "该证件已交付或已结束",
                "these documents are posted, not collected"
                if exc.code == "not_pickup"
                else "these documents were already handed over",
            ) from None
        add_audit(session, case_id, now, identity.subject, "handover", {"delivery": delivery_id})
        return delivery_json(delivery)
