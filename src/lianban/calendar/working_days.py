"""Working days (工作日) and time-limit arithmetic for administrative services.

This module owns the answer to "is this date a 工作日?" and to "when is a case due?" for the
whole platform. Time limits (法定时限, 承诺时限) of government services are counted in working
days: 法定节假日 and weekends do not count, 调休上班 weekend days do.

Source of truth, chosen per calendar year, in this order:

1. ``chinesecalendar`` (import name ``chinese_calendar``): the published State Council
   arrangements for 2004–2026, 调休 included.
2. ``data/holidays.yaml`` shipped with this package: the arrangement of a year that
   ``chinesecalendar`` does not know yet, entered by hand from the 国务院办公厅 notice.
3. A provisional calendar computed from 《全国年节及纪念日放假办法》 (2024 revision):
   weekends, the statutory holidays (元旦 1 day, 春节 4 days, 清明节 1, 劳动节 2, 端午节 1,
   中秋节 1, 国庆节 3) and the 补假 of its art. 6 (a holiday that falls on a Saturday or Sunday,
   or on another holiday, is made up on the next working day). The 调休 of a future year cannot
   be known, so the provisional calendar has none, and every day it answers is flagged
   ``provisional``. Lunar dates and the 清明 solar term come from ``lunar_python``.

Counting follows Civil Code art. 201: a period starts the day after the triggering day, so the
day after acceptance is working day 1; 即办 is 0 working days, due the day of acceptance.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from lianban.calendar.days import (
    _CHINESECALENDAR_NAMES,
    BeyondCalendar,
    DayInfo,
    DueDate,
    HolidayDataError,
    NamedDay,
    Source,
    YearArrangement,
)
from lianban.calendar.holidays import (
    _is_weekend,
    load_holiday_data,
    provisional_holidays,
)

__all__ = [
    "CHINA_TZ",
    "BeyondCalendar",
    "DayInfo",
    "DueDate",
    "HolidayDataError",
    "NamedDay",
    "Source",
    "WorkingCalendar",
    "YearArrangement",
    "china_date",
    "day_info",
    "due_date",
    "is_working_day",
    "load_holiday_data",
    "provisional_holidays",
    "working_days_between",
]


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


def _chinesecalendar_covers(year: int) -> bool:
    try:
        chinese_calendar.get_holiday_detail(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _chinesecalendar_chinese_name(english: str) -> str:
    # One-off holidays (e.g. 2015-09-03) carry their Chinese name on chinesecalendar's enum.
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except (ValueError, AttributeError):
        return english


def _chinesecalendar_day(day: date) -> DayInfo:
    on_holiday, raw_name = chinese_calendar.get_holiday_detail(day)
    name: str | None = None
    if on_holiday and raw_name is not None:
        name = _CHINESECALENDAR_NAMES.get(str(raw_name)) or _chinesecalendar_chinese_name(str(raw_name))
    return DayInfo(day, not on_holiday, name, "chinesecalendar", False)


def _plain_day(day: date, source: Source) -> DayInfo:
    return DayInfo(day, not _is_weekend(day), None, source, source == "provisional")


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year, 12, 31) - first).days + 1)]


class WorkingCalendar:
    """A 工作日 calendar over chinesecalendar, a holiday data file and the provisional rules.

    The module-level functions use one shared instance reading the shipped data file; build
    your own with ``data_path`` to use another file (tests, a deployment that updates the
    arrangement before a package release). Each year is computed once and cached.
    """

    def __init__(self, data_path: Path | None = None, *, cache_years: int = 64) -> None:
        self.data_path = data_path
        arrangements = load_holiday_data(data_path)
        # A year chinesecalendar knows is taken from chinesecalendar, whatever the file says.
        self._arrangements = {
            year: arrangement
            for year, arrangement in arrangements.items()
            if not _chinesecalendar_covers(year)
        }
        self._entries: dict[date, DayInfo] = {}
        for arrangement in self._arrangements.values():
            for holiday in arrangement.holidays:
                self._entries[holiday.date] = DayInfo(holiday.date, False, holiday.name, "data_file", False)
            for makeup in arrangement.makeup_working_days:
                self._entries[makeup.date] = DayInfo(makeup.date, True, None, "data_file", False)
        self._year_table: Callable[[int], tuple[DayInfo, ...]] = functools.lru_cache(maxsize=cache_years)(
            self._compute_year
        )

    def source_for_year(self, year: int) -> Source:
        """Which source answers for ``year`` (before data-file days reaching in from year + 1)."""
        if _chinesecalendar_covers(year):
            return "chinesecalendar"
        if year in self._arrangements:
            return "data_file"
        return "provisional"

    def _compute_year(self, year: int) -> tuple[DayInfo, ...]:
        source = self.source_for_year(year)
        if source == "chinesecalendar":
            table = [_chinesecalendar_day(day) for day in _days_of(year)]
        elif source == "data_file":
            table = [_plain_day(day, "data_file") for day in _days_of(year)]
        else:
            table = [_plain_day(day, "provisional") for day in _days_of(year)]
            jan_1 = date(year, 1, 1).toordinal()
            for holiday in provisional_holidays(year):
                table[holiday.date.toordinal() - jan_1] = DayInfo(
                    holiday.date, False, holiday.name, "provisional", True
                )
        # Days published in a data-file arrangement win over the base (this also places a make-up
        # day of next year's arrangement that falls in this December).
        return tuple(self._entries.get(info.date, info) for info in table)

    def day_info(self, day: date) -> DayInfo:
        """What the calendar says about ``day``."""
        return self._year_table(day.year)[day.timetuple().tm_yday - 1]

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` is a 工作日 (a weekday that is no holiday, or a 调休上班 day)."""
        return self.day_info(day).is_working_day

    def due_date(self, start: date, working_days: int) -> DueDate:
        """The day on which a limit of ``working_days`` 工作日 counted from ``start`` ends.

        The day after ``start`` is the first day counted (Civil Code art. 201), so the result is
        the ``working_days``-th working day after ``start``. ``working_days == 0`` (即办) gives
        ``start`` itself. ``provisional`` is True if any day looked at (after ``start``, up to
        the due date) came from the provisional calendar.
        """
        if working_days < 0:
            raise ValueError(
                f"a time limit cannot be negative: got {working_days} working days "
                "(use 0 for 即办, due the day of acceptance)"
            )
        day = start
        counted = 0
        provisional = False
        while counted < working_days:
            if day == date.max:
                raise BeyondCalendar(
                    f"{working_days} working days after {start.isoformat()} end after {date.max.isoformat()}"
                )
            day += timedelta(days=1)
            info = self.day_info(day)
            provisional = provisional or info.provisional
            if info.is_working_day:
                counted += 1
        return DueDate(day, provisional)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 if ``end <= start``."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            year_end = min(end, date(day.year, 12, 31))
            table = self._year_table(day.year)
            first = day.timetuple().tm_yday - 1
            last = year_end.timetuple().tm_yday - 1
            count += sum(1 for info in table[first : last + 1] if info.is_working_day)
            day = year_end + timedelta(days=1)
        return count


