"""Tables of the audit log (审计日志): the entries, one hash chain per day, and each day's head.

``audit_log`` is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE on it by trigger
(only ``lianban audit prune`` may delete, and only whole days past the retention; only ``lianban
data rekey`` may update, and only ``actor_sealed``, outside the hash: :mod:`.rekey`); SQLite refuses
UPDATE and DELETE (prune and rekey lift their trigger inside their own transaction). ``audit_heads`` holds each day's last number and hash: the row a writer locks to take the
next number inside its own transaction, and what ``verify`` checks a day's end against.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base
from lianban.security.fieldcrypt import SealedText
from lianban.security.lookup import LookupHash


class AuditEntry(Base):
    """Who did what, when (审计记录); ``hash`` = SM3(``prev_hash`` + the entry's canonical JSON)."""

    __tablename__ = "audit_log"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the chain: the date in Beijing
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 1, 2, … per day
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # UTC
    case_id: Mapped[str | None] = mapped_column(String(40), index=True)  # none: not about one case
    actor: Mapped[str] = mapped_column(LookupHash())  # keyed hash (lianban.security.lookup)
    actor_sealed: Mapped[str | None] = mapped_column(SealedText("audit_log.actor"))  # not in the hash
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A day's chain so far: its last number and hash; ``pruned_at`` once its entries are dropped."""

    __tablename__ = "audit_heads"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    pruned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
