"""Who is calling: bearer tokens read into an :class:`Identity`; 401 without valid credentials."""

from __future__ import annotations

from fastapi import Request
from starlette.types import Scope

from lianban.extensions import LoginProvider, LoginRefused
from lianban.security.tokens import Identity, TokenError, verify
from lianban.web.problems import FieldError, Problem


def unauthorized() -> Problem:
    return Problem(
        401,
        "未登录或凭证无效",
        "Not authenticated",
        "请先登录（Authorization: Bearer …）",
        "log in first (Authorization: Bearer …)",
    )


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; None for another scheme or no token."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def identity_of(request: Request) -> Identity | None:
    """The caller's identity when a bearer token is sent; a bad token is a 401, none is None."""
    header = request.headers.get("authorization", "")
    if not header:
        return None
    token = bearer_token(header)
    if token is None:
        raise unauthorized()
    try:
        return verify(token, request.app.state.secret_key)
    except TokenError:
        raise unauthorized() from None


def scope_identity(scope: Scope) -> Identity | None:
    """The caller as :func:`identity_of` reads the Authorization header, for a layer before the
    router (:mod:`lianban.web.case_reads`, :mod:`lianban.web.filings`); None for no token or one
    that does not verify (the route then answers its 401)."""
    header = b""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header = value
            break
    token = bearer_token(header.decode("latin-1"))
    if token is None:
        return None
    try:
        return verify(token, scope["app"].state.secret_key)
    except TokenError:
        return None


# The dependencies are coroutines: verifying a token is a little CPU and no I/O, so FastAPI runs
# them on the event loop instead of sending each to the thread pool and back (a hop per request).


async def optional_identity(request: Request) -> Identity | None:
    """Dependency: the caller's identity, or None without a token (a bad token is a 401)."""
    return identity_of(request)


async def require_identity(request: Request) -> Identity:
    """Dependency: the caller's identity; 401 without valid credentials."""
    identity = identity_of(request)
    if identity is None:
        raise unauthorized()
    return identity


def login_provider(request: Request) -> LoginProvider | None:
    """The password-less login an extension provides (the sandbox's, in sandbox mode), or None."""
    provider: LoginProvider | None = request.app.state.plugins.login
    return provider


def refused(refusal: LoginRefused) -> Problem:
    """A refused login as a problem naming the field: 422 malformed, 401 wrong credentials."""
    title = (
        ("请求参数有误", "Invalid request")
        if refusal.status == 422
        else ("未登录或凭证无效", "Not authenticated")
    )
    return Problem(
        refusal.status,
        title[0],
        title[1],
        refusal.message_zh,
        refusal.message_en,
        [FieldError(refusal.field, refusal.code, refusal.message_zh, refusal.message_en)],
    )
