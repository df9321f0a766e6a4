"""The archive order as the documents' process has it (issue 17, point 1).

Seed 001 (湖北 灵活就业一件事), 5 实施预期成效: “（“就业创业证”、“流动人员人事档案调档函”、“档案材料转递通知单”、
“中华人民共和国社会保障卡”可支持邮政物流寄送…）” — 档案接收 issues the 调档函, 档案转出 the 转递通知单; and
“现在只需2-40个工作日”: the two archive items one after the other. Seed 002 (淄博), 灵活就业 二、联办事项:
“3.流动人员人事档案接收 4.流动人员人事档案转出”; 六、申请材料 “2.流动人员人事档案转出：离职证明或解除劳动合同证明
(原档案存档类型为单位存档的需提交此材料…)”.

The receiving agency accepts the receipt and issues the 调档函; the original agency transfers the
archive out against it; the receipt completes when the archive arrives. Waiting for transfer-out
to complete before sending the receipt — the old order — could never finish, since transfer-out
needs the letter the receipt issues.
"""

from __future__ import annotations

import io
import json
import sqlite3
from typing import Any

import httpx
import pytest
from dispatch_helpers import Platform, wait_until_finished
from pypdf import PdfWriter

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.outcomes import compute
from lianban.dispatch.worker import Dispatcher
from lianban_sandbox.simulators import SimulatorFleet

CATALOGUE = default_catalogue()


@pytest.mark.parametrize("theme_id", ["hubei.flexible-employment", "zibo.flexible-employment"])
def test_the_receipt_issues_the_letter_the_transfer_out_goes_with(theme_id: str) -> None:
    theme = CATALOGUE.theme(theme_id)
    receipt, transfer = theme.item("archive_receipt"), theme.item("archive_transfer_out")
    (letter,) = receipt.issues
    assert (letter.code, letter.name, letter.at) == (
        "archive_transfer_letter",
        "流动人员人事档案调档函",
        "acceptance",
    )
    assert transfer.waits_for_document == ("archive_transfer_letter",)
    assert receipt.completes_after == ("archive_transfer_out",)
    # neither waits for the other to complete before it is sent: no order that cannot finish
    assert "archive_transfer_out" not in receipt.waits_for and "archive_receipt" not in transfer.waits_for


def test_hubei_still_takes_2_to_40_days_and_asks_the_letter_only_of_a_transfer_out_alone() -> None:
    hubei = CATALOGUE.theme("hubei.flexible-employment")
    # “原来办理时间需要116个工作日，现在只需2-40个工作日”: receipt completes after transfer-out
    assert compute(hubei).after.days == (2, 40)
    # the 调档函 as a material is the applicant's only when this case does not issue it
    assert hubei.material("archive_transfer_letter").applies_if == "situation.archive_items == 'transfer_out'"


def _one_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def file_zibo_archive_case(platform: Platform) -> tuple[str, dict[str, str]]:
    """A Zibo flexible worker whose archive is kept for her former employer moves it between two
    public talent services: archive transfer-out and receipt, with her employment registration."""
    people = httpx.get(
        f"{platform.url}/api/v1/sandbox/people", params={"filter": "zibo", "limit": 50}, timeout=10
    ).json()
    worker = next(p for p in people if "zibo_flexible_unit_archive" in (p.get("persona"), p.get("key")))
    headers = platform.headers(id_number=worker["id_number"])
    upload = httpx.post(
        f"{platform.url}/api/v1/uploads",
        files={"file": ("离职证明.pdf", _one_page_pdf(), "application/pdf")},
        data={"material_id": "resignation_proof"},
        headers=headers,
        timeout=10,
    )
    assert upload.status_code in (200, 201), upload.text
    r = httpx.post(
        f"{platform.url}/api/v1/applications",
        json={
            "theme_id": "zibo.flexible-employment",
            "items": ["employment_registration", "archive_receipt", "archive_transfer_out"],
            "situation": {"registration_kind": "flexible", "archive_custody": "unit"},
            "form": {
                "person.mobile": "13905330000",
                "employment.start_date": "2026-10-08",
                "employment.unit_name": "网约车驾驶员",
                "employment.work_region": "370302",
                "archives.receiving_agency_code": "370300001",
                "archives.receiving_agency": "淄博市公共就业和人才服务中心",
            },
            "materials": [{"material_id": "resignation_proof", "upload_id": upload.json()["upload_id"]}],
        },
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"]), headers


def test_a_case_with_both_archive_items_completes_with_the_simulated_departments(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    case_id, headers = file_zibo_archive_case(platform)
    filed = {i["code"]: i["status"] for i in platform.case(case_id, headers)["items"]}
    assert filed["archive_receipt"] == "queued"  # sent at once: it issues the letter
    assert filed["archive_transfer_out"] == "waiting"  # for the letter, not for the receipt to end

    (case,) = wait_until_finished(platform, [case_id], headers, 60, step=dispatcher.run_once)
    assert case["status"] == "completed", case
    items = {i["code"]: i for i in case["items"]}
    receipt, transfer = items["archive_receipt"], items["archive_transfer_out"]
    assert receipt["status"] == transfer["status"] == "approved"
    assert receipt["result"]["document"] == "流动人员人事档案调档函"
    assert transfer["result"]["document"] == "档案材料转递通知单"
    # the receipt completed after the archive was sent: the transfer's notice is on its result
    assert receipt["result"]["after"] == {
        "item": "archive_transfer_out",
        "number": transfer["result"]["number"],
    }

    events = [(e["event"], e.get("item")) for e in case["timeline"]]
    assert events.index(("accepted", "archive_receipt")) < events.index(("queued", "archive_transfer_out"))
    assert events.index(("approved", "archive_transfer_out")) < events.index(("approved", "archive_receipt"))

    # the original agency received the letter with the transfer-out, under the receipt's number
    with sqlite3.connect(fleet["archives"].store_path) as db:
        rows = db.execute("SELECT item, process FROM records WHERE case_id = ?", (case_id,)).fetchall()
    process: dict[str, Any] = {item: json.loads(p) for item, p in rows}
    sent_letter = process["archive_transfer_out"]["documents"]["archive_transfer_letter"]
    assert sent_letter["number"] == receipt["result"]["number"]
    assert process["archive_receipt"]["completes_after"] == ["archive_transfer_out"]
