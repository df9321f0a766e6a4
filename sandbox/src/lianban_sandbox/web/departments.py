"""PUT /api/v1/sandbox/departments/{department}: how a simulated department behaves from now on.

``{"mode": "worklist"}`` sends the department's new items to the staff worklist instead of its
simulator (staff decide them, as a department without an integrated system), ``{"mode":
"system"}`` gives them back — the same switch an operator flips on the 运维 page, logged as the
sandbox's.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.catalog.model import Department
from lianban.connectors.routing import set_route
from lianban.web.api.department_routes import configured_systems
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import now_of
from lianban.web.problems import Problem, not_found

router = APIRouter(prefix="/api/v1/sandbox/departments", tags=["sandbox"])


class DepartmentBehaviour(BaseModel):
    model_config = ConfigDict(extra="forbid")

    available: bool | None = None
    decision: Literal["approve", "reject", "correct"] | None = None
    latency_ms: int | None = Field(default=None, ge=0, le=600_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    timeout_rate: float | None = Field(default=None, ge=0, le=1)
    duplicate_callbacks: bool | None = None
    out_of_order_callbacks: bool | None = None
    callbacks: bool | None = None  # False: the department never calls back (the platform polls)
    mode: Literal["system", "worklist"] | None = None  # where its new items go (推送方式)


@router.put("/{department}", summary="Set a simulated department's behaviour")
def put_department(request: Request, department: str, body: DepartmentBehaviour) -> dict[str, Any]:
    if department not in {d.value for d in Department}:
        raise not_found(f"部门 {department} ", f"department {department}")
    settings = {k: v for k, v in body.model_dump().items() if v is not None and k != "mode"}
    behaviour: dict[str, Any] = {}
    if settings:
        fleet = getattr(request.app.state, "department_systems", None)
        if fleet is None:
            raise Problem(
                409,
                "未启动模拟部门",
                "No simulated departments",
                "本进程没有运行模拟部门（lianban demo 会启动它们）",
                "this process runs no simulated departments (lianban demo starts them)",
            )
        behaviour = fleet.control(department, **settings)
    if body.mode is not None:
        with sessions_of(request)() as session, session.begin():
            route = set_route(
                session, None, department, body.mode, now_of(request), configured_systems(request)
            )
        behaviour["mode"] = route["mode"]
    return {"department": department, **behaviour}
