"""Filing, answered before the router (受理快速通道): ``POST /api/v1/applications`` is the platform's
busiest write, and the framework's routing, dependency solving and per-route middleware cost a
filing more CPU (under the GIL, the process's one serial resource) than parsing and answering it.

:class:`Filings` is a pure ASGI layer that answers that one request when it is the usual one — a
bearer token that verifies, a JSON body that :class:`~lianban.web.api.applications.ApplicationBody`
accepts, an ``Idempotency-Key`` the route would take — with the route's own steps: the caller's
filing rate limit counted once (:func:`lianban.web.ratelimit.enforce`, its 429), then
:func:`lianban.web.api.applications.file_answer` (the service in the thread pool, its answer
serialised once), the service's refusal as the route's exception handler answers it
(:func:`lianban.web.problems.refusal_response`, in the caller's language). Anything else goes on to
the app with the body it sent, message for message, so the route answers it exactly as before: no
token or a bad one (401), a body it refuses (422, nothing counted twice: the rate limit is counted
only once the body is taken here), another content type, another method or path. It sits inside
:class:`~lianban.web.limits.BodySizeLimit`, so an oversized body is refused (413) as before. An
unexpected error is the app's 500 problem, as for any route (the server-error middleware is
outside this).
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianban.errors import DomainError
from lianban.security.tokens import Identity
from lianban.web.api.applications import FILING_RULE, IDEMPOTENCY_KEY_MAX, ApplicationBody, file_answer
from lianban.web.auth import scope_identity
from lianban.web.case_reads import route_path
from lianban.web.problems import Problem, refusal_response
from lianban.web.ratelimit import enforce

PATH = "/api/v1/applications"


class Filings:
    """ASGI middleware: ``POST /api/v1/applications`` with a verified token and a valid body, filed here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        identity = scope_identity(scope)
        if identity is None:  # no token or a bad one: the route's 401 (it reads the body itself)
            await self.app(scope, receive, send)
            return
        received, body = await _read(receive)
        taken = _taken(scope, body) if body is not None else None
        if taken is None:  # anything unusual: the route, with the messages it would have received
            await self.app(scope, _replay(received, receive), send)
            return
        await _file(scope, receive, send, identity, *taken)


async def _read(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The request's messages and its whole body; None for the body when the client went away."""
    received: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return received, None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return received, b"".join(chunks)


def _replay(received: list[Message], receive: Receive) -> Receive:
    """A ``receive`` giving the messages already read, in order, then the server's own."""
    pending = list(received)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header, as Starlette decodes it (latin-1); None when not sent."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _taken(scope: Scope, body: bytes) -> tuple[ApplicationBody, str | None] | None:
    """The body and Idempotency-Key as the route would take them, or None when the route should
    decide (a content type other than JSON, malformed JSON, a body or a key it refuses)."""
    content_type = _header(scope, b"content-type")
    if content_type is None or content_type.partition(";")[0].strip().lower() != "application/json":
        return None
    key = _header(scope, b"idempotency-key")
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        return None
    try:
        parsed = json.loads(body)
        return ApplicationBody.model_validate(parsed), key
    except (ValueError, ValidationError):  # JSONDecodeError, UnicodeDecodeError are ValueErrors
        return None


async def _file(
    scope: Scope,
    receive: Receive,
    send: Send,
    identity: Identity,
    body: ApplicationBody,
    key: str | None,
) -> None:
    """The rate limit, then the filing; a refusal of either as the route's problem."""
    request = Request(scope)
    try:
        if request.app.state.throttle.counts(FILING_RULE):
            await run_in_threadpool(enforce, request, FILING_RULE, identity.subject)
        answer = await file_answer(request, identity, body, key)
    except (Problem, DomainError) as refused:
        answer = refusal_response(request, refused)
    await answer(scope, receive, send)
