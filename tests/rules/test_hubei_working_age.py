"""Hubei's working age and the graduate subsidy's two years (issue 17, point 3).

- Seed 000 四、受理条件 1 个人就业登记: “1.年满16周岁（含）至依法享受基本养老保险待遇；” — the end is
  receiving the basic pension, not the statutory retirement date: past that date it is a warning with
  the reason, for staff to check, never a refusal; under 16 is refused. A woman's original
  retirement age (50 or 55) cannot be read from her ID number: the explanation says 55 is assumed.
- Seed 000 四 2 高校毕业生社保补贴申领（灵活就业）: “毕业年度和离校2年内未就业高校毕业生灵活就业后缴纳的社会保险费，
  按规定给予社会保险补贴。” — the months claimed (登记表 “养老补贴年月 … 补贴月数”) must lie in the
  graduation year or within two years of leaving school, and the months counted may not exceed them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import ric

from lianban.catalog.catalogue import default_catalogue
from lianban.forms.regions import shipped_regions
from lianban.forms.submission import check_submission
from lianban.rules.eligibility import ConditionResult, assess

CAT = default_catalogue()
TODAY = date(2026, 11, 23)
FLEXIBLE = CAT.theme("hubei.flexible-employment")
GRADUATE = CAT.theme("hubei.graduate-employment")


def _id(birth: str, seq: str) -> str:
    body = "420111" + birth.replace("-", "") + seq
    return body + ric.calc_check_digit(body + "0")


def _form(birth: str, gender: str) -> dict[str, Any]:
    return {
        "person.name": "刘建国",
        "person.mobile": "13907150002",
        "person.id_type": "01",
        "person.id_number": _id(birth, "113" if gender == "1" else "124"),
        "person.gender": gender,
        "person.ethnicity": "01",
        "person.nationality": "CHN",
        "person.birth_date": birth,
        "education.level": "61",
        "employment.flexible_form": CAT.code_lists["hubei.flexible_employment_form"].codes[0].code,
        "employment.unit_name": "小区保洁",
        "employment.work_region": "420111",
        "employment.handling_office": "洪山区人力资源和社会保障局",
        "employment.start_date": "2026-10-08",
        "employment.industry_code": "80",
        "employment.industry_sector": CAT.code_lists["hubei.industry_sector"].codes[2].code,
    }


def _file(birth: str, gender: str) -> Any:
    return check_submission(
        CAT,
        FLEXIBLE,
        items=["employment_registration"],
        situation={"archive_items": "none"},
        form=_form(birth, gender),
        today=TODAY,
        regions=shipped_regions(),
    )


def test_a_man_past_his_retirement_date_is_warned_with_the_reason_not_refused() -> None:
    checked = _file("1961-05-20", "1")  # 65 on the application date; retired 2021-05 under the old law
    assert checked.ok, [(i.field, i.message_zh) for i in checked.errors]
    (warning,) = [w for w in checked.warnings if w.field == "before_basic_pension"]
    assert warning.code == "ineligible" and warning.severity == "warning"
    assert "依法享受基本养老保险待遇" in warning.message_zh
    assert "经办人员核实" in warning.message_zh
    assert "法定退休日期为 2021-05-20" in warning.message_zh  # born before 1965: no delay
    assert [p.item for p in checked.payloads] == ["employment_registration"]


def test_a_fifteen_year_old_is_refused() -> None:
    checked = _file("2011-06-01", "2")
    assert not checked.ok
    (error,) = [e for e in checked.errors if e.field == "working_age"]
    assert "未满16周岁" in error.message_zh


def test_a_womans_explanation_states_the_55_it_assumes() -> None:
    checked = _file("1968-03-10", "2")  # 58 in 2026: past 55 plus her delay months
    (warning,) = [w for w in checked.warnings if w.field == "before_basic_pension"]
    assert (
        "女性一律按原55周岁计算" in warning.message_zh
        and "原为50周岁的实际退休日期更早" in warning.message_zh
    )
    assert "women" in warning.message_en and "55 is assumed" in warning.message_en


def test_a_worker_of_working_age_gets_no_warning() -> None:
    checked = _file("1990-01-01", "1")
    assert checked.ok and not [w for w in checked.warnings if w.field == "before_basic_pension"]


# ---- the graduate subsidy


def _subsidy(values: dict[str, Any]) -> dict[str, ConditionResult]:
    item = GRADUATE.item("graduate_si_subsidy")
    base = {"education.level": "21", "education.graduation_date": "2024-06-30"}
    results = assess(GRADUATE, [item], {**base, **values}, {}, {}, TODAY).results
    return {r.condition: r for r in results}


def test_subsidy_months_within_two_years_of_leaving_school_are_accepted() -> None:
    found = _subsidy(
        {
            "subsidy.pension_subsidy_period": {"start": "2025-07", "end": "2026-06"},
            "subsidy.pension_months": 12,
            "subsidy.medical_subsidy_period": {"start": "2026-01", "end": "2026-06"},
            "subsidy.medical_months": 6,
        }
    )
    assert found["subsidy_months_within_two_years"].met is True
    assert found["subsidy_months_claimed"].met is True


def test_months_claimed_after_the_two_years_are_refused_even_while_the_application_is_in_time() -> None:
    found = _subsidy(
        {
            "subsidy.pension_subsidy_period": {"start": "2026-03", "end": "2026-11"},
            "subsidy.pension_months": 9,
        }
    )
    # graduated 2024-06-30: applying on 2026-11-23 is past the two years; the months are checked too
    late = found["subsidy_months_within_two_years"]
    assert late.met is False and late.severity == "block"
    assert "2024年1月至 2026-06" in late.explanation_zh
    assert "养老补贴年月 2026-03—2026-11" in late.explanation_zh
    graduated_2025 = {"education.level": "21", "education.graduation_date": "2025-06-30"}
    item = GRADUATE.item("graduate_si_subsidy")
    open_ended = {**graduated_2025, "subsidy.pension_subsidy_period": {"start": "2025-07", "end": None}}
    (result,) = [
        r
        for r in assess(GRADUATE, [item], open_ended, {}, {}, TODAY).results
        if r.condition == "subsidy_months_within_two_years"
    ]
    assert result.met is False  # a claim names its last month


def test_more_subsidy_months_than_the_period_holds_are_refused() -> None:
    found = _subsidy(
        {
            "subsidy.pension_subsidy_period": {"start": "2025-09", "end": "2025-11"},
            "subsidy.pension_months": 9,
        }
    )
    claimed = found["subsidy_months_claimed"]
    assert claimed.met is False
    assert "养老补贴月数 9（补贴年月 2025-09—2025-11）" in claimed.explanation_zh
