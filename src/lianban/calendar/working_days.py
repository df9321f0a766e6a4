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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import chinese_calendar
from lunar_python import Lunar  # type: ignore[import-untyped]
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

__all__ = [
    "DayInfo",
    "DueDate",
    "HolidayDataError",
    "NamedDay",
    "Source",
    "WorkingCalendar",
    "YearArrangement",
    "day_info",
    "due_date",
    "is_working_day",
    "load_holiday_data",
    "provisional_holidays",
    "working_days_between",
]

Source = Literal["chinesecalendar", "data_file", "provisional"]

#: Names of the 全体公民放假的节日 as written in 《全国年节及纪念日放假办法》 art. 2.
NEW_YEARS_DAY = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"

# chinesecalendar names holidays in English; map them to the names of the 放假办法.
_CHINESECALENDAR_NAMES: dict[str, str] = {
    "New Year's Day": NEW_YEARS_DAY,
    "Spring Festival": SPRING_FESTIVAL,
    "Tomb-sweeping Day": QINGMING,
    "Labour Day": LABOUR_DAY,
    "Dragon Boat Festival": DRAGON_BOAT,
    "Mid-autumn Festival": MID_AUTUMN,
    "National Day": NATIONAL_DAY,
}

_SATURDAY = 5


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one date.

    ``holiday_name`` names the holiday break a non-working day belongs to (e.g. "春节" for every
    day off of the Spring Festival break, weekends inside it included); it is ``None`` for
    ordinary weekends and for every working day, 调休上班 days included.
    ``provisional`` is True exactly when ``source == "provisional"``: the State Council has not
    (as far as this package knows) published that year's arrangement yet.
    """

    date: date
    is_working_day: bool
    holiday_name: str | None
    source: Source
    provisional: bool


@dataclass(frozen=True)
class DueDate:
    """The last day of a time limit (时限届满日) and whether it rests on a provisional calendar."""

    due_date: date
    provisional: bool


@dataclass(frozen=True)
class NamedDay:
    """A date in a holiday arrangement with the name of its holiday."""

    date: date
    name: str


@dataclass(frozen=True)
class YearArrangement:
    """One year's 节假日安排 from the data file: days off (放假) and 调休上班 days."""

    year: int
    holidays: tuple[NamedDay, ...]
    makeup_working_days: tuple[NamedDay, ...]
    notice: str | None = None


class HolidayDataError(ValueError):
    """The holiday data file is malformed or contradicts itself."""


class BeyondCalendar(ValueError):
    """A time limit that would end after the last day a date can name (9999-12-31)."""


# --------------------------------------------------------------------------------------------
# Data file (source 2)
# --------------------------------------------------------------------------------------------


def _read_default_data() -> str:
    return resources.files("lianban.calendar").joinpath("data", "holidays.yaml").read_text("utf-8")


def _parse_date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise HolidayDataError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)")


def _parse_named_days(raw: object, year: int, key: str) -> tuple[NamedDay, ...]:
    where = f"year {year}, {key}"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise HolidayDataError(f"{where}: expected a list of {{date, name}} entries")
    days: list[NamedDay] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or set(entry) != {"date", "name"}:
            raise HolidayDataError(f"{where}[{index}]: expected exactly the keys date and name")
        day = _parse_date(entry["date"], f"{where}[{index}]")
        name = entry["name"]
        if not isinstance(name, str) or not name.strip():
            raise HolidayDataError(f"{where}[{index}]: name must be a non-empty string")
        in_year = day.year == year or (day.year == year - 1 and day.month == 12)
        if not in_year:
            raise HolidayDataError(
                f"{where}[{index}]: {day.isoformat()} is outside {year} "
                f"(only December of {year - 1} may be listed besides {year} itself)"
            )
        days.append(NamedDay(day, name.strip()))
    return tuple(days)


def _parse_year(year: object, body: object) -> YearArrangement:
    if not isinstance(year, int) or isinstance(year, bool):
        raise HolidayDataError(f"year key {year!r} must be an integer such as 2027")
    if not isinstance(body, Mapping):
        raise HolidayDataError(f"year {year}: expected a mapping with holidays and makeup_working_days")
    unknown = set(body) - {"notice", "holidays", "makeup_working_days"}
    if unknown:
        raise HolidayDataError(f"year {year}: unknown keys {sorted(map(str, unknown))}")
    notice = body.get("notice")
    if notice is not None and not isinstance(notice, str):
        raise HolidayDataError(f"year {year}: notice must be a string")
    holidays = _parse_named_days(body.get("holidays"), year, "holidays")
    makeup = _parse_named_days(body.get("makeup_working_days"), year, "makeup_working_days")
    seen: set[date] = set()
    for entry in (*holidays, *makeup):
        if entry.date in seen:
            raise HolidayDataError(f"year {year}: {entry.date.isoformat()} is listed twice")
        seen.add(entry.date)
    for entry in makeup:
        if entry.date.weekday() < _SATURDAY:
            raise HolidayDataError(
                f"year {year}: make-up working day (调休上班) {entry.date.isoformat()} is a weekday; "
                "only a Saturday or Sunday can be a make-up working day"
            )
    return YearArrangement(year, holidays, makeup, notice)


