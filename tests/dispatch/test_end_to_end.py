"""One application, many departments, over real HTTP: a flexible worker in Hebei files once; the
dispatcher sends each sub-item to its simulated department in dependency order; the departments
decide and call back (signed); the case completes with a full timeline."""

from __future__ import annotations

import httpx
from dispatch_helpers import Platform, wait_until_finished

from lianban.dispatch.worker import Dispatcher
from lianban_sandbox.simulators import SimulatorFleet
from sandbox_cases import zibo_hire


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
    # the case's completion is its last step; after it only what its events bring (证照, 送达)
    done = events.index(("case_completed", None))
    assert {event for event, _ in events[done + 1 :]} <= {"certificate_issued", "delivery"}
    assert sum(fleet.stats(d)["records"] for d in fleet.urls()) == 6  # one department record per sub-item
    # each exchange is logged with the hash of what was sent and the key that signed it
    from sqlalchemy import select

    from lianban.cases.schema import AuditEntry

    with platform.app.state.sessions() as session:
        pushes = (
            session.execute(
                select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.action == "push")
            )
            .scalars()
            .all()
        )
    assert len(pushes) == 6
    assert all(len(p.detail["sha256"]) == 64 and p.detail["key_id"] for p in pushes)
    metrics = httpx.get(f"{platform.url}/metrics", timeout=10).text
    assert 'lianban_dispatch_latency_seconds{quantile="0.99"}' in metrics
    assert 'lianban_cases{status="completed",theme="hebei.flexible-employment"} 1.0' in metrics


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


def test_a_zibo_employer_hiring_three_people_gets_all_eighteen_sub_items_done(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    from stdnum.cn import ric

    platform, fleet, dispatcher = world
    employers = httpx.get(f"{platform.url}/api/v1/sandbox/employers", timeout=10).json()
    employer = next(e for e in employers if "zibo_employer_with_fund" in (e.get("persona"), e.get("key")))
    headers = platform.headers(uscc=employer["uscc"])
    hub = platform.app.state.sharing
    hires: list[str] = []
    for seq in range(100, 400, 7):  # three people living in Zibo with no Shandong card yet
        body = f"37030319980412{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        facts = hub.facts(id_number=number, province_code="370300")
        if facts.get("resident_in_province") and not facts.get("holds_social_card_in_province"):
            hires.append(number)
        if len(hires) == 3:
            break
    rows = [zibo_hire(n) for n in hires]
    agent = "37030319850101122"
    form = {
        "employer.agent_name": "王芳",
        "employer.agent_id_number": agent + ric.calc_check_digit(agent + "0"),
        "employer.agent_phone": "0533-2181234",
        "employees": rows,
    }
    r = httpx.post(
        f"{platform.url}/api/v1/applications",
        json={"theme_id": "zibo.unit-employment", "form": form},
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["items"]) == 18
    (case,) = wait_until_finished(platform, [r.json()["case_id"]], headers, 60, dispatcher.run_once)
    assert case["status"] == "completed"
    assert len([i for i in case["items"] if i["status"] == "approved"]) == 18
    assert sum(fleet.stats(d)["records"] for d in fleet.urls()) == 18
    # three 社会保障卡, each posted to the employee it is for
    cards = [d for dl in case["deliveries"] for d in dl["documents"] if d["code"] == "social_security_card"]
    assert len(cards) == 3
    assert all(dl["method"] == "post" and dl["tracking_no"] for dl in case["deliveries"])
