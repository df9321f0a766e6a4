"""The holiday arrangements a year's calendar is built from when ``chinesecalendar`` does not know
the year: the shipped data file (``data/holidays.yaml``, source 2) and the provisional calendar
computed from 《全国年节及纪念日放假办法》 (source 3); see :mod:`.working_days`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from lunar_python import Lunar  # type: ignore[import-untyped]
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from lianban.calendar.days import (
    _SATURDAY,
    DRAGON_BOAT,
    LABOUR_DAY,
    MID_AUTUMN,
    NATIONAL_DAY,
    NEW_YEARS_DAY,
    QINGMING,
    SPRING_FESTIVAL,
    HolidayDataError,
    NamedDay,
    YearArrangement,
)

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
