"""Working-day due dates (工作日计算): GET /api/v1/calendar/due-date."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

from lianban.calendar import BeyondCalendar, due_date
from lianban.web.problems import FieldError, Problem

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


def _bad(field: str, zh: str, en: str, code: str = "format") -> Problem:
    return Problem(422, "请求参数有误", "Invalid request", zh, en, [FieldError(field, code, zh, en)])


@router.get("/due-date", summary="The Nth working day after start (the day after is day 1)")
def get_due_date(
    start: str = Query(description="受理日期 YYYY-MM-DD"),
    working_days: str = Query(description="工作日数，0 为即办"),
) -> dict[str, Any]:
    try:
        start_date = date.fromisoformat(start)
    except ValueError:
        raise _bad(
            "start",
            f"start 必须是 YYYY-MM-DD 格式的日期，收到 {start!r}",
            f"start must be a date YYYY-MM-DD, got {start!r}",
        ) from None
    try:
        n = int(working_days)
    except ValueError:
        raise _bad(
            "working_days",
            f"working_days 必须是整数，收到 {working_days!r}",
            f"working_days must be an integer, got {working_days!r}",
        ) from None
    if n < 0:
        raise _bad(
            "working_days",
            "working_days 不能为负数（即办为 0）",
            "working_days cannot be negative (0 means same day)",
            "range",
        )
    if n > 3650:
        raise _bad("working_days", "working_days 不能超过 3650", "working_days cannot exceed 3650", "range")
    try:
        result = due_date(start_date, n)
    except BeyondCalendar:
        raise _bad(
            "start",
            f"从 {start_date.isoformat()} 起 {n} 个工作日超出了日历的范围（最晚 9999-12-31）",
            f"{n} working days after {start_date.isoformat()} run past the calendar's end (9999-12-31)",
            "range",
        ) from None
    return {
        "start": start_date.isoformat(),
        "working_days": n,
        "due_date": result.due_date.isoformat(),
        "provisional": result.provisional,
    }
