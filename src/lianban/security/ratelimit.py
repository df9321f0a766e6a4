"""Rate limits (限流): how often one account, one client, one delivery or one applicant may try.

The counting is the ``limits`` library's fixed-window strategy. Its counters live in Redis when
``LIANBAN_REDIS_URL`` is set (shared by every API process), otherwise in the platform's own
database (table ``rate_limit_counters``), so that N API processes on one PostgreSQL still share
them. ``limits`` ships no SQL storage, hence :class:`DatabaseStorage`: one upsert per hit that
starts a new window when the old one has expired, atomic on SQLite and PostgreSQL alike.

Identifiers that name a person (an ID number, a username) are keyed-hashed before they become
counter keys, so neither Redis nor the table holds them in plain text.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, cast

from limits import RateLimitItem, parse
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine, Table, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from lianban.security.schema import RateLimitCounter

counters = cast(Table, RateLimitCounter.__table__)


class DatabaseStorage(Storage):
    """A ``limits`` storage on the platform's database (SQLite or PostgreSQL)."""

    STORAGE_SCHEME = None  # built with the platform's engine, never from a URI

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def _insert(self) -> Any:
        return (pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert)(counters)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        statement = self._insert().values(key=key, count=amount, expires_at=now + expiry)
        expired = counters.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[counters.c.key],
            set_={
                "count": case((expired, amount), else_=counters.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=counters.c.expires_at),
            },
        ).returning(counters.c.count)
        with self.engine.begin() as conn:
            count = int(conn.execute(statement).scalar_one())
            self._hits += 1
            if self._hits % 1000 == 0:  # now and then, forget windows long over
                conn.execute(delete(counters).where(counters.c.expires_at < now))
        return count

    def _row(self, key: str) -> tuple[int, float] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(counters.c.count, counters.c.expires_at).where(counters.c.key == key)
            ).first()
        if row is None or row[1] <= time.time():
            return None
        return int(row[0]), float(row[1])

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(counters)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(counters).where(counters.c.key == key))


@dataclass(frozen=True)
class Refusal:
    """A limit reached: the rule's name and how many seconds until its window ends."""

    rule: str
    retry_after: float


class Throttle:
    """The deployment's named limits (``login_account``, ``pickup_code``, …) over one storage."""

    def __init__(self, storage: Storage, rules: dict[str, RateLimitItem | None], key: bytes) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.rules = rules  # None: that limit is off
        self._key = key

    def counts(self, rule: str) -> bool:
        """Whether ``rule`` is on (a hit under a rule that is off counts nothing and asks no storage)."""
        return self.rules.get(rule) is not None

    def pseudonym(self, value: str) -> str:
        """A keyed hash of an identifier, so counters never hold an ID number or a username."""
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, rule: str, *identifiers: str) -> Refusal | None:
        """Count one attempt under ``rule``; a :class:`Refusal` once the window's allowance is spent."""
        item = self.rules.get(rule)
        if item is None:
            return None
        names = [self.pseudonym(i) for i in identifiers]
        if self.limiter.hit(item, rule, *names):
            return None
        reset_at = self.limiter.get_window_stats(item, rule, *names).reset_time
        return Refusal(rule, max(1.0, reset_at - time.time()))


def make_throttle(engine: Engine, redis_url: str | None, rates: dict[str, str | None], key: str) -> Throttle:
    """Redis when a URL is given, else the database; ``rates`` are ``limits`` strings (``10 per minute``)."""
    storage: Storage = RedisStorage(redis_url, key_prefix="lianban") if redis_url else DatabaseStorage(engine)
    rules = {name: parse(rate) if rate else None for name, rate in rates.items()}
    return Throttle(storage, rules, hashlib.sha256(b"lianban rate limits\0" + key.encode()).digest())
