"""Exchange nonces (防重放): the nonces departments signed callbacks with, kept in the database.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_nonces",
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("department", sa.String(30), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_exchange_nonces")),
    )
    op.create_index(op.f("ix_exchange_nonces_seen_at"), "exchange_nonces", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_exchange_nonces_seen_at"), table_name="exchange_nonces")
    op.drop_table("exchange_nonces")
