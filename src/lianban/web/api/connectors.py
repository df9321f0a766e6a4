"""Department callbacks (部门回调): POST /api/v1/connectors/{department}/callback, signed.

Each department's callbacks are verified with that department's keys only (部门密钥), and name
only that department's items: unsigned, forged or signed by another department's key → 401;
another department's receipt → 404. A replay (a nonce seen before, by any process: the nonces are
in the database) is acknowledged and changes nothing; a ``sequence`` a record cannot have (1 for
``accepted``, 2 for the decision) → 422; a message older than what the item already shows never
moves it backwards.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lianban.cases.decisions import Decision, check_sequence, check_status, record_callback, record_return
from lianban.connectors.redirect import ReturnRefused, verify_return
from lianban.security.nonces import first_use
from lianban.security.signing import SignatureError, content_sha256, verify_request
from lianban.web.api.answers import Answer
from lianban.web.deps import platform_of
from lianban.web.problems import FieldError, Problem

router = APIRouter(prefix="/api/v1/connectors", tags=["department side"])


class Acknowledged(Answer):
    acknowledged: bool
    changed: bool
    replay: bool | None = None  # true: a nonce seen before, nothing done


class Returned(Answer):
    case_id: str
    item_id: str
    status: str
    changed: bool


@router.post(
    "/{department}/callback",
    summary="A department system reports a decision (signed)",
    response_model=Acknowledged,
    response_model_exclude_unset=True,
)
async def post_callback(request: Request, department: str) -> dict[str, Any]:
    return await callback_answer(request, department, await request.body())


async def callback_answer(request: Request, department: str, body: bytes) -> dict[str, Any]:
    """What :func:`post_callback` answers (``Acknowledged``'s fields as set), or its refusal raised
    (:class:`Problem`, :class:`lianban.errors.DomainError`); also answered before the router
    (:class:`lianban.web.callbacks.Callbacks`)."""
    platform = platform_of(request)
    keyring = platform.department_keys.get(department)
    try:
        if keyring is None:  # a department without a key of its own is trusted with nothing
            raise SignatureError(f"no key for department {department}")
        key_id = verify_request(keyring, "POST", request.url.path, body, dict(request.headers))
    except SignatureError as exc:
        raise Problem(
            401,
            "签名无效",
            "Invalid signature",
            f"回调签名校验失败：{exc}",
            f"callback signature check failed: {exc}",
        ) from None
    try:
        message = json.loads(body)
        receipt_no = str(message["receipt_no"])
        status = str(message["status"])
        sequence = message.get("sequence", 0)
    except (ValueError, KeyError, TypeError):
        raise Problem(
            422,
            "回调内容有误",
            "Malformed callback",
            "回调须含 receipt_no、status、sequence",
            "a callback needs receipt_no, status and sequence",
            [FieldError("body", "format", "回调内容有误", "malformed callback")],
        ) from None
    check_status(status, ("回调内容有误", "Malformed callback"))
    check_sequence(sequence)
    decision = Decision(status, sequence, message.get("reason"), message.get("result"))
    nonce = request.headers.get("x-lianban-nonce", "")

    def record() -> bool | None:
        """Whether the item changed; None for a replay (its nonce seen before: nothing done)."""
        with platform.sessions() as session, session.begin():
            if not first_use(session, department, nonce, platform.clock.now()):
                return None
            return record_callback(
                session,
                department,
                receipt_no,
                decision,
                platform.clock.now(),
                sha256=content_sha256(body),
                key_id=key_id,
            )

    # the database work (row locks, waits) runs in the thread pool, never on the event loop:
    # there, one callback waiting for a case's lock held every other request of the API
    changed = await run_in_threadpool(record)
    if changed is None:
        return {"acknowledged": True, "changed": False, "replay": True}
    return {"acknowledged": True, "changed": changed}


@router.get(
    "/{department}/return",
    summary="The applicant comes back from a department's site (跳转办理结果), signed",
    response_model=Returned,
    response_model_exclude_unset=True,
)
def get_return(request: Request, department: str) -> dict[str, Any]:
    return return_answer(request, department)


def return_answer(request: Request, department: str) -> dict[str, Any]:
    """What :func:`get_return` answers (``Returned``'s fields), or its refusal raised
    (:class:`Problem`, :class:`lianban.errors.DomainError`); blocking (the thread pool's to run);
    also answered before the router (:class:`lianban.web.callbacks.Callbacks`)."""
    params = dict(request.query_params)
    keyring = platform_of(request).department_keys.get(department)
    try:
        if keyring is None:
            raise ReturnRefused(f"no key for department {department}")
        verify_return(keyring, params)
    except ReturnRefused as exc:
        raise Problem(
            401, "签名无效", "Invalid signature", f"返回结果校验失败：{exc}", f"return check failed: {exc}"
        ) from None
    status = params["status"]
    check_status(status, ("返回内容有误", "Malformed return"))
    platform = platform_of(request)
    with platform.sessions() as session, session.begin():
        item, changed = record_return(
            session, department, params["case_id"], params["item_id"], status, platform.clock.now()
        )
        return {"case_id": item.case_id, "item_id": item.item_id, "status": item.status, "changed": changed}
