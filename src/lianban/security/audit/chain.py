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
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes
from sqlalchemy import Column, Dialect, MetaData, String, Table, Text, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from lianban.prepared import PreparedWrite, run_in
from lianban.security.audit.schema import AuditEntry, AuditHead
from lianban.security.fieldcrypt import SealedText
from lianban.security.lookup import LookupHash, lookup_hash

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


@lru_cache(maxsize=64)
def genesis(day: date) -> str:
    """What the first entry of ``day`` follows."""
    return sm3_hex(f"lianban-audit:{day.isoformat()}".encode())


def _canonical(
    day: date, seq: int, at: datetime, case_id: str | None, actor: str, action: str, detail: Any
) -> bytes:
    body = {
        "day": day.isoformat(),
        "seq": seq,
        "at": utc(at).isoformat(timespec="microseconds"),
        "case_id": case_id,
        "actor": str(actor),
        "action": action,
        "detail": detail,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def canonical(entry: AuditEntry) -> bytes:
    """The bytes of an entry that its hash covers (key order and spacing fixed)."""
    return _canonical(entry.day, entry.seq, entry.at, entry.case_id, entry.actor, entry.action, entry.detail)


def entry_hash(entry: AuditEntry) -> str:
    return sm3_hex(entry.prev_hash.encode() + b"\n" + canonical(entry))


_HEADS: Table = AuditHead.__table__  # type: ignore[assignment]
_LOG: Table = AuditEntry.__table__  # type: ignore[assignment]


@lru_cache(maxsize=4)
def _statements(dialect: str) -> tuple[Executable, Executable, Executable]:
    """The three statements of an append, built once per dialect (SQLAlchemy then reuses their
    compiled form): take the day's next number, write the entry, move the day's head to it."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    take = (
        insert(_HEADS)
        .values(day=bindparam("day"), seq=1, last_hash=bindparam("genesis"))
        .on_conflict_do_update(index_elements=[_HEADS.c.day], set_={"seq": _HEADS.c.seq + 1})
        .returning(_HEADS.c.seq, _HEADS.c.last_hash)
    )
    advance = (
        update(_HEADS).where(_HEADS.c.day == bindparam("head_day")).values(last_hash=bindparam("head_hash"))
    )
    return take, _LOG.insert(), advance


def append(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    detail: dict[str, Any],
    *,
    case_id: str | None = None,
) -> str:
    """Append one entry to the day's chain, in the caller's transaction; the entry's hash.

    What the caller added to the session is written first (so the day's head is held only from
    here to the commit); the entry itself is written with plain statements, not as an ORM object.
    """
    session.flush()
    when = utc(at)
    day = chain_day(when)
    dialect = session.get_bind().dialect
    take, write, advance = _session_statements(dialect.name)
    ((seq, prev),) = run_in(session, take, {"day": day, "genesis": genesis(day)})
    hashed = str(lookup_hash(actor, dialect))  # the chain covers the keyed hash, as stored
    row = _entry(day, int(seq), str(prev), when, case_id, hashed, action, detail)
    run_in(session, write, {**row, "actor_sealed": actor})
    run_in(session, advance, {"head_day": day, "head_hash": row["hash"]})
    return str(row["hash"])


@lru_cache(maxsize=4)
def _session_statements(dialect: str) -> tuple[PreparedWrite, PreparedWrite, PreparedWrite]:
    """:func:`_statements` compiled once, for the transaction's driver cursor
    (:func:`lianban.prepared.run_in`): the entry's columns bound by their own types (the actor's
    copy sealed, the detail as JSON), as ``Session.execute`` binds them."""
    return tuple(PreparedWrite(statement) for statement in _statements(dialect))  # type: ignore[return-value]


def _entry(
    day: date,
    seq: int,
    prev: str,
    when: datetime,
    case_id: str | None,
    hashed: str,
    action: str,
    detail: dict[str, Any],
) -> dict[str, Any]:
    """The entry's row (but ``actor_sealed``), its hash over the previous one and its canonical JSON."""
    stored = json.loads(json.dumps(detail, default=str))  # as it will read back
    digest = sm3_hex(prev.encode() + b"\n" + _canonical(day, seq, when, case_id, hashed, action, stored))
    return {
        "day": day,
        "seq": seq,
        "at": when,
        "case_id": case_id,
        "actor": hashed,
        "action": action,
        "detail": stored,
        "prev_hash": prev,
        "hash": digest,
    }


# the log as stored, for an entry whose actor comes hashed and sealed already (write_entry)
_STORED_LOG = Table(
    _LOG.name,
    MetaData(),
    *(
        Column(
            c.name,
            String()
            if isinstance(c.type, LookupHash)
            else Text()
            if isinstance(c.type, SealedText)
            else c.type,
        )
        for c in _LOG.columns
    ),
)


@lru_cache(maxsize=4)
def _driver_statements(dialect: str) -> tuple[PreparedWrite, PreparedWrite, PreparedWrite]:
    take, _, advance = _statements(dialect)
    return PreparedWrite(take), PreparedWrite(_STORED_LOG.insert()), PreparedWrite(advance)


def take_head(cursor: DBAPICursor, dialect: Dialect, at: datetime) -> None:
    """Take the next number of ``at``'s day on a driver cursor in the caller's transaction
    (:func:`lianban.db.raw_writing`), the day's head row held from here to the commit; the number
    and the previous hash are left on ``cursor`` for :func:`write_entry` (in a pipeline, queued
    with the statements before it)."""
    day = chain_day(utc(at))
    _driver_statements(dialect.name)[0].send(cursor, dialect, {"day": day, "genesis": genesis(day)})


def write_entry(
    cursor: DBAPICursor,
    taken: DBAPICursor,
    dialect: Dialect,
    at: datetime,
    actor: tuple[str, str],
    action: str,
    detail: dict[str, Any],
    *,
    case_id: str | None = None,
) -> str:
    """The entry :func:`take_head` took the number of (on ``taken``), written on ``cursor`` and
    the day's head moved to it; the actor given as stored — (its keyed hash, its sealed value),
    computed before the transaction; the entry's hash (as :func:`append`'s)."""
    when = utc(at)
    day = chain_day(when)
    _, write, advance = _driver_statements(dialect.name)
    ((seq, prev),) = taken.fetchall()
    row = _entry(day, int(seq), str(prev), when, case_id, actor[0], action, detail)
    write.send(cursor, dialect, {**row, "actor_sealed": actor[1]})
    advance.send(cursor, dialect, {"head_day": day, "head_hash": row["hash"]})
    return str(row["hash"])


__all__ = [
    "append",
    "canonical",
    "chain_day",
    "entry_hash",
    "genesis",
    "sm3_hex",
    "take_head",
    "utc",
    "write_entry",
]
