"""Statutory working age and retirement age (法定劳动年龄, 法定退休年龄).

This module owns the date on which a person reaches 法定退休年龄 under the NPC Standing
Committee decision of 2024-09-13 on gradually raising the statutory retirement age
(《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》, in force 2025-01-01),
and the start of working age (年满16周岁).

The decision raises each original age (原法定退休年龄) by one month for every ``step`` months
of birth after a base month, up to a cap:

=========================  ==========  =========  ====  =========  ============
category                   original    base year  step  cap        final age
=========================  ==========  =========  ====  =========  ============
男职工                      60周岁      1965       4     36 months  63周岁
原55周岁退休的女职工          55周岁      1970       4     36 months  58周岁
原50周岁退休的女职工          50周岁      1975       2     60 months  55周岁
=========================  ==========  =========  ====  =========  ============

with ``k = (birth_year − base_year) × 12 + birth_month`` and
``delay = min(ceil(k / step), cap)`` for ``k ≥ 1``; a person born before January of the base
year keeps the original age. The retirement date is the birth date plus the original age plus
the delay months; a birth date that does not exist in the target month (29 February, the 31st)
falls on that month's last day. Which original age applies to a woman (50 or 55) depends on her
post and, for flexible workers, on regional rules: the caller chooses the category.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "WORKING_AGE_YEARS",
    "RetirementAge",
    "RetirementCategory",
    "add_months",
    "retirement",
    "working_age_start",
]

#: 法定劳动年龄 starts at 16 full years (年满16周岁).
WORKING_AGE_YEARS = 16


class RetirementCategory(StrEnum):
    """Which 原法定退休年龄 applies to the person."""

    MALE_60 = "male_60"
    """男职工, original age 60."""
    FEMALE_55 = "female_55"
    """女干部 and women whose original age was 55 (Zibo's 灵活就业 rule)."""
    FEMALE_50 = "female_50"
    """女职工 whose original age was 50."""


@dataclass(frozen=True)
class _Rule:
    original_age_years: int
    base_year: int
    step_months: int
    cap_months: int


_RULES: dict[RetirementCategory, _Rule] = {
    RetirementCategory.MALE_60: _Rule(60, 1965, 4, 36),
    RetirementCategory.FEMALE_55: _Rule(55, 1970, 4, 36),
    RetirementCategory.FEMALE_50: _Rule(50, 1975, 2, 60),
}


@dataclass(frozen=True)
class RetirementAge:
    """A person's 法定退休年龄 and the date it is reached.

    ``age_text`` is the effective age in Chinese, e.g. "63周岁" or "58周岁6个月".
    """

    original_age_years: int
    delay_months: int
    retirement_date: date
    age_text: str


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _delay_months(birth_date: date, rule: _Rule) -> int:
    k = (birth_date.year - rule.base_year) * 12 + birth_date.month
    if k < 1:
        return 0
    return min(-(-k // rule.step_months), rule.cap_months)


def _age_text(total_months: int) -> str:
    years, months = divmod(total_months, 12)
    return f"{years}周岁" if months == 0 else f"{years}周岁{months}个月"


def retirement(birth_date: date, category: RetirementCategory) -> RetirementAge:
    """法定退休年龄 and retirement date for a person born on ``birth_date``."""
    rule = _RULES[RetirementCategory(category)]
    delay = _delay_months(birth_date, rule)
    total_months = rule.original_age_years * 12 + delay
    return RetirementAge(
        original_age_years=rule.original_age_years,
        delay_months=delay,
        retirement_date=add_months(birth_date, total_months),
        age_text=_age_text(total_months),
    )


def working_age_start(birth_date: date) -> date:
    """The 16th birthday, from which a person is of 法定劳动年龄 (29 February → 28 February)."""
    return add_months(birth_date, WORKING_AGE_YEARS * 12)
