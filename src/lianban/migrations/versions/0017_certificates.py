"""E-certificates (电子证照): what approved items issue, signed PDFs with a verification code.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("item_id", sa.String(60), nullable=False),
        sa.Column("department", sa.String(30), nullable=False),
        sa.Column("document_code", sa.String(60), nullable=False),
        sa.Column("document_name", sa.String(100), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_certificates_case_id_cases")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_certificates")),
    )
    op.create_index(op.f("ix_certificates_case_id"), "certificates", ["case_id"])
    op.create_index(op.f("ix_certificates_department"), "certificates", ["department"])


def downgrade() -> None:
    op.drop_index(op.f("ix_certificates_department"), table_name="certificates")
    op.drop_index(op.f("ix_certificates_case_id"), table_name="certificates")
    op.drop_table("certificates")
