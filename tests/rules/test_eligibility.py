"""Eligibility with explanations, as the documents state the conditions."""

from __future__ import annotations

from datetime import date

from lianban.catalog.catalogue import default_catalogue
from lianban.rules.eligibility import assess

TODAY = date(2026, 11, 23)
CAT = default_catalogue()
GRADUATE = CAT.theme("hubei.graduate-employment")
ZIBO_UNIT = CAT.theme("zibo.unit-employment")
ZIBO_FLEX = CAT.theme("zibo.flexible-employment")


def result(eligibility, item: str | None, condition: str):  # type: ignore[no-untyped-def]
    return next(r for r in eligibility.results if r.item == item and r.condition == condition)


def graduate(
    birth: str, level: str = "21", graduated: str = "2026-06-30", gender: str = "2"
) -> dict[str, object]:
    return {
        "person.birth_date": birth,
        "person.gender": gender,
        "person.nationality": "CHN",
        "education.level": level,
        "education.graduation_date": graduated,
    }


def test_a_wuhan_graduate_of_22_may_register_and_settle() -> None:
    e = assess(
        GRADUATE,
        GRADUATE.items,
        graduate("2004-03-15"),
        {"settle_city": "wuhan"},
        {"education_verified": True},
        TODAY,
    )
    assert e.blocking == []
    working_age = result(e, "employment_registration", "working_age")
    assert working_age.met is True
    assert "2004-03-15" in working_age.explanation_zh
    before_pension = result(e, "employment_registration", "before_basic_pension")
    assert before_pension.met is True
    assert "法定退休日期为" in before_pension.explanation_zh  # the computed date is shown


def test_a_woman_past_the_statutory_retirement_date_is_warned_with_the_date_not_refused() -> None:
    """Seed 000: “年满16周岁（含）至依法享受基本养老保险待遇” — the end is the pension, which staff check."""
    # born 1970-03: female-55 category, delay ceil(3/4)=1 month → retires 2025-04
    e = assess(
        GRADUATE,
        GRADUATE.items,
        graduate("1970-03-10", level="21"),
        {"settle_city": "other"},
        {"education_verified": True},
        TODAY,
    )
    assert result(e, "employment_registration", "working_age").met is True  # over 16
    past = result(e, "employment_registration", "before_basic_pension")
    assert past.met is False
    assert "2025-04-10" in past.explanation_zh
    assert past in e.warnings and past not in e.blocking


def test_a_fifteen_year_old_is_below_working_age() -> None:
    e = assess(GRADUATE, GRADUATE.items, graduate("2011-01-01"), {"settle_city": "other"}, {}, TODAY)
    assert result(e, "employment_registration", "working_age").met is False


def test_wuhan_settlement_refuses_a_junior_college_graduate_of_46_but_not_a_postgraduate_of_46() -> None:
    facts = {"education_verified": True}
    college = assess(
        GRADUATE, GRADUATE.items, graduate("1980-01-01", level="31"), {"settle_city": "wuhan"}, facts, TODAY
    )
    assert result(college, "hukou_transfer", "wuhan_graduate_settlement").met is False
    master = assess(
        GRADUATE, GRADUATE.items, graduate("1980-01-01", level="14"), {"settle_city": "wuhan"}, facts, TODAY
    )
    assert result(master, "hukou_transfer", "wuhan_graduate_settlement").met is True


def test_the_subsidy_needs_graduation_within_two_years() -> None:
    old = assess(GRADUATE, GRADUATE.items, graduate("1998-01-01", graduated="2022-06-30"), {}, {}, TODAY)
    assert result(old, "graduate_si_subsidy", "graduate_within_two_years").met is False
    recent = assess(GRADUATE, GRADUATE.items, graduate("2002-01-01", graduated="2025-06-30"), {}, {}, TODAY)
    assert result(recent, "graduate_si_subsidy", "graduate_within_two_years").met is True


def test_a_shandong_card_holder_needs_no_new_card_and_the_item_drops_with_the_reason() -> None:
    values = {"person.birth_date": "1995-05-05", "person.gender": "1", "employment.start_date": "2026-11-20"}
    e = assess(ZIBO_UNIT, ZIBO_UNIT.items, values, {}, {"holds_social_card_in_province": True}, TODAY)
    dropped = e.dropped_items
    assert list(dropped) == ["social_card_application"]
    assert "已持有山东省社会保障卡" in dropped["social_card_application"].explanation_zh


def test_enrolment_later_than_30_days_after_hiring_is_a_warning_not_a_refusal() -> None:
    values = {"person.birth_date": "1995-05-05", "person.gender": "1", "employment.start_date": "2026-09-01"}
    e = assess(ZIBO_UNIT, ZIBO_UNIT.items, values, {}, {"holds_social_card_in_province": False}, TODAY)
    late = [r for r in e.warnings if r.item in ("pension_enrolment", "medical_enrolment")]
    assert {r.item for r in late} == {"pension_enrolment", "medical_enrolment"}
    assert all(r.met is False and r.severity == "warn" for r in late)


def test_an_employer_without_a_housing_fund_account_cannot_open_personal_accounts() -> None:
    values = {"person.birth_date": "1995-05-05", "person.gender": "1", "employment.start_date": "2026-11-20"}
    e = assess(ZIBO_UNIT, ZIBO_UNIT.items, values, {}, {"employer_has_housing_fund_account": False}, TODAY)
    assert any(r.item == "housing_fund_account" for r in e.blocking)


def test_a_condition_whose_facts_are_missing_is_not_met_and_says_which() -> None:
    """No birth date, no gender: working age cannot be shown, so it is not met (it used to pass as
    undecided), and the explanation names what is missing."""
    e = assess(GRADUATE, GRADUATE.items, {}, {}, {}, TODAY)
    working_age = result(e, "employment_registration", "working_age")
    assert working_age.met is False
    assert "缺少" in working_age.explanation_zh and "出生日期" in working_age.explanation_zh
    assert "missing" in working_age.explanation_en
    known = assess(GRADUATE, GRADUATE.items, graduate("2004-03-15"), {}, {}, TODAY)
    assert result(known, "employment_registration", "working_age").met is True
