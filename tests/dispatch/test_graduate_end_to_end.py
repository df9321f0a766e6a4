"""A graduate in Wuhan submits once; the items reach the simulated 人社, 社保, 医保, 税务, 公安
systems in dependency order; all are approved; the 社保卡 is posted; the case is completed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from dispatch_helpers import Platform, wait_until_finished

from lianban.clock import SettableClock
from lianban.connectors.simulator import SimulatorFleet
from lianban.delivery import SandboxCourier
from lianban.dispatch.worker import Dispatcher

GRADUATE_FORM: dict[str, Any] = {
    "person.mobile": "13907150000",
    "employment.flexible_form": "flexible",
    "employment.unit_name": "自由职业（软件开发外包）",
    "employment.work_region": "420111",
    "employment.handling_office": "洪山区人力资源和社会保障局",
    "employment.start_date": "2026-08-01",
    "employment.industry_code": "65",
    "employment.industry_sector": "tertiary",
    "employment.occupation": "软件开发人员",
    "subsidy.unit_name": "自由职业（软件开发外包）",
    "subsidy.pension_location": "in_province",
    "subsidy.first_month": "2026-09",
    "subsidy.handling_office": "洪山区人力资源和社会保障局",
    "subsidy.pension_paid_period": {"start": "2026-09", "end": "2026-11"},
    "subsidy.pension_subsidy_period": {"start": "2026-09", "end": "2026-11"},
    "subsidy.pension_months": 3,
    "bank.name": "中国建设银行武汉洪山支行",
    "insurance.medical.bank_code": "105521000123",
    "bank.account_name": None,  # filled below with the graduate's name
    "bank.account": "6217002870012345678",
    "insurance.pension.agency": "武汉市社会保险中心",
    "insurance.pension.first_work_date": "2026-08-01",
    "insurance.pension.first_insured_month": "2026-09",
    "insurance.pension.types": ["urban_employee_pension"],
    "insurance.medical.types": ["employee_basic_medical", "large_medical"],
    "insurance.medical.start_date": "2026-09-01",
    "insurance.medical.region": "420111",
    "insurance.medical.grade": "一档",
    "social_card.service_bank": "中国建设银行",
    "social_card.region": "420100",
    "social_card.person_category": "urban_resident",
    "social_card.collection_method": "post",
    "delivery.address": {"region": "420111", "detail": "珞喻路1037号"},
    "delivery.recipient": None,
    "delivery.recipient_mobile": "13907150000",
    "hukou.police_office": "武汉市公安局洪山区分局珞南派出所",
}


def code_of(platform: Platform, code_list: str, wanted: str) -> str:
    """The code of an option by code or label, whatever the shipped list calls it."""
    cl = platform.app.state.catalogue.code_lists[code_list]
    for c in cl.codes:
        if wanted in (c.code, c.label) or wanted in c.label:
            return str(c.code)
    return str(cl.codes[0].code)


def test_a_wuhan_graduate_files_once_and_her_card_is_posted(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, _fleet, dispatcher = world
    people = httpx.get(
        f"{platform.url}/api/v1/sandbox/people", params={"filter": "wuhan_graduate", "limit": 10}, timeout=10
    ).json()
    graduate = next(p for p in people if "wuhan_graduate" in (p.get("persona"), p.get("key")))
    headers = platform.headers(id_number=graduate["id_number"])
    form = dict(GRADUATE_FORM)
    form["bank.account_name"] = form["delivery.recipient"] = graduate["name"]
    form["employment.flexible_form"] = code_of(platform, "hubei.flexible_employment_form", "灵活就业")
    form["employment.industry_sector"] = code_of(platform, "hubei.industry_sector", "第三产业")
    form["subsidy.pension_location"] = code_of(platform, "hubei.pension_payment_location", "省内")
    form["insurance.pension.types"] = [
        code_of(platform, "hubei.pension_insurance_type", "城镇职工基本养老保险")
    ]
    form["insurance.medical.types"] = [
        code_of(platform, "hubei.medical_insurance_type", "职工基本医疗保险"),
        code_of(platform, "hubei.medical_insurance_type", "大额医疗保险"),
    ]
    form["social_card.person_category"] = code_of(platform, "hubei.social_card_person_category", "城镇居民")
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
