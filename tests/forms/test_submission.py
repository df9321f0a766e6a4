"""Checking a whole submission: a graduate in Wuhan, and a Shangrao employer's batch with one bad row."""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import ric, uscc

from lianban.catalog.catalogue import default_catalogue
from lianban.forms.regions import shipped_regions
from lianban.forms.submission import check_submission

CAT = default_catalogue()
TODAY = date(2026, 11, 23)


def id_number(region: str, birth: str, seq: str) -> str:
    body = region + birth.replace("-", "") + seq
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder check digit


def shangrao_employee(name: str, seq: str, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "person.id_number": id_number("361102", "1999-08-08", seq),
        "person.name": name,
        "person.ethnicity": "汉族",
        "person.gender": "男",
        "person.hukou_category": "1",
        "person.hukou_address": {"region": "361102", "detail": "信州区五三大道1号"},
        "person.mobile": "137 9111 2222",
        "person.mailing_address": {"region": "361102", "detail": "信州区五三大道1号"},
        "employment.contract_period": "2026.11.01—2029.10.31",
        "employment.occupation": "操作工",
        "education.level": "61",
        "employment.work_address": "江西省上饶市信州区凤凰大道88号",
        "insurance.types": ["pension", "work_injury", "unemployment", "employee_medical"],
        "employment.monthly_wage": "3000",
        "insurance.start_month": "2026.11",
        "housing_fund.base": "3000",
        "housing_fund.unit_rate": "5",
        "housing_fund.personal_rate": "5",
    }
    row.update(changes)
    return row


SHANGRAO_HEADER: dict[str, Any] = {
    "employer.name": "上饶市信州区凤凰电子有限公司",
    "employer.uscc": "91361102MA35L7XY9" + uscc.calc_check_digit("91361102MA35L7XY9"),
    "employer.service_items": ["si_medical", "employment_registration", "housing_fund"],
    "employer.application_date": "2026-11-23",
    "employer.agent_name": "周颖",
    "employer.agent_id_number": id_number("361102", "1990-02-02", "022"),
    "employer.agent_phone": "0793-8201234",
    "employer.address": "江西省上饶市信州区凤凰大道88号",
    "employer.si_code": "36110200123",
    "employer.housing_fund_account": "361100009876",
}


def codes(check: Any) -> dict[str, str]:
    return {i.field: i.code for i in check.errors}


def test_a_shangrao_batch_with_one_bad_row_names_that_row_and_field() -> None:
    theme = CAT.theme("shangrao.recruitment")
    insurance_types = [c.code for c in CAT.code_lists["shangrao.insurance_type"].codes][:4]
    rows = [
        shangrao_employee("张三", "011", **{"insurance.types": insurance_types}),
        shangrao_employee(
            "李四",
            "021",
            **{"insurance.types": insurance_types, "employment.contract_period": "2029.10.31—2026.11.01"},
        ),
        shangrao_employee("王五", "031", **{"insurance.types": insurance_types}),
    ]
    rows[2]["person.id_number"] = rows[2]["person.id_number"][:-1] + (
        "0" if rows[2]["person.id_number"][-1] != "0" else "1"
    )
    check = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={**SHANGRAO_HEADER, "employees": rows},
        facts={"employer_has_housing_fund_account": True},
        today=TODAY,
        regions=shipped_regions(),
    )
    found = codes(check)
    assert found.get("employees[1].employment.contract_period.end") == "range"
    assert found.get("employees[2].person.id_number") == "checksum"
    assert not any(f.startswith("employees[0]") for f in found), found
    assert check.payloads == []  # nothing reaches a department while any row is wrong


