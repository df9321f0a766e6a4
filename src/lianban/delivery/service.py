"""Window handover (窗口领取) as a service: a window clerk hands issued documents over against the
applicant's pickup code; the handover is audited under the clerk's name.

403 for anyone but a window clerk; 404 for an unknown delivery; 422 naming ``pickup_code`` for a
wrong code; 409 for a posted delivery or one already handed over.
"""

from __future__ import annotations

from typing import Any

from lianban.cases.deliveries import delivery_json
from lianban.cases.progress import add_audit, lock_case
from lianban.cases.schema import Delivery
from lianban.context import Context
from lianban.delivery.follow_up import HandOverRefused, hand_over
from lianban.errors import Conflict, FieldError, Forbidden, Invalid, not_found
from lianban.security.tokens import Identity, Role


def require_window_clerk(identity: Identity) -> None:
    if identity.role is not Role.WINDOW_CLERK:
        raise Forbidden("只有窗口工作人员可以交付证件", "only window clerks hand documents over")


def hand_over_delivery(
    ctx: Context, identity: Identity, case_id: str, delivery_id: str, pickup_code: str
) -> dict[str, Any]:
    require_window_clerk(identity)
    now = ctx.clock.now()
    with ctx.sessions() as session, session.begin():
        lock_case(session, case_id)
        delivery = session.get(Delivery, (case_id, delivery_id))
        if delivery is None:
            raise not_found(f"送达记录 {delivery_id} ", f"delivery {delivery_id}")
        try:
            hand_over(session, delivery, pickup_code, identity.subject, now)
        except HandOverRefused as exc:
            if exc.code == "pickup_code":
                raise Invalid(
                    "取件码与送达记录不符",
                    "the pickup code does not match this delivery",
                    title=("取件码不符", "Wrong pickup code"),
                    errors=[
                        FieldError("pickup_code", "mismatch", "取件码不符", "the pickup code does not match")
                    ],
                ) from None
            posted = exc.code == "not_pickup"
            raise Conflict(
                "该证件为邮寄送达，或已交付" if posted else "该证件已交付或已结束",
                "these documents are posted, not collected"
                if posted
                else "these documents were already handed over",
                title=("无法交付", "Cannot hand over"),
            ) from None
        add_audit(session, case_id, now, identity.subject, "handover", {"delivery": delivery_id})
        return delivery_json(delivery)
