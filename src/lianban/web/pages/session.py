"""Page sessions (页面会话): who is logged in, the CSRF token of every form, the 长辈版 preference.

The session cookie is :mod:`lianban.security.sessions`' (the one the province's OIDC login sets
too): the very token the API signs, HttpOnly, SameSite=Lax, Secure in production. The API never
reads it — the API keeps bearer tokens, so a cookie can never act on the API across sites.

CSRF (跨站请求伪造) protection is a signed double submit bound to the session: a random seed in
its own cookie, and in every form the HMAC of that seed and the logged-in subject under the
platform's secret key. A POST whose token does not match is refused before its handler runs. A
forged form cannot know the seed; a seed planted by a sibling site does not match the victim's
subject; logging in or out changes the subject and issues a new seed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import Request, Response

from lianban.security import sessions
from lianban.security.tokens import Identity

SESSION_COOKIE = sessions.SESSION_COOKIE
CSRF_COOKIE = "lianban_csrf"
ELDER_COOKIE = "lianban_elder"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ELDER_MAX_AGE = 400 * 24 * 3600  # browsers keep a cookie at most 400 days
_UNREAD = object()


def _secure(request: Request) -> bool:
    return not request.app.state.settings.sandbox


def _cookie_flags(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": _secure(request), "path": "/"}


def page_identity(request: Request) -> Identity | None:
    """The logged-in caller of a page, or None (no cookie, or an expired or forged one)."""
    if getattr(request.state, "page_identity", _UNREAD) is _UNREAD:
        request.state.page_identity = sessions.session_identity(request.cookies, request.app.state.secret_key)
    found: Identity | None = request.state.page_identity
    return found


def start_session(request: Request, response: Response, identity: Identity) -> None:
    """Log in: the signed identity in the session cookie, and a fresh CSRF seed."""
    sessions.start_session(response, identity, request.app.state.secret_key, secure=_secure(request))
    _new_seed(request, response)
    request.state.page_identity = identity


def end_session(request: Request, response: Response) -> None:
    """Log out: the session cookie removed, and a fresh CSRF seed."""
    sessions.end_session(response, secure=_secure(request))
    _new_seed(request, response)
    request.state.page_identity = None


def _new_seed(request: Request, response: Response) -> None:
    seed = secrets.token_urlsafe(32)
    request.state.csrf_seed = seed
    response.set_cookie(CSRF_COOKIE, seed, **_cookie_flags(request))


def _seed(request: Request) -> str:
    """This browser's CSRF seed; a new one (set on the response by :func:`keep_seed`) if it has none."""
    if not getattr(request.state, "csrf_seed", None):
        request.state.csrf_seed = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    seed: str = request.state.csrf_seed
    return seed


def _sign(request: Request, seed: str) -> str:
    identity = page_identity(request)
    subject = identity.subject if identity else ""
    key = request.app.state.secret_key.encode()
    return hmac.new(key, f"csrf|{seed}|{subject}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token the page's forms carry (hidden field ``csrf_token``)."""
    return _sign(request, _seed(request))


def keep_seed(request: Request, response: Response) -> None:
    """Set the seed cookie when this request made the seed (the browser's first page)."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed and seed != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, seed, **_cookie_flags(request))


def csrf_ok(request: Request, sent: str | None) -> bool:
    """Whether a form's (or an htmx request's header) token is this browser's and this session's."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not sent:
        return False
    return hmac.compare_digest(_sign(request, seed), sent)


def elder_mode(request: Request) -> bool:
    """Whether the person chose 长辈版 (remembered by a cookie)."""
    return request.cookies.get(ELDER_COOKIE) == "1"


def remember_elder(request: Request, response: Response, on: bool) -> None:
    if on:
        response.set_cookie(ELDER_COOKIE, "1", max_age=ELDER_MAX_AGE, **_cookie_flags(request))
    else:
        response.delete_cookie(ELDER_COOKIE, **_cookie_flags(request))
