"""Key rotation of the audit log's actor copies (审计日志的加密副本, ``lianban data rekey``).

An entry keeps who acted twice: as a keyed hash (``actor``, covered by the chain) and encrypted
under the data keys (``actor_sealed``, outside the hash: verifying needs no data key). Rotating the
data keys must reach these copies too, or the old key could never be dropped while entries are
kept (183 days at least). The log is append-only, so this is the one UPDATE it allows, and only of
``actor_sealed``: on PostgreSQL inside a transaction that set ``lianban.audit_rekey`` (the trigger
refuses any other column changed, migration 0025); on SQLite the trigger refusing UPDATE is
dropped and created again inside the same transaction, as ``prune`` does for DELETE. The chain is
untouched: ``lianban audit verify`` holds before and after.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Text, and_, func, or_, select, text, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from lianban.security.audit.ledger import SQLITE_NO_UPDATE
from lianban.security.audit.schema import AuditEntry
from lianban.security.fieldcrypt import SealedText, field_encryption

__all__ = ["rekey_actors"]


def rekey_actors(
    sessions: sessionmaker[Session], batch_size: int = 500, progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-encrypt every entry's ``actor_sealed`` under the keyring's first key, ``batch_size``
    entries per transaction; returns the entries rewritten (none the second time).
    ``progress(done, total)`` counts the entries with a copy, looked at so far."""
    crypt = field_encryption(sessions)
    column = AuditEntry.__table__.c.actor_sealed
    kind = column.type
    assert isinstance(kind, SealedText)
    stored = type_coerce(column, Text)
    rewritten = done = 0
    with sessions() as session:
        total = int(
            session.scalar(select(func.count()).select_from(AuditEntry).where(column.is_not(None))) or 0
        )
    after = None
    while True:
        with sessions() as session, session.begin():
            query = select(AuditEntry.day, AuditEntry.seq, stored).where(column.is_not(None))
            if after is not None:
                day, seq = after
                query = query.where(
                    or_(AuditEntry.day > day, and_(AuditEntry.day == day, AuditEntry.seq > seq))
                )
            rows = session.execute(query.order_by(AuditEntry.day, AuditEntry.seq).limit(batch_size)).all()
            if not rows:
                return rewritten
            stale = [(day, seq, raw) for day, seq, raw in rows if kind.stale(raw, crypt)]
            if stale:
                sqlite = _lift_guard(session)
                for day, seq, raw in stale:
                    session.execute(
                        update(AuditEntry)
                        .where(AuditEntry.day == day, AuditEntry.seq == seq)
                        .values(actor_sealed=kind.open(raw, crypt))
                    )
                if sqlite:
                    session.execute(text(SQLITE_NO_UPDATE))
                rewritten += len(stale)
            after = (rows[-1][0], rows[-1][1])
        done += len(rows)
        if progress is not None:
            progress(done, max(total, done))


def _lift_guard(session: Session) -> bool:
    """Let this transaction update ``actor_sealed``; True on SQLite (its trigger to restore)."""
    if session.get_bind().dialect.name == "sqlite":  # dropped for this transaction only
        session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        return True
    session.execute(text("SET LOCAL lianban.audit_rekey = 'on'"))  # the trigger lets actor_sealed through
    return False
