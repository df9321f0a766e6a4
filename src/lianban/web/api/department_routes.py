"""Operators (运维) switch where a department's new items go: its system or the staff worklist."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from lianban.connectors.routing import department_routes, set_route
from lianban.errors import Forbidden
from lianban.security.tokens import Identity, Role
from lianban.web.auth import require_identity
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import now_of

router = APIRouter(prefix="/api/v1/operator/departments", tags=["operators"])

Caller = Annotated[Identity, Depends(require_identity)]


class RouteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["system", "worklist"]


def configured_systems(request: Request) -> set[str]:
    """Departments with a system this deployment reaches (the deployment file, or the demo's)."""
    systems = request.app.state.department_urls or {}
    return set(systems) | set(request.app.state.settings.departments)


@router.get("", summary="Each department: items to its system or to the worklist")
def get_routes(request: Request, identity: Caller) -> list[dict[str, Any]]:
    if identity.role not in (Role.OPERATOR, Role.SUPERVISOR):
        raise Forbidden("仅供运维和监督人员查看", "for operators and supervisors")
    with sessions_of(request)() as session:
        return department_routes(session, configured_systems(request))


@router.put("/{department}", summary="Send a department's new items to its system or to the worklist")
def put_route(request: Request, department: str, body: RouteBody, identity: Caller) -> dict[str, Any]:
    client = request.client.host if request.client else None
    with sessions_of(request)() as session, session.begin():
        return set_route(
            session, identity, department, body.mode, now_of(request), configured_systems(request), client
        )
