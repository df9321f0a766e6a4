"""Tables of the appointments room (预约).

Capacity is kept by the database, not by a count read before writing: a booking holds a numbered
place (``seat``, 1 … the slot's capacity) unique per hall, day and half-day, and a numbered place
among its person's bookings of that day (``person_slot``, 1 … the per-day limit). Two bookings
racing for the last place cannot both get it; a cancellation gives both places back (NULL).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base


class Appointment(Base):
    """One booking of a half-day slot (预约): booked → checked_in | cancelled | no_show."""

    __tablename__ = "appointments"

    appointment_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    booking_no: Mapped[str] = mapped_column(String(20), unique=True)
    person: Mapped[str] = mapped_column(String(100), index=True)  # the booker's subject
    hall: Mapped[str] = mapped_column(String(60))
    day: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(2))  # am | pm
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    theme_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)
    seat: Mapped[int | None] = mapped_column(Integer)
    person_slot: Mapped[int | None] = mapped_column(Integer)
    queue_no: Mapped[str | None] = mapped_column(String(8))
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("hall", "day", "period", "seat", name="uq_appointments_seat"),
        UniqueConstraint("person", "day", "person_slot", name="uq_appointments_person_slot"),
        UniqueConstraint("hall", "day", "queue_no", name="uq_appointments_queue_no"),
        Index("ix_appointments_hall_day", "hall", "day"),
    )


class AppointmentEvent(Base):
    """What happened to a booking and who did it (审计): booked, cancelled, checked in, no-show."""

    __tablename__ = "appointment_events"

    appointment_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("appointments.appointment_id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class AppointmentNotice(Base):
    """A message to the booker about a booking: in the app always, by SMS through the senders."""

    __tablename__ = "appointment_notices"

    appointment_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("appointments.appointment_id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