def test_a_good_shangrao_batch_computes_housing_fund_amounts_and_splits_per_employee() -> None:
    theme = CAT.theme("shangrao.recruitment")
    insurance_types = [c.code for c in CAT.code_lists["shangrao.insurance_type"].codes][:4]
    rows = [
        shangrao_employee(n, s, **{"insurance.types": insurance_types})
        for n, s in (("张三", "011"), ("李四", "021"))
    ]
    check = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={**SHANGRAO_HEADER, "employees": rows},
        facts={"employer_has_housing_fund_account": True},
        today=TODAY,
        regions=shipped_regions(),
    )
    assert check.errors == [], [str(i) for i in check.errors]
    assert check.employees[0]["housing_fund.unit_amount"] == "150.00"
    assert check.employees[0]["housing_fund.total_amount"] == "300.00"
    assert check.employees[0]["employment.contract_period"] == {"start": "2026-11-01", "end": "2029-10-31"}
    assert len(check.payloads) == 8  # 4 items × 2 employees
    assert {p.employee for p in check.payloads} == {0, 1}


def test_a_wrong_housing_fund_amount_is_a_conflict() -> None:
    theme = CAT.theme("shangrao.recruitment")
    insurance_types = [c.code for c in CAT.code_lists["shangrao.insurance_type"].codes][:4]
    row = shangrao_employee(
        "张三", "011", **{"insurance.types": insurance_types, "housing_fund.unit_amount": "160"}
    )
    check = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={**SHANGRAO_HEADER, "employees": [row]},
        facts={"employer_has_housing_fund_account": True},
        today=TODAY,
        regions=shipped_regions(),
    )
    assert codes(check)["employees[0].housing_fund.unit_amount"] == "conflict"


def test_an_employer_without_a_housing_fund_account_opens_no_personal_accounts() -> None:
    theme = CAT.theme("shangrao.recruitment")
    insurance_types = [c.code for c in CAT.code_lists["shangrao.insurance_type"].codes][:4]
    row = shangrao_employee("张三", "011", **{"insurance.types": insurance_types})
    check = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={**SHANGRAO_HEADER, "employees": [row]},
        facts={"employer_has_housing_fund_account": False},
        today=TODAY,
        regions=shipped_regions(),
    )
    # 个人住房公积金账户设立 is one of the services the employer ticks: when it cannot be done it
    # leaves the case with its reason, and the other three items go on
    assert theme.item("housing_fund_account").optional
    assert "公积金" in check.dropped["housing_fund_account#0"]
    assert check.errors == []
    assert {p.item for p in check.payloads} == {
        "unit_employment_registration",
        "pension_enrolment",
        "medical_enrolment",
    }


def test_a_prefilled_value_is_locked() -> None:
    theme = CAT.theme("hebei.flexible-employment")
    prefill = {"person.name": "刘晓燕", "person.gender": "2"}
    check = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={"person.name": "刘小燕"},
        prefill=prefill,
        today=TODAY,
        regions=shipped_regions(),
    )
    assert codes(check)["person.name"] == "locked"
    filled = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={},
        prefill=prefill,
        today=TODAY,
        regions=shipped_regions(),
    )
    assert filled.values["person.name"] == "刘晓燕"  # the server fills what the client omitted
    assert "person.name" not in codes(filled)


def test_missing_required_fields_are_each_named() -> None:
    theme = CAT.theme("hebei.flexible-employment")
    check = check_submission(
        CAT, theme, items=None, situation=None, form={}, today=TODAY, regions=shipped_regions()
    )
    found = codes(check)
    assert found["person.id_number"] == "required"
    assert found["employment.start_date"] == "required"
    assert "person.mobile" not in found


def test_a_pension_base_outside_60_to_300_percent_of_the_average_wage_is_out_of_range() -> None:
    theme = CAT.theme("hebei.flexible-employment")
    low = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={"insurance.pension.base": "100"},
        today=TODAY,
        regions=shipped_regions(),
    )
    assert codes(low)["insurance.pension.base"] == "range"
    fine = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={"insurance.pension.base": "5000"},
        today=TODAY,
        regions=shipped_regions(),
    )
    assert "insurance.pension.base" not in codes(fine)
