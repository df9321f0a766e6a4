"""Journeys at the staff desks on a 1366×768 desktop, keyboard and mouse, against ``lianban demo``:
a 医保 reviewer decides in her worklist, cannot open another department's item by its address,
an operator retries what a department that was down could not take. axe-core on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import DESKTOP, axe, screenshot
from playwright.sync_api import Browser, Page, expect
from staff_world import DemoApi, log_in_as_staff

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def api(live_server: str) -> Iterator[DemoApi]:
    demo = DemoApi(live_server)
    yield demo
    for department in ("medical_insurance", "hrss"):  # the next tests find the demo as it was
        demo.route(department, "system")
    demo.simulate("archives", available=True)


def test_a_medical_insurance_reviewer_sees_only_her_items_and_approves_one_with_a_result(
    desktop: Page, api: DemoApi, browser: Browser, live_server: str
) -> None:
    for department in ("medical_insurance", "hrss"):  # both without their systems for a while
        api.route(department, "worklist")
    case_id, applicant = api.file_hebei_case()
    api.wait_for(
        "the 医保 item on the worklist",
        lambda: api.item(case_id, applicant, "medical_enrolment")["status"] == "dispatched",
    )

    log_in_as_staff(desktop, "medical_insurance", "/staff/worklist")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("部门工作台")
    case_no = api.case(case_id, applicant)["case_no"]  # 办件编号, as her receipt says
    rows = desktop.get_by_role("row").filter(has_text=case_no)
    expect(rows).to_have_count(1)  # her department's item; the 人社 item of the same case is not hers
    expect(rows).to_contain_text("基本医疗保险参保和变更登记")
    expect(rows).to_contain_text("剩 15 个工作日")
    axe(desktop)
    screenshot(desktop, "staff/worklist")

    desktop.get_by_label("时限").select_option("overdue")  # filters without leaving the page
    expect(desktop.get_by_role("row").filter(has_text=case_no)).to_have_count(0)
    desktop.get_by_label("时限").select_option("all")
    # the demo's own waiting items come first (one is overdue): hers is opened from her row
    desktop.get_by_role("row").filter(has_text=case_no).get_by_role(
        "link", name="基本医疗保险参保和变更登记"
    ).click()

    expect(desktop.get_by_role("heading", level=1)).to_have_text("基本医疗保险参保和变更登记")
    payload = desktop.get_by_role("table", name=re.compile("本部门业务系统"))
    expect(payload.get_by_role("row", name=re.compile("certno"))).to_contain_text("公民身份号码")
    expect(payload.get_by_role("row", name=re.compile("gend"))).to_contain_text(re.compile("男|女"))
    axe(desktop)
    screenshot(desktop, "staff/worklist-item")

    desktop.get_by_label("办结（准予）").check()
    desktop.get_by_label(re.compile("办结结果编号")).fill("YB1301002026000123")
    desktop.get_by_role("button", name="提交决定").click()
    expect(desktop.get_by_role("status")).to_have_text("已办结")
    # the result in the item's facts (its e-certificate, once issued, lists the number too)
    expect(desktop.get_by_role("region", name="办件信息").get_by_text("YB1301002026000123")).to_be_visible()

    item = api.item(case_id, applicant, "medical_enrolment")  # what the applicant's case shows
    assert item["status"] == "approved" and item["result"]["number"] == "YB1301002026000123"
    her = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="zh-CN")
    mine = her.new_page()
    mine.goto("/login?next=/my")
    mine.get_by_role("radio", name=re.compile("^马志强")).check()
    mine.get_by_role("button", name="以所选人员登录").click()
    expect(mine.get_by_role("heading", level=1)).to_have_text("我的办件")
    expect(mine.get_by_text(case_no, exact=True)).to_be_visible()  # her case, on her page
    mine.get_by_role("link", name=re.compile(f"查看进度.*{case_no}")).click()
    expect(mine).to_have_url(re.compile(f"/my/{case_id}$"))
    expect(mine.get_by_text("YB1301002026000123")).to_be_visible()  # the 医保 decision's result
    her.close()

    desktop.goto(f"/staff/worklist/items/{case_id}~employment_registration")  # 人社's, by its address
    expect(desktop.get_by_role("heading", level=1)).to_have_text("未找到")
    assert "certno" not in desktop.content()
    axe(desktop)


def test_an_operator_retries_a_send_once_the_department_is_back_and_the_item_completes(
    desktop: Page, api: DemoApi
) -> None:
    api.simulate("archives", available=False)
    case_id, applicant = api.file_hebei_case()
    api.wait_for(
        "the archives item failed after its attempts",
        lambda: api.item(case_id, applicant, "archive_receipt_transfer")["status"] == "failed",
    )

    case_no = api.case(case_id, applicant)["case_no"]  # 办件编号, the number she would quote
    log_in_as_staff(desktop, "operator", "/staff/operator")
    failed_table = desktop.get_by_role("region", name="推送失败的事项").get_by_role("table")
    failed = failed_table.get_by_role("row").filter(has_text=case_no)
    expect(failed).to_contain_text("archive_receipt_transfer")
    expect(failed_table).not_to_contain_text(case_id)  # not the case's internal id
    expect(failed).to_contain_text("503")
    departments = desktop.get_by_role("region", name="部门系统与推送方式")
    archives = departments.get_by_role("row").filter(has_text="人才服务/档案管理机构")
    expect(archives).to_contain_text("不可达")
    # the demo's simulated archives system is its system: new items go there, and can be switched
    expect(archives).to_contain_text("部门业务系统")
    expect(archives).not_to_contain_text("未配置系统")
    expect(archives.get_by_role("button", name=re.compile("^改由工作台办理"))).to_be_visible()
    axe(desktop)
    screenshot(desktop, "staff/operator")

    api.simulate("archives", available=True)  # the department is back
    failed.get_by_role("button", name=re.compile("^重试")).click()
    expect(desktop.get_by_role("status")).to_contain_text("已重新排队推送：1 项")
    api.wait_for(
        "the archives item approved after the retry",
        lambda: api.item(case_id, applicant, "archive_receipt_transfer")["status"] == "approved",
    )
    desktop.reload()
    expect(desktop.get_by_role("row").filter(has_text=case_no)).to_have_count(0)
