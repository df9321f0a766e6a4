"""A worker finds the jobs due now through one index on (status, due_at): the pending ones up to
now, instead of every pending job (timers due in days or weeks among them) or every job ever due.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_jobs_status_due", "outbox_jobs", ["status", "due_at"])
    op.drop_index("ix_outbox_jobs_status", table_name="outbox_jobs")  # the new one's first column


def downgrade() -> None:
    op.create_index("ix_outbox_jobs_status", "outbox_jobs", ["status"])
    op.drop_index("ix_outbox_jobs_status_due", table_name="outbox_jobs")
