"""Follow-up obligations (后补材料): papers handed in after the application by a due date — Shangrao's
缓缴/降缴 papers to the 公积金分中心 within one month (issue 17, point 2).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_obligations",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("obligation_id", sa.String(40), nullable=False),
        sa.Column("department", sa.String(30), nullable=False),
        sa.Column("to", sa.String(200), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_obligations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "obligation_id", name=op.f("pk_case_obligations")),
    )
    op.create_index(op.f("ix_case_obligations_department"), "case_obligations", ["department"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_obligations_department"), table_name="case_obligations")
    op.drop_table("case_obligations")