def load_holiday_data(path: Path | None = None) -> dict[int, YearArrangement]:
    """Load and validate the holiday arrangements file.

    ``path`` defaults to ``data/holidays.yaml`` shipped in this package; tests and deployments
    may point at another file. Raises :class:`HolidayDataError` for a malformed file.
    """
    try:
        text = _read_default_data() if path is None else path.read_text("utf-8")
        loaded: Any = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise HolidayDataError(f"{path or 'holidays.yaml'}: not valid YAML: {exc}") from exc
    except ValueError as exc:  # the YAML loader builds dates itself: 2031-13-01 fails there
        raise HolidayDataError(f"{path or 'holidays.yaml'}: holds an invalid date: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, Mapping) or set(loaded) - {"years"}:
        raise HolidayDataError("the holiday data file must be a mapping with a single key: years")
    years = loaded.get("years") or {}
    if not isinstance(years, Mapping):
        raise HolidayDataError("years: expected a mapping from year to arrangement")
    arrangements = [_parse_year(year, body) for year, body in years.items()]
    return {arrangement.year: arrangement for arrangement in arrangements}


# --------------------------------------------------------------------------------------------
# Provisional calendar (source 3)
# --------------------------------------------------------------------------------------------


def _solar_to_date(solar: Any) -> date:
    return date(int(solar.getYear()), int(solar.getMonth()), int(solar.getDay()))


def _lunar_to_date(lunar_year: int, lunar_month: int, lunar_day: int) -> date:
    return _solar_to_date(Lunar.fromYmd(lunar_year, lunar_month, lunar_day).getSolar())


def _is_weekend(day: date) -> bool:
    return day.weekday() >= _SATURDAY


def _statutory_days(year: int) -> list[NamedDay]:
    """The 13 days of 《全国年节及纪念日放假办法》 art. 2 (2024 revision) for ``year``.

    Two festivals may fall on the same date (e.g. 中秋节 on 10月3日); both are listed.
    """
    lunar_new_year = _lunar_to_date(year, 1, 1)
    # 除夕 is the last day of the 12th lunar month (29th or 30th), i.e. the day before 正月初一.
    new_years_eve = lunar_new_year - timedelta(days=1)
    qingming = _solar_to_date(Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"])
    days = [
        NamedDay(date(year, 1, 1), NEW_YEARS_DAY),
        NamedDay(new_years_eve, SPRING_FESTIVAL),
        *(NamedDay(lunar_new_year + timedelta(days=i), SPRING_FESTIVAL) for i in range(3)),
        NamedDay(qingming, QINGMING),
        NamedDay(date(year, 5, 1), LABOUR_DAY),
        NamedDay(date(year, 5, 2), LABOUR_DAY),
        NamedDay(_lunar_to_date(year, 5, 5), DRAGON_BOAT),
        *(NamedDay(date(year, 10, d), NATIONAL_DAY) for d in (1, 2, 3)),
        NamedDay(_lunar_to_date(year, 8, 15), MID_AUTUMN),
    ]
    # Stable sort: on a shared date the fixed-date festival comes first ("国庆节、中秋节").
    return sorted(days, key=lambda d: d.date)


@functools.lru_cache(maxsize=256)
def provisional_holidays(year: int) -> tuple[NamedDay, ...]:
    """Days off of ``year`` under 《全国年节及纪念日放假办法》 alone, 补假 included.

    Art. 6: a 全体公民放假的假日 that falls on a Saturday or Sunday is made up (补假) on a working
    day. A holiday that coincides with another holiday (e.g. 中秋节 on 国庆节) is lost the same
    way and is made up too. The 补假 is placed on the first working day after the holiday, as
    the State Council's notices do. Sorted by date; a date shared by two festivals appears once,
    named "国庆节、中秋节".
    """
    names: dict[date, list[str]] = {}
    lost: list[NamedDay] = []
    for entry in _statutory_days(year):
        if _is_weekend(entry.date) or entry.date in names:
            lost.append(entry)
        names.setdefault(entry.date, [])
        if entry.name not in names[entry.date]:
            names[entry.date].append(entry.name)
    for entry in lost:
        day = entry.date + timedelta(days=1)
        while _is_weekend(day) or day in names:
            day += timedelta(days=1)
        names[day] = [entry.name]
    return tuple(NamedDay(day, "、".join(names[day])) for day in sorted(names))


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
