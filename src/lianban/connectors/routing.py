"""Where a department's new items go (推送方式): its system, or lianban's own worklist.

A deployment names each department's system in its deployment file; a department without one is
served by the worklist. An operator can override that at run time — send a department's *new*
items to the worklist while its system is down for long, or (in the sandbox) to let staff decide
what the simulator would — and give them back. Items already sent stay with the system. The switch
is a row every dispatcher reads, so all worker processes follow it at once; each change is in the
security log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.catalog.model import Department, department_name
from lianban.clock import aware
from lianban.connectors.schema import DepartmentRoute
from lianban.errors import Forbidden, invalid_field, not_found
from lianban.security.staff import Caller, log_event
from lianban.security.tokens import Identity, Role

MODES = ("system", "worklist")


def routed_to_worklist(session: Session, department: str) -> bool:
    """Whether an operator sent this department's new items to the worklist."""
    return (
        session.execute(select(DepartmentRoute.mode).where(DepartmentRoute.department == department)).scalar()
        == "worklist"
    )


def worklisted(session: Session) -> frozenset[str]:
    """The departments an operator sent to the worklist, all in one read (a worker's round)."""
    query = select(DepartmentRoute.department).where(DepartmentRoute.mode == "worklist")
    return frozenset(session.execute(query).scalars())


def route_json(department: str, route: DepartmentRoute | None, configured: bool) -> dict[str, Any]:
    return {
        "department": department,
        "name": department_name(department),
        "mode": route.mode if route else "system",
        "system_configured": configured,  # without a system, items go to the worklist either way
        **(
            {"changed_at": aware(route.changed_at).isoformat(), "changed_by": route.changed_by}
            if route
            else {}
        ),
    }


def department_routes(session: Session, configured: set[str]) -> list[dict[str, Any]]:
    routes = {r.department: r for r in session.execute(select(DepartmentRoute)).scalars()}
    return [route_json(d.value, routes.get(d.value), d.value in configured) for d in Department]


def set_route(
    session: Session,
    identity: Identity | None,
    department: str,
    mode: str,
    now: datetime,
    configured: set[str],
    client: str | None = None,
) -> dict[str, Any]:
    """Send the department's new items to ``mode``; ``identity`` None is the sandbox's own switch."""
    if identity is not None and identity.role is not Role.OPERATOR:
        raise Forbidden("只有运维人员可以切换推送方式", "only operators switch where a department's items go")
    if department not in {d.value for d in Department}:
        raise not_found(f"部门 {department} ", f"department {department}")
    if mode not in MODES:
        raise invalid_field(
            "mode", "code_list", "mode 须为 system 或 worklist", "mode must be system or worklist"
        )
    actor = identity.subject if identity is not None else "sandbox"
    route = session.get(DepartmentRoute, department, with_for_update=True)
    if route is None:
        route = DepartmentRoute(department=department)
        session.add(route)
    route.mode, route.changed_at, route.changed_by = mode, now, actor
    log_event(session, now, Caller(actor, client), "department_route", department, {"mode": mode})
    session.flush()
    return route_json(department, route, department in configured)
