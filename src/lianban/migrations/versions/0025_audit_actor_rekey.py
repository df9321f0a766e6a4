"""The audit log's actor copies can follow a data key rotation (``lianban data rekey``): on
PostgreSQL the append-only trigger lets one UPDATE through — inside a transaction that set
``lianban.audit_rekey``, and only when nothing but ``actor_sealed`` (the actor encrypted, outside
the hash chain) changes. SQLite's trigger is lifted inside rekey's own transaction, as prune does.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_CHAINED = ("day", "seq", "at", "case_id", "actor", "action", "detail::text", "prev_hash", "hash")
_UNCHANGED = f"({', '.join('NEW.' + c for c in _CHAINED)}) IS NOT DISTINCT FROM ({', '.join('OLD.' + c for c in _CHAINED)})"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('lianban.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('lianban.audit_rekey', true) = 'on' THEN
        IF {_UNCHANGED} THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (审计日志只可追加): % refused', TG_OP;
END
$$ LANGUAGE plpgsql
"""

PG_FUNCTION_0021 = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('lianban.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (审计日志只可追加): % refused', TG_OP;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION_0021)
