"""A department's callback finds its sub-item by (department, receipt number) through an index,
instead of scanning every item of the department as the table grows.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_items_department_receipt", "case_items", ["department", "receipt_no"])


def downgrade() -> None:
    op.drop_index("ix_case_items_department_receipt", table_name="case_items")
