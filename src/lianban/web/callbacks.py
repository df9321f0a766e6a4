"""Department callbacks, answered before the router (部门回调快速通道): a department's signed
``POST /api/v1/connectors/{department}/callback`` is what the API does for every item sent, and the
framework's routing, dependency solving and response model cost it more CPU than the answer. The
applicant's signed return from a department's site (``GET …/{department}/return``, 跳转办理结果)
likewise: the route's own :func:`~lianban.web.api.connectors.return_answer`, in the thread pool.

:class:`Callbacks` is a pure ASGI layer that answers that request with the route's own steps
(:func:`lianban.web.api.connectors.callback_answer`: the department's keys, the signature, the
body, the decision recorded in the thread pool) and its refusals as the route's exception handlers
answer them (:func:`lianban.web.problems.refusal_response`, in the caller's language). Any other
method or path goes on to the app. It sits inside :class:`~lianban.web.limits.BodySizeLimit`, so an
oversized body is refused (413) as before; an unexpected error is the app's 500 problem, as for any
route (the server-error middleware is outside this).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from lianban.errors import DomainError
from lianban.web.api.connectors import callback_answer, return_answer, router
from lianban.web.case_reads import route_path
from lianban.web.problems import Problem, refusal_response

PREFIX = f"{router.prefix}/"
SUFFIX = "/callback"


RETURN = "/return"


def department_of(path: str, suffix: str = SUFFIX) -> str | None:
    """The department a callback's path (or, ``suffix`` ``/return``, a return's) names, as the
    route's ``{department}`` matches it; None when ``path`` is not one."""
    if not path.startswith(PREFIX) or not path.endswith(suffix):
        return None
    department = path[len(PREFIX) : -len(suffix)]
    return department if department and "/" not in department else None


class Callbacks:
    """ASGI middleware: ``POST /api/v1/connectors/{department}/callback`` answered here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in ("POST", "GET"):
            await self.app(scope, receive, send)
            return
        department = department_of(route_path(scope), SUFFIX if method == "POST" else RETURN)
        if department is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            if method == "POST":
                answered = await callback_answer(request, department, await request.body())
            else:  # the applicant back from the department's site: verified and recorded in the pool
                answered = await run_in_threadpool(return_answer, request, department)
            answer = JSONResponse(answered)
        except (Problem, DomainError) as refused:
            answer = refusal_response(request, refused)
        await answer(scope, receive, send)
