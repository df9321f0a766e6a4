"""运维 page: sub-items dispatch gave up on (with the last error) and jobs stuck retrying, retry one
or all, each department's system as dispatch last found it, and the switch sending a department's
new items to the staff worklist or back to its system. The rules are :mod:`lianban.dispatch`'s and
:mod:`lianban.connectors.routing`'s."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.connectors.routing import set_route
from lianban.dispatch import service, watch
from lianban.security.tokens import Role
from lianban.web.api.department_routes import configured_systems
from lianban.web.deps import platform_of, sessions_of
from lianban.web.pages.rendering import redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import render_staff, staff_caller
from lianban.web.pages.staff.words import when

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MESSAGES = {
    "retried": "已重新排队推送：{n} 项。",
    "worklist": "{dept} 的新事项今后推送至部门工作台。",
    "system": "{dept} 的新事项今后推送至其业务系统。",
}


@router.get("/staff/operator", response_class=HTMLResponse)
def operator_page(
    request: Request,
    done: str = Query("", max_length=20),
    n: int = Query(0, ge=0),
    dept: str = Query("", max_length=30),
) -> HTMLResponse:
    identity = staff_caller(request, Role.OPERATOR)
    ctx = platform_of(request)
    departments = watch.availability(ctx, identity, configured_systems(request))
    names = {d["department"]: d["name"] for d in departments}
    message = MESSAGES[done].format(n=n, dept=names.get(dept, dept)) if done in MESSAGES else ""
    return render_staff(
        request,
        identity,
        "staff/operator.html",
        {
            "departments": departments,
            "failed": service.failed(ctx, identity),
            "stuck": watch.stuck_jobs(ctx, identity),
            "names": names,
            "when": when,
            "message": message,
        },
    )


@router.post("/staff/operator/items/{item_id}/retry")
def retry_one(request: Request, item_id: str) -> Response:
    identity = staff_caller(request, Role.OPERATOR)
    service.retry(platform_of(request), identity, item_id)  # 409 when it is not failed
    return redirect(request, f"/staff/operator?{urlencode({'done': 'retried', 'n': 1})}")


@router.post("/staff/operator/retry-all")
def retry_all(request: Request) -> Response:
    identity = staff_caller(request, Role.OPERATOR)
    count = watch.retry_all(platform_of(request), identity)
    return redirect(request, f"/staff/operator?{urlencode({'done': 'retried', 'n': count})}")


@router.post("/staff/operator/departments/{department}")
def switch_route(
    request: Request, department: str, mode: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    identity = staff_caller(request, Role.OPERATOR)
    client = request.client.host if request.client else None
    with sessions_of(request)() as session, session.begin():
        set_route(
            session,
            identity,
            department,
            mode,
            platform_of(request).clock.now(),
            configured_systems(request),
            client,
        )
    return redirect(request, f"/staff/operator?{urlencode({'done': mode, 'dept': department})}")
