"""The window clerk's side of 预约: the day's bookings of a hall, check-in with a queue number
(取号: ``A012`` in the morning, ``B007`` in the afternoon) and the day's no-shows.

A clerk whose account names a hall works that hall only; another hall's bookings are not found.
A clerk account without a hall (a city-wide desk, the sandbox's) may work every hall. Bookers are
shown masked (PIPL: minimum necessary): the clerk checks the ID card itself at the window.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lianban.appointments.halls import Hall
from lianban.appointments.records import add_event, settle_no_shows
from lianban.appointments.schema import Appointment
from lianban.appointments.service import appointment_json, hall_of
from lianban.calendar import china_date
from lianban.clock import aware
from lianban.errors import Forbidden, not_found, refused_by_rule
from lianban.security.tokens import Identity, Role

QUEUE_LETTER = {"am": "A", "pm": "B"}
ATTEMPTS = 5


def masked(subject: str) -> str:
    """``person:420102199901011234`` → ``4201**********1234`` (an employer's USCC likewise)."""
    _kind, _, number = subject.partition(":")
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def _desk_hall(halls: dict[str, Hall], identity: Identity, hall_id: str) -> Hall:
    if identity.role is not Role.WINDOW_CLERK:
        raise Forbidden("只有综窗工作人员可以办理预约签到", "only window clerks work the bookings of a hall")
    hall = hall_of(halls, hall_id)
    if identity.hall is not None and identity.hall != hall.id:
        raise not_found(f"服务大厅 {hall_id} 的预约", f"bookings of hall {hall_id}")
    return hall


def day_bookings(
    session: Session, halls: dict[str, Hall], identity: Identity, hall_id: str, day: date, now: datetime
) -> list[dict[str, Any]]:
    """The day's bookings of a hall, morning first, in booking order; passed slots settled first."""
    hall = _desk_hall(halls, identity, hall_id)
    settle_no_shows(session, now, hall=hall.id, day=day)
    rows = session.execute(
        select(Appointment)
        .where(Appointment.hall == hall.id, Appointment.day == day, Appointment.status != "cancelled")
        .order_by(Appointment.period, Appointment.booked_at)
    ).scalars()
    return [{**appointment_json(a, hall), "person": masked(a.person)} for a in rows]


class QueueNumberTaken(Exception):
    """Two check-ins drew the same queue number: the later one draws again."""


def check_in(
    session: Session, halls: dict[str, Hall], identity: Identity, appointment_id: str, now: datetime
) -> dict[str, Any]:
    """Check a booked applicant in on the day of the slot, before it ends; gives a queue number."""
    appointment = session.get(Appointment, appointment_id, with_for_update=True)
    if appointment is None:
        raise not_found(f"预约 {appointment_id} ", f"appointment {appointment_id}")
    hall = _desk_hall(halls, identity, appointment.hall)
    if appointment.status != "booked":
        raise refused_by_rule(
            "appointment_id",
            "not_active",
            f"该预约当前为 {appointment.status}，不能签到",
            f"the booking is {appointment.status} and cannot be checked in",
        )
    if appointment.day != china_date(now):
        raise refused_by_rule(
            "appointment_id",
            "not_today",
            f"该预约在 {appointment.day.isoformat()}，只能当天签到",
            f"the booking is for {appointment.day.isoformat()}; check in on that day only",
        )
    if now > aware(appointment.ends_at):
        raise refused_by_rule(
            "appointment_id",
            "slot_over",
            "该预约时段已结束，请重新取号或预约",
            "the booked slot is over; take a walk-in number or book again",
        )
    letter = QUEUE_LETTER[appointment.period]
    drawn = session.execute(
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.hall == appointment.hall,
            Appointment.day == appointment.day,
            Appointment.period == appointment.period,
            Appointment.queue_no.is_not(None),
        )
    ).scalar_one()
    appointment.queue_no = f"{letter}{drawn + 1:03d}"
    appointment.status = "checked_in"
    appointment.checked_in_at = now
    appointment.updated_at = now
    try:
        session.flush()
    except IntegrityError as exc:
        raise QueueNumberTaken from exc
    add_event(session, appointment_id, now, identity.subject, "checked_in", queue_no=appointment.queue_no)
    return {**appointment_json(appointment, hall), "person": masked(appointment.person)}


def check_in_turn(
    sessions: sessionmaker[Session],
    halls: dict[str, Hall],
    identity: Identity,
    appointment_id: str,
    now: datetime,
) -> dict[str, Any]:
    """:func:`check_in` in its own transaction, drawn again if a queue number was taken meanwhile."""
    for _ in range(ATTEMPTS):
        try:
            with sessions() as session, session.begin():
                return check_in(session, halls, identity, appointment_id, now)
        except QueueNumberTaken:
            continue
    raise refused_by_rule("appointment_id", "busy", "取号繁忙，请重试", "queue numbers are busy; try again")


def mark_no_shows(
    session: Session, halls: dict[str, Hall], identity: Identity, hall_id: str, day: date, now: datetime
) -> int:
    """The clerk closes a day (or a half-day that is over): unchecked bookings become no-shows."""
    hall = _desk_hall(halls, identity, hall_id)
    return settle_no_shows(session, now, hall=hall.id, day=day)
