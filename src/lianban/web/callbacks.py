"""Department callbacks, answered before the router (部门回调快速通道): a department's signed
``POST /api/v1/connectors/{department}/callback`` is what the API does for every item sent, and the
framework's routing, dependency solving and response model cost it more CPU than the answer.

:class:`Callbacks` is a pure ASGI layer that answers that request with the route's own steps
(:func:`lianban.web.api.connectors.callback_answer`: the department's keys, the signature, the
body, the decision recorded in the thread pool) and its refusals as the route's exception handlers
answer them (:func:`lianban.web.problems.refusal_response`, in the caller's language). Any other
method or path goes on to the app. It sits inside :class:`~lianban.web.limits.BodySizeLimit`, so an
oversized body is refused (413) as before; an unexpected error is the app's 500 problem, as for any
route (the server-error middleware is outside this).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from lianban.errors import DomainError
from lianban.web.api.connectors import callback_answer, router
from lianban.web.case_reads import route_path
from lianban.web.problems import Problem, refusal_response

PREFIX = f"{router.prefix}/"
SUFFIX = "/callback"


def department_of(path: str) -> str | None:
    """The department a callback's path names (as the route's ``{department}`` matches it), or None
    when ``path`` is not a callback's."""
    if not path.startswith(PREFIX) or not path.endswith(SUFFIX):
        return None
    department = path[len(PREFIX) : -len(SUFFIX)]
    return department if department and "/" not in department else None


class Callbacks:
    """ASGI middleware: ``POST /api/v1/connectors/{department}/callback`` answered here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        department = (
            department_of(route_path(scope))
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if department is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            answer = JSONResponse(await callback_answer(request, department, await request.body()))
        except (Problem, DomainError) as refused:
            answer = refusal_response(request, refused)
        await answer(scope, receive, send)
