"""预约: bookings of half-day slots at service halls, their history and the messages sent.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("appointment_id", sa.String(40), nullable=False),
        sa.Column("booking_no", sa.String(20), nullable=False),
        sa.Column("person", sa.String(100), nullable=False),
        sa.Column("hall", sa.String(60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("period", sa.String(2), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("theme_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("person_slot", sa.Integer(), nullable=True),
        sa.Column("queue_no", sa.String(8), nullable=True),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("booking_no", name=op.f("uq_appointments_booking_no")),
        sa.UniqueConstraint("hall", "day", "period", "seat", name="uq_appointments_seat"),
        sa.UniqueConstraint("hall", "day", "queue_no", name="uq_appointments_queue_no"),
        sa.UniqueConstraint("person", "day", "person_slot", name="uq_appointments_person_slot"),
    )
    op.create_index("ix_appointments_hall_day", "appointments", ["hall", "day"])
    op.create_index(op.f("ix_appointments_person"), "appointments", ["person"])
    op.create_index(op.f("ix_appointments_status"), "appointments", ["status"])
    for table, action in (("appointment_events", "action"), ("appointment_notices", "channel")):
        columns = (
            [
                sa.Column("actor", sa.String(100), nullable=False),
                sa.Column("action", sa.String(30), nullable=False),
                sa.Column("detail", sa.JSON(), nullable=False),
            ]
            if action == "action"
            else [
                sa.Column("channel", sa.String(20), nullable=False),
                sa.Column("recipient", sa.String(100), nullable=False),
                sa.Column("text", sa.Text(), nullable=False),
            ]
        )
        op.create_table(
            table,
            sa.Column("appointment_id", sa.String(40), nullable=False),
            sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(
                ["appointment_id"],
                ["appointments.appointment_id"],
                name=op.f(f"fk_{table}_appointment_id_appointments"),
            ),
            sa.PrimaryKeyConstraint("appointment_id", "seq", name=op.f(f"pk_{table}")),
        )


def downgrade() -> None:
    op.drop_table("appointment_notices")
    op.drop_table("appointment_events")
    op.drop_table("appointments")
