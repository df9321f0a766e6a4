"""Department routes (推送方式): an operator's switch sending a department's new items to the worklist.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_routes",
        sa.Column("department", sa.String(30), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("department", name=op.f("pk_department_routes")),
    )


def downgrade() -> None:
    op.drop_table("department_routes")
