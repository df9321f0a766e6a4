"""Reading one case, answered before the router (办件查询快速通道): ``GET /api/v1/applications/{id}``
is the platform's most frequent request, and the framework's routing, dependency solving and
per-route middleware cost more CPU than the read itself.

:class:`CaseReads` is a pure ASGI layer that answers that one request when it can — a bearer token
that verifies — with the very service and bytes the routed handler gives
(:func:`lianban.cases.service.case_view`, :func:`lianban.web.api.answers.json_answer`'s
serialisation), the read run in the same thread pool; the service's refusal (another's case, or
none: 404) as the route's exception handler answers it (:func:`lianban.web.problems.refusal_response`,
in the caller's language), so a refused read is read once. Everything else goes on to the app,
unchanged: no token or a bad one (the route's 401), any other method or path. The route stays
declared (the OpenAPI document, and the answer without a token). An unexpected error is the app's
500 problem, as for any route (the server-error middleware is outside this).
"""

from __future__ import annotations

import re
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from lianban.cases.service import case_view
from lianban.errors import DomainError
from lianban.security.tokens import Identity
from lianban.web.api.answers import json_bytes
from lianban.web.auth import scope_identity
from lianban.web.problems import refusal_response

PATH = re.compile(r"/api/v1/applications/([^/]+)")


class CaseReads:
    """ASGI middleware: ``GET /api/v1/applications/{case_id}`` of the caller's own case, answered here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = PATH.fullmatch(route_path(scope))
            identity = scope_identity(scope) if found is not None else None
            if found is not None and identity is not None:
                await self._answer(scope, receive, send, identity, found.group(1))
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(scope: Scope, receive: Receive, send: Send, identity: Identity, case_id: str) -> None:
        """The case's JSON, or the service's refusal as the route's exception handler answers it."""
        platform = scope["app"].state.platform
        try:
            view: dict[str, Any] = await anyio.to_thread.run_sync(case_view, platform, identity, case_id)
        except DomainError as refused:  # not the caller's case, or none: 404, in her language
            await refusal_response(Request(scope), refused)(scope, receive, send)
            return
        body = json_bytes(view)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def route_path(scope: Scope) -> str:
    """The path the router matches: without the root path the app is served under (Starlette's
    own helper for this is private, ``starlette._utils.get_route_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
