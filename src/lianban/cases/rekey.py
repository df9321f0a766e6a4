"""Key rotation of the case tables (重新加密, ``lianban data rekey``): every protected value under the first key.

The case tables know which of their columns are protected — personal values in JSON
(:class:`~lianban.security.fieldcrypt.ProtectedJSON`: forms, payloads, results, addresses) and
whole values (:class:`~lianban.security.fieldcrypt.SealedText`: the owner's and filer's identifiers
beside their keyed hashes, delivery and notice recipients, an upload's owner) — and that all work
on a case takes the case's row lock first; so rotation lives here, with the cases, and the column
types know nothing of them. Drafts (:mod:`lianban.drafts`) and the audit log's actor copies
(:mod:`lianban.security.audit.rekey`) are rotated by their own rooms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import JSON, Column, Table, Text, func, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from lianban.cases.schema import Case, Upload
from lianban.db import Base
from lianban.security.fieldcrypt import FieldEncryption, ProtectedJSON, SealedText, field_encryption

__all__ = ["protected_columns", "rekey", "rekey_uploads"]

# rotated on their own, not by case: the audit log (append-only, its room lifts the guard for its
# actor copies), uploads (an uploader's before any case), drafts
_SEPARATE = ("audit_log", "uploads", "drafts")


def protected_columns(table: Table) -> list[Column[Any]]:
    """The columns of ``table`` that hold personal data encrypted."""
    return [c for c in table.columns if isinstance(c.type, ProtectedJSON | SealedText)]


def rekey(
    sessions: sessionmaker[Session], batch_size: int = 200, progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-encrypt every protected value of the cases under the keyring's first key, and the uploads'
    owners (:func:`rekey_uploads`); returns the rows rewritten.

    Works a batch of cases per transaction, taking the cases' row locks first as all work on a case
    does, so a correction filed meanwhile is never overwritten. Rows already under the first key are
    left alone: running it again rewrites nothing. ``progress(done, total)`` counts cases.
    """
    crypt = field_encryption(sessions)
    cases: Table = Case.__table__  # type: ignore[assignment]
    targets = [
        (table, protected_columns(table))
        for table in Base.metadata.sorted_tables
        if "case_id" in table.columns and table.name not in _SEPARATE
    ]
    targets = [(table, columns) for table, columns in targets if columns]
    with sessions() as session:
        total = int(session.scalar(select(func.count()).select_from(cases)) or 0)
    done = rewritten = 0
    after = ""
    while True:
        with sessions() as session, session.begin():
            ids = list(
                session.scalars(
                    select(cases.c.case_id)
                    .where(cases.c.case_id > after)
                    .order_by(cases.c.case_id)
                    .limit(batch_size)
                    .with_for_update()
                )
            )
            if not ids:
                break
            for table, columns in targets:
                rewritten += _rekey_rows(session, crypt, table, columns, table.c.case_id.in_(ids))
        after, done = ids[-1], done + len(ids)
        if progress is not None:
            progress(done, max(total, done))
    return rewritten + rekey_uploads(sessions, batch_size)


def rekey_uploads(sessions: sessionmaker[Session], batch_size: int = 200) -> int:
    """Re-encrypt the uploads' owners (an upload belongs to its uploader before any case)."""
    crypt = field_encryption(sessions)
    uploads: Table = Upload.__table__  # type: ignore[assignment]
    columns = protected_columns(uploads)
    rewritten = 0
    after = ""
    while True:
        with sessions() as session, session.begin():
            ids = list(
                session.scalars(
                    select(uploads.c.id).where(uploads.c.id > after).order_by(uploads.c.id).limit(batch_size)
                )
            )
            if not ids:
                return rewritten
            rewritten += _rekey_rows(session, crypt, uploads, columns, uploads.c.id.in_(ids))
        after = ids[-1]


def _stored(column: Column[Any]) -> Any:
    """The column as stored, without its type opening it."""
    return type_coerce(column, JSON if isinstance(column.type, ProtectedJSON) else Text)


def _rekey_rows(
    session: Session, crypt: FieldEncryption, table: Table, columns: Iterable[Any], where: Any
) -> int:
    columns = list(columns)
    keys = list(table.primary_key.columns)
    rows = session.execute(select(*keys, *(_stored(c) for c in columns)).where(where)).all()
    rewritten = 0
    for row in rows:
        stored = row[len(keys) :]
        fresh = {
            c.name: c.type.open(raw, crypt)
            for c, raw in zip(columns, stored, strict=True)
            if c.type.stale(raw, crypt)
        }
        if fresh:  # written back through the column types: sealed under the first key
            matches = [k == v for k, v in zip(keys, row[: len(keys)], strict=True)]
            session.execute(update(table).where(*matches).values(fresh))
            rewritten += 1
    return rewritten
