"""Journeys through 我的办件, 好差评 and 预约 on a 390×844 phone in zh-CN, as a flexibly employed
worker in Hebei goes through them: a department sends an item back and she corrects it on the
page; she rates a finished case 非常不满意 and sees the follow-up's due date, then the
department's answer, and rates that; she books a half-day at the hall and cancels it; she
withdraws a case no department has taken yet; and 长辈版 stays on after a reload.

Every page is checked by axe in the normal mode and in 长辈版, on the phone and on a desktop.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from browser_support import axe, elder_on, no_horizontal_scroll, screenshot
from playwright.sync_api import Page, expect
from reportlab.pdfgen import canvas
from staff_world import DemoApi

from lianban.catalog.catalogue import default_catalogue
from sandbox_cases import HEBEI_WORKER

pytestmark = pytest.mark.browser

HEBEI_THEME = "hebei.flexible-employment"
HEBEI_DEPARTMENTS = sorted({it.department.value for it in default_catalogue().themes[HEBEI_THEME].items})

# what a finger taps: buttons, fields, links that look like buttons, whole rows of choices, the menu
TARGETS = """minimum => [...document.querySelectorAll(
    'main button, main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main select,'
    + ' main textarea, main .button, .level-list li, .ticks li, .slots li, .site-nav a, .breadcrumb a,'
    + ' .elder-switch button')]
  .filter(e => e.offsetParent !== null)
  .map(e => ({what: e.outerHTML.slice(0, 80), w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height}))
  .filter(t => t.w < minimum || t.h < minimum)"""


@pytest.fixture(scope="module")
def api(live_server: str) -> Iterator[DemoApi]:
    demo = DemoApi(live_server)
    yield demo
    for department in HEBEI_DEPARTMENTS:  # the next tests find the demo as it was
        demo.simulate(department, decision="approve", available=True)


def route_all(api: DemoApi, mode: str) -> None:
    """Send the Hebei departments' new items to the staff worklist (or back to their systems),
    with one operator login (logins are rate-limited per account)."""
    operator = api.staff("operator")
    for department in HEBEI_DEPARTMENTS:
        r = api.http.put(f"/api/v1/operator/departments/{department}", json={"mode": mode}, headers=operator)
        assert r.status_code == 200, r.text


def log_in(page: Page, id_number: str, then: str) -> None:
    page.goto(f"/login?next={then}")
    page.get_by_label("公民身份号码").fill(id_number)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(lambda url: urlsplit(url).path == then)  # not the login page's own ?next=


def small_targets(page: Page, minimum: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(TARGETS, minimum)
    return found


def both_modes(page: Page, name: str) -> None:
    """axe and a screenshot in the normal mode, then in 长辈版 (bigger text and targets), then back."""
    assert not elder_on(page)
    axe(page)
    no_horizontal_scroll(page)
    assert small_targets(page, 44) == []
    screenshot(page, name)
    with page.expect_navigation():
        page.get_by_role("button", name="长辈版").click()
    expect(page.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "true")
    axe(page)
    no_horizontal_scroll(page)
    assert small_targets(page, 60) == [], "tap targets under 60 px in 长辈版"
    smallest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('main p, main li, main dd, main label, main td')]"
        ".filter(e => e.offsetParent !== null).map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest >= 18, f"text of {smallest} px in 长辈版"
    screenshot(page, name)
    with page.expect_navigation():
        page.get_by_role("button", name="长辈版").click()
    expect(page.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "false")


def on_desktop_too(desktop: Page, id_number: str, path: str, name: str) -> None:
    log_in(desktop, id_number, path)
    both_modes(desktop, name)


def contract_pdf() -> bytes:
    """Her labour contract, scanned to a one-page PDF."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Labour contract (scan)")
    page.save()
    return out.getvalue()


