"""Identifiers kept as keyed hashes beside their ciphertext; recipients and issued numbers sealed.

``cases.owner`` and ``cases.actor``, ``uploads.owner``, ``audit_log.actor`` and ``drafts.owner``
become HMAC-SHA256
under ``LIANBAN_LOOKUP_KEY`` (``lianban.security.lookup``), each with a ``*_sealed`` column holding
the identifier encrypted under the data keys (drafts need none: only their typist reads them); ``notices.recipient`` and ``deliveries.recipient``
are encrypted (``SealedText``), and the ``number`` a department issued in ``case_items.result``.
Existing rows are converted here, with the keys of the process that migrates (the deployment's
variables, or the sandbox's key files); the audit log's entries are chained again over the hashed
actors, in their order, with the append-only triggers lifted for that one pass.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

PG_TRIGGERS = (
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)
SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (审计日志只可追加): UPDATE refused'); END"
)


def _hash(value: str) -> str:
    from lianban.security.lookup import lookup_hash

    return str(lookup_hash(value, op.get_bind()))  # the keys of the migrating engine (lianban migrate)


def _seal(value: Any, context: str) -> str:
    from lianban.security.fieldcrypt import field_encryption, is_sealed

    return value if is_sealed(value) else field_encryption(op.get_bind()).keyring.seal(value, context)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _identifiers(bind: sa.Connection, table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> None:
    for row in bind.execute(sa.text(f"SELECT {', '.join(key + columns)} FROM {table}")).mappings().all():
        values: dict[str, Any] = {}
        for column in columns:
            plain = row[column]
            if plain is None or len(str(plain)) == 64:  # already a digest
                continue
            values[column] = _hash(str(plain))
            values[f"{column}_sealed"] = _seal(str(plain), f"{table}.{column}")
        if values:
            sets = ", ".join(f"{c} = :{c}" for c in values)
            where = " AND ".join(f"{k} = :k_{k}" for k in key)
            bind.execute(
                sa.text(f"UPDATE {table} SET {sets} WHERE {where}"),
                {**values, **{f"k_{k}": row[k] for k in key}},
            )


def _sealed_text(bind: sa.Connection, table: str, key: tuple[str, ...], column: str) -> None:
    from lianban.security.fieldcrypt import is_sealed

    rows = bind.execute(sa.text(f"SELECT {', '.join(key)}, {column} FROM {table}")).mappings().all()
    for row in rows:
        if row[column] is None or is_sealed(row[column]):
            continue
        where = " AND ".join(f"{k} = :k_{k}" for k in key)
        bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :v WHERE {where}"),
            {"v": _seal(row[column], f"{table}.{column}"), **{f"k_{k}": row[k] for k in key}},
        )


def _results(bind: sa.Connection) -> None:
    from lianban.security.fieldcrypt import is_sealed

    rows = bind.execute(sa.text("SELECT case_id, item_id, result FROM case_items WHERE result IS NOT NULL"))
    for case_id, item_id, raw in rows.all():
        result = _json(raw)
        if not isinstance(result, dict) or result.get("number") is None or is_sealed(result["number"]):
            continue
        result["number"] = _seal(result["number"], "case_items.result/number")
        bind.execute(
            sa.text("UPDATE case_items SET result = :r WHERE case_id = :c AND item_id = :i"),
            {"r": json.dumps(result, ensure_ascii=False), "c": case_id, "i": item_id},
        )


def _rechain(bind: sa.Connection) -> None:
    """The audit entries again, actors hashed, every day's chain recomputed in its order."""
    from lianban.security.audit.chain import genesis, sm3_hex

    rows = (
        bind.execute(
            sa.text("SELECT day, seq, at, case_id, actor, action, detail FROM audit_log ORDER BY day, seq")
        )
        .mappings()
        .all()
    )
    last: dict[str, str] = {}
    for row in rows:
        day = row["day"] if not isinstance(row["day"], str) else datetime.fromisoformat(row["day"]).date()
        at = row["at"] if not isinstance(row["at"], str) else datetime.fromisoformat(row["at"])
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        actor = str(row["actor"])
        digest = actor if len(actor) == 64 else _hash(actor)
        prev = last.get(day.isoformat(), genesis(day))
        body = {
            "day": day.isoformat(),
            "seq": row["seq"],
            "at": at.isoformat(timespec="microseconds"),
            "case_id": row["case_id"],
            "actor": digest,
            "action": row["action"],
            "detail": _json(row["detail"]),
        }
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        entry_hash = sm3_hex(prev.encode() + b"\n" + canonical.encode())
        bind.execute(
            sa.text(
                "UPDATE audit_log SET actor = :a, actor_sealed = :s, prev_hash = :p, hash = :h "
                "WHERE day = :d AND seq = :q"
            ),
            {
                "a": digest,
                "s": _seal(actor, "audit_log.actor") if digest != actor else None,
                "p": prev,
                "h": entry_hash,
                "d": row["day"],
                "q": row["seq"],
            },
        )
        last[day.isoformat()] = entry_hash
    for day_text, entry_hash in last.items():
        bind.execute(
            sa.text("UPDATE audit_heads SET last_hash = :h WHERE day = :d"),
            {"h": entry_hash, "d": datetime.fromisoformat(day_text).date()},
        )


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.add_column("cases", sa.Column("owner_sealed", sa.Text(), nullable=True))
    op.add_column("cases", sa.Column("actor_sealed", sa.Text(), nullable=True))
    op.add_column("uploads", sa.Column("owner_sealed", sa.Text(), nullable=True))
    op.add_column("audit_log", sa.Column("actor_sealed", sa.Text(), nullable=True))
    # a ciphertext is longer than 100 characters
    with op.batch_alter_table("notices") as batch:
        batch.alter_column(
            "recipient", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("recipient", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=True)

    _identifiers(bind, "cases", ("case_id",), ("owner", "actor"))
    _identifiers(bind, "uploads", ("id",), ("owner",))
    for (owner,) in bind.execute(sa.text("SELECT DISTINCT owner FROM drafts")).all():
        if owner is not None and len(str(owner)) != 64:  # drafts are kept by the typist's hash only
            bind.execute(
                sa.text("UPDATE drafts SET owner = :h WHERE owner = :o"), {"h": _hash(str(owner)), "o": owner}
            )
    _sealed_text(bind, "notices", ("case_id", "seq"), "recipient")
    _sealed_text(bind, "deliveries", ("case_id", "delivery_id"), "recipient")
    _results(bind)
    if bind.execute(sa.text("SELECT count(*) FROM audit_log")).scalar():
        if postgres:
            op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
            op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        else:
            op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        _rechain(bind)
        for statement in PG_TRIGGERS if postgres else (SQLITE_TRIGGER,):
            op.execute(statement)


def downgrade() -> None:
    # the hashes cannot be turned back into identifiers here: the columns go, the digests stay
    op.drop_column("audit_log", "actor_sealed")
    op.drop_column("uploads", "owner_sealed")
    op.drop_column("cases", "actor_sealed")
    op.drop_column("cases", "owner_sealed")
