"""Department callbacks (部门回调): POST /api/v1/connectors/{department}/callback, signed.

Unsigned or forged → 401. A replay (a nonce seen before) is acknowledged and changes nothing; a
message older than what the item already shows never moves it backwards.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from lianban.cases.progress import DEPARTMENT_STATUS, add_audit, apply_decision, lock_case
from lianban.cases.schema import CaseItem
from lianban.connectors.redirect import ReturnRefused, verify_return
from lianban.security.signing import SignatureError, content_sha256, verify_request
from lianban.web.deps import clock_of
from lianban.web.problems import FieldError, Problem, not_found

router = APIRouter(prefix="/api/v1/connectors", tags=["department side"])


@router.post("/{department}/callback", summary="A department system reports a decision (signed)")
async def post_callback(request: Request, department: str) -> dict[str, Any]:
    body = await request.body()
    try:
        verify_request(request.app.state.keyring, "POST", request.url.path, body, dict(request.headers))
    except SignatureError as exc:
        raise Problem(
            401,
            "签名无效",
            "Invalid signature",
            f"回调签名校验失败：{exc}",
            f"callback signature check failed: {exc}",
        ) from None
    nonce = request.headers.get("x-lianban-nonce", "")
    if request.app.state.nonces.seen(nonce):
        return {"acknowledged": True, "changed": False, "replay": True}
    try:
        message = json.loads(body)
        receipt_no = str(message["receipt_no"])
        status = str(message["status"])
        sequence = int(message.get("sequence", 0))
    except (ValueError, KeyError, TypeError):
        raise Problem(
            422,
            "回调内容有误",
            "Malformed callback",
            "回调须含 receipt_no、status、sequence",
            "a callback needs receipt_no, status and sequence",
            [FieldError("body", "format", "回调内容有误", "malformed callback")],
        ) from None
    if status not in DEPARTMENT_STATUS:
        raise Problem(
            422,
            "回调内容有误",
            "Malformed callback",
            f"未知状态 {status}",
            f"unknown status {status}",
            [FieldError("status", "code_list", f"未知状态 {status}", f"unknown status {status}")],
        )
    # the database work (row locks, waits) runs in the thread pool, never on the event loop:
    # there, one callback waiting for a case's lock held every other request of the API
    changed = await run_in_threadpool(
        _record_decision, request, department, receipt_no, status, sequence, message, body
    )
    return {"acknowledged": True, "changed": changed}


def _record_decision(
    request: Request,
    department: str,
    receipt_no: str,
    status: str,
    sequence: int,
    message: dict[str, Any],
    body: bytes,
) -> bool:
    """Apply a department's decision to its sub-item and audit the callback (one transaction)."""
    with request.app.state.sessions() as session, session.begin():
        item = session.execute(
            select(CaseItem).where(CaseItem.receipt_no == receipt_no, CaseItem.department == department)
        ).scalar_one_or_none()
        if item is None:
            raise not_found(f"受理编号 {receipt_no} ", f"receipt {receipt_no}")
        lock_case(session, item.case_id)
        session.refresh(item)
        now = clock_of(request).now()
        changed = apply_decision(
            session,
            item,
            status,
            sequence,
            now,
            reason=message.get("reason"),
            result=message.get("result"),
        )
        add_audit(
            session,
            item.case_id,
            now,
            f"department:{department}",
            "callback",
            {
                "item": item.item_id,
                "status": status,
                "sequence": sequence,
                "changed": changed,
                "sha256": content_sha256(body),
                "key_id": request.headers.get("x-lianban-key-id", ""),
            },
        )
    return changed


@router.get(
    "/{department}/return", summary="The applicant comes back from a department's site (跳转办理结果), signed"
)
def get_return(request: Request, department: str) -> dict[str, Any]:
    params = dict(request.query_params)
    try:
        verify_return(request.app.state.keyring, params)
    except ReturnRefused as exc:
        raise Problem(
            401, "签名无效", "Invalid signature", f"返回结果校验失败：{exc}", f"return check failed: {exc}"
        ) from None
    status = params["status"]
    if status not in DEPARTMENT_STATUS:
        raise Problem(
            422,
            "返回内容有误",
            "Malformed return",
            f"未知状态 {status}",
            f"unknown status {status}",
            [FieldError("status", "code_list", f"未知状态 {status}", f"unknown status {status}")],
        )
    with request.app.state.sessions() as session, session.begin():
        lock_case(session, params["case_id"])
        item = session.get(CaseItem, (params["case_id"], params["item_id"]))
        if item is None or item.department != department:
            raise not_found(f"事项 {params['item_id']} ", f"item {params['item_id']}")
        changed = apply_decision(
            session,
            item,
            status,
            item.progress + 1,
            clock_of(request).now(),
            result={**(item.result or {}), "returned": status},
        )
        return {"case_id": item.case_id, "item_id": item.item_id, "status": item.status, "changed": changed}
