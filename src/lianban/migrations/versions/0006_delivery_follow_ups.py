"""Delivery follow-ups (送达跟踪): an outbox job may follow a delivery, and a delivery records when
it was last followed up and how many times.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_jobs") as batch:
        batch.add_column(sa.Column("delivery_id", sa.String(40), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("follow_ups", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("follow_ups")
    with op.batch_alter_table("outbox_jobs") as batch:
        batch.drop_column("delivery_id")
