"""The province's login in the browser (统一身份认证登录): ``/auth/oidc/login`` and ``/auth/oidc/callback``.

``/auth/oidc/login?next=/my/…`` remembers a fresh state, nonce and PKCE verifier in a short-lived
signed cookie (HttpOnly, SameSite=Lax, only for ``/auth/oidc``) and sends the browser to the
provider. ``/auth/oidc/callback`` checks everything (:class:`~lianban.security.oidc.RelyingParty`),
starts the page session (:mod:`lianban.security.sessions`) and sends the browser on to ``next`` —
a path on this site only — or to the portal's ``/my``. Callbacks are rate-limited per client.

Apps that run the provider's login themselves (with the platform's client id and redirect URL,
and their own state, nonce and PKCE verifier) exchange its result for a bearer token at
``POST /api/v1/auth/oidc`` (``code``, ``code_verifier``, ``nonce``, ``state``).
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from lianban.security.oidc import OidcError, PendingLogin, RelyingParty
from lianban.security.sessions import start_session
from lianban.security.tokens import DEFAULT_LIFETIME_SECONDS, Identity, issue
from lianban.web.problems import FieldError, Problem
from lianban.web.ratelimit import login_from_client

router = APIRouter(tags=["auth"])
PENDING_COOKIE = "lianban_oidc"
PENDING_SECONDS = 600  # ten minutes to log in at the provider
PENDING_AUDIENCE = "lianban:oidc-login"


def relying_party(request: Request) -> RelyingParty:
    rp: RelyingParty | None = request.app.state.oidc
    if rp is None:
        raise Problem(
            404, "未找到", "Not found", "未配置统一身份认证登录", "no identity provider is configured"
        )
    return rp


def _refused(exc: OidcError) -> Problem:
    return Problem(
        401,
        "统一身份认证登录失败",
        "Identity provider login failed",
        exc.message_zh,
        exc.message_en,
        [
            FieldError(
                "id_token" if exc.code not in ("state", "code") else exc.code,
                exc.code,
                exc.message_zh,
                exc.message_en,
            )
        ],
    )


def _secure(request: Request) -> bool:
    return not request.app.state.settings.sandbox


def _pending_cookie(pending: PendingLogin, key: str) -> str:
    now = int(time.time())
    claims = {
        "aud": PENDING_AUDIENCE,
        "iat": now,
        "exp": now + PENDING_SECONDS,
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "next": pending.next_path,
    }
    return jwt.encode(claims, key, algorithm="HS256")


def _pending_from(request: Request) -> PendingLogin:
    token = request.cookies.get(PENDING_COOKIE)
    if not token:
        raise _refused(
            OidcError(
                "state", "登录已过期或未从本站发起，请重新登录", "no login was started here; log in again"
            )
        )
    try:
        claims = jwt.decode(
            token, request.app.state.secret_key, algorithms=["HS256"], audience=PENDING_AUDIENCE
        )
        return PendingLogin(claims["state"], claims["nonce"], claims["verifier"], claims["next"])
    except (jwt.PyJWTError, KeyError) as exc:
        raise _refused(
            OidcError("state", "登录已过期，请重新登录", "the login has expired; log in again")
        ) from exc


@router.get("/auth/oidc/login", summary="Log in at the province's identity provider (统一身份认证)")
def oidc_login(request: Request, next: str | None = None) -> RedirectResponse:
    rp = relying_party(request)
    try:
        url, pending = rp.begin(next)
    except OidcError as exc:
        raise Problem(
            503, "统一身份认证暂不可用", "Identity provider unavailable", exc.message_zh, exc.message_en
        ) from exc
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        PENDING_COOKIE,
        _pending_cookie(pending, request.app.state.secret_key),
        max_age=PENDING_SECONDS,
        path="/auth/oidc",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


@router.get(
    "/auth/oidc/callback",
    summary="The provider sends the browser back here; the page session starts",
    dependencies=[Depends(login_from_client)],
)
def oidc_callback(request: Request) -> RedirectResponse:
    rp = relying_party(request)
    pending = _pending_from(request)
    try:
        identity = rp.identity(rp.finish(pending, dict(request.query_params)))
    except OidcError as exc:
        raise _refused(exc) from exc
    response = RedirectResponse(pending.next_path, status_code=303)
    response.delete_cookie(
        PENDING_COOKIE, path="/auth/oidc", httponly=True, samesite="lax", secure=_secure(request)
    )
    start_session(response, identity, request.app.state.secret_key, secure=_secure(request))
    return response


class AppLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=2000)
    code_verifier: str = Field(min_length=43, max_length=128)
    nonce: str = Field(min_length=16, max_length=200)
    state: str = Field(min_length=16, max_length=200)


@router.post(
    "/api/v1/auth/oidc",
    summary="An app's provider login exchanged for a bearer token",
    dependencies=[Depends(login_from_client)],
)
async def oidc_app_login(request: Request, body: AppLogin) -> dict[str, Any]:
    rp = relying_party(request)
    pending = PendingLogin(body.state, body.nonce, body.code_verifier, "/")

    def finish() -> Identity:
        return rp.identity(rp.finish(pending, {"code": body.code, "state": body.state}))

    try:
        identity = await run_in_threadpool(finish)
    except OidcError as exc:
        raise _refused(exc) from exc
    return {
        "access_token": issue(identity, request.app.state.secret_key),
        "token_type": "bearer",
        "expires_in": DEFAULT_LIFETIME_SECONDS,
        "role": identity.role.value,
    }
