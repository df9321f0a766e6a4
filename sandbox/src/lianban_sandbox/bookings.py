"""Bookings for today (沙箱：当日预约), so the window desk has applicants to check in.

The product books from tomorrow on (:mod:`lianban.appointments.service`); a demo started this
morning would otherwise have no one to check in until tomorrow. The sandbox writes a booking for
today's half-day that is still open, as if the applicant had booked it earlier — at the hall's
next free seat, recorded as booked by the sandbox — and nothing else: check-in, queue numbers and
no-shows are the product's.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.appointments.halls import PERIODS, Hall
from lianban.appointments.records import add_event
from lianban.appointments.schema import Appointment
from lianban.calendar import china_date

PRACTICE_HALL = "sandbox-practice-hall"  # the sandbox's hall open around the clock (data/halls.yaml)


class NoSlotToday(Exception):
    """Every half-day of the hall is over today (or the person is booked today already)."""


def book_today(
    session: Session, hall: Hall, subject: str, theme_id: str | None, now: datetime
) -> Appointment:
    """A booking of ``subject`` for today's half-day of ``hall`` that has not ended; the caller commits."""
    day = china_date(now)
    period = next((p for p in PERIODS if hall.slot(day, p)[1] > now), None)
    if period is None:
        raise NoSlotToday(f"{hall.name} 今日的时段均已结束")
    if session.execute(
        select(Appointment.appointment_id).where(
            Appointment.person == subject, Appointment.day == day, Appointment.status != "cancelled"
        )
    ).first():
        raise NoSlotToday(f"{subject} 今日已有预约")
    seats = set(
        session.execute(
            select(Appointment.seat).where(
                Appointment.hall == hall.id, Appointment.day == day, Appointment.period == period
            )
        ).scalars()
    )
    starts, ends = hall.slot(day, period)
    appointment = Appointment(
        appointment_id=uuid.uuid4().hex,
        booking_no=f"YY{day:%y%m%d}{'A' if period == 'am' else 'P'}{secrets.token_hex(3).upper()}",
        person=subject,
        hall=hall.id,
        day=day,
        period=period,
        starts_at=starts.astimezone(UTC),
        ends_at=ends.astimezone(UTC),
        theme_id=theme_id,
        status="booked",
        seat=next(n for n in range(1, len(seats) + 2) if n not in seats),
        person_slot=1,
        booked_at=now,
        updated_at=now,
    )
    session.add(appointment)
    session.flush()
    add_event(session, appointment.appointment_id, now, "sandbox", "booked", theme_id=theme_id)
    return appointment
