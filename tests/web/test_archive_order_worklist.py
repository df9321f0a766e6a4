"""The archive order when the archive service decides on lianban's worklist (issue 17, point 1).

Seed 001 (湖北), 5: “流动人员人事档案调档函”、“档案材料转递通知单” are the two archive items' results; the
receiving agency's 调档函 is what the original agency transfers the archive against, and the
receipt is complete when the archive has arrived. On the worklist the reviewer accepts the receipt
issuing the 调档函 (受理并出具), which releases the transfer-out; the receipt is approved only after
the transfer-out is.
"""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfWriter
from staff_desk import dispatch_to_worklist

from sandbox_cases import bearer


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _file_zibo_archive_case(client: TestClient) -> tuple[str, dict[str, str]]:
    people = client.get("/api/v1/sandbox/people", params={"filter": "zibo", "limit": 50}).json()
    worker = next(p for p in people if "zibo_flexible_unit_archive" in (p.get("persona"), p.get("key")))
    headers = bearer(client, id_number=worker["id_number"])
    upload = client.post(
        "/api/v1/uploads",
        files={"file": ("离职证明.pdf", _pdf(), "application/pdf")},
        data={"material_id": "resignation_proof"},
        headers=headers,
    )
    r = client.post(
        "/api/v1/applications",
        json={
            "theme_id": "zibo.flexible-employment",
            "items": ["archive_receipt", "archive_transfer_out"],
            "situation": {"registration_kind": "flexible", "archive_custody": "unit"},
            "form": {
                "person.mobile": "13905330000",
                "archives.receiving_agency_code": "370300001",
                "archives.receiving_agency": "淄博市公共就业和人才服务中心",
            },
            "materials": [{"material_id": "resignation_proof", "upload_id": upload.json()["upload_id"]}],
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"]), headers


def _statuses(client: TestClient, case_id: str, headers: dict[str, str]) -> dict[str, str]:
    case = client.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    return {i["code"]: i["status"] for i in case["items"]}


def test_the_reviewer_accepts_with_the_letter_then_approves_after_the_transfer(client: TestClient) -> None:
    case_id, applicant = _file_zibo_archive_case(client)
    dispatch_to_worklist(client)
    assert _statuses(client, case_id, applicant) == {
        "archive_receipt": "dispatched",
        "archive_transfer_out": "waiting",
    }
    archives = bearer(client, username="archives", password="sandbox")
    receipt, transfer = f"{case_id}~archive_receipt", f"{case_id}~archive_transfer_out"

    early = client.post(
        f"/api/v1/worklist/{receipt}/decision", json={"decision": "approve"}, headers=archives
    )
    assert early.status_code == 409 and "档案到达" in early.json()["detail"]  # the archive is not there
    no_number = client.post(
        f"/api/v1/worklist/{receipt}/decision", json={"decision": "accept"}, headers=archives
    )
    assert no_number.status_code == 422
    letter = {
        "code": "archive_transfer_letter",
        "document": "流动人员人事档案调档函",
        "number": "调档〔2026〕000123号",
    }
    accepted = client.post(
        f"/api/v1/worklist/{receipt}/decision",
        json={"decision": "accept", "result": letter},
        headers=archives,
    )
    assert accepted.status_code == 200, accepted.text
    assert _statuses(client, case_id, applicant)["archive_transfer_out"] == "queued"  # released by the letter
    dispatch_to_worklist(client)
    sent = client.post(
        f"/api/v1/worklist/{transfer}/decision",
        json={
            "decision": "approve",
            "result": {"document": "档案材料转递通知单", "number": "转递〔2026〕000045号"},
        },
        headers=archives,
    )
    assert sent.status_code == 200, sent.text
    arrived = client.post(
        f"/api/v1/worklist/{receipt}/decision", json={"decision": "approve"}, headers=archives
    )
    assert arrived.status_code == 200, arrived.text
    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    assert case["status"] == "completed"
    receipt_item = next(i for i in case["items"] if i["code"] == "archive_receipt")
    assert receipt_item["result"]["number"] == "调档〔2026〕000123号"  # the letter stays its result
