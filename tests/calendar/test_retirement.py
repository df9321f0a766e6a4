"""法定退休年龄 under the 2024 decision on gradually raising the retirement age, and 劳动年龄."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianban.calendar import RetirementAge, RetirementCategory, retirement, working_age_start

MALE_60 = RetirementCategory.MALE_60
FEMALE_55 = RetirementCategory.FEMALE_55
FEMALE_50 = RetirementCategory.FEMALE_50


# Rows of the official comparison table (《渐进式延迟法定退休年龄对照表》): birth month →
# delay months, effective age and the month of retirement.
@pytest.mark.parametrize(
    ("category", "born", "delay", "age_text", "retires"),
    [
        # 男职工, original 60: 1965-01 … 1965-04 → 60岁1个月; cap 63 from 1976-09.
        (MALE_60, date(1965, 1, 15), 1, "60周岁1个月", date(2025, 2, 15)),
        (MALE_60, date(1965, 4, 10), 1, "60周岁1个月", date(2025, 5, 10)),
        (MALE_60, date(1965, 5, 10), 2, "60周岁2个月", date(2025, 7, 10)),
        (MALE_60, date(1970, 1, 1), 16, "61周岁4个月", date(2031, 5, 1)),
        (MALE_60, date(1976, 8, 20), 35, "62周岁11个月", date(2039, 7, 20)),
        (MALE_60, date(1976, 9, 20), 36, "63周岁", date(2039, 9, 20)),
        (MALE_60, date(1976, 12, 5), 36, "63周岁", date(2039, 12, 5)),
        (MALE_60, date(1990, 6, 1), 36, "63周岁", date(2053, 6, 1)),
        # 原55周岁退休的女职工: 1970-01 → 55岁1个月; cap 58 from 1981-09.
        (FEMALE_55, date(1970, 1, 8), 1, "55周岁1个月", date(2025, 2, 8)),
        (FEMALE_55, date(1975, 6, 30), 17, "56周岁5个月", date(2031, 11, 30)),
        (FEMALE_55, date(1981, 8, 1), 35, "57周岁11个月", date(2039, 7, 1)),
        (FEMALE_55, date(1981, 9, 1), 36, "58周岁", date(2039, 9, 1)),
        # 原50周岁退休的女职工: 1975-01 … 1975-02 → 50岁1个月; cap 55 from 1984-11.
        (FEMALE_50, date(1975, 1, 3), 1, "50周岁1个月", date(2025, 2, 3)),
        (FEMALE_50, date(1975, 2, 3), 1, "50周岁1个月", date(2025, 3, 3)),
        (FEMALE_50, date(1975, 3, 3), 2, "50周岁2个月", date(2025, 5, 3)),
        (FEMALE_50, date(1984, 10, 3), 59, "54周岁11个月", date(2039, 9, 3)),
        (FEMALE_50, date(1984, 11, 3), 60, "55周岁", date(2039, 11, 3)),
        (FEMALE_50, date(1984, 12, 3), 60, "55周岁", date(2039, 12, 3)),
    ],
)
def test_official_table(
    category: RetirementCategory, born: date, delay: int, age_text: str, retires: date
) -> None:
    result = retirement(born, category)
    assert result.delay_months == delay
    assert result.age_text == age_text
    assert result.retirement_date == retires


@pytest.mark.parametrize(
    ("category", "born", "original_age", "retires"),
    [
        (MALE_60, date(1964, 12, 31), 60, date(2024, 12, 31)),
        (FEMALE_55, date(1969, 12, 1), 55, date(2024, 12, 1)),
        (FEMALE_50, date(1974, 12, 1), 50, date(2024, 12, 1)),
        (MALE_60, date(1950, 3, 3), 60, date(2010, 3, 3)),
    ],
)
def test_a_person_born_before_the_base_month_keeps_the_original_age(
    category: RetirementCategory, born: date, original_age: int, retires: date
) -> None:
    assert retirement(born, category) == RetirementAge(original_age, 0, retires, f"{original_age}周岁")


def test_a_man_born_on_the_last_of_january_1965_retires_on_the_last_of_february_2025() -> None:
    # 60 years and 1 month after 1965-01-31: February 2025 has no 31st.
    assert retirement(date(1965, 1, 31), MALE_60).retirement_date == date(2025, 2, 28)


def test_a_birth_day_missing_from_the_retirement_month_falls_on_its_last_day() -> None:
    # A man born 1980-02-29: k = 182 → capped at 36 months → 63周岁 → February 2043, which has
    # no 29th.
    assert retirement(date(1980, 2, 29), MALE_60).retirement_date == date(2043, 2, 28)
    # A woman (55) born 1970-07-31: k = 7 → 2 months → 55周岁2个月 → September 2025 (30 days).
    assert retirement(date(1970, 7, 31), FEMALE_55).retirement_date == date(2025, 9, 30)
    # No clamping needed: a man born 1972-02-29, k = 86 → 22 months → 61周岁10个月.
    assert retirement(date(1972, 2, 29), MALE_60).retirement_date == date(2033, 12, 29)


def test_the_category_may_be_given_by_its_value() -> None:
    assert retirement(date(1965, 1, 15), RetirementCategory("male_60")).delay_months == 1


def test_working_age_starts_on_the_16th_birthday() -> None:
    assert working_age_start(date(2009, 5, 17)) == date(2025, 5, 17)
    assert working_age_start(date(2008, 2, 29)) == date(2024, 2, 29)
    assert working_age_start(date(2084, 2, 29)) == date(2100, 2, 28)  # 2100 is no leap year


@given(
    category=st.sampled_from(list(RetirementCategory)),
    born=st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
)
def test_the_retirement_age_only_ever_rises_within_its_cap(category: RetirementCategory, born: date) -> None:
    cap = {MALE_60: 36, FEMALE_55: 36, FEMALE_50: 60}[category]
    result = retirement(born, category)
    assert 0 <= result.delay_months <= cap
    next_month = date(born.year + born.month // 12, born.month % 12 + 1, 1)
    assert retirement(next_month, category).delay_months >= result.delay_months
    years, months = divmod(result.original_age_years * 12 + result.delay_months, 12)
    assert (result.retirement_date.year - born.year) * 12 + result.retirement_date.month - born.month == (
        years * 12 + months
    )
