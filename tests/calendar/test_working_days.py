"""工作日 and time limits: what a case officer expects the due date of a case to be."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import Lunar  # type: ignore[import-untyped]

from lianban.calendar import (
    DueDate,
    HolidayDataError,
    WorkingCalendar,
    day_info,
    due_date,
    is_working_day,
    load_holiday_data,
    working_days_between,
)
from lianban.calendar.working_days import provisional_holidays


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- the published arrangements (chinesecalendar) ---------------------------------------------


def test_case_accepted_friday_before_spring_festival_2026_is_due_after_the_break() -> None:
    # Accepted Fri 2026-02-13. Sat 02-14 is a 调休上班 day (working day 1); the break runs
    # 02-15 … 02-23; then Tue 24, Wed 25, Thu 26, Fri 27 are working days 2–5.
    assert due_date(date(2026, 2, 13), 5) == DueDate(date(2026, 2, 27), provisional=False)
    assert is_working_day(date(2026, 2, 14))
    assert date(2026, 2, 14).weekday() == 5


def test_case_accepted_on_the_eve_of_labour_day_2026_is_due_after_the_five_day_break() -> None:
    assert due_date(date(2026, 4, 30), 1).due_date == date(2026, 5, 6)


def test_spring_festival_2025_is_eight_days_off_with_two_make_up_days() -> None:
    for day in days(date(2025, 1, 28), date(2025, 2, 4)):
        info = day_info(day)
        assert not info.is_working_day, day
        assert info.holiday_name == "春节", day
        assert info.source == "chinesecalendar"
        assert not info.provisional
    # Sun 01-26 and Sat 02-08 are worked (调休上班); the days around the break are ordinary.
    for worked in (date(2025, 1, 26), date(2025, 2, 8), date(2025, 1, 27), date(2025, 2, 5)):
        assert is_working_day(worked), worked
        assert day_info(worked).holiday_name is None


def test_national_day_2026_is_seven_days_off() -> None:
    for day in days(date(2026, 10, 1), date(2026, 10, 7)):
        info = day_info(day)
        assert not info.is_working_day, day
        assert info.holiday_name == "国庆节", day
    assert is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 10))  # Saturday, 调休上班
    # A case accepted on the last working day before the break is due on the first day after it.
    assert due_date(date(2026, 9, 30), 1).due_date == date(2026, 10, 8)


def test_a_make_up_sunday_counts_as_a_working_day() -> None:
    # Sun 2026-09-20 is worked to make up for National Day: a case accepted on Friday 09-18
    # with a 1-day limit is due that Sunday, not on Monday.
    assert date(2026, 9, 20).weekday() == 6
    assert is_working_day(date(2026, 9, 20))
    assert due_date(date(2026, 9, 18), 1).due_date == date(2026, 9, 20)
    assert working_days_between(date(2026, 9, 18), date(2026, 9, 21)) == 2


def test_ordinary_weekends_are_not_working_days() -> None:
    info = day_info(date(2026, 3, 7))  # Saturday
    assert not info.is_working_day
    assert info.holiday_name is None


def test_immediate_service_is_due_the_day_of_acceptance() -> None:
    # 即办: 0 working days, due the same day, even on a provisional-year date.
    assert due_date(date(2026, 3, 10), 0) == DueDate(date(2026, 3, 10), provisional=False)
    assert due_date(date(2028, 3, 10), 0) == DueDate(date(2028, 3, 10), provisional=False)


def test_a_negative_time_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        due_date(date(2026, 3, 10), -1)


def test_working_days_between_counts_after_start_up_to_and_including_end() -> None:
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 27)) == 5
    assert working_days_between(date(2026, 2, 27), date(2026, 2, 13)) == 0
    assert working_days_between(date(2026, 2, 27), date(2026, 2, 27)) == 0
    # A whole published year: 365 days − 104 weekend days − 13 statutory days = 248 (调休 only
    # moves days around).
    assert working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248


# --- the provisional calendar (《全国年节及纪念日放假办法》 only) ------------------------------------

# 2028 festivals as printed in an almanac (万年历), stated literally — not computed here.
SPRING_FESTIVAL_2028 = date(2028, 1, 26)  # 正月初一
NEW_YEARS_EVE_2028 = date(2028, 1, 25)  # 除夕 (腊月廿九: 2027's 12th lunar month has 29 days)
QINGMING_2028 = date(2028, 4, 4)
DRAGON_BOAT_2028 = date(2028, 5, 28)  # a Sunday
MID_AUTUMN_2028 = date(2028, 10, 3)  # the same day as the third day of National Day


def test_the_almanac_dates_of_2028_agree_with_lunar_python() -> None:
    def solar(lunar: object) -> date:
        s = lunar.getSolar()  # type: ignore[attr-defined]
        return date(s.getYear(), s.getMonth(), s.getDay())

    assert solar(Lunar.fromYmd(2028, 1, 1)) == SPRING_FESTIVAL_2028
    assert solar(Lunar.fromYmd(2027, 12, 29)) == NEW_YEARS_EVE_2028
    assert solar(Lunar.fromYmd(2028, 5, 5)) == DRAGON_BOAT_2028
    assert solar(Lunar.fromYmd(2028, 8, 15)) == MID_AUTUMN_2028
    qingming = Lunar.fromYmd(2028, 1, 1).getJieQiTable()["清明"]
    assert date(qingming.getYear(), qingming.getMonth(), qingming.getDay()) == QINGMING_2028


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2028, 1, 1), "元旦"),
        (NEW_YEARS_EVE_2028, "春节"),
        (SPRING_FESTIVAL_2028, "春节"),
        (date(2028, 1, 27), "春节"),
        (date(2028, 1, 28), "春节"),
        (QINGMING_2028, "清明节"),
        (date(2028, 5, 1), "劳动节"),
        (date(2028, 5, 2), "劳动节"),
        (DRAGON_BOAT_2028, "端午节"),
        (date(2028, 10, 1), "国庆节"),
        (date(2028, 10, 2), "国庆节"),
        (MID_AUTUMN_2028, "国庆节、中秋节"),
    ],
)
def test_2028_statutory_holidays_are_off_and_flagged_provisional(day: date, name: str) -> None:
    info = day_info(day)
    assert not info.is_working_day
    assert info.holiday_name == name
    assert info.source == "provisional"
    assert info.provisional


def test_2028_holidays_lost_to_a_weekend_or_a_double_festival_are_made_up_afterwards() -> None:
    # 放假办法 art. 6: a holiday on a Saturday or Sunday is made up (补假) on a working day.
    # 元旦 is a Saturday → Mon 01-03; 端午 is a Sunday → Mon 05-29; 国庆 01 is a Sunday and
    # 中秋 shares 10-03 with 国庆 → Wed 10-04 and Thu 10-05.
    for made_up, name in [
        (date(2028, 1, 3), "元旦"),
        (date(2028, 5, 29), "端午节"),
        (date(2028, 10, 4), "国庆节"),
        (date(2028, 10, 5), "中秋节"),
    ]:
        info = day_info(made_up)
        assert not info.is_working_day, made_up
        assert info.holiday_name == name
        assert info.provisional
    assert is_working_day(date(2028, 10, 6))
    # Without 调休 each year has 13 statutory days; 2028 loses four to weekends and overlaps.
    assert len(provisional_holidays(2028)) == 16


def test_spring_festival_2027_starting_on_a_friday_is_made_up_on_tuesday_and_wednesday() -> None:
    # 除夕 Fri 02-05, 初一 Sat 02-06, 初二 Sun 02-07, 初三 Mon 02-08 → 补假 Tue 09, Wed 10.
    off = [d.date for d in provisional_holidays(2027) if d.name == "春节"]
    assert off == days(date(2027, 2, 5), date(2027, 2, 10))
    assert is_working_day(date(2027, 2, 11))


def test_a_due_date_reaching_into_an_unpublished_year_is_flagged_provisional() -> None:
    # Accepted 2026-12-24 with a 20-day limit: the count runs into 2027.
    result = due_date(date(2026, 12, 24), 20)
    assert result.provisional
    assert result.due_date.year == 2027
    assert not due_date(date(2026, 12, 1), 5).provisional
    # An ordinary weekday of a provisional year is a working day, but only provisionally.
    info = day_info(date(2028, 3, 8))
    assert info.is_working_day
    assert info.provisional


# --- the holiday data file ------------------------------------------------------------------

FICTIONAL_2031 = """\
# A made-up arrangement, for the tests only.
years:
  2031:
    notice: 国办发明电〔2030〕测试号
    holidays:
      - {date: 2031-01-01, name: 元旦}
      - {date: 2031-01-22, name: 春节}
      - {date: 2031-01-23, name: 春节}
      - {date: 2031-01-24, name: 春节}
      - {date: 2031-01-25, name: 春节}
      - {date: 2031-01-26, name: 春节}
      - {date: 2031-01-27, name: 春节}
      - {date: 2031-01-28, name: 春节}
      - {date: 2031-01-29, name: 春节}
    makeup_working_days:
      - {date: 2030-12-28, name: 元旦}
      - {date: 2031-01-19, name: 春节}
      - {date: 2031-02-08, name: 春节}
  2026:
    holidays:
      - {date: 2026-03-10, name: 不会生效}
