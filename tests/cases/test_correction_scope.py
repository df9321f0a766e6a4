"""What a 补正 may change, whoever answers it (the API as the pages): only the fields of the items a
department sent back — for an employer, only the asked cells of the employees sent back. Anything
else that differs from what was filed is refused, each value named (``not_asked``), all at once;
what is re-sent as filed, even spelt another way (4,500 for 4500.00, 2026.08.01 for 2026-08-01),
is no change. The Hubei graduate's 医保 参保登记 and the Shangrao factory's second hire's 参保登记
come back, and each answers through ``POST /api/v1/applications/{case_id}/corrections``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from lianban.cases.schema import Case, CaseItem
from lianban.forms.regions import shipped_regions
from lianban.forms.service import housing_fund_preview
from sandbox_cases import WUHAN_GRADUATE, file_graduate_case, graduate_form, sandbox_person
from support.employers import SHANGRAO, dispatch_to_worklists, file_three_hires, send_back


def filed_form(client: TestClient, case_id: str) -> dict[str, Any]:
    with client.app.state.platform.sessions() as session:  # type: ignore[attr-defined]
        case = session.get(Case, case_id)
        assert case is not None
        return dict(case.form)


def status_of(client: TestClient, case_id: str, headers: dict[str, str], item: str) -> str:
    case = client.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    return str(next(i["status"] for i in case["items"] if i["item_id"] == item))


def correct(
    client: TestClient, case_id: str, headers: dict[str, str], form: dict[str, Any], lang: str = "zh"
) -> Any:
    return client.post(
        f"/api/v1/applications/{case_id}/corrections",
        json={"form": form},
        headers={**headers, "Accept-Language": lang},
    )


def test_the_graduate_may_not_move_her_settlement_in_a_medical_insurance_correction(
    client: TestClient,
) -> None:
    """医保 sends back her 职工参保登记 (the start date). Through the API she also tries to settle in
    Yichang instead of Wuhan — another police station, a move-in address there: both refused by
    name, nothing changed; the start date alone goes through, and re-sending her whole form as
    filed (a date spelt 2026.08.01, the months as text) with it changes nothing else."""
    case_id, headers = file_graduate_case(client)
    dispatch_to_worklists(client)
    send_back(client, case_id, "medical_enrolment", "参保日期应为就业次月1日", "medical_insurance")
    before = filed_form(client, case_id)

    moved = correct(
        client,
        case_id,
        headers,
        {
            "insurance.medical.start_date": "2026-10-01",
            "hukou.police_office": "宜昌市公安局西陵区分局西陵派出所",
            "hukou.move_in_address": {"region": "420502", "detail": "夷陵大道1号"},
        },
    )
    assert moved.status_code == 422, moved.text
    errors = moved.json()["errors"]
    assert sorted(e["field"] for e in errors) == ["hukou.move_in_address", "hukou.police_office"]
    assert {e["code"] for e in errors} == {"not_asked"}
    police = next(e for e in errors if e["field"] == "hukou.police_office")
    assert "选择公安机关" in police["message"] and "补正" in police["message"]
    english = correct(
        client, case_id, headers, {"hukou.police_office": "宜昌市公安局西陵区分局西陵派出所"}, "en"
    )
    assert english.status_code == 422
    assert "Police station" in english.json()["errors"][0]["message"]
    assert filed_form(client, case_id) == before  # nothing changed
    assert status_of(client, case_id, headers, "medical_enrolment") == "correction_required"

    graduate = sandbox_person(client, WUHAN_GRADUATE, WUHAN_GRADUATE)
    as_filed = graduate_form(client.app.state.catalogue.code_lists, graduate["name"])  # type: ignore[attr-defined]
    answer = correct(
        client,
        case_id,
        headers,
        {
            **as_filed,
            "employment.start_date": "2026.08.01",
            "subsidy.pension_months": "3",
            "insurance.medical.start_date": "2026-10-01",
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["resubmitted"] == ["medical_enrolment"]
    after = filed_form(client, case_id)
    assert after["insurance.medical.start_date"] == "2026-10-01"
    assert after["hukou.police_office"] == before["hukou.police_office"]
    assert {k: v for k, v in after.items() if k != "insurance.medical.start_date"} == {
        k: v for k, v in before.items() if k != "insurance.medical.start_date"
    }


def test_the_factory_resends_its_whole_sheet_and_only_the_asked_cell_changes(client: TestClient) -> None:
    """社保经办 sends back the second hire's 参保登记 (the wage). The factory's system re-sends the
    whole sheet: with the second hire's wage changed it goes through (the first hire's wage spelt
    4,500 and the like is no change); with the first hire's wage or the third's mobile changed, a
    header field changed, or a hire added or left out, it is refused naming each."""
    case_id, headers, rows = file_three_hires(client)
    dispatch_to_worklists(client)
    send_back(client, case_id, "pension_enrolment#1", "第2名员工申报工资有误", "social_insurance")
    before = filed_form(client, case_id)
    header = {k: v for k, v in before.items() if k != "employees"}
    sheet = [dict(r) for r in rows]
    sheet[1]["employment.monthly_wage"] = "6100"

    others = [dict(r) for r in sheet]
    others[0]["employment.monthly_wage"] = str(Decimal(rows[0]["employment.monthly_wage"]) + 1000)
    others[2]["person.mobile"] = "13900000000"
    refused = correct(
        client, case_id, headers, {**header, "employer.agent_name": "王强", "employees": others}
    )
    assert refused.status_code == 422, refused.text
    assert sorted(e["field"] for e in refused.json()["errors"]) == [
        "employees[0].employment.monthly_wage",
        "employees[2].person.mobile",
        "employer.agent_name",
    ]
    assert {e["code"] for e in refused.json()["errors"]} == {"not_asked"}

    for count in (sheet[:2], [*sheet, dict(sheet[0], **{"person.id_number": "36112320031001775X"})]):
        wrong = correct(client, case_id, headers, {"employees": count})
        assert wrong.status_code == 422, wrong.text
        assert [(e["field"], e["code"]) for e in wrong.json()["errors"]] == [("employees", "not_asked")]
    assert filed_form(client, case_id) == before
    assert status_of(client, case_id, headers, "pension_enrolment#1") == "correction_required"

    spelt = [dict(r) for r in sheet]
    spelt[0]["employment.monthly_wage"] = f"{Decimal(rows[0]['employment.monthly_wage']):,}"  # 4,500.00
    answer = correct(client, case_id, headers, {**header, "employees": spelt})
    assert answer.status_code == 200, answer.text
    assert answer.json()["resubmitted"] == ["pension_enrolment#1"]
    filed = filed_form(client, case_id)["employees"]
    assert filed[1]["employment.monthly_wage"] == "6100"
    assert filed[1] == {**rows[1], "employment.monthly_wage": "6100"}
    assert filed[0] == rows[0] and filed[2] == rows[2]  # as filed, in the filed spelling


def test_amounts_computed_from_a_corrected_base_are_computed_afresh(client: TestClient) -> None:
    """The factory's payroll system filed its hires with their 月缴存额 (base × rate). 公积金 sends
    back the second hire's account (the base); the system re-sends the sheet as filed with only that
    base changed — the amounts it carries are the old base's, not a change of the caller's: the
    platform computes them afresh, and the department gets the new ones."""
    case_id, headers, _ = file_three_hires(client)
    ctx = client.app.state.platform  # type: ignore[attr-defined]
    theme = ctx.catalogue.themes[SHANGRAO]
    with ctx.sessions() as session, session.begin():  # as its payroll system sent them
        case = session.get(Case, case_id)
        assert case is not None
        sheet = [{**r, **amounts(theme, r["housing_fund.base"])} for r in case.form["employees"]]
        case.form = {**case.form, "employees": sheet}
    dispatch_to_worklists(client)
    send_back(client, case_id, "housing_fund_account#1", "缴存基数应与申报工资一致", "housing_fund")

    resent = [dict(r) for r in sheet]
    resent[1]["housing_fund.base"] = "6000"
    answer = correct(client, case_id, headers, {"employees": resent})
    assert answer.status_code == 200, answer.text
    assert answer.json()["resubmitted"] == ["housing_fund_account#1"]
    with ctx.sessions() as session:
        filed = filed_form(client, case_id)["employees"]
        assert filed[1]["housing_fund.base"] == "6000" and filed[0] == sheet[0] and filed[2] == sheet[2]
        item = session.get(CaseItem, (case_id, "housing_fund_account#1"))
        assert item is not None
        assert Decimal(str(item.payload["monthly_amount_total"])) == Decimal("1440")  # 6000 × (12 % + 12 %)


def amounts(theme: Any, base: str) -> dict[str, str]:
    found = housing_fund_preview(theme, base, "12", "12", regions=shipped_regions())
    assert found is not None
    return {
        "housing_fund.unit_amount": f"{found.unit:.2f}",
        "housing_fund.personal_amount": f"{found.personal:.2f}",
        "housing_fund.total_amount": f"{found.total:.2f}",
    }
