"""Booking and cancelling a half-day at a service hall (预约), under the region's rules.

A person (or an employer's agent) books a slot on one of the next working days, gets a booking
number in the app and by SMS, and may cancel up to the region's limit before the slot starts. A
person who missed ``no_show_limit`` bookings in a calendar month cannot book for the rest of it.
Each refusal names its rule (``errors[0].code``): ``booking_window``, ``not_working_day``,
``slot_full``, ``one_per_day``, ``no_show_limit``, ``cancel_deadline``, ``not_active``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lianban.appointments.halls import PERIOD_WORDS, Hall
from lianban.appointments.records import add_event, settle_no_shows, tell
from lianban.appointments.schema import Appointment, AppointmentNotice
from lianban.appointments.slots import bookable_days, capacity
from lianban.calendar import CHINA_TZ, china_date, is_working_day
from lianban.catalog.catalogue import Catalogue
from lianban.clock import aware
from lianban.errors import Forbidden, invalid_field, not_found, refused_by_rule
from lianban.notify.senders import Sender
from lianban.regional import BookingRules, ByRegion
from lianban.security.tokens import Identity, Role
from lianban.sharing.providers import SharingHub

BOOKERS = (Role.APPLICANT, Role.EMPLOYER)
ATTEMPTS = 5  # a place taken by a racing booking is looked for again this many times


@dataclass(frozen=True)
class BookingRequest:
    hall: str
    day: date
    period: str
    theme_id: str | None = None
    mobile: str | None = None  # where the SMS goes; else the number data sharing knows


def sms_number(sharing: SharingHub | None, identity: Identity, given: str | None) -> str | None:
    """The number the booking's SMS goes to: the one given, else the one the population registry knows."""
    if given:
        return given
    if sharing is None or not identity.id_number:
        return None
    person = sharing.population.person(identity.id_number)
    return str(person.mobile) if person is not None and person.mobile else None


def hall_of(halls: dict[str, Hall], hall_id: str) -> Hall:
    hall = halls.get(hall_id)
    if hall is None:
        raise invalid_field(
            "hall", "unknown", f"没有服务大厅 {hall_id}", f"there is no service hall {hall_id}"
        )
    return hall


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _refuse_by_rules(
    session: Session, person: str, hall: Hall, request: BookingRequest, rules: BookingRules, today: date
) -> None:
    first, last = _month(today)
    missed = session.execute(
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.person == person,
            Appointment.status == "no_show",
            Appointment.day.between(first, last),
        )
    ).scalar_one()
    if missed >= rules.no_show_limit:
        raise refused_by_rule(
            "date",
            "no_show_limit",
            f"本月已有 {missed} 次预约未到，本月内（至 {last.isoformat()}）不能再预约",
            f"{missed} missed bookings this month: no new booking this month (until {last.isoformat()})",
        )
    if not is_working_day(request.day):
        raise refused_by_rule(
            "date",
            "not_working_day",
            f"{request.day.isoformat()} 不是工作日，大厅不开放预约",
            f"{request.day.isoformat()} is not a working day; the hall takes no bookings",
        )
    days = bookable_days(today, rules)
    if request.day not in days:
        raise refused_by_rule(
            "date",
            "booking_window",
            f"只能预约明天起 {rules.booking_working_days} 个工作日内的时段（{days[0]} 至 {days[-1]}）",
            f"only the next {rules.booking_working_days} working days from tomorrow may be booked ({days[0]} to {days[-1]})",
        )


