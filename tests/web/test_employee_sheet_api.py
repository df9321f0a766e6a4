"""A Shangrao factory hires three people with the employee sheet (员工花名册): it downloads the
template, types the hires in, uploads it and files the application with the employees it got back
— on SQLite and on PostgreSQL. Others may not upload; a broken file is a problem, not a crash."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lianban_sandbox.registry import sandbox_hires
from support.employers import shangrao_header
from support.login import login

SHEET = "/api/v1/themes/shangrao.recruitment/employee-sheet"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def shangrao_employer(api: TestClient) -> dict[str, Any]:
    employers = api.get("/api/v1/sandbox/employers", params={"filter": "shangrao_employer"}).json()
    return next(e for e in employers if e["persona"] == "shangrao_employer")


def hires(api: TestClient, n: int) -> list[dict[str, Any]]:
    """New hires from the sandbox people registry (the app's own registry and catalogue)."""
    state = api.app.state  # type: ignore[attr-defined]
    return sandbox_hires(n, "shangrao.recruitment", catalogue=state.catalogue, hub=state.sharing)


def typed(api: TestClient, row: Mapping[str, Any]) -> dict[str, Any]:
    """What the employer types for a hire: the verified columns (name, gender, ethnicity, household
    address) stay empty — the 填表说明 says data sharing fills them from the ID number."""
    lists = api.app.state.catalogue.code_lists  # type: ignore[attr-defined]
    label = {c.code: c.label for c in lists["shangrao.insurance_type"]}
    category = {c.code: c.label for c in lists["shangrao.hukou_category"]}
    schooling = {c.code: c.label for c in lists["gb4658_education"]}
    period = row["employment.contract_period"]
    return {
        "person.id_number": row["person.id_number"],
        "person.hukou_category": category[row["person.hukou_category"]],
        "person.mobile": row["person.mobile"],
        "person.mailing_address.detail": row["person.mailing_address"]["detail"],
        "insurance.types": "、".join(label[c] for c in row["insurance.types"]),
        "employment.monthly_wage": float(row["employment.monthly_wage"]),
        "insurance.start_month": date.fromisoformat(row["insurance.start_month"] + "-01"),
        "employment.contract_period.start": date.fromisoformat(period["start"]),
        "employment.contract_period.end": date.fromisoformat(period["end"]),
        "housing_fund.base": float(row["housing_fund.base"]),
        "housing_fund.unit_rate": 12,
        "housing_fund.personal_rate": 12,
        "employment.occupation": row["employment.occupation"],
        "employment.work_address": row["employment.work_address"],
        "education.level": schooling[row["education.level"]],  # the register may have no record
    }


def fill(template: bytes, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Type rows into the downloaded template, finding columns by the hidden key row."""
    book = load_workbook(io.BytesIO(template))
    ws = book.worksheets[0]
    where = {ws.cell(2, j).value: j for j in range(1, ws.max_column + 1)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            ws.cell(3 + i, where[key], value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api: TestClient, headers: dict[str, str], data: bytes, **fields: str) -> Any:
    return api.post(SHEET, headers=headers, files={"file": ("花名册.xlsx", data, XLSX)}, data=fields)


def test_a_shangrao_factory_hires_three_people_with_the_employee_sheet(api: TestClient) -> None:
    headers = login(api, uscc=shangrao_employer(api)["uscc"])
    template = api.get(SHEET)
    assert template.status_code == 200
    assert template.headers["content-type"] == XLSX
    disposition = template.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "员工招聘一件事-员工花名册.xlsx"
    three = hires(api, 3)
    r = upload(
        api,
        headers,
        fill(template.content, [typed(api, h) for h in three]),
        form=json.dumps(shangrao_header()),
    )
    assert r.status_code == 200, r.text
    sheet = r.json()
    assert (sheet["rows"], sheet["errors"], sheet["sheet_rows"]) == (3, [], [3, 4, 5])
    assert [e["person.id_number"] for e in sheet["employees"]] == [h["person.id_number"] for h in three]
    assert sheet["employees"][0]["employment.contract_period"] == three[0]["employment.contract_period"]
    assert sheet["employees"][0]["insurance.types"] == three[0]["insurance.types"]  # labels → codes
    filed = api.post(
        "/api/v1/applications",
        headers=headers,
        json={
            "theme_id": "shangrao.recruitment",
            "form": {**shangrao_header(), "employees": sheet["employees"]},
        },
    )
    assert filed.status_code == 201, filed.text
    items = filed.json()["items"]
    assert len(items) == 3 * 4  # four items for each new hire
    assert {i["employee"] for i in items} == {0, 1, 2}
    assert {i["department"] for i in items} == {
        "hrss",
        "social_insurance",
        "medical_insurance",
        "housing_fund",
    }


def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_filed(client: TestClient) -> None:
    headers = login(client, uscc=shangrao_employer(client)["uscc"])
    two = [typed(client, h) for h in hires(client, 2)]
    number = two[1]["person.id_number"]
    two[1]["person.id_number"] = number[:17] + ("0" if number[17] != "0" else "1")
    r = upload(client, headers, fill(client.get(SHEET).content, two))
    assert r.status_code == 200
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert all(field.startswith("employees[1].") for field in errors)  # the first hire is fine
    assert errors["employees[1].person.id_number"]["code"] == "checksum"
    assert errors["employees[1].person.id_number"]["message"].startswith(
        "第 4 行 A 列（公民身份号码）：校验位错误"
    )
    # the register knows nobody by that number, so the verified columns left empty must be typed
    assert errors["employees[1].person.name"]["message"] == "第 4 行 B 列（姓名）：请填写姓名"
    english = upload(client, {**headers, "Accept-Language": "en"}, fill(client.get(SHEET).content, two))
    messages = [e["message"] for e in english.json()["errors"]]
    assert any(m.startswith("row 4, column A (Resident ID number): wrong check character") for m in messages)
    assert client.get("/api/v1/applications", headers=headers).json() == []


def test_a_window_clerk_may_upload_for_a_walk_in_employer(client: TestClient) -> None:
    clerk = login(client, username="window", password="sandbox")
    one = [typed(client, h) for h in hires(client, 1)]
    r = upload(client, clerk, fill(client.get(SHEET).content, one))
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 1


def test_only_an_employer_or_a_clerk_with_a_token_uploads(client: TestClient) -> None:
    data = fill(client.get(SHEET).content, [typed(client, h) for h in hires(client, 1)])
    person = login(client, id_number=hires(client, 1)[0]["person.id_number"])
    r = upload(client, person, data)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert upload(client, {}, data).status_code == 401
    staff = login(client, username="hrss", password="sandbox")
    assert upload(client, staff, data).status_code == 403


def test_unknown_and_person_themes_are_problems(client: TestClient) -> None:
    headers = login(client, uscc=shangrao_employer(client)["uscc"])
    assert client.get("/api/v1/themes/nowhere.none/employee-sheet").status_code == 404
    person_theme = client.get("/api/v1/themes/hubei.graduate-employment/employee-sheet")
    assert person_theme.status_code == 409
    assert person_theme.headers["content-type"].startswith("application/problem+json")
    r = client.post(
        "/api/v1/themes/hubei.graduate-employment/employee-sheet",
        headers=headers,
        files={"file": ("x.xlsx", b"PK", XLSX)},
    )
    assert r.status_code == 409


def test_a_file_that_is_not_a_sheet_is_a_422_problem_on_file(client: TestClient) -> None:
    headers = login(client, uscc=shangrao_employer(client)["uscc"])
    r = upload(client, headers, "身份证号码,姓名\n".encode())
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "file"
    assert ".xlsx" in r.json()["detail"]
    bad_form = upload(client, headers, client.get(SHEET).content, form="not json")
    assert bad_form.status_code == 422
    assert bad_form.json()["errors"][0]["field"] == "form"


def with_doctype(xlsx: bytes, part: str, doctype: bytes) -> bytes:
    """The workbook with ``doctype`` put before the root element of one of its XML parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                declaration, _, rest = data.partition(b"?>")
                data = declaration + b"?>" + doctype + rest if rest else doctype + data
            dst.writestr(info, data)
    return out.getvalue()


LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    ("part", "doctype"),
    [
        ("xl/worksheets/sheet1.xml", LAUGHS),
        ("xl/worksheets/sheet1.xml", EXTERNAL),
        ("xl/workbook.xml", b"<!DOCTYPE workbook>"),
        ("[Content_Types].xml", LAUGHS),
    ],
)
def test_a_sheet_with_a_dtd_or_entities_is_refused_as_a_bad_request(
    client: TestClient, part: str, doctype: bytes
) -> None:
    """Entities (a billion laughs, an external file) in an .xlsx's XML are read by no one: the
    sheet is a 400 naming the file, never a 500 nor a file's contents."""
    headers = login(client, uscc=shangrao_employer(client)["uscc"])
    sheet = fill(client.get(SHEET).content, [typed(client, hires(client, 1)[0])])
    r = upload(client, headers, with_doctype(sheet, part, doctype))
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "file"
    assert "DTD" in r.json()["detail"]
    assert "root:" not in r.text


def test_the_template_follows_the_items_and_the_language_asked_for(client: TestClient) -> None:
    only = client.get(SHEET, params={"items": "unit_employment_registration"})
    keys = [c.value for c in load_workbook(io.BytesIO(only.content)).worksheets[0][2]]
    assert "employment.occupation" in keys and "housing_fund.base" not in keys
    assert client.get(SHEET, params={"items": "no_such_item"}).status_code == 422
    relief = client.get(SHEET, params={"housing_fund_relief": "apply"})
    assert "housing_fund.relief" in [
        c.value for c in load_workbook(io.BytesIO(relief.content)).worksheets[0][2]
    ]
    english = client.get(SHEET, headers={"Accept-Language": "en"})
    assert load_workbook(io.BytesIO(english.content)).sheetnames[0] == "Employees"
