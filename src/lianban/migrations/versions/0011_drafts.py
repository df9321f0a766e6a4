"""Drafts (草稿): a half-filled form per applicant and theme, its personal values encrypted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("theme_id", sa.String(100), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),  # ProtectedJSON: sealed values, stored as JSON
        sa.Column("situation", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("step", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "theme_id", name=op.f("pk_drafts")),
    )
    op.create_index(op.f("ix_drafts_expires_at"), "drafts", ["expires_at"])


def downgrade() -> None:
    op.drop_table("drafts")
