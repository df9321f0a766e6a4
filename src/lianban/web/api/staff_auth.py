"""Staff login (工作人员登录): POST /api/v1/auth/staff with a username and password → a bearer token.

The accounts are the database's (``lianban staff add``), in every mode. A wrong username, a wrong
password and a disabled account all answer the same 401; a locked account answers 429 with
``Retry-After`` until its lock ends, even for the right password. Attempts are rate-limited per
client address and per username before the password is even looked at.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.security.staff import Caller, LoginFailed, authenticate
from lianban.security.tokens import DEFAULT_LIFETIME_SECONDS, Identity, issue
from lianban.web.problems import FieldError, Problem
from lianban.web.ratelimit import client_address, login_attempt, too_many_until

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class StaffLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def staff_identity(request: Request, username: str, password: str) -> Identity:
    """Log a staff member in (for the API and the login page alike); problems for refusals."""
    now = request.app.state.clock.now()
    caller = Caller(actor=f"staff:{username[:64]}", client=client_address(request))
    with request.app.state.sessions() as session:
        try:
            identity = authenticate(
                session, caller, username, password, now, request.app.state.settings.security.lockout
            )
        except LoginFailed as exc:
            session.commit()  # the failure count, the lock and the log entry stay
            if exc.locked_until is not None:
                raise too_many_until(exc.locked_until, now) from None
            raise Problem(
                401,
                "未登录或凭证无效",
                "Not authenticated",
                "用户名或密码错误",
                "wrong username or password",
                [FieldError("password", "mismatch", "用户名或密码错误", "wrong username or password")],
            ) from None
        session.commit()
    return identity


@router.post(
    "/staff",
    summary="Staff login with a username and password (工作人员登录)",
    dependencies=[Depends(login_attempt)],
)
def staff_login(request: Request, body: StaffLogin) -> dict[str, Any]:
    identity = staff_identity(request, body.username, body.password)
    return {
        "access_token": issue(identity, request.app.state.secret_key),
        "token_type": "bearer",
        "expires_in": DEFAULT_LIFETIME_SECONDS,
        "role": identity.role.value,
    }
