"""Operators look after dispatch (运维): the sub-items whose dispatch was given up, and queuing them
again (人工重试). Only operators (403 for anyone else); each retry is on the case's timeline with
the operator's name."""

from __future__ import annotations

from typing import Any

from lianban.cases.worklist import parse_worklist_id, worklist_id
from lianban.context import Context
from lianban.dispatch.retry import failed_items_numbered, retry_item
from lianban.errors import Conflict, Forbidden
from lianban.security.tokens import Identity, Role


def require_operator(identity: Identity) -> None:
    if identity.role is not Role.OPERATOR:
        raise Forbidden("只有运维人员可以重试推送", "only operators retry dispatch")


def failed(ctx: Context, identity: Identity) -> list[dict[str, Any]]:
    """Every failed sub-item with the last error, and its case's 办件编号 (``case_no``, the number
    the applicant quotes)."""
    require_operator(identity)
    with ctx.sessions() as session:
        return [
            {
                "item_id": worklist_id(i),
                "case_id": i.case_id,
                "case_no": case_no,
                "code": i.code,
                "department": i.department,
                "error": i.reason,
            }
            for i, case_no in failed_items_numbered(session)
        ]


def retry(ctx: Context, identity: Identity, worklist_item_id: str) -> dict[str, Any]:
    """Queue a failed sub-item again; 409 when it is not failed."""
    require_operator(identity)
    case_id, key = parse_worklist_id(worklist_item_id)
    with ctx.sessions() as session, session.begin():
        if not retry_item(session, case_id, key, identity.subject, ctx.clock.now()):
            raise Conflict(
                "该事项不处于推送失败状态", "the item is not failed", title=("无需重试", "Nothing to retry")
            )
    return {"item_id": worklist_item_id, "status": "queued"}
