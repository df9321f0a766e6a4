"""Journeys through the portal's first pages, on a 390×844 phone in zh-CN, as a person would go:
find a guide by searching, log in as the Wuhan graduate and see 我的办件, switch to 长辈版."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from browser_support import PHONE, axe, elder_on, no_horizontal_scroll, screenshot
from playwright.sync_api import Browser, Page, expect

from lianban.catalog.catalogue import default_catalogue
from sandbox_cases import graduate_form

pytestmark = pytest.mark.browser

WUHAN_GRADUATE = "420602200405120263"  # persona wuhan_graduate (陈思雨)

# what a finger can hit: buttons, fields, navigation and tab links, whole theme cards
TARGETS = """minimum => [...document.querySelectorAll(
    'button, input:not([type=hidden]):not([type=radio]), select, .site-nav a, .tabs a, .breadcrumb a,'
    + ' .toc a, .site-footer a, .theme-card, .choices li, .button')]
  .filter(e => e.offsetParent !== null)
  .map(e => ({what: e.outerHTML.slice(0, 80), w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height}))
  .filter(t => t.w < minimum || t.h < minimum)"""


def small_targets(page: Page, minimum: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(TARGETS, minimum)
    return found


def test_a_person_on_a_phone_searches_and_reads_the_hubei_flexible_employment_guide(phone: Page) -> None:
    phone.goto("/")
    phone.evaluate("window.stayed = true")  # gone if the search reloaded the whole page
    phone.get_by_label("搜索一件事").fill("灵活就业")
    expect(phone.get_by_role("status")).to_have_text(re.compile("“灵活就业”：找到 [0-9]+ 个一件事"))
    assert phone.evaluate("window.stayed === true"), "the search reloaded the page instead of the list"
    assert "q=" in phone.url  # the filtered list has its own address
    expect(phone.get_by_role("link", name="员工招聘一件事")).to_have_count(0)
    hubei = phone.get_by_role("region", name="湖北省")
    hubei.get_by_role("link", name="灵活就业一件事", exact=True).click()

    expect(phone).to_have_url(re.compile("/themes/hubei.flexible-employment$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("灵活就业一件事")
    facts = phone.locator(".facts")
    expect(facts).to_contain_text("法定办结时限40 个工作日")
    expect(facts).to_contain_text("承诺办结时限2–40 个工作日")
    materials = phone.get_by_role("table", name=re.compile("申请材料"))
    hukou = materials.get_by_role("row", name=re.compile("居民户口簿"))
    expect(hukou).to_contain_text("申请人提供")
    expect(hukou).to_contain_text("个人就业登记")
    expect(materials.get_by_role("row", name=re.compile("灵活就业一件事申请表"))).to_contain_text(
        "系统生成，免提交"
    )
    items = phone.get_by_role("table", name=re.compile("涉及的事项"))
    medical = items.get_by_role("row", name=re.compile("职工参保登记"))
    expect(medical).to_contain_text("医保")
    expect(medical).to_contain_text("5 个工作日")
    outcomes = phone.locator("#outcomes").get_by_role("row", name=re.compile("跑动次数"))
    expect(outcomes).to_contain_text("10")
    expect(outcomes).to_contain_text("90%")
    no_horizontal_scroll(phone)
    assert small_targets(phone, 44) == []


def _file_graduate_case(base: str) -> str:
    token = httpx.post(f"{base}/api/v1/auth/sandbox", json={"id_number": WUHAN_GRADUATE}, timeout=10).json()
    form = graduate_form(default_catalogue().code_lists, "陈思雨")
    r = httpx.post(
        f"{base}/api/v1/applications",
        json={"theme_id": "hubei.graduate-employment", "situation": {"settle_city": "wuhan"}, "form": form},
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    case_no: str = r.json()["case_no"]  # 办件编号: what 我的办件 shows her
    return case_no


def test_the_wuhan_graduate_logs_in_on_her_phone_and_sees_her_case(phone: Page, live_server: str) -> None:
    case_no = _file_graduate_case(live_server)
    phone.goto("/my")
    expect(phone).to_have_url(re.compile(r"/login\?next=/my$"))
    phone.get_by_role("radio", name=re.compile("^陈思雨")).check()
    phone.get_by_role("button", name="以所选人员登录").click()

    expect(phone).to_have_url(re.compile("/my$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的办件")
    expect(phone.get_by_text("已登录：个人 4206")).to_be_visible()
    case = phone.get_by_role("listitem").filter(has_text=case_no)
    expect(case).to_contain_text("“高校毕业生就业”一件事")
    expect(case.locator(".status")).to_have_text(re.compile("已提交|办理中|已办结|部分办结"))
    axe(phone)
    screenshot(phone, "my-cases-journey")

    phone.get_by_role("button", name=re.compile("^退出")).click()
    expect(phone).to_have_url(re.compile("/$"))
    phone.goto("/my")
    expect(phone).to_have_url(re.compile(r"/login\?next=/my$"))


def test_a_wrong_id_number_is_told_beside_the_field_without_leaving_the_page(phone: Page) -> None:
    phone.goto("/login")
    phone.evaluate("window.stayed = true")
    number = phone.get_by_label("公民身份号码")
    number.fill(WUHAN_GRADUATE[:-1] + "5")
    phone.get_by_role("button", name="登录", exact=True).click()

    expect(number).to_have_attribute("aria-invalid", "true")  # the 422 answer's form, swapped in by htmx
    expect(number).to_have_value(WUHAN_GRADUATE[:-1] + "5")
    expect(number).to_be_focused()
    expect(phone.locator("#id-number-error")).to_contain_text("校验")
    assert phone.evaluate("window.stayed === true"), "the form was not swapped in: the page reloaded"
    axe(phone)

    number.fill(WUHAN_GRADUATE)
    phone.get_by_role("button", name="登录", exact=True).click()
    expect(phone).to_have_url(re.compile("/my$"))


def test_without_javascript_a_person_still_logs_in_and_reads_her_cases(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        locale="zh-CN",
        java_script_enabled=False,  # type: ignore[arg-type]
    )
    page = context.new_page()
    page.goto("/login?next=/my")
    page.get_by_role("radio", name=re.compile("^陈思雨")).check()
    page.get_by_role("button", name="以所选人员登录").click()
    expect(page).to_have_url(re.compile("/my$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的办件")
    page.goto("/?q=招聘")
    expect(page.get_by_role("status")).to_contain_text("“招聘”：找到 1 个一件事")
    context.close()


def test_the_elder_switch_is_kept_after_a_reload_and_makes_text_and_targets_larger(phone: Page) -> None:
    phone.goto("/themes/hubei.flexible-employment")
    switch = phone.get_by_role("button", name="长辈版")
    expect(switch).to_have_attribute("aria-pressed", "false")
    assert phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    assert small_targets(phone, 44) == []

    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    phone.reload()
    assert elder_on(phone), "长辈版 was forgotten after a reload"
    expect(phone.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "true")
    body = phone.evaluate(
        "(() => { const s = getComputedStyle(document.body);"
        " return {size: parseFloat(s.fontSize), line: parseFloat(s.lineHeight)}; })()"
    )
    assert body["size"] >= 18, body
    assert body["line"] / body["size"] >= 1.3, body
    smallest = phone.evaluate(
        "Math.min(...[...document.querySelectorAll('main p, main td, main li, main dd')]"
        ".filter(e => e.offsetParent !== null).map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest >= 18, f"text of {smallest} px in 长辈版"
    assert small_targets(phone, 60) == []
    no_horizontal_scroll(phone)
    axe(phone)

    phone.goto("/")  # remembered on every page, and switched off the same way
    assert elder_on(phone)
    assert small_targets(phone, 60) == []
    phone.get_by_role("button", name="长辈版").click()
    expect(phone.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "false")
    assert not elder_on(phone)
