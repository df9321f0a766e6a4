"""The staff desks (工作人员页面) under ``/staff/``: the window console (综窗), the department
worklist (部门工作台), the supervisor's dashboard (监管) and the operator's view (运维).

Each desk serves its roles only (checked on the server, :mod:`.access`); the rules are the
services' — the same functions the API calls.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lianban.web.pages.rendering import redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff import (
    follow_ups,
    operator,
    supervisor,
    window,
    window_apply,
    window_batch,
    window_cases,
    worklist,
)
from lianban.web.pages.staff.access import STAFF_ROLES, home_desk, staff_caller

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/staff")
def staff_home(request: Request) -> Response:
    """Each staff member's own desk."""
    identity = staff_caller(request, *STAFF_ROLES)
    return redirect(request, home_desk(identity))


ROUTERS = (
    router,
    worklist.router,
    follow_ups.router,
    operator.router,
    supervisor.router,
    window.router,
    window_apply.start_router,
    window_apply.router,
    window_cases.router,
    window_batch.router,
)

__all__ = ["ROUTERS"]