def _place(
    session: Session, hall: Hall, request: BookingRequest, person: str, rules: BookingRules
) -> tuple[int, int]:
    """A free seat of the slot and a free place among the person's bookings of the day."""
    held = set(
        session.execute(
            select(Appointment.seat).where(
                Appointment.hall == hall.id,
                Appointment.day == request.day,
                Appointment.period == request.period,
                Appointment.seat.is_not(None),
            )
        ).scalars()
    )
    seat = next((n for n in range(1, capacity(hall, rules) + 1) if n not in held), None)
    if seat is None:
        zh, en = PERIOD_WORDS[request.period]
        raise refused_by_rule(
            "period",
            "slot_full",
            f"{hall.name} {request.day.isoformat()} {zh}已约满，请选择其他时段",
            f"{hall.name} is fully booked on {request.day.isoformat()} ({en}); choose another slot",
        )
    mine = set(
        session.execute(
            select(Appointment.person_slot).where(
                Appointment.person == person,
                Appointment.day == request.day,
                Appointment.person_slot.is_not(None),
            )
        ).scalars()
    )
    person_slot = next((n for n in range(1, rules.per_person_per_day + 1) if n not in mine), None)
    if person_slot is None:
        raise refused_by_rule(
            "date",
            "one_per_day",
            f"每人每天只能预约 {rules.per_person_per_day} 次，您 {request.day.isoformat()} 已有预约",
            f"{rules.per_person_per_day} booking(s) per person per day: you already booked {request.day.isoformat()}",
        )
    return seat, person_slot


class PlaceTaken(Exception):
    """Another booking took the same place between reading and writing: try again."""


def book_in_turn(
    sessions: sessionmaker[Session],
    catalogue: Catalogue,
    halls: dict[str, Hall],
    identity: Identity,
    request: BookingRequest,
    now: datetime,
    rules: ByRegion[BookingRules],
    senders: Sequence[Sender] = (),
) -> dict[str, Any]:
    """:func:`book` in its own transaction, taken again when a racing booking took the place."""
    for _ in range(ATTEMPTS):
        try:
            with sessions() as session, session.begin():
                return book(session, catalogue, halls, identity, request, now, rules, senders)
        except PlaceTaken:
            continue
    raise refused_by_rule(
        "period", "slot_full", "该时段预约人数过多，请稍后再试", "too many bookings at once; try again"
    )


def book(
    session: Session,
    catalogue: Catalogue,
    halls: dict[str, Hall],
    identity: Identity,
    request: BookingRequest,
    now: datetime,
    rules: ByRegion[BookingRules],
    senders: Sequence[Sender] = (),
) -> dict[str, Any]:
    """Book a half-day; the caller commits. Places are taken under unique constraints, so two
    bookings racing for the last place (or one person's two tabs) never both succeed: the loser
    gets :class:`PlaceTaken` and its transaction is rolled back."""
    if identity.role not in BOOKERS:
        raise Forbidden("只有申请人或用人单位可以预约", "only applicants and employers book")
    hall = hall_of(halls, request.hall)
    region_rules = rules.for_region(hall.region_code)
    if request.theme_id is not None:
        theme = catalogue.themes.get(request.theme_id)
        if theme is None or not hall.serves(theme.id, theme.region_code):
            raise invalid_field(
                "theme_id",
                "not_served",
                f"{hall.name} 不办理主题 {request.theme_id}",
                f"{hall.name} does not handle theme {request.theme_id}",
            )
    settle_no_shows(session, now, person=identity.subject)
    _refuse_by_rules(session, identity.subject, hall, request, region_rules, china_date(now))
    starts, ends = hall.slot(request.day, request.period)
    seat, person_slot = _place(session, hall, request, identity.subject, region_rules)
    appointment = Appointment(
        appointment_id=uuid.uuid4().hex,
        booking_no=f"YY{request.day:%y%m%d}{'A' if request.period == 'am' else 'P'}{secrets.token_hex(3).upper()}",
        person=identity.subject,
        hall=hall.id,
        day=request.day,
        period=request.period,
        starts_at=starts.astimezone(UTC),  # stored in UTC: SQLite keeps no offset
        ends_at=ends.astimezone(UTC),
        theme_id=request.theme_id,
        status="booked",
        seat=seat,
        person_slot=person_slot,
        booked_at=now,
        updated_at=now,
    )
    session.add(appointment)
    try:
        session.flush()
    except IntegrityError as exc:
        raise PlaceTaken from exc
    add_event(session, appointment.appointment_id, now, identity.subject, "booked", theme_id=request.theme_id)
    zh, _ = PERIOD_WORDS[request.period]
    tell(
        session,
        appointment,
        f"【联办】您已预约{hall.name} {request.day.isoformat()} {zh}"
        f"（{starts:%H:%M}-{ends:%H:%M}），预约号 {appointment.booking_no}。请携带身份证件按时到综合窗口取号；"
        f"如需取消，请在开始前 {region_rules.cancel_hours_before} 小时办理。",
        now,
        request.mobile,
        senders,
    )
    return appointment_json(appointment, hall)


