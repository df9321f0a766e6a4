"""One application, many departments, over real HTTP: a flexible worker in Hebei files once; the
dispatcher sends each sub-item to its simulated department in dependency order; the departments
decide and call back (signed); the case completes with a full timeline."""

from __future__ import annotations

from dispatch_helpers import Platform, wait_until_finished

from lianban.connectors.simulator import SimulatorFleet
from lianban.dispatch.worker import Dispatcher


def test_a_hebei_flexible_worker_files_once_and_every_department_approves(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    headers = platform.hebei_worker_headers()
    case_id = platform.file_hebei_case(headers)
    (case,) = wait_until_finished(platform, [case_id], headers, 30, dispatcher.run_once)
    assert case["status"] == "completed"
    assert {i["status"] for i in case["items"]} == {"approved"}
    assert all(i.get("receipt_no") for i in case["items"])
    events = [(e["event"], e.get("item")) for e in case["timeline"]]
    # the tax declaration is queued only after 社会保险登记 is approved
    assert events.index(("queued", "si_fee_declaration")) > events.index(
        ("approved", "social_insurance_registration")
    )
    assert events[-1] == ("case_completed", None)
    assert sum(fleet.stats(d)["records"] for d in fleet.urls()) == 6  # one department record per sub-item


def test_a_rejection_ends_what_waits_for_it(world: tuple[Platform, SimulatorFleet, Dispatcher]) -> None:
    platform, fleet, dispatcher = world
    fleet.control("social_insurance", decision="reject")
    headers = platform.hebei_worker_headers()
    case_id = platform.file_hebei_case(headers)
    (case,) = wait_until_finished(platform, [case_id], headers, 30, dispatcher.run_once)
    statuses = {i["code"]: i["status"] for i in case["items"]}
    assert statuses["social_insurance_registration"] == "rejected"
    assert statuses["si_fee_declaration"] == "rejected"  # it waited for the refused enrolment
    assert statuses["employment_registration"] == "approved"
    assert case["status"] == "partially_completed"
