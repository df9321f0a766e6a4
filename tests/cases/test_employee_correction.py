"""补正 of an employer's case (上饶 员工招聘一件事): 社保经办 sends back one new employee's 参保登记
(“申报工资有误”). What the employer is asked for is that employee's row only, with the columns of
that item — what was filed in them, and what data sharing verified locked and masked; the answer
changes those cells and nothing else of the sheet, is checked as filing checks it, and sends the
one item out again. The services the page and the API call, on the sandbox platform with the
departments deciding in lianban's worklist."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lianban.cases.corrections import correct, correction_request, row_columns
from lianban.cases.schema import Case, CaseItem
from lianban.errors import Invalid
from lianban.security.tokens import Identity, verify
from support import employers


def identity_of(client: TestClient, headers: dict[str, str]) -> Identity:
    return verify(headers["Authorization"].removeprefix("Bearer "), client.app.state.secret_key)  # type: ignore[attr-defined]


def send_back(client: TestClient, case_id: str, item: str, reason: str) -> None:
    employers.send_back(client, case_id, item, reason, "social_insurance")


@pytest.fixture
def second_hire_sent_back(client: TestClient) -> tuple[str, Identity, list[dict[str, Any]]]:
    case_id, headers, rows = employers.file_three_hires(client)
    employers.dispatch_to_worklists(client)
    send_back(client, case_id, "pension_enrolment#1", "第2名员工申报工资与劳动合同不一致，请更正")
    return case_id, identity_of(client, headers), rows


def test_only_the_returned_employees_row_and_its_items_columns_are_asked(
    client: TestClient, second_hire_sent_back: tuple[str, Identity, list[dict[str, Any]]]
) -> None:
    case_id, employer, rows = second_hire_sent_back
    asked = correction_request(client.app.state.platform, employer, case_id)  # type: ignore[attr-defined]

    assert [(i["code"], i["employee"]) for i in asked.items] == [("pension_enrolment", 1)]
    (row,) = asked.rows  # the second hire only; the others were not sent back
    assert row.index == 1 and row.id_number == rows[1]["person.id_number"]
    assert row.values["employment.monthly_wage"] == rows[1]["employment.monthly_wage"]  # as filed
    # the 参保登记's columns: the wage and the insurance's, not the housing fund's or the job posting's
    assert {"employment.monthly_wage", "insurance.types", "insurance.start_month"} <= set(row.columns)
    assert not [k for k in row.columns if k.startswith("housing_fund.") or k == "employment.occupation"]
    # what the population register verified is locked and masked (张*), never asked again
    assert row.verified["person.name"].endswith("*") and "person.name" not in row.editable
    assert "person.id_number" not in row.editable
    assert "employment.monthly_wage" in row.editable
    assert asked.per_employee and not [f for f in asked.fields if f["key"].startswith("person.")]


def test_every_employee_sent_back_is_asked_and_an_item_naming_no_row_asks_them_all(
    client: TestClient,
) -> None:
    """社保经办 sends back the whole batch (as its simulator does): each row is asked. An item that
    names no row (a case-level item using the employees' columns) asks every row, with its columns."""
    case_id, headers, _ = employers.file_three_hires(client)
    employers.dispatch_to_worklists(client)
    for i in range(3):
        send_back(client, case_id, f"pension_enrolment#{i}", "申报工资有误")
    ctx = client.app.state.platform  # type: ignore[attr-defined]
    asked = correction_request(ctx, identity_of(client, headers), case_id)
    assert [r.index for r in asked.rows] == [0, 1, 2]
    assert asked.spec is not None
    whole = row_columns(asked.spec, [("pension_enrolment", None)], 3)
    assert list(whole) == [0, 1, 2] and "employment.monthly_wage" in whole[0]
    assert row_columns(asked.spec, [("pension_enrolment", 7)], 3) == {}  # no such row: nothing asked


def test_the_answer_changes_only_the_asked_cells_and_resubmits_the_one_item(
    client: TestClient, second_hire_sent_back: tuple[str, Identity, list[dict[str, Any]]]
) -> None:
    case_id, employer, rows = second_hire_sent_back
    ctx = client.app.state.platform  # type: ignore[attr-defined]

    with pytest.raises(Invalid) as bad:  # checked as filing checks it: beside its cell
        correct(ctx, employer, case_id, {}, [], rows={1: {"employment.monthly_wage": "四千五"}})
    assert [e.field for e in bad.value.errors] == ["employees[1].employment.monthly_wage"]

    raised = str(Decimal(rows[0]["employment.monthly_wage"]) + 1000)
    with pytest.raises(Invalid) as other:  # another hire's row, or a column not of the item sent back
        correct(
            ctx,
            employer,
            case_id,
            {},
            [],
            rows={0: {"employment.monthly_wage": raised}, 1: {"employment.occupation": "焊工"}},
        )
    assert sorted(e.field for e in other.value.errors) == [
        "employees[0].employment.monthly_wage",
        "employees[1].employment.occupation",
    ]

    answer = correct(ctx, employer, case_id, {}, [], rows={1: {"employment.monthly_wage": "4500"}})
    assert answer["resubmitted"] == ["pension_enrolment#1"]
    with ctx.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        filed = case.form["employees"]
        assert filed[1]["employment.monthly_wage"] == "4500"
        assert filed[0] == rows[0] and filed[2] == rows[2]  # the other hires as filed
        assert {k: v for k, v in filed[1].items() if k != "employment.monthly_wage"} == {
            k: v for k, v in rows[1].items() if k != "employment.monthly_wage"
        }
        item = session.get(CaseItem, (case_id, "pension_enrolment#1"))
        assert item is not None and item.status == "queued" and item.revision == 1
        assert item.payload["AAC040"] in ("4500", "4500.00", 4500)  # the department's own field name