def _own(session: Session, identity: Identity, appointment_id: str) -> Appointment:
    appointment = session.get(Appointment, appointment_id, with_for_update=True)
    if appointment is None or appointment.person != identity.subject:
        raise not_found(f"预约 {appointment_id} ", f"appointment {appointment_id}")
    return appointment


def cancel(
    session: Session,
    halls: dict[str, Hall],
    identity: Identity,
    appointment_id: str,
    now: datetime,
    rules: ByRegion[BookingRules],
) -> None:
    """Cancel a booking up to the region's limit before its slot starts; cancelling twice is harmless."""
    appointment = _own(session, identity, appointment_id)
    if appointment.status == "cancelled":
        return
    if appointment.status != "booked":
        raise refused_by_rule(
            "appointment_id",
            "not_active",
            f"预约已{'签到' if appointment.status == 'checked_in' else '过期（未到）'}，不能取消",
            f"the booking is {appointment.status} and can no longer be cancelled",
        )
    hall = halls.get(appointment.hall)
    hours = (
        rules.for_region(hall.region_code).cancel_hours_before if hall else rules.default.cancel_hours_before
    )
    if now > aware(appointment.starts_at) - timedelta(hours=hours):
        raise refused_by_rule(
            "appointment_id",
            "cancel_deadline",
            f"时段开始前 {hours} 小时内不能取消预约",
            f"a booking cannot be cancelled less than {hours} hours before its slot starts",
        )
    appointment.status = "cancelled"
    appointment.seat = None
    appointment.person_slot = None
    appointment.updated_at = now
    add_event(session, appointment_id, now, identity.subject, "cancelled")
    tell(session, appointment, f"【联办】您的预约 {appointment.booking_no} 已取消。", now, None, ())


def my_appointments(
    session: Session, halls: dict[str, Hall], identity: Identity, now: datetime
) -> list[dict[str, Any]]:
    """The caller's bookings, the coming ones first."""
    settle_no_shows(session, now, person=identity.subject)
    rows = session.execute(
        select(Appointment)
        .where(Appointment.person == identity.subject)
        .order_by(Appointment.starts_at.desc())
        .limit(200)
    ).scalars()
    return [appointment_json(a, halls.get(a.hall)) for a in rows]


def one_appointment(
    session: Session, halls: dict[str, Hall], identity: Identity, appointment_id: str
) -> dict[str, Any]:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.person != identity.subject:
        raise not_found(f"预约 {appointment_id} ", f"appointment {appointment_id}")
    answer = appointment_json(appointment, halls.get(appointment.hall))
    answer["notices"] = [
        {"at": n.at.isoformat(), "channel": n.channel, "text": n.text}
        for n in session.execute(
            select(AppointmentNotice)
            .where(AppointmentNotice.appointment_id == appointment_id)
            .order_by(AppointmentNotice.seq)
        ).scalars()
    ]
    return answer


def appointment_json(a: Appointment, hall: Hall | None) -> dict[str, Any]:
    return {
        "appointment_id": a.appointment_id,
        "booking_no": a.booking_no,
        "hall": a.hall,
        "hall_name": hall.name if hall else a.hall,
        "date": a.day.isoformat(),
        "period": a.period,
        "starts_at": aware(a.starts_at).astimezone(CHINA_TZ).isoformat(),
        "ends_at": aware(a.ends_at).astimezone(CHINA_TZ).isoformat(),
        "theme_id": a.theme_id,
        "status": a.status,
        **({"queue_no": a.queue_no} if a.queue_no else {}),
    }
