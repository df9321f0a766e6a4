"""A graduate in Wuhan submits once; the items reach the simulated 人社, 社保, 医保, 税务, 公安
systems in dependency order; all are approved; the 社保卡 is posted; the case is completed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
from dispatch_helpers import Platform, wait_until_finished

from lianban.clock import SettableClock
from lianban.dispatch.worker import Dispatcher
from lianban_sandbox.courier import SandboxCourier
from lianban_sandbox.simulators import SimulatorFleet
from sandbox_cases import graduate_form


def test_a_wuhan_graduate_files_once_and_her_card_is_posted(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, _fleet, dispatcher = world
    people = httpx.get(
        f"{platform.url}/api/v1/sandbox/people", params={"filter": "wuhan_graduate", "limit": 10}, timeout=10
    ).json()
    graduate = next(p for p in people if "wuhan_graduate" in (p.get("persona"), p.get("key")))
    headers = platform.headers(id_number=graduate["id_number"])
    form = graduate_form(platform.app.state.catalogue.code_lists, graduate["name"])
    r = httpx.post(
        f"{platform.url}/api/v1/applications",
        json={"theme_id": "hubei.graduate-employment", "situation": {"settle_city": "wuhan"}, "form": form},
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    departments = {i["department"] for i in r.json()["items"]}
    assert {"hrss", "social_insurance", "medical_insurance", "tax", "public_security"} <= departments
    # 社保费申报 is done on the e-tax site: once it is her turn she follows the link and comes back
    redirected: list[str] = []

    def step() -> None:
        dispatcher.run_once()
        if redirected:
            return
        items = platform.case(case_id, headers)["items"]
        tax = next(i for i in items if i["code"] == "si_fee_declaration")
        if tax["status"] == "dispatched" and "redirect_url" in (tax.get("result") or {}):
            back = httpx.get(tax["result"]["redirect_url"], follow_redirects=True, timeout=10)
            assert back.status_code == 200 and back.json()["status"] == "approved", back.text
            redirected.append(tax["result"]["redirect_url"])

    (case,) = wait_until_finished(platform, [case_id], headers, 60, step)
    assert redirected, "the applicant was never sent to the e-tax site"
    assert case["status"] == "completed", [(i["code"], i["status"], i.get("reason")) for i in case["items"]]
    events = [(e["event"], e.get("item")) for e in case["timeline"]]
    # 社保费申报 (税务) goes only after 养老 or 医保 enrolment is approved
    first_enrolment = min(
        events.index(("approved", "pension_enrolment")), events.index(("approved", "medical_enrolment"))
    )
    assert events.index(("queued", "si_fee_declaration")) > first_enrolment
    # 档案的整理和保管 is a status lookup: its answer is the item's result, nothing is filed
    archive = next(i for i in case["items"] if i["code"] == "archive_custody_query")
    assert archive["status"] == "approved" and archive["result"]["message"]
    assert "receipt_no" not in archive
    delivery = case["delivery"]
    assert delivery["method"] == "post" and delivery["tracking_no"].startswith("EA")
    assert any(d["code"] == "social_security_card" for d in delivery["documents"])
    assert any("已全部办结" in n["text"] for n in case["notices"])
    assert ("delivery", None) in events
    # 送达跟踪: the courier is asked about the card two working days later and reports it delivered
    later = Dispatcher(
        dispatcher.sessions,
        dispatcher.catalogue,
        replace(dispatcher.config, courier=SandboxCourier()),
        clock=SettableClock(datetime.now(UTC) + timedelta(days=7)),
    )
    later.run_once()
    followed = platform.case(case_id, headers)
    assert followed["delivery"]["status"] == "delivered"
    assert any(e["event"] == "delivered" for e in followed["timeline"])
