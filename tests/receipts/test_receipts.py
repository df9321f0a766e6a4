"""受理回执 and 不予受理通知书: a window clerk files the graduate theme for a 47-year-old junior-college
graduate settling in Wuhan; his 户口迁移 is refused at intake (graduates below postgraduate must be
under 45), the rest accepted. The clerk prints both documents; their text is read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader, PdfWriter

from feature_world import beijing
from lianban.clock import SettableClock
from sandbox_cases import bearer, file_hebei_case, graduate_form, sandbox_person

COLLEGE_47 = "wuhan_junior_college_47"


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 11, 2), 9, 40))


def pdf_text(body: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages))


def file_at_the_window(client: TestClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    person = sandbox_person(client, COLLEGE_47, COLLEGE_47)
    form = graduate_form(client.app.state.catalogue.code_lists, person["name"])  # type: ignore[attr-defined]
    form.pop("insurance.pension.first_insured_month")  # his is on record: data sharing fills it
    form["social_card.id_valid_until"] = "2036-09-20"
    form["person.id_number"] = person["id_number"]
    clerk = bearer(client, username="window", password="sandbox")
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scan = io.BytesIO()
    writer.write(scan)
    scanned = client.post(  # scanned at the desk: the clerk uploads it
        "/api/v1/uploads",
        headers=clerk,
        data={"material_id": "graduation_certificate", "theme_id": "hubei.graduate-employment"},
        files={"file": ("scan.pdf", scan.getvalue(), "application/pdf")},
    )
    assert scanned.status_code == 201, scanned.text
    r = client.post(
        "/api/v1/applications",
        json={
            "theme_id": "hubei.graduate-employment",
            "situation": {"settle_city": "wuhan"},
            "form": form,
            "channel": "window",
            "materials": [
                {"material_id": "graduation_certificate", "upload_id": scanned.json()["upload_id"]}
            ],
        },
        headers=clerk,
    )
    assert r.status_code == 201, r.text
    return r.json(), person, clerk


def test_the_clerk_prints_the_receipt_and_the_notice_for_the_refused_hukou_transfer(
    client: TestClient,
) -> None:
    case, person, clerk = file_at_the_window(client)
    refused = [d for d in case["not_applicable"] if d["refused"]]
    assert [d["code"] for d in refused] == ["hukou_transfer"]
    assert {d["code"] for d in case["not_applicable"] if not d["refused"]} == {"social_card_application"}

    r = client.get(f"/api/v1/applications/{case['case_id']}/receipt.pdf", headers=clerk)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    name, number = person["name"], person["id_number"]
    assert "受理回执" in text and case["case_no"] in text  # 办件编号, as she was given it
    assert f"{name[0]}*{name[-1]}" in text and name not in text  # masked: 刘*军
    assert f"{number[:4]}**********{number[-4:]}" in text and number not in text
    assert "窗口受理" in text and "2026-11-0209:40" in text
    assert "毕业证和学历证明" in text  # the paper material the clerk scanned
    for item in case["items"]:
        assert item["name"] in text
    assert "人力资源社会保障部门" in text and "公安机关" not in text.split("不予受理事项")[0]
    first = case["items"][0]
    assert first["promised_due_date"] in text
    assert "户口迁移审批" in text.split("不予受理事项")[1]  # listed as refused, not as accepted

    notice = client.get(f"/api/v1/applications/{case['case_id']}/refusal-notice.pdf", headers=clerk)
    assert notice.status_code == 200
    words = pdf_text(notice.content)
    assert "不予受理通知书" in words and f"{case['case_no']}-BYSL" in words
    assert "户口迁移审批" in words and "公安机关" in words and "不满45周岁" in words
    assert "《中华人民共和国行政许可法》第三十二条" in words and "六十日内依法申请行政复议" in words
    assert "社会保障卡" not in words  # an item that does not apply is not a refusal

    # he may print his own; nobody else may, and a case without refusals has no notice
    his = bearer(client, id_number=person["id_number"])
    assert client.get(f"/api/v1/applications/{case['case_id']}/receipt.pdf", headers=his).status_code == 200
    other_case, worker = file_hebei_case(client)
    assert (
        client.get(f"/api/v1/applications/{case['case_id']}/receipt.pdf", headers=worker).status_code == 404
    )
    none = client.get(f"/api/v1/applications/{other_case}/refusal-notice.pdf", headers=worker)
    assert none.status_code == 404 and none.headers["content-type"] == "application/problem+json"
    timeline = client.get(f"/api/v1/applications/{case['case_id']}", headers=his).json()["timeline"]
    assert ("item_refused", "hukou_transfer") in [(e["event"], e.get("item")) for e in timeline]
