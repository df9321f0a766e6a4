"""Replay detection for signed department messages (防重放), in the database.

A nonce is remembered in the transaction that records the message: if that transaction rolls back
(an unknown receipt, say), the nonce was never used. Two processes receiving the same message at
once meet on the table's primary key; the second finds the first's row and answers "replay".
Nonces older than the signature window are deleted now and then: a message that old is refused by
its timestamp anyway.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast

from sqlalchemy import Table, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lianban.prepared import PreparedWrite, run_in
from lianban.security.schema import ExchangeNonce
from lianban.security.signing import DEFAULT_MAX_SKEW_SECONDS

KEEP = timedelta(seconds=2 * DEFAULT_MAX_SKEW_SECONDS + 60)  # both sides of the window, and some
PRUNE_ONE_IN = 50  # deletes spread over the messages instead of one per message


_NONCES = cast(Table, ExchangeNonce.__table__)


@lru_cache(maxsize=4)
def _remember(dialect: str) -> PreparedWrite:
    """The INSERT that remembers a nonce unless it is there already, compiled once per dialect and
    run on the transaction's driver cursor: the nonce back when it was new, nothing when seen before."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return PreparedWrite(
        insert(_NONCES)
        .values(nonce=bindparam("nonce"), department=bindparam("department"), seen_at=bindparam("seen_at"))
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(_NONCES.c.nonce)
    )


def first_use(session: Session, department: str, nonce: str, at: datetime) -> bool:
    """Remember ``nonce`` in the caller's transaction; False when it was seen before (a replay)."""
    session.flush()  # (nothing, as a rule: the nonce is a message's first write)
    inserted = run_in(
        session,
        _remember(session.get_bind().dialect.name),
        {"nonce": nonce, "department": department, "seen_at": at},
    )
    if random.randrange(PRUNE_ONE_IN) == 0:
        session.execute(delete(ExchangeNonce).where(ExchangeNonce.seen_at < at - KEEP))
    return bool(inserted)


__all__ = ["KEEP", "first_use"]
