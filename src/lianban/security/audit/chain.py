"""Appending to the audit log (审计日志), one SM3 hash chain per day.

Each entry's ``hash`` is SM3 (GB/T 32905, 国密; from ``cryptography``) over the previous entry's
hash and the entry's canonical JSON (day, number, time, case, actor, action, detail). The first
entry of a day follows the day's genesis value, SM3 of ``lianban-audit:<day>``, so days stand
alone: a day past the retention can be dropped without breaking the others.

The number and the previous hash come from the day's ``audit_heads`` row, taken by one upsert
(``INSERT … ON CONFLICT DO UPDATE SET seq = seq + 1 RETURNING``) inside the writer's own
transaction: on PostgreSQL the row stays locked until that transaction ends, on SQLite the write
lock is the transaction's from then on. Two writers can never take the same number (no
``max + 1`` read outside the lock), and the chain's order is the order writers committed in.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lianban.security.audit.schema import AuditEntry, AuditHead
from lianban.security.lookup import lookup_hash

CHINA = ZoneInfo("Asia/Shanghai")


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def utc(at: datetime) -> datetime:
    """The time as UTC (SQLite hands back naive datetimes: they are UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def chain_day(at: datetime) -> date:
    """The day whose chain an entry joins: its date in Beijing."""
    return utc(at).astimezone(CHINA).date()


def genesis(day: date) -> str:
    """What the first entry of ``day`` follows."""
    return sm3_hex(f"lianban-audit:{day.isoformat()}".encode())


def canonical(entry: AuditEntry) -> bytes:
    """The bytes of an entry that its hash covers (key order and spacing fixed)."""
    body = {
        "day": entry.day.isoformat(),
        "seq": entry.seq,
        "at": utc(entry.at).isoformat(timespec="microseconds"),
        "case_id": entry.case_id,
        "actor": str(entry.actor),
        "action": entry.action,
        "detail": entry.detail,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def entry_hash(entry: AuditEntry) -> str:
    return sm3_hex(entry.prev_hash.encode() + b"\n" + canonical(entry))


def _next_in_chain(session: Session, day: date) -> tuple[int, str]:
    """The day's next number and the hash it follows, the day's head locked for this transaction."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    row = session.execute(
        insert(AuditHead)
        .values(day=day, seq=1, last_hash=genesis(day))
        .on_conflict_do_update(index_elements=["day"], set_={"seq": AuditHead.seq + 1})
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    return int(row[0]), str(row[1])


def append(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    detail: dict[str, Any],
    *,
    case_id: str | None = None,
) -> AuditEntry:
    """Append one entry to the day's chain, in the caller's transaction."""
    when = utc(at)
    day = chain_day(when)
    seq, prev = _next_in_chain(session, day)
    entry = AuditEntry(
        day=day,
        seq=seq,
        at=when,
        case_id=case_id,
        actor=lookup_hash(actor),  # the chain covers the keyed hash, as stored
        actor_sealed=actor,
        action=action,
        detail=json.loads(json.dumps(detail, default=str)),  # as it will read back
        prev_hash=prev,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.day == day).values(last_hash=entry.hash))
    session.flush()
    return entry


__all__ = ["append", "canonical", "chain_day", "entry_hash", "genesis", "sm3_hex", "utc"]
