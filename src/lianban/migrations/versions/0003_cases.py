"""Cases, their sub-items, outbox jobs, timeline and audit; every growing table keyed by case_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("theme_id", sa.String(length=100), nullable=False),
        sa.Column("theme_digest", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("situation", sa.JSON(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("promised_due_date", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        sa.UniqueConstraint("owner", "idempotency_key", name="uq_cases_owner_idempotency_key"),
    )
    op.create_index(op.f("ix_cases_owner"), "cases", ["owner"], unique=False)
    op.create_index(op.f("ix_cases_status"), "cases", ["status"], unique=False)
    op.create_index(op.f("ix_cases_theme_id"), "cases", ["theme_id"], unique=False)
    op.create_table(
        "audit_entries",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_audit_entries_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_audit_entries")),
    )
    op.create_table(
        "case_items",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("employee", sa.Integer(), nullable=True),
        sa.Column("department", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("waits_for", sa.JSON(), nullable=False),
        sa.Column("waits_for_any", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("receipt_no", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("legal_due_date", sa.Date(), nullable=False),
        sa.Column("promised_due_date", sa.Date(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_case_items_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "item_id", name=op.f("pk_case_items")),
    )
    op.create_index(op.f("ix_case_items_department"), "case_items", ["department"], unique=False)
    op.create_index(op.f("ix_case_items_status"), "case_items", ["status"], unique=False)
    op.create_table(
        "outbox_jobs",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_outbox_jobs_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "job_id", name=op.f("pk_outbox_jobs")),
    )
    op.create_index(op.f("ix_outbox_jobs_due_at"), "outbox_jobs", ["due_at"], unique=False)
    op.create_index(op.f("ix_outbox_jobs_status"), "outbox_jobs", ["status"], unique=False)
    op.create_table(
        "timeline_events",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=50), nullable=False),
        sa.Column("item_id", sa.String(length=60), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_timeline_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_timeline_events")),
    )


def downgrade() -> None:
    op.drop_table("timeline_events")
    op.drop_index(op.f("ix_outbox_jobs_status"), table_name="outbox_jobs")
    op.drop_index(op.f("ix_outbox_jobs_due_at"), table_name="outbox_jobs")
    op.drop_table("outbox_jobs")
    op.drop_index(op.f("ix_case_items_status"), table_name="case_items")
    op.drop_index(op.f("ix_case_items_department"), table_name="case_items")
    op.drop_table("case_items")
    op.drop_table("audit_entries")
    op.drop_index(op.f("ix_cases_theme_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_index(op.f("ix_cases_owner"), table_name="cases")
    op.drop_table("cases")
