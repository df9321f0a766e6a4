"""Rate limits at the door (限流): FastAPI dependencies that count an attempt and answer 429.

A refused attempt is a 429 problem with ``Retry-After`` (whole seconds), in Chinese and English.
Which limit counts what:

- every login (staff password, sandbox, OIDC callback): per client address and per account named;
- a window handover: per delivery, so a pickup code cannot be guessed;
- filings and uploads: per caller.

The limits themselves (and where they are counted) are :mod:`lianban.security.ratelimit`'s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.problems import Problem

LOGIN_ACCOUNT_FIELDS = ("username", "id_number", "uscc")


def too_many(retry_after_seconds: float) -> Problem:
    """A 429 telling the caller when to try again (whole seconds, at least 1)."""
    seconds = max(1, math.ceil(retry_after_seconds))
    return Problem(
        429,
        "请求过于频繁",
        "Too many requests",
        f"尝试次数过多，请 {seconds} 秒后再试",
        f"too many attempts; try again in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
    )


def too_many_until(until: datetime, now: datetime) -> Problem:
    return too_many((until - now).total_seconds())


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def enforce(request: Request, rule: str, *identifiers: str) -> None:
    """Count one attempt under ``rule``; a 429 problem when its allowance is spent."""
    refusal = request.app.state.throttle.hit(rule, *identifiers)
    if refusal is not None:
        raise too_many(refusal.retry_after)


def login_from_client(request: Request) -> None:
    """Dependency: one login attempt from this client address."""
    enforce(request, "login_client", client_address(request))


async def login_attempt(request: Request) -> None:
    """Dependency of login routes: one attempt from this client, and one for the account named in
    the JSON body (``username``, ``id_number`` or ``uscc``)."""
    await run_in_threadpool(login_from_client, request)
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return
    if not isinstance(body, dict):
        return
    for field in LOGIN_ACCOUNT_FIELDS:
        value = body.get(field)
        if isinstance(value, str) and value:
            await run_in_threadpool(enforce, request, "login_account", f"{field}:{value.strip().upper()}")
            return


def per_caller(rule: str) -> Callable[[Request, Identity], Awaitable[None]]:
    """Dependency: one attempt under ``rule`` for the logged-in caller (filings, uploads). Counted
    in the thread pool (the storage is a database or Redis); a rule that is off costs no hop."""

    async def dependency(request: Request, identity: Annotated[Identity, Depends(require_identity)]) -> None:
        if request.app.state.throttle.counts(rule):
            await run_in_threadpool(enforce, request, rule, identity.subject)

    return dependency


def per_delivery(request: Request, case_id: str, delivery_id: str) -> None:
    """Dependency of the window handover: one pickup-code try for this delivery."""
    enforce(request, "pickup_code", case_id, delivery_id)
