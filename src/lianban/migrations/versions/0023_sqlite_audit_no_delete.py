"""SQLite refuses DELETE on ``audit_log`` too (审计日志只可追加), as PostgreSQL's trigger does.

``lianban audit prune`` drops this trigger and creates it again inside its own transaction (SQLite's
DDL is transactional), so the one DELETE in the code still goes through and no other does.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (审计日志只可追加): DELETE refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
