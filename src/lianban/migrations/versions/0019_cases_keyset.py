"""我的办件 by keyset: (owner | actor, accepted_at, case_id) indexes for the newest-first pages.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_owner_accepted", "cases", ["owner", "accepted_at", "case_id"])
    op.create_index("ix_cases_actor_accepted", "cases", ["actor", "accepted_at", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_actor_accepted", table_name="cases")
    op.drop_index("ix_cases_owner_accepted", table_name="cases")
