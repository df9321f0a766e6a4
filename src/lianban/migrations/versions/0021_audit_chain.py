"""The audit log as one SM3 hash chain per day (防篡改审计日志), append-only.

``audit_entries`` (one numbering per case) becomes ``audit_log`` (one chain per day in Beijing,
every entry carrying the hash of the one before it) and ``audit_heads`` (each day's last number and
hash). Existing entries are chained in the order they were written. PostgreSQL refuses UPDATE,
DELETE and TRUNCATE on ``audit_log`` by trigger (DELETE only inside ``lianban audit prune``'s
transaction, which sets ``lianban.audit_prune``); SQLite refuses UPDATE.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import hashes

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

CHINA = ZoneInfo("Asia/Shanghai")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('lianban.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (审计日志只可追加): % refused', TG_OP;
END
$$ LANGUAGE plpgsql
"""


def _sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _utc(at: datetime | str) -> datetime:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _chain_old_entries(bind: sa.Connection) -> None:
    """The old per-case entries, in the order they were written, chained day by day (the same
    canonical form as :mod:`lianban.security.audit.chain`, written out here so this migration
    stays as it is whatever that module becomes)."""
    old = sa.table(
        "audit_entries",
        sa.column("case_id"),
        sa.column("seq"),
        sa.column("at"),
        sa.column("actor"),
        sa.column("action"),
        sa.column("detail", sa.JSON),
    )
    log = sa.table(
        "audit_log",
        *(sa.column(c) for c in ("day", "seq", "at", "case_id", "actor", "action", "prev_hash", "hash")),
        sa.column("detail", sa.JSON),
    )
    heads = sa.table("audit_heads", sa.column("day"), sa.column("seq"), sa.column("last_hash"))
    last: dict[str, tuple[int, str]] = {}
    batch: list[dict[str, object]] = []
    rows = bind.execute(sa.select(old).order_by(old.c.at, old.c.case_id, old.c.seq))
    for case_id, _, at, actor, action, detail in rows:
        when = _utc(at)
        day = when.astimezone(CHINA).date()
        seq, prev = last.get(day.isoformat(), (0, _sm3(f"lianban-audit:{day.isoformat()}".encode())))
        seq += 1
        body = {
            "day": day.isoformat(),
            "seq": seq,
            "at": when.isoformat(timespec="microseconds"),
            "case_id": case_id,
            "actor": actor,
            "action": action,
            "detail": detail,
        }
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        digest = _sm3(prev.encode() + b"\n" + canonical.encode())
        batch.append(
            {
                "day": day,
                "seq": seq,
                "at": when,
                "case_id": case_id,
                "actor": actor,
                "action": action,
                "detail": detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        last[day.isoformat()] = (seq, digest)
        if len(batch) >= 1000:
            bind.execute(sa.insert(log), batch)
            batch = []
    if batch:
        bind.execute(sa.insert(log), batch)
    if last:
        bind.execute(
            sa.insert(heads),
            [
                {"day": datetime.fromisoformat(d).date(), "seq": s, "last_hash": h}
                for d, (s, h) in last.items()
            ],
        )


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("day", "seq", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_case_id"), "audit_log", ["case_id"])
    op.create_table(
        "audit_heads",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_audit_heads")),
    )
    bind = op.get_bind()
    _chain_old_entries(bind)
    op.drop_table("audit_entries")
    if bind.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (审计日志只可追加): UPDATE refused'); END"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.create_table(
        "audit_entries",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_audit_entries_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_audit_entries")),
    )
    op.drop_table("audit_heads")
    op.drop_table("audit_log")
