"""Sub-items waiting for a document another sub-item issues at acceptance (档案转出 goes with the
调档函 档案接收 issues; issue 17, point 1).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_items") as batch:
        batch.add_column(sa.Column("waits_for_document", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_items") as batch:
        batch.drop_column("waits_for_document")
