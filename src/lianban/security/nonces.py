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

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lianban.security.schema import ExchangeNonce
from lianban.security.signing import DEFAULT_MAX_SKEW_SECONDS

KEEP = timedelta(seconds=2 * DEFAULT_MAX_SKEW_SECONDS + 60)  # both sides of the window, and some
PRUNE_ONE_IN = 50  # deletes spread over the messages instead of one per message


def first_use(session: Session, department: str, nonce: str, at: datetime) -> bool:
    """Remember ``nonce`` in the caller's transaction; False when it was seen before (a replay)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(
        insert(ExchangeNonce)
        .values(nonce=nonce, department=department, seen_at=at)
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(ExchangeNonce.nonce)
    ).scalar_one_or_none()
    if random.randrange(PRUNE_ONE_IN) == 0:
        session.execute(delete(ExchangeNonce).where(ExchangeNonce.seen_at < at - KEEP))
    return inserted is not None


__all__ = ["KEEP", "first_use"]
