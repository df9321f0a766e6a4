"""A booking's history (审计: who booked, cancelled, checked in; no-shows) and the messages sent
to the booker (in the app, and by SMS through the platform's senders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lianban.appointments.schema import Appointment, AppointmentEvent, AppointmentNotice
from lianban.notify.senders import Sender


def add_event(
    session: Session, appointment_id: str, at: datetime, actor: str, action: str, **detail: Any
) -> None:
    last = session.execute(
        select(func.max(AppointmentEvent.seq)).where(AppointmentEvent.appointment_id == appointment_id)
    ).scalar()
    session.add(
        AppointmentEvent(
            appointment_id=appointment_id,
            seq=(last or 0) + 1,
            at=at,
            actor=actor,
            action=action,
            detail=detail,
        )
    )
    session.flush()


def tell(
    session: Session,
    appointment: Appointment,
    text: str,
    at: datetime,
    mobile: str | None,
    senders: Sequence[Sender],
) -> None:
    """A message to the booker: in the app always, by SMS where there is a number."""
    recipients = [("in_app", appointment.person)] + ([("sms", mobile)] if mobile and senders else [])
    last = session.execute(
        select(func.max(AppointmentNotice.seq)).where(
            AppointmentNotice.appointment_id == appointment.appointment_id
        )
    ).scalar()
    for n, (channel, recipient) in enumerate(recipients, start=(last or 0) + 1):
        session.add(
            AppointmentNotice(
                appointment_id=appointment.appointment_id,
                seq=n,
                at=at,
                channel=channel,
                recipient=recipient,
                text=text,
            )
        )
    session.flush()
    if mobile:
        for sender in senders:
            sender.send_text(session, mobile, text, at)


def settle_no_shows(
    session: Session,
    now: datetime,
    *,
    hall: str | None = None,
    person: str | None = None,
    day: date | None = None,
) -> int:
    """Bookings not checked in by the end of their slot become no-shows (爽约); returns how many."""
    query = select(Appointment.appointment_id).where(
        Appointment.status == "booked", Appointment.ends_at < now
    )
    if hall is not None:
        query = query.where(Appointment.hall == hall)
    if person is not None:
        query = query.where(Appointment.person == person)
    if day is not None:
        query = query.where(Appointment.day == day)
    ids = list(session.execute(query).scalars())
    if not ids:
        return 0
    session.execute(
        update(Appointment)
        .where(Appointment.appointment_id.in_(ids), Appointment.status == "booked")
        .values(status="no_show", updated_at=now)
    )
    for appointment_id in ids:
        add_event(session, appointment_id, now, "system", "no_show")
    return len(ids)
