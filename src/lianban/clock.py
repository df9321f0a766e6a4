"""The platform's clock (时钟): the instant in UTC and the day in China, from one place.

Every time limit counts days of the Chinese calendar (工作日 under the statutory calendar), so
"today" is the date in Asia/Shanghai, never the server's local date: at 23:30 UTC it is already
tomorrow in Beijing, and a sub-item whose promised date was today (UTC) is overdue there. Overdue
flags, figures and due dates all ask the same clock, so they agree around midnight UTC+8.

The running platform uses :class:`SystemClock`; tests and tools that need a fixed or moving time
use :class:`SettableClock`. The clock is built once at start (:mod:`lianban.bootstrap`) and handed
to whatever needs it.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from lianban.calendar.working_days import CHINA_TZ, china_date

__all__ = ["CHINA_TZ", "Clock", "SettableClock", "SystemClock", "aware"]


class Clock(Protocol):
    """Where the platform reads the time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def today(self) -> date:
        """The current calendar day in China (Asia/Shanghai)."""
        ...


def aware(at: datetime) -> datetime:
    """``at`` as an aware UTC instant (SQLite hands datetimes back naive: they are UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return china_date(self.now())

    def __repr__(self) -> str:
        return "SystemClock()"


class SettableClock:
    """A clock that stands still until it is set or moved on (tests, replays, the bench)."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._at = aware(at)

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def today(self) -> date:
        return china_date(self.now())

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = aware(at)

    def advance(self, by: timedelta) -> datetime:
        """Move the clock on by ``by``; returns the new instant."""
        with self._lock:
            self._at += by
            return self._at

    def __repr__(self) -> str:
        return f"SettableClock({self.now().isoformat()})"
