"""What the working-day calendar answers with (工作日): a day's facts, a due date, the named
holidays of a year and their names as 《全国年节及纪念日放假办法》 writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

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
