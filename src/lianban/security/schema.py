"""Tables of the security room: staff accounts (工作人员账号) and the security log (安全审计).

Staff accounts live in the database, never in a file shipped with the code: a password is kept
only as its argon2id hash, an account can be disabled, and repeated wrong passwords lock it for a
while (``failed_logins``, ``locked_until``). The security log records logins, refused logins,
lock-outs and account changes — never a password — beside the per-case audit of the cases room.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base


class StaffAccount(Base):
    """A staff member who logs in with a password: window clerk, department staff, supervisor, operator."""

    __tablename__ = "staff_accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    department: Mapped[str | None] = mapped_column(String(30))  # department_staff: whose worklist
    hall: Mapped[str | None] = mapped_column(String(60))  # window_clerk: which service hall (大厅)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # wrong passwords in a row
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SecurityEvent(Base):
    """One entry of the security log: a login, a refused login, a lock-out, an account change."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(100))  # staff:<username>, or who ran the command
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(100))  # the account acted on
    client: Mapped[str | None] = mapped_column(String(64))  # the caller's address, when over HTTP
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RateLimitCounter(Base):
    """One fixed-window counter of the rate limits (限流计数) when they are kept in the database."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


class ExchangeNonce(Base):
    """A nonce a department signed a message with (防重放), kept while its timestamp is acceptable.

    In the database, not a process's memory: a replay is refused by every API process, and after
    a restart. Rows older than the signature window are deleted as new ones arrive.
    """

    __tablename__ = "exchange_nonces"

    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    department: Mapped[str] = mapped_column(String(30))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