"""


@pytest.fixture
def calendar_2031(tmp_path: Path) -> WorkingCalendar:
    path = tmp_path / "holidays.yaml"
    path.write_text(FICTIONAL_2031, encoding="utf-8")
    return WorkingCalendar(data_path=path)


def test_the_shipped_data_file_loads_and_has_no_year_yet() -> None:
    assert load_holiday_data() == {}


def test_a_year_from_the_data_file_is_authoritative(calendar_2031: WorkingCalendar) -> None:
    info = calendar_2031.day_info(date(2031, 1, 24))
    assert (info.is_working_day, info.holiday_name, info.source, info.provisional) == (
        False,
        "春节",
        "data_file",
        False,
    )
    # Sunday 01-19 and Saturday 02-08 are worked; ordinary days follow Monday–Friday.
    assert calendar_2031.is_working_day(date(2031, 1, 19))
    assert calendar_2031.is_working_day(date(2031, 2, 8))
    assert not calendar_2031.is_working_day(date(2031, 2, 9))
    assert calendar_2031.day_info(date(2031, 3, 5)).source == "data_file"
    # Accepted Tue 01-21, 3 working days: 01-30 (Thu), 01-31 (Fri), then Sat 02-01 is off → Mon 02-03.
    assert calendar_2031.due_date(date(2031, 1, 21), 3) == DueDate(date(2031, 2, 3), provisional=False)


def test_a_make_up_day_in_the_december_before_applies_to_that_december(
    calendar_2031: WorkingCalendar,
) -> None:
    info = calendar_2031.day_info(date(2030, 12, 28))  # Saturday, in a provisional year
    assert info.is_working_day
    assert info.source == "data_file"
    assert calendar_2031.day_info(date(2030, 12, 27)).provisional


def test_the_data_file_cannot_override_a_year_chinesecalendar_knows(calendar_2031: WorkingCalendar) -> None:
    info = calendar_2031.day_info(date(2026, 3, 10))
    assert info.is_working_day
    assert info.source == "chinesecalendar"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("years:\n  2031:\n    makeup_working_days:\n      - {date: 2031-01-21, name: 春节}\n", "weekday"),
        ("years:\n  2031:\n    holidays:\n      - {date: 2032-01-01, name: 元旦}\n", "outside 2031"),
        ("years:\n  2031:\n    holidays:\n      - {date: 2031-13-01, name: 元旦}\n", "invalid date"),
        ("years:\n  2031:\n    holidays:\n      - {date: '1 Jan 2031', name: 元旦}\n", "ISO date"),
        ("years:\n  2031:\n    holidays:\n      - {date: 2031-01-01}\n", "date and name"),
        ("years:\n  2031:\n    vacations: []\n", "unknown keys"),
        (
            "years:\n  2031:\n    holidays:\n      - {date: 2031-02-08, name: 春节}\n"
            "    makeup_working_days:\n      - {date: 2031-02-08, name: 春节}\n",
            "listed twice",
        ),
        ("holidays: []\n", "single key"),
        ("years: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_data_file_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HolidayDataError, match=message):
        load_holiday_data(path)


# --- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2029, 12, 31))
limits = st.integers(min_value=1, max_value=300)


@settings(max_examples=200, deadline=None)
@given(start=starts, n=limits)
def test_a_due_date_is_always_a_working_day(start: date, n: int) -> None:
    assert is_working_day(due_date(start, n).due_date)


@settings(max_examples=200, deadline=None)
@given(start=starts, n=limits)
def test_one_more_working_day_is_always_a_later_due_date(start: date, n: int) -> None:
    assert due_date(start, n).due_date < due_date(start, n + 1).due_date
    assert due_date(start, n - 1).due_date < due_date(start, n).due_date


@settings(max_examples=200, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=300))
def test_counting_back_the_working_days_to_the_due_date_gives_the_limit(start: date, n: int) -> None:
    assert working_days_between(start, due_date(start, n).due_date) == n


def test_the_2015_victory_day_one_off_holiday_carries_its_chinese_name() -> None:
    info = day_info(date(2015, 9, 3))
    assert not info.is_working_day
    assert info.holiday_name is not None
    assert "70周年纪念日" in info.holiday_name


def test_acceptance_just_after_midnight_in_beijing_counts_from_that_day() -> None:
    from datetime import UTC, datetime

    from lianban.calendar import china_date

    monday_0030_beijing = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # still Sunday in UTC
    assert china_date(monday_0030_beijing) == date(2026, 11, 23)
    assert china_date(datetime(2026, 11, 22, 16, 30)) == date(2026, 11, 23)  # naive: UTC, as SQLite gives
    assert china_date(datetime(2026, 11, 23, 15, 59, tzinfo=UTC)) == date(2026, 11, 23)
