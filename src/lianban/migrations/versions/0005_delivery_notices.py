"""Deliveries (统一送达) and notices to applicants.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("delivery_id", sa.String(40), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("recipient", sa.String(100), nullable=True),
        sa.Column("tracking_no", sa.String(60), nullable=True),
        sa.Column("pickup_code", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_deliveries_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "delivery_id", name=op.f("pk_deliveries")),
    )
    op.create_table(
        "notices",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_notices_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_notices")),
    )


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("deliveries")
