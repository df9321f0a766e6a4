"""An employer answers a 补正 on its phone (390×844, zh-CN), against a running ``lianban demo``: a
Shangrao factory files three new hires (上饶 员工招聘一件事); 社保经办, deciding in lianban's worklist,
sends back the second hire's 社会保险企业职工参保登记 because the declared wage is wrong; the
employer opens 我的办件, finds that one employee's row with only the 参保登记's columns (the
verified ones locked), types a wrong wage first — the error appears beside the cell, the other
values stay — then the right one, and the item goes out again and is approved.

axe runs on the page in the normal mode and in 长辈版, on the phone and on a desktop; the page is
photographed (``LIANBAN_SCREENSHOTS=1``) as ``correction-employees-*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from browser_support import axe, screenshot
from playwright.sync_api import Page, expect
from staff_world import DemoApi
from test_mycases_journeys import both_modes

from lianban.catalog.catalogue import default_catalogue
from lianban_sandbox.registry import sandbox_hires
from support.employers import shangrao_form

pytestmark = pytest.mark.browser

THEME = "shangrao.recruitment"
REASON = "第2名员工申报工资与劳动合同约定不一致，请更正申报工资"


@pytest.fixture
def api(live_server: str) -> Iterator[DemoApi]:
    demo = DemoApi(live_server)
    demo.route("social_insurance", "worklist")  # 社保经办 decides in lianban's worklist
    try:
        yield demo
    finally:
        demo.route("social_insurance", "system")  # the next tests find the demo as it was


def employer(api: DemoApi) -> dict[str, Any]:
    employers = api.http.get("/api/v1/sandbox/employers", params={"filter": "shangrao_employer"}).json()
    found: dict[str, Any] = next(e for e in employers if e["persona"] == "shangrao_employer")
    return found


def file_three_hires(api: DemoApi, uscc: str) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    """The factory files three new hires with all four items (over the API: the apply pages have
    their own journey)."""
    headers = api.token(uscc=uscc)
    rows = sandbox_hires(3, THEME, seed=12, catalogue=default_catalogue())
    form = shangrao_form(rows)
    r = api.http.post("/api/v1/applications", json={"theme_id": THEME, "form": form}, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"]), headers, rows


def status(api: DemoApi, case_id: str, headers: dict[str, str], item_id: str) -> str:
    code, employee = item_id.split("#")
    found = next(
        i
        for i in api.case(case_id, headers)["items"]
        if i["code"] == code and i.get("employee") == int(employee)
    )
    return str(found["status"])


def decide(api: DemoApi, case_id: str, item_id: str, **decision: Any) -> None:
    r = api.http.post(
        f"/api/v1/worklist/{quote(f'{case_id}~{item_id}')}/decision",
        json=decision,
        headers=api.staff("social_insurance"),
    )
    assert r.status_code == 200, r.text


def log_in_as_employer(page: Page, uscc: str, then: str) -> None:
    page.goto(f"/login?as=employer&next={quote(then)}")
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(lambda url: urlsplit(url).path == then)


def test_a_shangrao_employer_corrects_one_hires_wage_on_its_phone(
    phone: Page, desktop: Page, api: DemoApi
) -> None:
    uscc = str(employer(api)["uscc"])
    case_id, headers, rows = file_three_hires(api, uscc)
    pension = [f"pension_enrolment#{i}" for i in range(3)]
    api.wait_for(
        "社保经办's three items on its worklist",
        lambda: all(status(api, case_id, headers, p) == "dispatched" for p in pension),
    )
    decide(api, case_id, pension[1], decision="correct", reason=REASON)
    decide(api, case_id, pension[0], decision="approve")
    decide(api, case_id, pension[2], decision="approve")
    api.route("social_insurance", "system")  # the corrected item goes to 社保's system this time
    case_no = api.case(case_id, headers)["case_no"]

    log_in_as_employer(phone, uscc, "/my")
    phone.get_by_role("link", name=re.compile(f"查看进度.*{case_no}")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("员工招聘一件事")
    expect(phone.get_by_text(REASON).first).to_be_visible()
    phone.get_by_role("link", name="去补正").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("补正材料和信息")
    hire = phone.get_by_role("group", name=re.compile("^员工 2"))
    expect(hire).to_be_visible()
    expect(phone.locator(".employee")).to_have_count(1)  # the two other hires are not asked again
    expect(hire).to_contain_text(REASON)
    wage = hire.get_by_label(re.compile("^申报工资（元/月）"))
    expect(wage).to_have_value(str(rows[1]["employment.monthly_wage"]))  # what was filed
    mobile = hire.get_by_label(re.compile("^手机号码"))
    expect(mobile).to_have_value(rows[1]["person.mobile"])
    # the population register's values are locked and masked; the housing fund's columns (another
    # item) and the ID number are not asked
    name = hire.locator("#f-employees-1-person-name")
    expect(name).to_contain_text("已核验")
    expect(name).to_contain_text(re.compile(r"^.*\S\*+", re.S))
    expect(hire.get_by_label(re.compile("^姓名"))).to_have_count(0)
    expect(hire.get_by_label(re.compile("^月缴存基数"))).to_have_count(0)
    expect(hire.get_by_label(re.compile("^公民身份号码"))).to_have_count(0)
    both_modes(phone, "correction-employees")
    log_in_as_employer(desktop, uscc, f"/my/{case_id}/correct")
    both_modes(desktop, "correction-employees")

    phone.evaluate("window.stayed = true")
    wage.fill("四千五")
    mobile.fill("13907930123")
    phone.get_by_role("button", name="重新提交").click()
    expect(wage).to_have_attribute("aria-invalid", "true")
    expect(hire.locator("#f-employees-1-employment-monthly-wage-error")).to_contain_text("金额")
    expect(phone.get_by_role("alert")).to_contain_text("员工 2")
    expect(mobile).to_have_value("13907930123")  # the other values typed stay
    expect(wage).to_have_value("四千五")
    assert phone.evaluate("window.stayed === true"), "the answer replaced the page instead of the form"
    axe(phone)
    screenshot(phone, "correction-employees-error")

    wage.fill("4800")
    phone.get_by_role("button", name="重新提交").click()
    expect(phone.get_by_role("status")).to_contain_text("补正内容已重新提交")
    api.wait_for(
        "the corrected item approved by 社保's system",
        lambda: status(api, case_id, headers, pension[1]) == "approved",
    )
    filed = api.case(case_id, headers)
    assert {i["status"] for i in filed["items"] if i["code"] == "pension_enrolment"} == {"approved"}
    phone.reload()
    expect(phone.get_by_text("补正后重新提交").first).to_be_visible()
    expect(phone.get_by_role("link", name="去补正")).to_have_count(0)
