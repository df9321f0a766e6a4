"""PUT /api/v1/sandbox/departments/{department}: how a simulated department behaves from now on."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.catalog.model import Department
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


@router.put("/{department}", summary="Set a simulated department's behaviour")
def put_department(request: Request, department: str, body: DepartmentBehaviour) -> dict[str, Any]:
    if department not in {d.value for d in Department}:
        raise not_found(f"部门 {department} ", f"department {department}")
    fleet = getattr(request.app.state, "department_systems", None)
    if fleet is None:
        raise Problem(
            409,
            "未启动模拟部门",
            "No simulated departments",
            "本进程没有运行模拟部门（lianban demo 会启动它们）",
            "this process runs no simulated departments (lianban demo starts them)",
        )
    settings = {k: v for k, v in body.model_dump().items() if v is not None}
    behaviour: dict[str, Any] = fleet.control(department, **settings)
    return {"department": department, **behaviour}