@functools.lru_cache(maxsize=1)
def _default_calendar() -> WorkingCalendar:
    return WorkingCalendar()


def day_info(day: date) -> DayInfo:
    """What the calendar says about ``day`` (工作日 or not, holiday name, source)."""
    return _default_calendar().day_info(day)


def is_working_day(day: date) -> bool:
    """True if ``day`` is a 工作日 (调休上班 days included, 法定节假日 and weekends excluded)."""
    return _default_calendar().is_working_day(day)


@functools.lru_cache(maxsize=65536)
def due_date(start: date, working_days: int) -> DueDate:
    """Due date of a time limit of ``working_days`` 工作日 starting the day after ``start``.

    ``working_days == 0`` (即办) returns ``start``; a negative count raises ``ValueError``.
    Remembered: every sub-item of a day's filings asks the same few questions.
    """
    return _default_calendar().due_date(start, working_days)


def working_days_between(start: date, end: date) -> int:
    """Number of 工作日 after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    return _default_calendar().working_days_between(start, end)


CHINA_TZ = ZoneInfo("Asia/Shanghai")


def china_date(at: datetime) -> date:
    """The calendar day in China at instant ``at`` (a naive ``at`` is UTC, as SQLite hands it back).

    Time limits count days of the Chinese calendar: 00:30 on a Monday in Beijing is still Sunday in
    UTC, and an application accepted then was accepted on Monday.
    """
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(CHINA_TZ).date()
