"""The sandbox identity provider: POST /api/v1/auth/sandbox (sandbox mode only).

A person logs in with any checksum-valid resident ID number, an employer with a valid USCC,
staff with a sandbox account (README lists them) — see :mod:`lianban_sandbox.login`. A real
deployment uses its province's identity provider (OIDC) instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from lianban.extensions import LoginRefused
from lianban.security.tokens import DEFAULT_LIFETIME_SECONDS, issue
from lianban.web.auth import login_provider, refused
from lianban.web.ratelimit import login_attempt

router = APIRouter(prefix="/api/v1/auth", tags=["sandbox"], dependencies=[Depends(login_attempt)])


class SandboxLoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: str | None = None
    uscc: str | None = None
    username: str | None = None
    password: str | None = None


@router.post("/sandbox", summary="Sandbox login: a person, an employer or a staff account")
def sandbox_login(request: Request, body: SandboxLoginBody) -> dict[str, Any]:
    provider = login_provider(request)
    if provider is None:  # the router is only added with the sandbox: it brings its provider
        raise RuntimeError("the sandbox routes without the sandbox login")
    credentials = {k: v for k, v in body.model_dump().items() if v is not None}
    try:
        identity = provider.login(credentials)
    except LoginRefused as refusal:
        raise refused(refusal) from None
    token = issue(identity, request.app.state.secret_key)
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": DEFAULT_LIFETIME_SECONDS,
        "role": identity.role.value,
    }
