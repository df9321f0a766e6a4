"""综窗 over plain HTTP: the Hebei worker booked today at the practice hall; the clerk checks her in
(a queue number), looks her up (data sharing's record, the read in the security log), starts her
theme with the portal's apply pages, files it for her at the window, prints the receipt (the PDF
holds the case number), follows the case among the window's cases, hands a document over against
the pickup code (a wrong code refused), and checks an employer's sheet with every bad row shown."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from staff_desk import log_in_staff, page, post_form, token_on

from lianban.cases.schema import Delivery
from lianban.security.schema import SecurityEvent
from sandbox_cases import bearer, hebei_form, hebei_worker_id


def test_a_clerk_checks_a_booked_worker_in_files_for_her_and_prints_the_receipt(client: TestClient) -> None:
    worker = hebei_worker_id(client)
    booked = client.post("/api/v1/sandbox/appointments", json={"id_number": worker})
    assert booked.status_code == 201, booked.text
    booking = booked.json()

    log_in_staff(client, "window")
    status, html = page(client, "/staff/window?hall=sandbox-practice-hall")
    assert status == 200 and booking["booking_no"] in html and "签到取号" in html
    assert worker not in html  # masked: the clerk checks the ID card itself
    r = post_form(
        client,
        f"/staff/window/check-in/{booking['appointment_id']}",
        {"hall": booking["hall"]},
        "/staff/window",
    )
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    status, html = page(client, r.headers["location"])  # type: ignore[attr-defined]
    queue = "A001" if booking["period"] == "am" else "B001"
    assert f"已签到，排队号 {queue}" in html

    found = post_form(client, "/staff/window/look-up", {"number": worker}, "/staff/window")
    assert found.status_code == 200 and "马志强" in found.text and "数据共享可提供的信息" in found.text  # type: ignore[attr-defined]
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        read = session.execute(
            select(SecurityEvent).where(SecurityEvent.action == "personal_data_read")
        ).scalar_one()
    assert read.actor == "staff:window" and read.subject == f"person:{worker}" and read.detail["found"]
    bad = post_form(client, "/staff/window/look-up", {"number": "130104199202140510"}, "/staff/window")
    assert bad.status_code == 422 and "有效的 18 位" in bad.text  # type: ignore[attr-defined]

    started = client.post(
        "/staff/window/apply",
        data={"csrf_token": token_on(found.text), "theme_id": "hebei.flexible-employment", "number": worker},  # type: ignore[attr-defined]
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert (
        started.status_code == 303
        and started.headers["location"] == "/staff/window/apply/hebei.flexible-employment"
    )
    status, html = page(client, "/staff/window/apply/hebei.flexible-employment/form")
    assert status == 200 and "窗口代办" in html

    clerk = bearer(client, username="window", password="sandbox")
    form = {**hebei_form(client.app.state.catalogue.code_lists), "person.id_number": worker}  # type: ignore[attr-defined]
    filed = client.post(
        "/api/v1/applications", json={"theme_id": "hebei.flexible-employment", "form": form}, headers=clerk
    )
    assert filed.status_code == 201, filed.text
    case_id, case_no = filed.json()["case_id"], filed.json()["case_no"]  # internal id, 办件编号
    assert filed.json()["channel"] == "window"

    status, html = page(client, "/staff/window/cases")
    items = len(filed.json()["items"])
    assert status == 200 and case_no in html and f"0/{items}" in html
    status, html = page(client, f"/staff/window/cases/{case_id}")
    assert status == 200 and "窗口受理" in html and "打印受理回执" in html
    r = client.get(f"/staff/window/cases/{case_id}/receipt.pdf", headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert case_no in text and "窗口受理" in text
    assert page(client, f"/staff/window/cases/{case_id}/refusal-notice.pdf")[0] == 404  # none refused

    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        session.add(
            Delivery(
                case_id=case_id,
                delivery_id=uuid.uuid4().hex,
                method="pickup",
                documents=[{"code": "employment_card", "name": "就业创业证"}],
                recipient="马志强",
                pickup_code="482913",
                status="prepared",
                created_at=datetime.now(UTC),
            )
        )
    status, html = page(client, f"/staff/window/handover?case={case_no}")  # the number she holds
    assert status == 200 and "就业创业证" in html and "待领取" in html
    delivery_id = html.split(f"/staff/window/handover/{case_id}/")[1].split('"')[0]
    target = f"/staff/window/handover/{case_id}/{delivery_id}"
    wrong = post_form(client, target, {"pickup_code": "000000"}, f"/staff/window/handover?case={case_id}")
    assert wrong.status_code == 422 and "取件码" in wrong.text  # type: ignore[attr-defined]
    right = post_form(client, target, {"pickup_code": "482913"}, f"/staff/window/handover?case={case_id}")
    assert right.status_code == 303  # type: ignore[attr-defined]
    status, html = page(client, right.headers["location"])  # type: ignore[attr-defined]
    assert "证件已交付" in html and "已领取" in html
    assert page(client, "/staff/window/handover?case=LB000")[0] == 404

    log_in_staff(client, "medical_insurance")
    assert page(client, "/staff/window")[0] == 403
    assert page(client, f"/staff/window/cases/{case_id}/receipt.pdf")[0] == 403


def test_an_employers_sheet_shows_every_bad_row(client: TestClient) -> None:
    employer = next(
        e
        for e in client.get("/api/v1/sandbox/employers", params={"limit": 50}).json()
        if e.get("persona") == "zibo_employer_with_fund"
    )
    template = client.get("/api/v1/themes/zibo.unit-employment/employee-sheet")
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    header_row = next(r for r in range(1, 8) if any("身份" in str(c.value or "") for c in sheet[r]))
    id_column = next(c.column for c in sheet[header_row] if "身份" in str(c.value or ""))
    data_row = header_row + 1
    while sheet.cell(row=data_row, column=id_column).value not in (None, ""):
        data_row += 1
    sheet.cell(row=data_row, column=id_column, value="370303199804121231")  # a wrong check digit
    sheet.cell(row=data_row + 1, column=id_column, value="12345")  # not an ID number at all
    out = io.BytesIO()
    book.save(out)

    log_in_staff(client, "window")
    status, html = page(client, "/staff/window/batch")
    assert status == 200
    r = client.post(
        "/staff/window/batch",
        data={"csrf_token": token_on(html), "theme_id": "zibo.unit-employment", "uscc": employer["uscc"]},
        files={
            "file": (
                "花名册.xlsx",
                out.getvalue(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        headers={"accept": "text/html"},
    )
    assert r.status_code == 422 and "行有问题" in r.text
    assert f">{data_row}<" in r.text and f">{data_row + 1}<" in r.text  # both rows, by their sheet row
