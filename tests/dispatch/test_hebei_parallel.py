"""Hebei's fee declarations run in parallel after registration (issue 17, point 7).

Seed 004, 四: “人社、医保、税务等部门按职责分工协同配合，强化线上线下审批协同，实行并联审批”; 五（一）:
2. 人社部门 … 办理就业登记、档案的接收和转递（流动人员）、社会保险登记; 3. 医保部门 … 办理基本医疗保险参保和
变更登记; 4. 税务部门 … 办理灵活就业人员社会保险费申报、灵活就业人员医疗保险费申报. The four registrations
start at once; each declaration follows only the registration it declares for, never the other
declaration: a slow 社保经办 does not hold up the medical insurance declaration.
"""

from __future__ import annotations

import time

from dispatch_helpers import Platform

from lianban.catalog.catalogue import default_catalogue
from lianban.dispatch.worker import Dispatcher
from lianban_sandbox.simulators import SimulatorFleet

HEBEI = default_catalogue().theme("hebei.flexible-employment")
REGISTRATIONS = {"employment_registration", "archive_receipt_transfer", "social_insurance_registration"}
REGISTRATIONS |= {"medical_enrolment"}


def test_registrations_start_together_and_each_declaration_waits_only_for_its_registration() -> None:
    for code in REGISTRATIONS:
        assert HEBEI.item(code).waits_for == () and HEBEI.item(code).waits_for_any == ()
    si_fee, medical_fee = HEBEI.item("si_fee_declaration"), HEBEI.item("medical_fee_declaration")
    assert si_fee.waits_for == ("social_insurance_registration",)
    assert medical_fee.waits_for == ("medical_enrolment",)
    assert "medical_fee_declaration" not in si_fee.waits_for + si_fee.waits_for_any
    assert "si_fee_declaration" not in medical_fee.waits_for + medical_fee.waits_for_any


def test_a_slow_social_insurance_agency_does_not_hold_up_the_medical_declaration(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    fleet.control("social_insurance", latency_ms=120_000)  # 社保经办 takes its time
    headers = platform.hebei_worker_headers()
    case_id = platform.file_hebei_case(headers)
    at_filing = {i["code"]: i["status"] for i in platform.case(case_id, headers)["items"]}
    assert {at_filing[c] for c in REGISTRATIONS} == {"queued"}  # 并联审批: all four at once
    assert at_filing["si_fee_declaration"] == at_filing["medical_fee_declaration"] == "waiting"
    statuses: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        dispatcher.run_once()
        statuses = {i["code"]: i["status"] for i in platform.case(case_id, headers)["items"]}
        if statuses.get("medical_fee_declaration") == "approved":
            break
        time.sleep(0.1)
    assert statuses["medical_fee_declaration"] == "approved", statuses
    assert statuses["social_insurance_registration"] == "dispatched"
    assert statuses["si_fee_declaration"] == "waiting"  # waits for its own registration only
    assert {statuses[c] for c in REGISTRATIONS - {"social_insurance_registration"}} == {"approved"}
