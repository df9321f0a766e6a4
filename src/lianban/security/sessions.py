"""Page sessions (页面会话): the signed identity of a bearer token, carried in a cookie.

A person who logs in through a page (the province's OIDC login, or a staff login page) gets the
cookie ``lianban_session``: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
POSTs) and Secure in production (HTTPS only). Its value is the same signed token that
:func:`lianban.security.tokens.issue` gives API callers, so one verification serves both. The
API itself keeps bearer tokens; pages read the cookie (and add a CSRF token to their forms).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from lianban.security.tokens import DEFAULT_LIFETIME_SECONDS, Identity, TokenError, issue, verify

SESSION_COOKIE = "lianban_session"


def start_session(
    response: Response, identity: Identity, key: str, secure: bool, lifetime: int = DEFAULT_LIFETIME_SECONDS
) -> None:
    """Set the session cookie on ``response`` for ``identity``."""
    response.set_cookie(
        SESSION_COOKIE,
        issue(identity, key, lifetime),
        max_age=lifetime,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def end_session(response: Response, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def session_identity(cookies: Mapping[str, str], key: str) -> Identity | None:
    """Who the session cookie names; None without one, or when it is forged or expired."""
    token = cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return verify(token, key)
    except TokenError:
        return None
