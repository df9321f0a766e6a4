"""A region sets its own housing fund rate bounds (缴存比例) in regions.yaml: the usual 5–12 %
(DOMAIN.md) unless it says otherwise, and the lowest rate it takes with 降缴 (a reduced rate
applied for, seed 003 填表说明第7条)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lianban.forms.contributions import HousingFundRates, housing_fund_amounts, rate_bound_issues
from lianban.forms.regions import load_region_settings, region_settings, shipped_regions

SHANGRAO = (
    '"361100": {name: 上饶市, average_wage_yuan_per_year: 70000, average_wage_year: 2024,'
    " placeholder: false, source: test, housing_fund_rounding: yuan,"
    " housing_fund_rates: {usual_min: 6, max: 10, reduced_min: 3}}\n"
)


def test_the_shipped_provinces_keep_the_national_bounds() -> None:
    for code in ("420000", "370000", "360000", "130000"):
        assert region_settings(code, shipped_regions()).housing_fund_rates == HousingFundRates(
            Decimal(5), Decimal(12), Decimal(1)
        )


def test_a_city_that_sets_6_percent_refuses_5_without_a_reduction_and_takes_3_with_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "regions.yaml"
    path.write_text(SHANGRAO, encoding="utf-8")
    rates = region_settings("361102", load_region_settings(path)).housing_fund_rates  # a district of 上饶
    assert rates == HousingFundRates(usual_min=Decimal(6), max=Decimal(10), reduced_min=Decimal(3))

    form: dict[str, object] = {"housing_fund.unit_rate": "5", "housing_fund.personal_rate": "6"}
    [issue] = rate_bound_issues(form, "employees[0].", reduced=False, rates=rates)
    assert issue.field == "employees[0].housing_fund.unit_rate" and issue.code == "range"
    assert "低于 6%" in issue.message_zh and "降缴" in issue.message_zh
    assert rate_bound_issues(form, "", reduced=True, rates=rates) == []  # 降缴 applied for

    bounds = {"min_rate": rates.reduced_min, "max_rate": rates.max}
    assert housing_fund_amounts(Decimal(4000), Decimal(3), Decimal(3), **bounds).total == Decimal(240)
    with pytest.raises(ValueError, match="3%–10%"):
        housing_fund_amounts(Decimal(4000), Decimal(2), Decimal(3), **bounds)


def test_the_citys_maximum_and_its_reduction_floor_are_refused_beside_the_field(tmp_path: Path) -> None:
    path = tmp_path / "regions.yaml"
    path.write_text(SHANGRAO, encoding="utf-8")
    rates = region_settings("361100", load_region_settings(path)).housing_fund_rates
    above = {"housing_fund.unit_rate": "11", "housing_fund.personal_rate": "10"}
    [issue] = rate_bound_issues(above, "", reduced=False, rates=rates)
    assert issue.field == "housing_fund.unit_rate" and "高于本地上限 10%" in issue.message_zh
    assert rate_bound_issues(above, "", reduced=True, rates=rates) == [issue]  # 降缴 lowers, never raises
    under = {"housing_fund.unit_rate": "2", "housing_fund.personal_rate": "3"}
    [issue] = rate_bound_issues(under, "employees[2].", reduced=True, rates=rates)
    assert issue.field == "employees[2].housing_fund.unit_rate" and "降缴的最低比例 3%" in issue.message_zh


@pytest.mark.parametrize(
    ("rates", "complaint"),
    [
        ("{usual_min: 5, ceiling: 12}", "unknown key ceiling"),
        ("{usual_min: 4, reduced_min: 5}", "reduced_min ≤ usual_min ≤ max"),
        ("{max: 0}", "must be a percent above 0"),
        ("{max: 15}", "at most 12"),
        ("[5, 12]", "must be a mapping"),
    ],
)
def test_a_wrong_rates_entry_is_refused_at_load(tmp_path: Path, rates: str, complaint: str) -> None:
    path = tmp_path / "regions.yaml"
    path.write_text(SHANGRAO.replace("{usual_min: 6, max: 10, reduced_min: 3}", rates), encoding="utf-8")
    with pytest.raises(ValueError, match=complaint):
        load_region_settings(path)
