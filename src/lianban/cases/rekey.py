"""Key rotation of the case tables (重新加密, ``lianban data rekey``): every protected value under the first key.

The case tables know which of their columns are protected (:class:`~lianban.security.fieldcrypt.
ProtectedJSON`) and that all work on a case takes the case's row lock first; so rotation lives
here, with the cases, and the column type knows nothing of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import JSON, Table, func, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from lianban.cases.schema import Case
from lianban.db import Base
from lianban.security.fieldcrypt import FieldEncryption, ProtectedJSON, field_encryption

__all__ = ["rekey"]


def rekey(
    sessions: sessionmaker[Session], batch_size: int = 200, progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-encrypt every protected value under the keyring's first key; returns the rows rewritten.

    Works a batch of cases per transaction, taking the cases' row locks first as all work on a case
    does, so a correction filed meanwhile is never overwritten. Rows already under the first key are
    left alone: running it again rewrites nothing. ``progress(done, total)`` counts cases.
    """
    crypt = field_encryption(sessions)
    cases: Table = Case.__table__  # type: ignore[assignment]
    targets = [
        (table, [c for c in table.columns if isinstance(c.type, ProtectedJSON)])
        for table in Base.metadata.sorted_tables
        if "case_id" in table.columns
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
                return rewritten
            for table, columns in targets:
                rewritten += _rekey_rows(session, crypt, table, columns, ids)
        after, done = ids[-1], done + len(ids)
        if progress is not None:
            progress(done, max(total, done))


def _rekey_rows(
    session: Session, crypt: FieldEncryption, table: Table, columns: Iterable[Any], case_ids: list[str]
) -> int:
    columns = list(columns)
    keys = list(table.primary_key.columns)
    rows = session.execute(
        select(*keys, *(type_coerce(c, JSON) for c in columns)).where(table.c.case_id.in_(case_ids))
    ).all()
    rewritten = 0
    for row in rows:
        stored = row[len(keys) :]
        fresh = {
            c.name: c.type.open(raw, crypt)
            for c, raw in zip(columns, stored, strict=True)
            if c.type.stale(raw, crypt)
        }
        if fresh:
            where = [k == v for k, v in zip(keys, row[: len(keys)], strict=True)]
            session.execute(update(table).where(*where).values(fresh))
            rewritten += 1
    return rewritten
