"""POST /api/v1/sandbox/appointments: a booking for today (sandbox mode only), for the window
desk's check-in — see :mod:`lianban_sandbox.bookings`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.appointments.desk import masked
from lianban.appointments.service import appointment_json, hall_of
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import halls_of, now_of
from lianban.web.problems import Problem
from lianban_sandbox.bookings import PRACTICE_HALL, NoSlotToday, book_today

router = APIRouter(prefix="/api/v1/sandbox", tags=["sandbox"])


class TodayBooking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(default=None, max_length=18)
    uscc: str | None = Field(default=None, max_length=18)
    hall: str = Field(default=PRACTICE_HALL, max_length=60)
    theme_id: str | None = Field(default=None, max_length=100)


@router.post(
    "/appointments", status_code=201, summary="Sandbox: a booking for today, to check in at the window"
)
def post_today(request: Request, body: TodayBooking) -> dict[str, Any]:
    if bool(body.id_number) == bool(body.uscc):
        raise Problem(422, "请给出身份证号或统一社会信用代码之一", "Give one of id_number or uscc")
    subject = f"person:{body.id_number.upper()}" if body.id_number else f"employer:{str(body.uscc).upper()}"
    hall = hall_of(halls_of(request), body.hall)
    try:
        with sessions_of(request)() as session, session.begin():
            booked = book_today(session, hall, subject, body.theme_id, now_of(request))
            return {**appointment_json(booked, hall), "person": masked(subject)}
    except NoSlotToday as exc:
        raise Problem(409, "今日无可预约时段", "No slot left today", str(exc)) from None