def china_today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_a_hebei_worker_answers_a_correction_request_on_her_phone(
    phone: Page, desktop: Page, api: DemoApi
) -> None:
    api.simulate("hrss", decision="correct")  # 人社 sends employment registration back
    case_id, applicant = api.file_hebei_case()
    api.wait_for(
        "人社 sends the item back",
        lambda: api.item(case_id, applicant, "employment_registration")["status"] == "correction_required",
    )
    api.simulate("hrss", decision="approve")
    worker = api.persona(HEBEI_WORKER)["id_number"]

    case_no = api.case(case_id, applicant)["case_no"]  # 办件编号, as she knows her case
    log_in(phone, worker, "/my")
    phone.get_by_role("link", name=re.compile(f"查看进度.*{case_no}")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("灵活就业“一件事一次办”")
    hrss = phone.get_by_role("article", name=re.compile("^人社"))
    expect(hrss).to_contain_text("需要补正")
    expect(hrss).to_contain_text("要求补正")  # the department's reason, in its words
    expect(phone.get_by_role("link", name="受理回执（PDF）")).to_be_visible()
    both_modes(phone, "my-case")

    phone.get_by_role("link", name="去补正").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("补正材料和信息")
    expect(phone.get_by_text("就业登记")).not_to_have_count(0)
    expect(phone.get_by_label("就业地所在县市（区）")).to_have_value("130104")  # what she filed
    expect(phone.get_by_label("工作描述/单位名称")).to_be_visible()
    # only the returned item's fields: the social insurance item's own fields are not asked again
    expect(phone.get_by_label(re.compile("参保险种"))).to_have_count(0)
    both_modes(phone, "correction")
    on_desktop_too(desktop, worker, f"/my/{case_id}/correct", "correction")

    phone.evaluate("window.stayed = true")
    contract = phone.get_by_label(re.compile("^户口簿或有效期内劳动合同"))
    contract.set_input_files({"name": "合同.txt", "mimeType": "text/plain", "buffer": "劳动合同".encode()})
    phone.get_by_role("button", name="重新提交").click()
    expect(contract).to_have_attribute("aria-invalid", "true")  # a text file is not the PDF asked for
    expect(phone.locator("#m-hukou_book_or_contract .error")).to_contain_text("PDF")
    assert phone.evaluate("window.stayed === true"), "the answer replaced the page instead of the form"

    region = phone.get_by_label("就业地所在县市（区）")
    region.fill("139999")
    phone.get_by_label("工作描述/单位名称").fill("网约配送员（某外卖平台）")
    contract.set_input_files(
        {"name": "劳动合同.pdf", "mimeType": "application/pdf", "buffer": contract_pdf()}
    )
    phone.get_by_role("button", name="重新提交").click()
    expect(region).to_have_attribute("aria-invalid", "true")
    expect(phone.locator(".field.invalid .error")).to_contain_text("139999")
    expect(phone.get_by_label("工作描述/单位名称")).to_have_value("网约配送员（某外卖平台）")  # kept
    expect(phone.locator("#m-hukou_book_or_contract")).to_contain_text("已上传“劳动合同.pdf”")  # kept too
    axe(phone)
    screenshot(phone, "correction-error")

    region.fill("130102")
    phone.get_by_role("button", name="重新提交").click()
    expect(phone.get_by_role("status")).to_contain_text("补正内容已重新提交")
    api.wait_for(  # the simulated 人社 decides the new request (its messages count from 1 again)
        "the corrected item approved",
        lambda: api.item(case_id, applicant, "employment_registration")["status"] == "approved",
    )
    phone.reload()
    expect(phone.get_by_role("article", name=re.compile("^人社"))).to_contain_text("已办结")
    expect(phone.get_by_text("补正后重新提交").first).to_be_visible()
    on_desktop_too(desktop, worker, f"/my/{case_id}", "my-case")


def test_a_very_dissatisfied_rating_opens_a_follow_up_whose_answer_she_rates(
    phone: Page, desktop: Page, api: DemoApi, live_server: str
) -> None:
    """She rates the whole case 非常不满意 and names 人社, whose registration result never reached
    her: the 差评 goes to 人社 alone for 核实、整改、反馈, not to every department of the case."""
    case_id, applicant = api.file_hebei_case()
    api.wait_for("every department done", lambda: api.case(case_id, applicant)["status"] == "completed")
    due = api.http.get(
        "/api/v1/calendar/due-date", params={"start": china_today(), "working_days": 15}
    ).json()["due_date"]
    worker = api.persona(HEBEI_WORKER)["id_number"]

    log_in(phone, worker, f"/my/{case_id}")
    phone.get_by_role("link", name="评价与整改反馈").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("好差评")
    both_modes(phone, "rating")
    on_desktop_too(desktop, worker, f"/my/{case_id}/rating", "rating")
    phone.get_by_label("评价对象").select_option(label="整个办件")
    phone.get_by_label("非常不满意").check()
    phone.get_by_label("多次跑腿").check()
    phone.get_by_role("group", name=re.compile("评价的部门")).get_by_label("人力资源社会保障部门").check()
    phone.get_by_label("意见和建议（选填）").fill("就业登记结果短信没有收到，打了三次电话才查到。")
    phone.get_by_role("button", name="提交评价").click()

    expect(phone.get_by_role("status")).to_contain_text("转交相关部门核实整改")
    expect(phone.get_by_role("region", name="我的评价")).to_contain_text("整个办件：非常不满意")
    follow_ups = phone.get_by_role("region", name="差评整改")
    expect(follow_ups.get_by_role("article")).to_have_count(1)  # the department she named, only
    hrss = follow_ups.get_by_role("article", name=re.compile("人力资源社会保障"))
    expect(hrss).to_contain_text("待核实")
    expect(hrss.get_by_role("definition").filter(has_text=due)).to_have_text(f"{due} 前")  # 15 working days
    both_modes(phone, "rating-follow-up")

    follow_up = next(
        f
        for f in api.http.get(f"/api/v1/applications/{case_id}/rating", headers=applicant).json()[
            "follow_ups"
        ]
        if f["department"] == "hrss"
    )
    staff = api.staff("hrss")
    for status, words in (
        ("contacted", "已电话联系申请人核实情况"),
        ("rectified", "已补发办理结果短信，并优化短信通知流程"),
    ):
        r = api.http.post(
            f"/api/v1/follow-ups/{follow_up['follow_up_id']}/answer",
            json={"status": status, "answer": words},
            headers=staff,
        )
        assert r.status_code == 200, r.text
    phone.reload()
    hrss = phone.get_by_role("region", name="差评整改").get_by_role(
        "article", name=re.compile("人力资源社会保障")
    )
    expect(hrss).to_contain_text("已补发办理结果短信")
    hrss.get_by_label("满意", exact=True).check()
    hrss.get_by_role("button", name="评价整改结果").click()
    expect(phone.get_by_role("status")).to_contain_text("已收到您对整改结果的评价")
    expect(
        phone.get_by_role("region", name="差评整改").get_by_role(
            "article", name=re.compile("人力资源社会保障")
        )
    ).to_contain_text("您对整改的评价：满意")
    desktop.goto(f"/my/{case_id}/rating")  # logged in above
    both_modes(desktop, "rating-follow-up")


def test_she_books_a_half_day_at_the_hall_and_cancels_it(phone: Page, desktop: Page, api: DemoApi) -> None:
    worker = api.persona(HEBEI_WORKER)["id_number"]
    log_in(phone, worker, "/appointments")
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的预约")
    both_modes(phone, "appointments")
    phone.get_by_role("link", name="预约到大厅办理").click()
    phone.get_by_label("政务服务大厅").select_option(label="石家庄市民服务中心")
    phone.get_by_role("button", name="查看可预约时段").click()
    expect(phone.get_by_role("heading", name="石家庄市民服务中心")).to_be_visible()
    slots = phone.locator(".slots input:not([disabled])")
    expect(slots.first).to_be_visible()
    days = phone.locator(".slot-date").all_text_contents()
    assert len(days) == 5 and not any("星期六" in d or "星期日" in d for d in days), days  # working days
    both_modes(phone, "appointment-new")
    on_desktop_too(desktop, worker, "/appointments/new", "appointment-new-hall")
    desktop.goto("/appointments/new?hall=shijiazhuang-citizen-center")
    both_modes(desktop, "appointment-new")
    chosen = slots.first.get_attribute("value") or ""
    places = phone.locator(f'.slots li:has(input[value="{chosen}"]) .free')
    free_before = int(re.sub(r"\D", "", places.inner_text()))
    slots.first.check()
    phone.get_by_label("办理的事（选填）").select_option(label="灵活就业“一件事一次办”")
    phone.get_by_role("button", name="确认预约").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("预约详情")
    expect(phone.get_by_role("status")).to_contain_text("预约成功")
    booking_no = phone.locator(".booking-no strong").inner_text()
    assert re.fullmatch(r"YY\d{6}[AP][0-9A-F]{6}", booking_no), booking_no
    sms = phone.get_by_role("region", name="短信和消息").get_by_role("listitem").filter(has_text="短信")
    expect(sms).to_contain_text(f"预约号 {booking_no}")  # the SMS, as the sandbox's gateway recorded it
    both_modes(phone, "appointment")
    desktop.goto(phone.url.split("?")[0])
    both_modes(desktop, "appointment")
    desktop.goto("/appointments")
    both_modes(desktop, "appointments")

    # one booking per person per day: the other half of the same day is refused, the choice kept
    phone.goto("/appointments/new?hall=shijiazhuang-citizen-center")
    expect(places).to_have_text(f"余 {free_before - 1} 个")
    same_day = phone.locator(f'.slots input[value^="{chosen.split("|")[0]}"]:not([value="{chosen}"])')
    same_day.check()
    phone.get_by_role("button", name="确认预约").click()
    expect(phone.locator("#slot-error")).to_contain_text("每人每天只能预约 1 次")
    expect(same_day).to_be_checked()
    axe(phone)

    phone.get_by_role("link", name="我的预约").first.click()
    phone.get_by_role("link", name=re.compile(f"查看或取消.*{booking_no}")).click()
    phone.get_by_role("button", name="取消预约").click()
    expect(phone.get_by_role("status")).to_contain_text("预约已取消")
    expect(phone.get_by_role("row", name=re.compile(booking_no))).to_contain_text("已取消")
    phone.goto("/appointments/new?hall=shijiazhuang-citizen-center")
    expect(places).to_have_text(f"余 {free_before} 个")  # her place is free again


def test_she_withdraws_a_case_no_department_has_taken_yet(phone: Page, desktop: Page, api: DemoApi) -> None:
    route_all(api, "worklist")  # the items wait on the platform's own worklist, undecided
    try:
        case_id, applicant = api.file_hebei_case()
        api.wait_for(  # every item sent (to the worklist) or waiting for one, before the systems are back
            "the items on the worklist",
            lambda: {i["status"] for i in api.case(case_id, applicant)["items"]} <= {"dispatched", "waiting"},
        )
    finally:
        route_all(api, "system")
    worker = api.persona(HEBEI_WORKER)["id_number"]
    log_in(phone, worker, f"/my/{case_id}")
    phone.get_by_role("link", name="撤回申请").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("撤回申请")
    both_modes(phone, "withdraw")
    on_desktop_too(desktop, worker, f"/my/{case_id}/withdraw", "withdraw")
    phone.get_by_label("撤回原因（选填）").fill("已找到新工作，改由单位办理参保。")
    phone.get_by_role("button", name="确认撤回").click()

    expect(phone.get_by_role("status")).to_contain_text("您的申请已撤回")
    expect(phone.locator(".tag.status").first).to_have_text("已撤回")
    expect(phone.get_by_role("link", name="撤回申请")).to_have_count(0)
    expect(phone.get_by_role("article", name=re.compile("^人社"))).to_contain_text("申请已撤回")
    assert api.case(case_id, applicant)["status"] == "withdrawn"


def test_the_elder_mode_stays_on_after_a_reload_of_my_cases(phone: Page, desktop: Page, api: DemoApi) -> None:
    worker = api.persona(HEBEI_WORKER)["id_number"]
    log_in(phone, worker, "/my")
    both_modes(phone, "my-cases-list")
    phone.get_by_role("button", name="长辈版").click()
    # the switch is a form: its answer lands before the reload, or the reload races the navigation
    expect(phone.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "true")
    phone.reload()
    assert elder_on(phone), "长辈版 was forgotten after a reload"
    phone.goto("/appointments")
    assert elder_on(phone), "长辈版 is not on the next page"
    phone.goto("/my/cases")  # an address people guess (and the province's login may bring them back to)
    expect(phone).to_have_url(re.compile(r"/my$"))
    assert small_targets(phone, 60) == []
    on_desktop_too(desktop, worker, "/my", "my-cases-list")
