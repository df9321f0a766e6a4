"""Which half-days may be booked (可预约时段) and how many places each has left.

Bookable are the next ``booking_working_days`` working days from tomorrow under the statutory
calendar (weekends and holidays skipped, make-up working days included), each with a morning and
an afternoon slot of ``windows × slots_per_window`` places.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianban.appointments.halls import PERIODS, Hall
from lianban.appointments.schema import Appointment
from lianban.calendar import is_working_day
from lianban.regional import BookingRules

HOLDING = ("booked", "checked_in", "no_show")  # statuses that keep their place


def bookable_days(today: date, rules: BookingRules) -> list[date]:
    """The next working days after ``today`` that may be booked."""
    days: list[date] = []
    day = today
    while len(days) < rules.booking_working_days:
        day += timedelta(days=1)
        if is_working_day(day):
            days.append(day)
    return days


def capacity(hall: Hall, rules: BookingRules) -> int:
    return hall.windows * rules.slots_per_window


def taken(session: Session, hall: str, days: list[date]) -> dict[tuple[date, str], int]:
    """Places held per (day, half-day)."""
    if not days:
        return {}
    rows = session.execute(
        select(Appointment.day, Appointment.period, func.count())
        .where(Appointment.hall == hall, Appointment.day.in_(days), Appointment.seat.is_not(None))
        .group_by(Appointment.day, Appointment.period)
    )
    return {(day, period): n for day, period, n in rows}


def free_slots(
    session: Session, hall: Hall, rules: BookingRules, today: date, start: date | None = None
) -> list[dict[str, Any]]:
    """Every bookable half-day from ``start`` (default: tomorrow) with its free places."""
    days = [d for d in bookable_days(today, rules) if start is None or d >= start]
    held = taken(session, hall.id, days)
    size = capacity(hall, rules)
    out: list[dict[str, Any]] = []
    for day in days:
        for period in PERIODS:
            starts, ends = hall.slot(day, period)
            out.append(
                {
                    "hall": hall.id,
                    "date": day.isoformat(),
                    "period": period,
                    "starts_at": starts.isoformat(),
                    "ends_at": ends.isoformat(),
                    "capacity": size,
                    "free": max(size - held.get((day, period), 0), 0),
                }
            )
    return out
